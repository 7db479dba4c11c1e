"""The one sanitising helper for text that reaches Discord or a terminal."""

from __future__ import annotations

import re
import unicodedata

from bot.constants import QUERY_MAX_CHARS
from bot.domain.markdown import escape_markdown
from bot.errors import BadQuestion

_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>|<@&\d+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064]")
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
            raise BadQuestion(f"Please type a {what} — for example `who directed it`.")
        return ""
    if len(text) > max_chars:
        raise BadQuestion(
            f"That {what} is {len(text)} characters long; please keep it under {max_chars}."
        )
    return text


def quote_user_text(text: str, limit: int = 80) -> str:
    """Echo a user's words back safely: shortened, markdown escaped, mentions inert."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return neutralise_mentions(escape_markdown(text))


def safe_display(text: str) -> str:
    """Stored text (shipped or from moderators) made safe to show: markdown kept, pings inert."""
    return neutralise_mentions(_CONTROL.sub("", text))
