"""The storage interface: what the services need, whatever database holds it.

`bot.storage.sqlite.Database` and `bot.storage.postgres.Database` implement it (checked by
mypy where `open_storage` returns them), returning the same records (`bot.domain.models`); the
services, cogs, matcher and scheduler do not know which one runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.domain.models import (
    AuditRecord,
    BaseStats,
    Claim,
    DailyClaim,
    DailyPost,
    DailySettings,
    Entry,
    GuildSettings,
    HiddenKey,
    HiddenRef,
    Kind,
    MatchVocab,
    PackReplaced,
    PlanApplied,
    PlannedDaily,
    PlannedReminder,
    Reminder,
    Rotation,
    Subscription,
    TriviaGame,
    TriviaQuestion,
    TriviaScore,
)

#: An open write transaction of the backend (its connection), passed back to group writes.
Transaction = Any
#: Told (guild_id, kind, key) of an entry another process changed.
ChangeCallback = Callable[[int, str, str], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class EventSyncState:
    """A server's Discord scheduled events: turned on or not, and how the last round went."""

    guild_id: int
    enabled: bool = False
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    last_ok_at: dt.datetime | None = None


@dataclass(frozen=True)
class EventLink:
    """The Discord scheduled event kept for one awards event of one server.

    `starts_at` is the date it was made for; `deleted_by_hand` marks one a moderator deleted
    or cancelled (`discord_id` None then): not made again until the date changes.
    """

    guild_id: int
    event_key: str
    discord_id: int | None
    starts_at: dt.datetime
    deleted_by_hand: bool = False


