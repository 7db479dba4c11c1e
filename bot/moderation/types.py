"""Values of the moderator service: actors, drafts, changes, import plans, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from bot.domain.models import Entry, GuildSettings, Kind, Reminder, TriviaQuestion
from bot.errors import UserFacingError
from bot.i18n import N_, Messages, Text

# -- limits -----------------------------------------------------------------------------------

MAX_IMPORT_BYTES: Final = 1_000_000
MAX_IMPORT_ENTRIES: Final = 2_000
IMPORT_COOLDOWN: Final = (2, 60.0)  # per server: a refused file, then its corrected version
EXPORT_COOLDOWN: Final = (1, 60.0)
HISTORY_PER_PAGE: Final = 5
HISTORY_MAX_RECORDS: Final = 200
PROBLEMS_SHOWN: Final = 15
MAX_LEADS: Final = 8
MAX_LEAD_SECONDS: Final = 60 * 86_400
STATUS_ROWS: Final = 5
# Discord's modal limits
MODAL_TITLE_MAX: Final = 45
TEXT_INPUT_MAX: Final = 4000

SETTINGS: Final = "settings"  # the audit kind of a server's settings
TRIVIA: Final = "trivia"  # the audit kind of a server's trivia questions (`bot.moderation.trivia`)
REMINDER_SETTINGS: Final = "reminders"  # its keys
MODERATOR_SETTINGS: Final = "moderator-role"
ENTRY_KINDS: Final[tuple[Kind, ...]] = ("fact", "quote", "synopsis", "awards")
#: What each kind is called in a sentence (message ids: translated where shown, `m._(…)`).
KIND_WORDS: Final[dict[str, str]] = {
    "fact": N_("fact"),
    "quote": N_("quote"),
    "synopsis": N_("synopsis section"),
    "awards": N_("awards event"),
    SETTINGS: N_("settings"),
    TRIVIA: N_("trivia question"),
}
_META_KEYS: Final = ("scope", "hidden")

Scope = Literal["visible", "own", "shipped"]
State = dict[str, Any] | None
Reschedule = Callable[[int], Awaitable[object]]


NOT_A_MODERATOR: Final = N_("You need Manage Server or this server's moderator role to use /admin.")
#: A problem or note to show a moderator: a message not yet in a language (`Text`), or a
#: plain string (the content pack's own validation messages, which are English).
Said = str | Text


class Listed(Text):
    """Message ids listed in the reader's language ("View Channel, Send Messages" /
    "チャンネルを見る、メッセージを送信"); what is not a message id is shown as it is."""

    items: tuple[str, ...]

    def __new__(cls, items: Sequence[str]) -> Listed:
        made = super().__new__(cls, ", ".join(dict.fromkeys(items)))
        made.items = tuple(items)
        return made

    def render(self, m: Messages) -> str:
        """The items in `m`'s language, each once, joined the language's way."""
        words = list(dict.fromkeys(m._(item) for item in self.items))
        return ("、" if m.lang == "ja" else ", ").join(words)


class NotModerator(UserFacingError):
    """The user may not use /admin here (the cogs raise it as a check failure)."""

    def __init__(self, message: str | Text = NOT_A_MODERATOR) -> None:
        UserFacingError.__init__(self, message)


class _Conflict(Exception):
    """The entry changed between reading it and writing it."""


@dataclass(frozen=True)
class Actor:
    """Who is asking: enough to decide whether they may moderate in this server."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    manage_guild: bool = False


@dataclass(frozen=True)
class Draft:
    """An entry as it would be saved (validated), and as the server sees it now."""

    kind: Kind
    key: str
    before: Entry | None
    after: Entry

    @property
    def is_new(self) -> bool:
        """True when nothing is stored under this key yet."""
        return self.before is None


class EditConflict(UserFacingError):
    """Another moderator changed the entry since this one opened it; nothing was saved.

    `seen` is the entry as this moderator saw it, `current` as it is now (None: removed or
    hidden since), `fields` the names of the fields that differ. `confirmed` is the same draft
    based on `current`: saving it (`AdminService.save`) overwrites the other change knowingly —
    and is refused again if the entry changes once more in between.
    """

    def __init__(
        self, draft: Draft, current: Entry | None, fields: tuple[str, ...], message: Text
    ) -> None:
        super().__init__(message)
        self.draft = draft
        self.seen = draft.before
        self.current = current
        self.fields = fields
        self.confirmed = replace(draft, before=current)


