"""Plain data the services return and the renderers draw: no Discord, no SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

from bot.i18n import Text

Kind = Literal["fact", "quote", "synopsis", "awards"]


@dataclass(frozen=True)
class Entry:
    """One answerable entry of any kind, as a server sees it.

    `guild_id` is 0 for shipped content and a server's id for that server's own version.
    Kind-specific fields are empty for other kinds.
    """

    kind: Kind
    key: str
    title: str
    text: str
    source_name: str
    source_url: str
    guild_id: int = 0
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    spoiler: bool = False
    # quotes
    speaker: str = ""
    occasion: str = ""
    said_on: str | None = None
    # synopsis
    section: str = ""
    # awards
    ceremony: str = ""
    starts_at: dt.datetime | None = None
    date_only: bool = False  # the day is known, the time of day is not
    outcome: str = ""
    updated_at: str = ""
    # Japanese text (optional; empty = none written): the title (an awards event's name), the
    # answer / quote / section text, an awards event's outcome, and a Japanese source for it.
    title_ja: str = ""
    text_ja: str = ""
    outcome_ja: str = ""
    occasion_ja: str = ""  # a quote's occasion
    source_name_ja: str = ""
    source_url_ja: str = ""

    @property
    def uid(self) -> str:
        """`kind:key`, unique among the entries one server sees."""
        return f"{self.kind}:{self.key}"

    @property
    def answer_text(self) -> str:
        """The answer in words: the text, or for an awards event its date and outcome."""
        if self.kind != "awards":
            return self.text
        if self.starts_at is None:
            when = "Date to be announced."
        else:
            day = f"{self.starts_at:%B} {self.starts_at.day}, {self.starts_at.year}"
            when = f"{day}." if self.date_only else f"{day}, {self.starts_at:%H:%M} UTC."
        return f"{when} {self.outcome}".strip()

    @property
    def ja_fields(self) -> dict[str, str]:
        """The Japanese fields that are written, by name (`title`, `text`, `outcome`, …)."""
        values = {
            "title": self.title_ja,
            "text": self.text_ja,
            "outcome": self.outcome_ja,
            "occasion": self.occasion_ja,
            "source_name": self.source_name_ja,
            "source_url": self.source_url_ja,
        }
        return {name: value for name, value in values.items() if value}

    @property
    def has_japanese(self) -> bool:
        """True when the entry's answer itself is written in Japanese (not only its title)."""
        if self.kind == "awards":
            return bool(self.title_ja) and (bool(self.outcome_ja) or not self.outcome)
        return bool(self.text_ja)

    def in_language(self, lang: str) -> Entry:
        """The entry as read in `lang` ("ja" or "en"): the Japanese title, text, outcome and
        source where they are written, the English ones elsewhere. English is unchanged."""
        if lang != "ja":
            return self
        ja_source = bool(self.source_url_ja)
        return replace(
            self,
            title=self.title_ja or self.title,
            text=self.text_ja or self.text,
            outcome=self.outcome_ja or self.outcome,
            occasion=self.occasion_ja or self.occasion,
            source_name=(self.source_name_ja or self.source_name)
            if ja_source
            else self.source_name,
            source_url=self.source_url_ja or self.source_url,
        )

    @property
    def is_shipped(self) -> bool:
        """True for content that came with the bot (not a server's own)."""
        return self.guild_id == 0

    def with_changes(self, **changes: Any) -> Entry:
        """A copy with some fields replaced."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Match:
    """A scored candidate from the matcher."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class Answer:
    """The result of a question: the best entry, or none plus suggestions."""

    query: str
    match: Match | None
    suggestions: tuple[Match, ...] = ()
    kind_filter: Kind | None = None
    # One line to show with the answer, or in place of it: "I only know about Look Back — I
    # have nothing on Your Name (…)." when the question names another work, ceremony or
    # country; "About the 2021 manga." when the answer is not about the 2024 film.
    note: str | Text = ""

    @property
    def found(self) -> bool:
        """True when the matcher was confident."""
        return self.match is not None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of `lookback-bot ask --json`."""
        shape: dict[str, Any] = {
            "query": self.query,
            "answer": _match_json(self.match) if self.match else None,
            "suggestions": [_match_json(s) for s in self.suggestions],
        }
        if self.note:
            shape["note"] = str(self.note)
        return shape


def _match_json(match: Match) -> dict[str, Any]:
    e = match.entry
    return {
        "kind": e.kind,
        "id": e.key,
        "title": e.title,
        "text": e.answer_text,
        "score": round(match.score, 3),
        "source": {"name": e.source_name, "url": e.source_url},
    }


@dataclass(frozen=True)
class AuditRecord:
    """One change a moderator made, with the values before and after."""

    id: int
    guild_id: int
    actor_id: int
    action: str
    kind: str
    key: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    created_at: str


@dataclass(frozen=True)
class GuildSettings:
    """A server's settings; defaults when it never changed any."""

    guild_id: int
    reminder_channel_id: int | None = None
    reminder_role_id: int | None = None
    lead_times: tuple[int, ...] = (7 * 86400, 86400, 3600, 0)
    reminders_paused: bool = False
    moderator_role_id: int | None = None
    # The language of posts nobody asked for: "en", "ja", or None = the server's preferred locale.
    language: str | None = None