class ReminderStorage(Protocol):
    """The reminder and subscription tables."""

    async def apply_plan(
        self, guild_id: int, wanted: Sequence[PlannedReminder], now: dt.datetime
    ) -> PlanApplied:
        """Make a server's pending reminders equal `wanted`, in one transaction."""
        ...

    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None:
        """When the earliest pending (or abandoned sending) reminder is due."""
        ...

    async def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 20,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> list[Claim]:
        """Claim due reminders for `owner` with a lease; (reminder, was it claimed before?)."""
        ...

    async def renew_claim(
        self, reminder_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool:
        """Extend `owner`'s lease on a claimed row just before sending it."""
        ...

    async def mark_sent(
        self, reminder_id: int, owner: str, message_id: int | None, now: dt.datetime
    ) -> bool:
        """Record that Discord accepted the message."""
        ...

    async def mark_retry(
        self, reminder_id: int, owner: str, at: dt.datetime, error: str, now: dt.datetime
    ) -> bool:
        """Try again later (a temporary failure)."""
        ...

    async def mark_final(
        self, reminder_id: int, owner: str, status: str, error: str, now: dt.datetime
    ) -> bool:
        """Give up."""
        ...

    async def for_guild(
        self, guild_id: int, statuses: Sequence[str], limit: int = 10
    ) -> list[Reminder]:
        """A server's reminders in some states, soonest first."""
        ...

    async def count(self, status: str | None = None) -> int:
        """How many reminders (in one state)."""
        ...

    async def guild_ids(self, shards: tuple[int, tuple[int, ...]] | None = None) -> list[int]:
        """Servers that have a reminder channel, subscribers or reminders."""
        ...

    async def subscribe(
        self, guild_id: int, user_id: int, event_key: str, now: dt.datetime, lang: str = "en"
    ) -> bool:
        """Add a fan's DM subscription; False when it already existed (`lang` updated)."""
        ...

    async def subscriber_lang(self, guild_id: int, user_id: int) -> str:
        """The language of a fan's direct-message reminders from one server ('en' if none)."""
        ...

    async def unsubscribe(self, guild_id: int, user_id: int) -> int:
        """Remove every DM subscription of a fan in one server."""
        ...

    async def subscriptions(self, guild_id: int) -> list[Subscription]:
        """(user, event key or '') for every subscription in a server."""
        ...


class DailyStorage(Protocol):
    """The daily-post tables (`bot.domain.daily`); see the SQLite `DailyStore` for each."""

    async def settings(self, guild_id: int) -> DailySettings: ...
    async def save_settings(self, settings: DailySettings, now: dt.datetime) -> None: ...
    async def record_error(self, guild_id: int, error: str | None, now: dt.datetime) -> None: ...
    async def enabled_settings(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> list[DailySettings]: ...
    async def plan_state(
        self, guild_ids: Sequence[int] | None = None
    ) -> tuple[dict[int, list[DailyPost]], dict[int, str]]: ...
    async def apply_plans(
        self,
        plans: Sequence[tuple[int, PlannedDaily | None]],
        open_posts: dict[int, list[DailyPost]],
        now: dt.datetime,
    ) -> tuple[int, int, int]: ...
    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None: ...
    async def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 20,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> list[DailyClaim]: ...
    async def renew_claim(
        self, post_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool: ...
    async def choose_entry(
        self, post_id: int, owner: str, guild_id: int, cycle: int, uid: str, now: dt.datetime
    ) -> bool: ...
    async def mark_sent(
        self, post_id: int, owner: str, message_id: int | None, now: dt.datetime
    ) -> bool: ...
    async def mark_retry(
        self, post_id: int, owner: str, at: dt.datetime, error: str, now: dt.datetime
    ) -> bool: ...
    async def mark_final(
        self, post_id: int, owner: str, status: str, error: str, now: dt.datetime
    ) -> bool: ...
    async def rotation(self, guild_id: int, new_seed: int) -> Rotation: ...
    async def posts(
        self, guild_id: int, statuses: Sequence[str], limit: int = 10, newest: bool = False
    ) -> list[DailyPost]: ...
    async def count(self, status: str | None = None) -> int: ...


class TriviaStorage(Protocol):
    """The trivia tables (`bot.domain.trivia`); see the SQLite `TriviaStore` for each."""

    async def start_game(
        self,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        rounds: int,
        spoilers: bool,
        lang: str,
        now: dt.datetime,
    ) -> int | None: ...
    async def end_game(self, game_id: int, status: str, now: dt.datetime) -> bool: ...
    async def running_games(self) -> list[TriviaGame]: ...
    async def game(self, game_id: int) -> TriviaGame | None: ...
    async def record_answer(
        self,
        game_id: int,
        round_number: int,
        guild_id: int,
        user_id: int,
        question: str,
        choice: int,
        correct: bool,
        points: int,
        now: dt.datetime,
    ) -> bool: ...
    async def game_scores(self, game_id: int) -> list[TriviaScore]: ...
    async def leaderboard(
        self, guild_id: int, since: dt.datetime | None = None, limit: int = 10
    ) -> list[TriviaScore]: ...
    async def player(self, guild_id: int, user_id: int) -> TriviaScore: ...
    async def rank(self, guild_id: int, points: int) -> int: ...
    async def guild_questions(self, guild_id: int) -> list[TriviaQuestion]: ...
    async def guild_question(self, guild_id: int, key: str) -> TriviaQuestion | None: ...
    async def count_questions(self, guild_id: int) -> int: ...
    async def save_question(
        self,
        guild_id: int,
        question: TriviaQuestion,
        actor: int | None = None,
        conn: Transaction | None = None,
    ) -> None: ...
    async def delete_question(
        self, guild_id: int, key: str, conn: Transaction | None = None
    ) -> bool: ...
    async def hidden_questions(self, guild_id: int) -> list[str]: ...
    async def set_question_hidden(
        self,
        guild_id: int,
        key: str,
        hidden: bool,
        actor: int | None = None,
        conn: Transaction | None = None,
    ) -> None: ...


class Storage(Protocol):
    """Everything the services keep: content, overlays, settings, audit, match index."""

    @property
    def path(self) -> Path:
        """Where the data lives."""
        ...

    @property
    def read_only(self) -> bool:
        """True when every write is refused."""
        ...

    @property
    def reminders(self) -> ReminderStorage:
        """The reminder tables."""
        ...

    @property
    def daily(self) -> DailyStorage:
        """The daily-post tables."""
        ...

    @property
    def trivia(self) -> TriviaStorage:
        """The trivia tables."""
        ...

    async def all_entries(self, kinds: Iterable[Kind] = ...) -> list[Entry]:
        """Every entry of every server (for building the matcher's index)."""
        ...

    async def get_row(self, kind: Kind, key: str, guild_id: int) -> Entry | None:
        """The row stored for exactly this scope (shipped: guild_id 0), or None."""
        ...

    async def get_rows(
        self, refs: Iterable[tuple[Kind, str, int]]
    ) -> dict[tuple[Kind, str, int], Entry]:
        """The rows stored for exactly these (kind, key, scope) references; missing ones absent."""
        ...

    async def get_entry(self, kind: Kind, key: str, guild_id: int | None) -> Entry | None:
        """The entry as server `guild_id` sees it: its own version, else the shipped one."""
        ...

    async def visible_entries(self, kind: Kind, guild_id: int | None) -> list[Entry]:
        """Every entry of `kind` server `guild_id` sees, its own versions first-class."""
        ...

    async def save_entry(
        self,
        entry: Entry,
        *,
        origin: str = "guild",
        actor: int | None = None,
        conn: Transaction | None = None,
    ) -> None:
        """Insert or replace the row for `(entry.guild_id, entry.key)`."""
        ...

    async def delete_row(
        self, kind: Kind, key: str, guild_id: int, conn: Transaction | None = None
    ) -> bool:
        """Delete one scope's row; True when there was one."""
        ...

    async def count_rows(self, kind: Kind, guild_id: int) -> int:
        """How many rows one scope holds for a kind."""
        ...

    async def replace_pack(
        self, entries: Sequence[Entry], *, pack_version: str, pack_hash: str
    ) -> PackReplaced:
        """Make the shipped rows (origin 'pack') equal `entries`, in one transaction."""
        ...

    async def import_entries(
        self, entries: Sequence[Entry], *, origin: str, actor: int | None = None
    ) -> int:
        """Insert or update many entries in one transaction (all or nothing)."""
        ...

    async def is_hidden(self, guild_id: int, kind: Kind, key: str) -> bool:
        """True when server `guild_id` hid the shipped entry."""
        ...

    async def set_hidden(
        self,
        guild_id: int,
        kind: Kind,
        key: str,
        hidden: bool,
        actor: int | None = None,
        conn: Transaction | None = None,
    ) -> None:
        """Hide or unhide a shipped entry in one server."""
        ...

    async def all_hidden(self) -> list[HiddenRef]:
        """Every (guild, kind, key) hidden anywhere (for the matcher's index)."""
        ...

    async def stats(self) -> BaseStats:
        """Shipped entry counts and the pack version."""
        ...

    async def guild_rows(self, guild_id: int, kinds: Iterable[Kind] = ...) -> list[Entry]:
        """A server's own rows (its entries and its versions of shipped ones), by kind and key."""
        ...

    async def hidden_keys(self, guild_id: int) -> list[HiddenKey]:
        """(kind, key) of every shipped entry one server hid."""
        ...

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's settings (defaults when it has none)."""
        ...

    async def save_guild_settings(
        self, settings: GuildSettings, conn: Transaction | None = None
    ) -> None:
        """Store a server's settings."""
        ...

    async def add_audit(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        kind: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        conn: Transaction | None = None,
    ) -> None:
        """Record one change in a server's history."""
        ...

    async def audit_history(
        self,
        guild_id: int,
        *,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        key: str | None = None,
    ) -> list[AuditRecord]:
        """A server's history, newest first."""
        ...

    async def audit_count(self, guild_id: int) -> int:
        """How many changes a server's history holds."""
        ...

    async def audit_targets(self, guild_id: int, limit: int = 25) -> list[AuditRecord]:
        """The latest change of each entry (or setting) a server changed, newest first."""
        ...

    def match_index_batches(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[Any]]:
        """Every entry of `kind` in the order of `all_entries`."""
        ...

    async def save_match_index(
        self, rows: Iterable[Sequence[Any]], *, version: str, replace_all: bool = False
    ) -> None:
        """Store index rows."""
        ...

    def check_kept(self) -> None:
        """Raise when the data written so far was lost (its file removed or replaced)."""
        ...

    def match_source(self, entry: Entry) -> str:
        """The fields of `entry` its stored index row is made from; a changed one is stale."""
        ...

    async def match_index_count(self) -> int:
        """How many index rows are stored (orphans included)."""
        ...

    async def prune_match_index(self) -> int:
        """Drop the index rows of entries that no longer exist; returns how many."""
        ...

    def match_index_surfaces(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[str]]:
        """The `surfaces` of every stored index row of `kind`, in the order of `all_entries`."""
        ...

    async def match_vocab(self) -> MatchVocab | None:
        """The stored typo vocabulary."""
        ...

    async def save_match_vocab(self, surfaces: str, tokens: str) -> None:
        """Replace the stored typo vocabulary and mark it up to date."""
        ...

    async def content_generation(self) -> int:
        """The number every write to an entry table raises (by any program)."""
        ...

    async def match_snapshot(self, key: str) -> dict[str, bytes] | None:
        """The stored snapshot of the matcher's index, if made with `key` at the current
        generation."""
        ...

    async def save_match_snapshot(
        self, generation: int, key: str, parts: Iterable[tuple[str, bytes | bytearray]]
    ) -> bool:
        """Replace the stored snapshot; False when the entries changed since `generation`."""
        ...

    async def close(self) -> None:
        """Close the connection."""
        ...

    # -- several processes on one database ----------------------------------------------------

    async def listen_changes(self, callback: ChangeCallback) -> bool:
        """Call `callback(guild_id, kind, key)` whenever another process commits a change of a
        server's entry (guild_id -1 and kind "*": many changed); False when the backend has no
        such notices (SQLite)."""
        ...

    async def identify_slot(self, bucket: int, interval: float) -> bool:
        """Wait for this identify bucket's turn among every process on the database, and keep
        it for `interval` seconds; False when the backend cannot pace processes (SQLite)."""
        ...

    def transaction(
        self, wait: float | None = None, *, guild_id: int | None = None
    ) -> AbstractAsyncContextManager[Transaction]:
        """One write transaction: everything inside commits together or not at all.

        `guild_id`: the server whose rows are read and then written inside; no other process
        writes that server's rows until the commit (PostgreSQL: `pg_advisory_xact_lock`).
        """
        ...

    async def migrate(self) -> list[int]:
        """Apply every numbered migration not applied yet; returns the versions applied."""
        ...

    async def schema_version(self) -> int:
        """The highest migration applied."""
        ...

    async def integrity_check(self) -> str:
        """SQLite's own `PRAGMA integrity_check` verdict (`ok` when healthy)."""
        ...

    async def get_meta(self, name: str) -> str | None:
        """A value from the meta table."""
        ...

    async def set_meta(self, name: str, value: str) -> None:
        """Store a value in the meta table."""
        ...

    # -- Discord scheduled events and calendar files (bot/domain/event_sync, calendar) --------

    async def event_sync_state(self, guild_id: int) -> EventSyncState:
        """Whether a server turned the scheduled events on, and how the last round went."""
        ...

    async def set_event_sync(self, guild_id: int, enabled: bool, now: dt.datetime) -> bool:
        """Turn a server's scheduled events on or off; True when that changed something."""
        ...

    async def record_event_sync(self, guild_id: int, error: str | None, now: dt.datetime) -> None:
        """The outcome of one round: a failure to show, or None when it went through."""
        ...

    async def event_sync_guilds(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> list[int]:
        """Servers that turned the scheduled events on."""
        ...

    async def event_links(self, guild_id: int) -> dict[str, EventLink]:
        """The Discord event stored for each awards event of a server."""
        ...

    async def save_event_link(self, link: EventLink, now: dt.datetime) -> None:
        """Store (or replace) the Discord event of one awards event."""
        ...

    async def delete_event_link(self, guild_id: int, event_key: str) -> None:
        """Forget the Discord event of one awards event."""
        ...

    async def calendar_sequences(
        self, guild_id: int, dates: Sequence[tuple[str, dt.datetime, bool]]
    ) -> dict[str, int]:
        """The calendar SEQUENCE of each (key, start, day only): raised when the date moved."""
        ...
