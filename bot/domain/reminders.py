"""The awards watch: which reminders a server wants, and the one task that sends them.

How a reminder is sent exactly once:

1. Every reminder is a row (`reminders` table). What should exist is *planned* from the
   server's events, settings and subscriptions, and *reconciled* into the table in one
   transaction: missing rows are added, rows of a moved event are moved, unwanted rows are
   cancelled. Sent rows are never touched, so re-planning cannot send anything twice.
2. One scheduler task per process sleeps until the earliest due row (`next_attempt_at`); it is
   woken when a plan changes. No polling loop, no task per reminder.
3. A due row is *claimed* in a write transaction (status `sending`, a lease, attempts + 1).
   SQLite serialises writers, so of two processes on one database only one claims a row.
4. The message carries a per-reminder nonce with `enforce_nonce`, and its footer names the
   reminder. It is marked `sent` only after Discord accepted it. If the process dies between
   sending and marking, the lease runs out and the row is claimed again: the sender first looks
   for its own earlier message (by the footer) and, failing that, sends with the same nonce,
   which Discord deduplicates. Either way one message, and the row is then marked sent.
5. Temporary failures (5xx, 429, network) are retried with exponential backoff; permanent ones
   (deleted channel, missing permission, closed DMs) are recorded as `failed` for moderators.
   Reminders found overdue by more than the grace window are recorded as `missed`, not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from bot.domain.event_sync import EventSync
from bot.domain.models import Entry, GuildSettings, PlannedReminder, Reminder
from bot.domain.timeutil import utcnow
from bot.storage.interface import EventSyncState, Storage

log = logging.getLogger(__name__)

DAY: Final = 86_400
LEASE_SECONDS: Final = 30.0
MAX_ATTEMPTS: Final = 6
MAX_SLEEP_SECONDS: Final = 86_400.0  # re-read the table at least daily (clock changes)
LATE_AFTER_SECONDS: Final = 120
BATCH: Final = 20
DATE_ONLY_DAY_LEAD: Final = 12 * 3600  # date-only events sit at noon UTC: remind at 00:00 UTC

Clock = Callable[[], dt.datetime]
Shards = tuple[int, tuple[int, ...]] | None


class PermanentFailure(Exception):
    """The reminder can never be delivered as configured (shown to moderators)."""


class TemporaryFailure(Exception):
    """Delivery may succeed later (Discord 5xx or 429, network)."""


class ReminderObsolete(Exception):
    """The event was removed or moved since the reminder was planned: do not send it."""


@dataclass(frozen=True)
class Delivery:
    """What the sender reports back."""

    message_id: int | None
    late: bool = False


Sender = Callable[[Reminder, bool, bool], Awaitable[Delivery]]


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's formula: which shard holds a server."""
    return (guild_id >> 22) % shard_count


def effective_leads(event: Entry, leads: Sequence[int]) -> list[int]:
    """The lead times for one event. A date-only event has no hour, so the sub-day leads
    become one reminder at the start of its day (00:00 UTC)."""
    if not event.date_only:
        return sorted(set(leads), reverse=True)
    days = {lead for lead in leads if lead >= DAY}
    if any(lead < DAY for lead in leads):
        days.add(DATE_ONLY_DAY_LEAD)
    return sorted(days, reverse=True)


def plan_guild(
    guild_id: int,
    events: Sequence[Entry],
    settings: GuildSettings,
    subscriptions: Sequence[tuple[int, str]],
    now: dt.datetime,
) -> list[PlannedReminder]:
    """Every reminder a server wants from `now` on (pure: no I/O)."""
    planned: list[PlannedReminder] = []
    if settings.reminders_paused:
        return planned
    for event in events:
        if event.starts_at is None or event.starts_at <= now:
            continue
        targets: list[tuple[Literal["channel", "dm"], int]] = []
        if settings.reminder_channel_id:
            targets.append(("channel", 0))
        targets += [("dm", user) for user, key in subscriptions if key in ("", event.key)]
        for lead in effective_leads(event, settings.lead_times):
            due = event.starts_at - dt.timedelta(seconds=lead)
            if due <= now:
                continue
            for target, user in dict.fromkeys(targets):
                planned.append(
                    PlannedReminder(
                        guild_id,
                        target,
                        user,
                        event.key,
                        event.starts_at,
                        lead,
                        due,
                    )
                )
    return planned