@dataclass(frozen=True)
class BaseStats:
    """Counts for /about."""

    facts: int
    quotes: int
    synopsis: int
    awards: int
    pack_version: str

    @property
    def total(self) -> int:
        """All shipped entries."""
        return self.facts + self.quotes + self.synopsis + self.awards


@dataclass
class PackProblems:
    """Every problem found while validating a content pack."""

    problems: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem at `file › entry › field`."""
        self.problems.append(f"{where}: {message}")

    def __bool__(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder a server's settings and subscriptions ask for (before it is stored)."""

    guild_id: int
    target: Literal["channel", "dm"]
    user_id: int
    event_key: str
    event_starts_at: dt.datetime
    lead_seconds: int
    due_at: dt.datetime


@dataclass(frozen=True)
class Reminder:
    """A stored reminder."""

    id: int
    guild_id: int
    target: Literal["channel", "dm"]
    user_id: int
    event_key: str
    event_starts_at: dt.datetime
    lead_seconds: int
    due_at: dt.datetime
    next_attempt_at: dt.datetime
    status: str
    attempts: int
    nonce: str
    claimed_by: str | None
    message_id: int | None
    last_error: str | None
    sent_at: dt.datetime | None


# -- small records returned by storage -------------------------------------------------------
# Named tuples: fields by name, and still unpackable (`for user, key in …`) where a loop wants
# the values.


class HiddenRef(NamedTuple):
    """A shipped entry one server hid."""

    guild_id: int
    kind: Kind
    key: str


class HiddenKey(NamedTuple):
    """A shipped entry hidden in the server being asked about."""

    kind: Kind
    key: str


class Subscription(NamedTuple):
    """A fan's DM subscription in one server: one event (`event_key`) or all ('')."""

    user_id: int
    event_key: str


class PlanApplied(NamedTuple):
    """What reconciling a server's reminders changed."""

    added: int
    moved: int
    cancelled: int


class Claim(NamedTuple):
    """A reminder claimed for sending; `reclaimed` when an earlier claim had run out."""

    reminder: Reminder
    reclaimed: bool


class PackReplaced(NamedTuple):
    """What importing the shipped pack changed: rows written, rows removed."""

    written: int
    removed: int


class MatchVocab(NamedTuple):
    """The stored typo vocabulary: aligned, space-separated surfaces and tokens."""

    surfaces: str
    tokens: str


# -- the daily fact or quote (bot.domain.daily) -------------------------------------------------

DailyKinds = Literal["facts", "quotes", "both"]


@dataclass(frozen=True)
class DailySettings:
    """A server's daily post: where, when (local time of day in an IANA zone), what."""

    guild_id: int
    enabled: bool = False
    channel_id: int | None = None
    time_of_day: str = "09:00"
    zone: str = "UTC"
    kinds: DailyKinds = "both"
    spoilers: bool = False
    last_error: str | None = None
    last_error_at: dt.datetime | None = None


@dataclass(frozen=True)
class DailyPost:
    """One planned (or sent) daily post of one server."""

    id: int
    guild_id: int
    local_date: str
    due_at: dt.datetime
    next_attempt_at: dt.datetime
    status: str
    attempts: int
    nonce: str
    claimed_by: str | None
    entry_uid: str | None
    message_id: int | None
    last_error: str | None
    sent_at: dt.datetime | None


class PlannedDaily(NamedTuple):
    """The next post a server wants: its local day and when that is in UTC."""

    guild_id: int
    local_date: str
    due_at: dt.datetime


class DailyClaim(NamedTuple):
    """A daily post claimed for sending; `reclaimed` when an earlier claim had run out."""

    post: DailyPost
    reclaimed: bool


class Rotation(NamedTuple):
    """A server's rotation: the seed of its shuffles, the cycle, what this cycle posted."""

    seed: int
    cycle: int
    posted: frozenset[str]


# -- trivia (bot.domain.trivia) -----------------------------------------------------------------


@dataclass(frozen=True)
class TriviaQuestion:
    """One trivia question of the pack's `trivia` section: the right answer is a fact of the
    base (`fact`), the three wrong ones plausible but clearly wrong."""

    key: str
    question: str
    answer: str
    wrong: tuple[str, str, str]
    source_name: str
    source_url: str
    spoiler: bool = False
    fact: str = ""
    question_ja: str = ""
    answer_ja: str = ""
    wrong_ja: tuple[str, ...] = ()

    def in_language(self, lang: str) -> TriviaQuestion:
        """The question as read in `lang` (Japanese where all of it is written)."""
        if lang != "ja" or not (self.question_ja and self.answer_ja and len(self.wrong_ja) == 3):
            return self
        wrong = (self.wrong_ja[0], self.wrong_ja[1], self.wrong_ja[2])
        return replace(self, question=self.question_ja, answer=self.answer_ja, wrong=wrong)


@dataclass(frozen=True)
class TriviaScore:
    """A member's trivia points in one server (a leaderboard line or `/trivia stats`)."""

    user_id: int
    points: int
    correct: int
    answered: int
    games: int


@dataclass(frozen=True)
class TriviaGame:
    """A stored trivia game."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    rounds: int
    spoilers: bool
    lang: str
    status: str
    started_at: dt.datetime
