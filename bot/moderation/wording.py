"""How moderator actions are worded: names of entries and records, short inline values, problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot import constants as c
from bot.domain.markdown import escape_markdown
from bot.domain.models import AuditRecord, Entry, PackProblems
from bot.domain.pack import (
    parse_entry,
)
from bot.domain.safety import neutralise_mentions, safe_display
from bot.domain.text import clip
from bot.moderation.types import (
    KIND_WORDS,
    MODERATOR_SETTINGS,
    SETTINGS,
)


def _quote_title(entry: Entry) -> str:
    """The title the pack format gives a quote without one (the start of its text)."""
    problems = PackProblems()
    raw = {
        "id": "x",
        "text": entry.text,
        "speaker": "x",
        "source_name": "x",
        "source_url": "https://example.org",
    }
    parsed = parse_entry("quote", raw, "quote", problems)
    return parsed.title if parsed is not None else ""


def _inline(text: str, limit: int = 60) -> str:
    """User text to put inside `code`: no backticks, no pings, short."""
    return neutralise_mentions(clip(safe_display(text).replace("`", "'"), limit))


def shown(text: str, limit: int = 120) -> str:
    """User text shown as typed but inert: clipped, markdown escaped, mentions neutralised."""
    flat = " / ".join(line.strip() for line in text.splitlines() if line.strip())
    return neutralise_mentions(escape_markdown(clip(safe_display(flat), limit)))


def _group(kind: str) -> str:
    return "event" if kind == "awards" else kind


#: Stored fields in words (what changed, in an edit conflict).
FIELD_WORDS: Final = {
    "title": "the title",
    "name": "the name",
    "answer": "the answer",
    "text": "the text",
    "outcome": "the outcome",
    "aliases": "the other names",
    "tags": "the tags",
    "source_name": "the source",
    "source_url": "the source URL",
    "spoiler": "the spoiler mark",
    "speaker": "the speaker",
    "occasion": "the occasion",
    "said_on": "the date said",
    "section": "the section",
    "ceremony": "the ceremony",
    "starts_at": "the date",
    "date_only": "the date",
}

_FRIENDLY_FIELDS: Final = {
    "source_url": "Source URL",
    "source_name": "Source",
    "said_on": "Said on",
    "aliases": "Other names",
}


def _problem_text(problems: Sequence[str]) -> str:
    """Validation problems of a form, in the form's words (they echo no typed text)."""
    friendly = []
    for problem in problems[:8]:
        for name, label in _FRIENDLY_FIELDS.items():
            problem = problem.replace(f"› {name}", f"› {label}")
        friendly.append(problem)
    lines = [f"• {safe_display(clip(p, 180))}" for p in friendly]
    more = f"\n… and {len(problems) - 8} more" if len(problems) > 8 else ""
    return "Please fix:\n" + "\n".join(lines) + more


def _record_title(record: AuditRecord) -> str:
    if record.kind == SETTINGS:
        return "moderator role" if record.key == MODERATOR_SETTINGS else "reminder settings"
    for snapshot in (record.new, record.old):
        if snapshot:
            title = snapshot.get("title") or snapshot.get("name")
            if isinstance(title, str) and title:
                return title
    return record.key


def _action_word(action: str) -> str:
    return "changed" if action == "settings" else action


def _record_what(record: AuditRecord, title: str) -> str:
    if record.kind == SETTINGS:
        return title[:1].upper() + title[1:]
    return f"{KIND_WORDS.get(record.kind, record.kind)}: {title}"


def _choice_label(entry: Entry, own: bool) -> str:
    label = f"{entry.title} · {entry.key}"
    if own:
        label += " · this server"
    return clip(label, c.CHOICE_NAME_MAX)


# -- cards ------------------------------------------------------------------------------------

_ACTION_WORDS: Final = {
    "add": "Added",
    "edit": "Saved this server's version of",
    "remove": "Removed",
    "hide": "Hidden in this server:",
    "unhide": "Shown again in this server:",
    "undo": "Undone the last change of",
}