class ReminderScheduler:
    """One task that sleeps until the earliest due reminder and sends what is due."""

    def __init__(
        self,
        db: Storage,
        sender: Sender,
        *,
        owner: str,
        grace_seconds: int,
        lease_seconds: float = LEASE_SECONDS,
        shards: Shards = None,
        clock: Clock = utcnow,
        on_done: Callable[[Reminder, str], None] | None = None,
        transient: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.db = db
        self.sender = sender
        #: Errors of the sending side (discord.py's HTTP errors) retried like TemporaryFailure.
        self.transient: tuple[type[BaseException], ...] = (
            TemporaryFailure,
            TimeoutError,
            OSError,
            *transient,
        )
        self.owner = owner
        self.grace = dt.timedelta(seconds=grace_seconds)
        self.lease_seconds = lease_seconds
        self.shards = shards
        self.clock = clock
        self.on_done = on_done
        self._task: asyncio.Task[None] | None = None
        self._sleeping = False
        self._dirty = False
        self._waking = False
        self.wakeups = 0

    def start(self) -> None:
        """Start the task (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="awards-reminders")

    async def stop(self) -> None:
        """Stop the task; rows being sent stay claimed and are retried after their lease."""
        if self._task is not None:
            self._waking = False
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Something changed (an earlier reminder, a moved date): look again.

        A sleeping task has its sleep cancelled (the sleep is a plain asyncio timer); a busy
        task sees the flag before it next sleeps."""
        self._dirty = True
        if self._task is not None and self._sleeping and not self._waking:
            self._waking = True
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Reminder scheduler step failed; retrying in a minute")
                await self._sleep(60.0)

    async def _sleep(self, seconds: float) -> None:
        if self._dirty:  # woken while busy: look again instead of sleeping
            return
        self._sleeping = True
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._waking or task is None:
                raise
            task.uncancel()  # woken, not stopped
        finally:
            self._sleeping = False
            self._waking = False

    async def _step(self) -> None:
        self._dirty = False
        self.wakeups += 1
        due = await self.db.reminders.next_due(self.shards)
        if due is None:
            await self._sleep(MAX_SLEEP_SECONDS)  # until woken by a new plan (or a day)
            return
        delay = (due - self.clock()).total_seconds()
        if delay > 0:
            await self._sleep(min(delay, MAX_SLEEP_SECONDS))
            return
        await self.run_due()

    async def run_due(self) -> int:
        """Claim and send everything due now; returns how many were handled."""
        handled = 0
        while True:
            now = self.clock()
            claimed = await self.db.reminders.claim_due(
                now, self.owner, self.lease_seconds, BATCH, self.shards
            )
            if not claimed:
                return handled
            for reminder, reclaimed in claimed:
                await self._deliver(reminder, reclaimed)
                handled += 1

    async def _deliver(self, reminder: Reminder, reclaimed: bool) -> None:
        store = self.db.reminders
        now = self.clock()
        if not await store.renew_claim(reminder.id, self.owner, now, self.lease_seconds):
            log.info("Reminder %s was taken over by another process; not sending", reminder.id)
            return
        overdue = (now - reminder.due_at).total_seconds()
        if overdue > self.grace.total_seconds() and not reclaimed:
            await store.mark_final(
                reminder.id,
                self.owner,
                "missed",
                f"due {reminder.due_at:%Y-%m-%d %H:%M} UTC; bot was offline",
                now,
            )
            self._done(reminder, "missed")
            return
        try:
            delivery = await self.sender(reminder, reclaimed, overdue > LATE_AFTER_SECONDS)
        except ReminderObsolete as exc:
            await store.mark_final(reminder.id, self.owner, "cancelled", str(exc), self.clock())
            self._done(reminder, "cancelled")
            return
        except PermanentFailure as exc:
            log.warning("Reminder %s cannot be delivered: %s", reminder.id, exc)
            await store.mark_final(reminder.id, self.owner, "failed", str(exc), self.clock())
            self._done(reminder, "failed")
            return
        except self.transient as exc:
            attempts = reminder.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await store.mark_final(
                    reminder.id,
                    self.owner,
                    "failed",
                    f"gave up after {attempts} tries: {exc}",
                    self.clock(),
                )
                self._done(reminder, "failed")
                return
            backoff = min(60 * 2 ** (attempts - 1), 3600)
            retry_at = self.clock() + dt.timedelta(seconds=backoff)
            log.info("Reminder %s failed (%s); retrying in %d s", reminder.id, exc, backoff)
            await store.mark_retry(reminder.id, self.owner, retry_at, str(exc), self.clock())
            return
        await store.mark_sent(reminder.id, self.owner, delivery.message_id, self.clock())
        self._done(reminder, "sent")

    def _done(self, reminder: Reminder, outcome: str) -> None:
        if self.on_done is not None:
            self.on_done(reminder, outcome)


class AwardsWatch:
    """Plans reminders from events, settings and subscriptions, and owns the scheduler."""

    def __init__(
        self,
        db: Storage,
        events: Callable[[int], Awaitable[list[Entry]]],
        scheduler: ReminderScheduler,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.events = events
        self.scheduler = scheduler
        self.clock = clock
        #: The server's Discord scheduled events, kept in step here too (set by the bot).
        self.event_sync: EventSync | None = None

    async def reconcile(self, guild_id: int) -> tuple[int, int, int]:
        """Bring one server's pending reminders (and, when it opted in, its scheduled
        events: `bot.domain.event_sync`) in line with what it wants now."""
        settings = await self.db.guild_settings(guild_id)
        subscriptions = await self.db.reminders.subscriptions(guild_id)
        now = self.clock()
        events = await self.events(guild_id)
        wanted = plan_guild(guild_id, events, settings, subscriptions, now)
        result = await self.db.reminders.apply_plan(guild_id, wanted, now)
        if any(result):
            log.info("Reminders for %s: %d added, %d moved, %d cancelled", guild_id, *result)
            self.scheduler.wake()
        if self.event_sync is not None and not self.db.read_only:
            await self.event_sync.reconcile(guild_id, events)
        return result

    async def set_scheduled_events(self, guild_id: int, enabled: bool) -> bool:
        """Turn a server's Discord scheduled events on or off (True when that changed), and
        bring them in step at once."""
        changed = await self.db.set_event_sync(guild_id, enabled, self.clock())
        if enabled and self.event_sync is not None:
            await self.event_sync.reconcile(guild_id, await self.events(guild_id))
        return changed

    async def calendar_sequences(self, guild_id: int, events: Sequence[Entry]) -> dict[str, int]:
        """The calendar SEQUENCE of each dated event (0 everywhere on a read-only database)."""
        dated = [(e.key, e.starts_at, e.date_only) for e in events if e.starts_at is not None]
        if self.db.read_only:
            return {}
        return await self.db.calendar_sequences(guild_id, dated)

    async def scheduled_events_state(self, guild_id: int) -> EventSyncState:
        """Whether a server's scheduled events are on, and the last failure."""
        return await self.db.event_sync_state(guild_id)

    async def sync_scheduled_events(self) -> int:
        """One scheduled-events round for every opted-in server this process holds (after
        connecting: the Discord side needs its server cache)."""
        if self.event_sync is None or self.db.read_only:
            return 0
        guilds = await self.db.event_sync_guilds(self.scheduler.shards)
        for guild_id in guilds:
            await self.event_sync.reconcile(guild_id, await self.events(guild_id))
        return len(guilds)

    @property
    def read_only(self) -> bool:
        """True when nothing sent could be recorded as sent (so nothing is sent)."""
        return self.db.read_only

    async def settings(self, guild_id: int) -> GuildSettings:
        """A server's reminder settings (channel, role, lead times, paused)."""
        return await self.db.guild_settings(guild_id)

    async def event(self, guild_id: int, key: str) -> Entry | None:
        """The awards event `key` as the server sees it (its own version first)."""
        return await self.db.get_entry("awards", key, guild_id)

    async def subscribe(self, guild_id: int, user_id: int, key: str, lang: str = "en") -> bool:
        """Subscribe a member to DMs before one event (`key`) or all (''); False if already.
        `lang` ("en"/"ja") is the language of their reminders."""
        return await self.db.reminders.subscribe(guild_id, user_id, key, self.clock(), lang)

    async def subscriber_lang(self, guild_id: int, user_id: int) -> str:
        """The language a member's direct-message reminders from a server are written in."""
        return await self.db.reminders.subscriber_lang(guild_id, user_id)

    async def unsubscribe(self, guild_id: int, user_id: int) -> int:
        """Stop a member's DMs from one server; how many subscriptions were removed."""
        return await self.db.reminders.unsubscribe(guild_id, user_id)

    async def reconcile_all(self) -> int:
        """Reconcile every server this process holds (start-up, shipped content changed)."""
        guilds = await self.db.reminders.guild_ids(self.scheduler.shards)
        synced = await self.db.event_sync_guilds(self.scheduler.shards)
        guilds += [g for g in synced if g not in set(guilds)]
        for guild_id in guilds:
            await self.reconcile(guild_id)
        return len(guilds)