@dataclass(frozen=True)
class Change:
    """What one command did to one entry, as the server sees it."""

    action: str
    kind: Kind
    key: str
    before: Entry | None
    after: Entry | None
    changed: bool = True


@dataclass(frozen=True)
class SettingsChange:
    """A change of a server's settings (`warnings`: saved, but something won't work yet)."""

    key: str
    before: GuildSettings
    after: GuildSettings
    warnings: tuple[Said, ...] = ()

    @property
    def changed(self) -> bool:
        """False when the settings were already like this."""
        return self.before != self.after


@dataclass(frozen=True)
class When:
    """A date typed by a moderator, understood."""

    starts_at: dt.datetime | None
    date_only: bool
    understood: Said  # what was understood, in words (shown back before saving)


@dataclass(frozen=True)
class EventDraft:
    """An awards event to confirm before saving, with how its date was read."""

    draft: Draft
    when: When | None  # None: the date did not change


@dataclass(frozen=True)
class ReminderStatus:
    """What /admin reminders status shows."""

    settings: GuildSettings
    upcoming: tuple[tuple[Reminder, Entry | None], ...]
    failed: tuple[tuple[Reminder, Entry | None], ...]
    subscribers: int


@dataclass(frozen=True)
class ImportPlan:
    """A validated import and what it would change (nothing is written until it is applied)."""

    file_name: str
    problems: tuple[Said, ...] = ()
    entries: tuple[Entry, ...] = ()
    added: tuple[Entry, ...] = ()
    changed: tuple[tuple[Entry, Entry], ...] = ()  # (as seen now, as imported)
    unchanged: int = 0
    hide: tuple[tuple[Kind, str], ...] = ()
    reminder_settings: GuildSettings | None = None
    notes: tuple[Said, ...] = ()
    #: This server's own entries and their bytes of text once the file is imported.
    usage_after: tuple[int, int] = (0, 0)
    #: The file's trivia questions (its `trivia` section), and what they would change.
    trivia: TriviaPlan = field(default_factory=lambda: TriviaPlan())

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems

    @property
    def has_changes(self) -> bool:
        """True when applying it would change anything."""
        return bool(
            self.added
            or self.changed
            or self.hide
            or self.reminder_settings
            or self.trivia.has_changes
        )


@dataclass(frozen=True)
class TriviaPlan:
    """The trivia part of an import: the file's questions (as this server's own), and the
    shipped questions it hides (`server.hidden_trivia`)."""

    questions: tuple[TriviaQuestion, ...] = ()
    added: tuple[TriviaQuestion, ...] = ()
    changed: tuple[TriviaQuestion, ...] = ()
    unchanged: int = 0
    hide: tuple[str, ...] = ()
    #: This server's own questions once the file is imported.
    count_after: int = 0

    @property
    def has_changes(self) -> bool:
        """True when applying it would change any question."""
        return bool(self.added or self.changed or self.hide)


@dataclass(frozen=True)
class TriviaChange:
    """What one command did to one trivia question of a server (as the server sees it)."""

    action: str
    key: str
    before: TriviaQuestion | None
    after: TriviaQuestion | None
    changed: bool = True


@dataclass(frozen=True)
class ImportResult:
    """What an applied import changed."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    hidden: int = 0
    settings_changed: bool = False
    notes: tuple[Said, ...] = field(default_factory=tuple)
    trivia_added: int = 0
    trivia_changed: int = 0
    trivia_hidden: int = 0


def _settings_snapshot(settings: GuildSettings, key: str) -> dict[str, Any]:
    if key == MODERATOR_SETTINGS:
        return {"moderator_role_id": settings.moderator_role_id}
    return {
        "reminder_channel_id": settings.reminder_channel_id,
        "reminder_role_id": settings.reminder_role_id,
        "lead_times": list(settings.lead_times),
        "reminders_paused": settings.reminders_paused,
        # the language of the posts (reminders): part of how reminders are posted
        "language": settings.language,
    }


def _settings_with(settings: GuildSettings, snapshot: dict[str, Any]) -> GuildSettings:
    changes: dict[str, Any] = {}
    for name in (
        "reminder_channel_id",
        "reminder_role_id",
        "reminders_paused",
        "moderator_role_id",
        "language",
    ):
        if name in snapshot:
            changes[name] = snapshot[name]
    if "lead_times" in snapshot:
        changes["lead_times"] = tuple(int(x) for x in snapshot["lead_times"])
    return replace(settings, **changes)
