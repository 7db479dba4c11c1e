"""The one sanitising helper for text that reaches Discord or a terminal."""

from __future__ import annotations

import re
import unicodedata

from bot.constants import QUERY_MAX_CHARS
from bot.domain.markdown import escape_markdown
from bot.errors import BadQuestion
from bot.i18n import N_, Text

#: What a typed text is called in the messages about it (`clean_query`'s `what`).
_WHAT = {
    "question": Text(N_("question")),
    "message": Text(N_("message")),
    "search": Text(N_("search")),
    "speaker name": Text(N_("speaker name")),
}

_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>|<@&\d+>")
#: Characters that change how text around them is shown without being seen themselves:
#: bidirectional overrides, embeddings and isolates (U+202A–202E, U+2066–2069, marks), zero-width
#: and joiner characters, invisible separators and fillers, the byte-order mark, soft hyphen.
_INVISIBLE = (
    "\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200c-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
)
_C0_C1 = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_C0_C1}\u200b{_INVISIBLE}]")
#: The same but keeping U+200B: `neutralise_mentions` puts it in a mention to make it inert.
_SHOWN_INVISIBLE = re.compile(f"[{_C0_C1}{_INVISIBLE}]")
_MAX_COMBINING_RUN = 2


def neutralise_mentions(text: str) -> str:
    """Make every @everyone/@here, user, role and channel mention inert (zero-width space)."""
    return _MENTION.sub(
        lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<#\u200b"), text
    )


def strip_zalgo(text: str) -> str:
    """Drop stacked combining marks beyond two on one character."""
    out: list[str] = []
    run = 0
    for char in text:
        if unicodedata.combining(char):
            run += 1
            if run > _MAX_COMBINING_RUN:
                continue
        else:
            run = 0
        out.append(char)
    return "".join(out)


def clean_query(
    text: str | None,
    *,
    required: bool = True,
    max_chars: int = QUERY_MAX_CHARS,
    what: str = "question",
) -> str:
    """Validate and tidy a user's question; raise BadQuestion with a short reason."""
    text = strip_zalgo(_CONTROL.sub(" ", text or ""))
    text = " ".join(text.split())
    if not text:
        if required:
            raise BadQuestion(
                "Please type a {what} — for example `who directed it`.", what=_WHAT.get(what, what)
            )
        return ""
    if len(text) > max_chars:
        raise BadQuestion(
            "That {what} is {length} characters long; please keep it under {limit}.",
            what=_WHAT.get(what, what),
            length=len(text),
            limit=max_chars,
        )
    return text


def quote_user_text(text: str, limit: int = 80) -> str:
    """Echo a user's words back safely: shortened, markdown escaped, mentions inert."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return neutralise_mentions(escape_markdown(text))


def safe_display(text: str) -> str:
    """Stored text (shipped or from moderators) made safe to show: markdown kept, pings inert,
    control, bidirectional-override and invisible characters removed."""
    return neutralise_mentions(_CONTROL.sub("", text))


def strip_invisible(text: str) -> str:
    """The last pass before text is shown (the card renderers): no control, bidirectional or
    invisible character, whatever path the text took — except the zero-width space that keeps
    a neutralised mention inert."""
    return _SHOWN_INVISIBLE.sub("", text)
