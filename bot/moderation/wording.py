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
from bot.i18n import EN, N_, Messages, Text
from bot.moderation.types import (
    KIND_WORDS,
    MODERATOR_SETTINGS,
    REMINDER_SETTINGS,
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
    "title": N_("the title"),
    "name": N_("the name"),
    "answer": N_("the answer"),
    "text": N_("the text"),
    "outcome": N_("the outcome"),
    "aliases": N_("the other names"),
    "tags": N_("the tags"),
    "source_name": N_("the source"),
    "source_url": N_("the source URL"),
    "spoiler": N_("the spoiler mark"),
    "speaker": N_("the speaker"),
    "occasion": N_("the occasion"),
    "said_on": N_("the date said"),
    "section": N_("the section"),
    "ceremony": N_("the ceremony"),
    "starts_at": N_("the date"),
    "date_only": N_("the date"),
    "ja": N_("the Japanese text"),
}

#: A form's fields as its labels name them, for the pack's validation messages.
_FRIENDLY_FIELDS: Final = {
    "source_url_ja": N_("Japanese source URL"),
    "source_name_ja": N_("Japanese source"),
    "source_url": N_("Source URL"),
    "source_name": N_("Source"),
    "said_on": N_("Said on"),
    "aliases": N_("Other names"),
    "title_ja": N_("Japanese title"),
    "answer_ja": N_("Japanese answer"),
    "text_ja": N_("Japanese text"),
    "name_ja": N_("Japanese name"),
    "outcome_ja": N_("Japanese outcome"),
}
_PROBLEMS_SHOWN: Final = 8


class FormProblems(Text):
    """A form refused by the pack's validation: "Please fix:" and its problems, each field
    named as the form labels it (in the reader's language). The problems themselves are the
    pack's English messages; they echo no typed text."""

    problems: tuple[str, ...]

    def __new__(cls, problems: Sequence[str]) -> FormProblems:
        listed = tuple(problems)
        made = super().__new__(cls, _PLEASE_FIX, problems=_problem_lines(listed, EN))
        made.problems = listed
        return made

    def render(self, m: Messages) -> str:
        """The problems in `m`'s language (field names and framing; the pack's own wording)."""
        return m._(self.template, problems=_problem_lines(self.problems, m))


_PLEASE_FIX: Final = N_("Please fix:\n{problems}")


def _problem_lines(problems: Sequence[str], m: Messages) -> str:
    lines = []
    for problem in problems[:_PROBLEMS_SHOWN]:
        for name, label in _FRIENDLY_FIELDS.items():
            problem = problem.replace(f"› {name}", f"› {m._(label)}")
        lines.append(f"• {safe_display(clip(problem, 180))}")
    if len(problems) > _PROBLEMS_SHOWN:
        lines.append(m._("… and {count} more", count=len(problems) - _PROBLEMS_SHOWN))
    return "\n".join(lines)


def _problem_text(problems: Sequence[str]) -> FormProblems:
    """Validation problems of a form, in the form's words (they echo no typed text)."""
    return FormProblems(problems)


_SETTINGS_TITLES: Final = {
    MODERATOR_SETTINGS: N_("moderator role"),
    REMINDER_SETTINGS: N_("reminder settings"),
}


def _record_title(record: AuditRecord, m: Messages = EN) -> str:
    if record.kind == SETTINGS:
        return m._(_SETTINGS_TITLES.get(record.key, _SETTINGS_TITLES[REMINDER_SETTINGS]))
    for snapshot in (record.new, record.old):
        if snapshot:
            title = snapshot.get("title") or snapshot.get("name")
            if isinstance(title, str) and title:
                return title
    return record.key


#: Each audited action in a word (an autocomplete label's "last: …").
_ACTION_NAMES: Final = {
    "add": N_("added"),
    "edit": N_("edited"),
    "remove": N_("removed"),
    "hide": N_("hidden"),
    "unhide": N_("shown again"),
    "undo": N_("undone"),
    "import": N_("imported"),
    "settings": N_("changed"),
}


def _action_word(action: str, m: Messages = EN) -> str:
    found = _ACTION_NAMES.get(action)
    return m._(found) if found else action


def _record_what(record: AuditRecord, title: str, m: Messages = EN) -> str:
    if record.kind == SETTINGS:
        return title[:1].upper() + title[1:]
    kind = KIND_WORDS.get(record.kind)
    return f"{m._(kind) if kind else record.kind}: {title}"


def _choice_label(entry: Entry, own: bool, m: Messages = EN) -> str:
    label = f"{entry.title} · {entry.key}"
    if own:
        label += " · " + m._("this server")
    return clip(label, c.CHOICE_NAME_MAX)


# -- cards ------------------------------------------------------------------------------------

#: What a change did, one sentence per action (`{name}` is the entry, named by `entry_name`).
_ACTION_WORDS: Final = {
    "add": N_("Added {name}."),
    "edit": N_("Saved this server's version of {name}."),
    "remove": N_("Removed {name}."),
    "hide": N_("Hidden in this server: {name}."),
    "unhide": N_("Shown again in this server: {name}."),
    "undo": N_("Undone the last change of {name}."),
    "import": N_("Imported {name}."),
}
