"""How moderator actions are worded: names of entries and records, short inline values, problems."""

from __future__ import annotations

import re
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
    "occasion_ja": N_("Japanese occasion"),
    # a trivia question's (`/admin trivia` form)
    "question": N_("Question"),
    "wrong": N_("Wrong answers"),
}
#: The fields whose pack names read well in English but not in another language (after the
#: ones above, so `title_ja` is named before `title`).
_OTHER_FIELDS: Final = {
    "title": N_("Title"),
    "answer": N_("Answer"),
    "text": N_("Text"),
    "speaker": N_("Speaker"),
    "occasion": N_("Occasion"),
    "name": N_("the name"),
    "outcome": N_("Outcome"),
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
    fields = _FRIENDLY_FIELDS if m.lang == "en" else _FRIENDLY_FIELDS | _OTHER_FIELDS
    for problem in problems[:_PROBLEMS_SHOWN]:
        for name, label in fields.items():
            problem = re.sub(rf"› {name}\b", f"› {m._(label)}", problem)
        problem = _kind_label(pack_problem(problem, m), m)
        lines.append(f"• {safe_display(clip(problem, 180))}")
    if len(problems) > _PROBLEMS_SHOWN:
        lines.append(m._("… and {count} more", count=len(problems) - _PROBLEMS_SHOWN))
    return "\n".join(lines)


#: The content pack's validation messages (`bot.domain.pack`, `bot.domain.safejson`: English,
#: "where: message"), read back so a moderator gets them in their language: the message's
#: pattern, and its template with the same values. Unknown ones are shown as they are.
_PACK_MESSAGES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(rf"^(?P<where>.+?): {pattern}$", re.DOTALL), template)
    for pattern, template in (
        (r"is missing", N_("{where}: is missing")),
        (r"is empty", N_("{where}: is empty")),
        (
            r"is (?P<length>[\d,]+) characters; at most (?P<most>[\d,]+)",
            N_("{where}: is {length} characters; at most {most}"),
        ),
        (r"contains control characters", N_("{where}: contains control characters")),
        (r"is not valid Unicode text", N_("{where}: is not valid Unicode text")),
        (r"must be an http:// or https:// URL", N_("{where}: must be an http:// or https:// URL")),
        (r"must be true or false", N_("{where}: must be true or false")),
        (r"must be a list of text", N_("{where}: must be a list of text")),
        (
            r"has (?P<count>[\d,]+) items; at most (?P<most>[\d,]+)",
            N_("{where}: has {count} items; at most {most}"),
        ),
        (r"must be non-empty text", N_("{where}: must be non-empty text")),
        (r"(?P<value>.+) must match (?P<pattern>\S+)", N_("{where}: {value} must match {pattern}")),
        (r"must be text, not (?P<type>\w+)", N_("{where}: must be text, not {type}")),
        (
            r"must be an ISO 8601 date-time text or null",
            N_("{where}: must be an ISO 8601 date-time text or null"),
        ),
        (
            r"(?P<value>.+) is not an ISO 8601 date-time",
            N_("{where}: {value} is not an ISO 8601 date-time"),
        ),
        (
            r"(?P<value>.+) needs a time zone \(Z or \+hh:mm\)",
            N_("{where}: {value} needs a time zone (Z or +hh:mm)"),
        ),
        (r"(?P<value>.+) is out of range", N_("{where}: {value} is out of range")),
        (r"is not a known field", N_("{where}: is not a known field")),
        (
            r"source_name_ja and source_url_ja go together",
            N_("{where}: source_name_ja and source_url_ja go together"),
        ),
        (
            r"is needed when the Japanese text is given",
            N_("{where}: is needed when the Japanese text is given"),
        ),
        (r"must be an object", N_("{where}: must be an object")),
        (r"must be a list", N_("{where}: must be a list")),
        (r"must hold a JSON object", N_("{where}: must hold a JSON object")),
        (
            r"(?P<value>.+) must be lower-case letters, digits and '-'",
            N_("{where}: {value} must be lower-case letters, digits and '-'"),
        ),
        (
            r"must be YYYY, YYYY-MM, YYYY-MM-DD or null",
            N_("{where}: must be YYYY, YYYY-MM, YYYY-MM-DD or null"),
        ),
        (r"must be premise, full or themes", N_("{where}: must be premise, full or themes")),
        (r"id is used (?P<count>\d+) times", N_("{where}: id is used {count} times")),
        (
            r"has (?P<count>[\d,]+) entries; at most (?P<most>[\d,]+)",
            N_("{where}: has {count} entries; at most {most}"),
        ),
        (r"is not valid JSON \((?P<detail>.*)\)", N_("{where}: is not valid JSON ({detail})")),
        (
            r"is not UTF-8 text \((?P<detail>.*)\); save it as UTF-8",
            N_("{where}: is not UTF-8 text ({detail}); save it as UTF-8"),
        ),
        (
            r"nests arrays or objects too deeply; at most (?P<most>\d+) levels",
            N_("{where}: nests arrays or objects too deeply; at most {most} levels"),
        ),
        (
            r"has a number (?P<count>[\d,]+) digits long; numbers may have at most "
            r"(?P<most>\d+) digits",
            N_("{where}: has a number {count} digits long; numbers may have at most {most} digits"),
        ),
        (
            r"must be (?P<version>\d+) \(got (?P<got>.*)\)",
            N_("{where}: must be {version} (got {got})"),
        ),
        (r"must be (?P<value>'[^']*')", N_("{where}: must be {value}")),
        # the `trivia` section
        (r"must list exactly 3 wrong answers", N_("{where}: must list exactly 3 wrong answers")),
        (
            r"must differ from each other and from the answer",
            N_("{where}: must differ from each other and from the answer"),
        ),
        (
            r"needs answer_ja and 3 wrong_ja with it",
            N_("{where}: needs answer_ja and 3 wrong_ja with it"),
        ),
        (r"must be an https:// URL", N_("{where}: must be an https:// URL")),
        (
            r"must not mention @everyone, @here, a member, a role or a channel",
            N_("{where}: must not mention @everyone, @here, a member, a role or a channel"),
        ),
    )
)


def pack_problem(problem: str, m: Messages) -> str:
    """One of the content pack's validation messages in `m`'s language (as it is when its
    wording is not known here)."""
    if m.lang == "en":
        return problem
    for pattern, template in _PACK_MESSAGES:
        found = pattern.match(problem)
        if found is not None:
            return m._(template, **found.groupdict())
    return problem


#: How a form's problems name the entry (the pack's file label for a form: its kind).
_KIND_LABELS: Final = {
    "Fact": N_("Fact"),
    "Quote": N_("Quote"),
    "Synopsis": N_("Synopsis"),
    "Awards event": N_("Awards event"),
    "Trivia question": N_("Trivia question"),
}


def _kind_label(problem: str, m: Messages) -> str:
    """A form's problem with the entry's kind (its first word, "Fact › …") in `m`'s words."""
    for label, message in _KIND_LABELS.items():
        if problem.startswith(f"{label} › "):
            return m._(message) + problem[len(label) :]
    return problem


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
            title = snapshot.get("title") or snapshot.get("name") or snapshot.get("question")
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
