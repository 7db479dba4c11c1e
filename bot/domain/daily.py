"""The daily fact or quote: when each server's next post is due, which entry it shows, and the
one task that sends the posts — exactly once, with the reminders' machinery.

How a post is sent exactly once (as `bot.domain.reminders` sends a reminder):

1. Each server has at most one *planned* post ahead: a row in `daily_posts` for its next local
   day, due at the configured local time in its IANA zone (`zoneinfo`: correct across
   daylight-saving changes; a time that does not exist on a spring-forward day is posted an
   hour later, one that occurs twice is posted at its first occurrence). Changing the settings
   moves or cancels the future row in one transaction; sent rows are never touched, and
   `UNIQUE (guild_id, local_date)` makes a second post for one day impossible.
2. One scheduler task sleeps until the earliest due row; a due row is *claimed* in a write
   transaction (status `sending`, a lease), so of two processes only one sends it.
3. The entry is chosen at the first attempt and stored with the row (and counted in the
   rotation) before sending, so a retried post shows the same entry. The message carries the
   row's nonce with `enforce_nonce` and its footer names the post: after a crash the lease runs
   out, the row is claimed again, and the sender first looks for its earlier message.
4. Temporary failures are retried with backoff; a deleted channel or a missing permission is
   recorded (`failed`, and on the server's settings for `/admin daily status`); a post found
   overdue beyond the grace window is recorded as `missed`. After each outcome the server's
   next day is planned.

The rotation: every eligible entry (the server's visible facts and/or quotes — its own
included, hidden ones excluded, spoilers only when allowed) in a shuffled order per cycle
(seeded per server), never one twice in a cycle; when a cycle has posted every eligible entry
the next cycle starts with a new order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import zoneinfo
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.domain.models import DailyPost, DailySettings, Entry, Kind, PlannedDaily
from bot.domain.reminders import (
    BATCH,
    LATE_AFTER_SECONDS,
    MAX_ATTEMPTS,
    MAX_SLEEP_SECONDS,
    Clock,
    Delivery,
    PermanentFailure,
    ReminderObsolete,
    Shards,
    TemporaryFailure,
)
from bot.domain.timeutil import utcnow
from bot.i18n import N_
from bot.storage.interface import Storage

log = logging.getLogger(__name__)

#: How far ahead the planner looks for the next local day whose time is still to come.
_LOOKAHEAD_DAYS: Final = 3

DailySender = Callable[[DailyPost, Entry, bool, bool], Awaitable[Delivery]]


def zone_of(name: str) -> dt.tzinfo:
    """The time zone for a stored name (UTC for one this system no longer knows)."""
    if name.upper() == "UTC":
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("Unknown time zone %r; using UTC", name)
        return dt.UTC


def parse_time_of_day(text: str) -> dt.time | None:
    """`HH:MM` (24-hour; `9:05` too) as a time, or None."""
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[1]) != 2:
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


def due_at(day: dt.date, time_of_day: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of `time_of_day` on the local `day` in `zone`.

    A time skipped by a spring-forward change is read with the offset before the change (so
    02:30 becomes 03:30 local); one that occurs twice is its first occurrence (fold 0)."""
    local = dt.datetime.combine(day, time_of_day, tzinfo=zone)
    return local.astimezone(dt.UTC)


def next_slot(
    settings: DailySettings, now: dt.datetime, after_date: str | None = None
) -> PlannedDaily | None:
    """The next post a server wants from `now` on: the first local day after `after_date`
    (the last day already posted or claimed) whose time is still ahead (pure: no I/O)."""
    if not settings.enabled or settings.channel_id is None:
        return None
    when = parse_time_of_day(settings.time_of_day)
    if when is None:
        return None
    zone = zone_of(settings.zone)
    today = now.astimezone(zone).date()
    for offset in range(_LOOKAHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        if after_date is not None and day.isoformat() <= after_date:
            continue
        due = due_at(day, when, zone)
        if due > now:
            return PlannedDaily(settings.guild_id, day.isoformat(), due)
    return None


def plan_servers(
    servers: Sequence[DailySettings],
    open_posts: dict[int, list[DailyPost]],
    done: dict[int, str],
    now: dt.datetime,
) -> list[tuple[int, PlannedDaily | None]]:
    """The next post of each server (pure): after the last day done or already claimed, and
    after an overdue pending post (the scheduler still sends it, or records it missed)."""
    plans: list[tuple[int, PlannedDaily | None]] = []
    for settings in servers:
        after = done.get(settings.guild_id)
        for post in open_posts.get(settings.guild_id, []):
            if post.status == "sending" or post.due_at <= now:
                after = max(after or "", post.local_date)
        plans.append((settings.guild_id, next_slot(settings, now, after)))
    return plans


def rotation_order(uids: Sequence[str], seed: int, cycle: int) -> list[str]:
    """The shuffled order of one cycle (the same for the same entries, seed and cycle)."""
    order = sorted(uids)
    random.Random(f"{seed}:{cycle}").shuffle(order)
    return order


def pick_entry(
    uids: Sequence[str], seed: int, cycle: int, posted: frozenset[str]
) -> tuple[str, int] | None:
    """The next entry of the rotation and the cycle it counts in: the first of this cycle's
    order not posted yet; a new cycle (a new order) once every eligible entry was posted."""
    if not uids:
        return None
    for uid in rotation_order(uids, seed, cycle):
        if uid not in posted:
            return uid, cycle
    return rotation_order(uids, seed, cycle + 1)[0], cycle + 1


def eligible(entries: Sequence[Entry], spoilers: bool) -> list[Entry]:
    """The entries a server's daily post may show."""
    return [e for e in entries if spoilers or not e.spoiler]


def kinds_of(settings: DailySettings) -> tuple[Kind, ...]:
    """Which kinds of entry the post shows."""
    kinds: dict[str, tuple[Kind, ...]] = {
        "facts": ("fact",),
        "quotes": ("quote",),
        "both": ("fact", "quote"),
    }
    return kinds[settings.kinds]


@dataclass(frozen=True)
class DailyStatus:
    """What `/admin daily status` shows."""

    settings: DailySettings
    next_post: DailyPost | None
    recent: tuple[DailyPost, ...]
    eligible: int


class DailyService:
    """A server's daily post: its settings, planning, rotation, and the scheduler task."""

    def __init__(
        self,
        db: Storage,
        *,
        owner: str,
        grace_seconds: int,
        lease_seconds: float = 30.0,
        shards: Shards = None,
        clock: Clock = utcnow,
        transient: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.db = db
        self.owner = owner
        self.grace = dt.timedelta(seconds=grace_seconds)
        self.lease_seconds = lease_seconds
        self.shards = shards
        self.clock = clock
        #: How a post reaches Discord (set by the bot: `bot.ui.daily.DailyDelivery.send`).
        self.sender: DailySender | None = None
        self.transient: tuple[type[BaseException], ...] = (
            TemporaryFailure,
            TimeoutError,
            OSError,
            *transient,
        )
        #: Called after each post's outcome (the bot dispatches an event; tests wait on it).
        self.on_done: Callable[[DailyPost, str], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._sleeping = False
        self._dirty = False
        self._waking = False

    @property
    def read_only(self) -> bool:
        """True when nothing sent could be recorded as sent (so nothing is sent)."""
        return self.db.read_only

    # -- settings ------------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> DailySettings:
        """A server's daily-post settings."""
        return await self.db.daily.settings(guild_id)

    async def configure(self, settings: DailySettings) -> DailySettings:
        """Save a server's settings and re-plan its next post at once."""
        await self.db.daily.save_settings(settings, self.clock())
        await self.plan([settings.guild_id])
        return await self.settings(settings.guild_id)

    async def status(self, guild_id: int) -> DailyStatus:
        """The settings, the next planned post, the last few posts and the rotation's size."""
        settings = await self.settings(guild_id)
        upcoming = await self.db.daily.posts(guild_id, ("pending", "sending"), 1)
        recent = await self.db.daily.posts(guild_id, ("sent", "failed", "missed"), 5, newest=True)
        count = len(await self.entries(settings))
        return DailyStatus(settings, upcoming[0] if upcoming else None, tuple(recent), count)

    async def entries(self, settings: DailySettings) -> list[Entry]:
        """Every entry the server's post may show now."""
        found: list[Entry] = []
        for kind in kinds_of(settings):
            found += await self.db.visible_entries(kind, settings.guild_id)
        return eligible(found, settings.spoilers)

    # -- planning ------------------------------------------------------------------------------

    async def plan(self, guild_ids: Sequence[int] | None = None) -> tuple[int, int, int]:
        """Bring the next post of some servers (None: every server with one on) in line with
        their settings; returns (added, moved, cancelled)."""
        now = self.clock()
        if guild_ids is None:
            servers = await self.db.daily.enabled_settings(self.shards)
            ids: Sequence[int] | None = None
        else:
            servers = [await self.db.daily.settings(g) for g in guild_ids]
            ids = list(guild_ids)
        open_posts, done = await self.db.daily.plan_state(ids)
        if guild_ids is None:
            # Servers turned off since: their future rows are cancelled too.
            on = {s.guild_id for s in servers}
            servers = servers + [DailySettings(g) for g in open_posts if g not in on]
        plans = plan_servers(servers, open_posts, done, now)
        result = await self.db.daily.apply_plans(plans, open_posts, now)
        if any(result):
            self.wake()
        return result

    # -- the scheduler task --------------------------------------------------------------------

    def start(self) -> None:
        """Start the task (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="daily-posts")

    async def stop(self) -> None:
        """Stop the task; a post being sent stays claimed and is retried after its lease."""
        if self._task is not None:
            self._waking = False
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """A plan changed: look again (cancels the sleep of a sleeping task)."""
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
                log.exception("Daily-post scheduler step failed; retrying in a minute")
                await self._sleep(60.0)

    async def _sleep(self, seconds: float) -> None:
        if self._dirty:
            return
        self._sleeping = True
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._waking or task is None:
                raise
            task.uncancel()
        finally:
            self._sleeping = False
            self._waking = False

    async def _step(self) -> None:
        self._dirty = False
        due = await self.db.daily.next_due(self.shards)
        if due is None:
            await self._sleep(MAX_SLEEP_SECONDS)
            return
        delay = (due - self.clock()).total_seconds()
        if delay > 0:
            await self._sleep(min(delay, MAX_SLEEP_SECONDS))
            return
        await self.run_due()

    async def run_due(self) -> int:
        """Claim and send every post due now; returns how many were handled."""
        handled = 0
        while True:
            claimed = await self.db.daily.claim_due(
                self.clock(), self.owner, self.lease_seconds, BATCH, self.shards
            )
            if not claimed:
                return handled
            for post, reclaimed in claimed:
                await self._deliver(post, reclaimed)
                handled += 1

    async def _choose(self, post: DailyPost, settings: DailySettings) -> Entry | None:
        """The post's entry: the one chosen before (a retry), else the rotation's next."""
        if post.entry_uid:
            kind, _, key = post.entry_uid.partition(":")
            entry = await self.db.get_entry(kind, key, post.guild_id)  # type: ignore[arg-type]
            if entry is not None:
                return entry
        entries = {e.uid: e for e in await self.entries(settings)}
        rotation = await self.db.daily.rotation(post.guild_id, _new_seed())
        picked = pick_entry(list(entries), rotation.seed, rotation.cycle, rotation.posted)
        if picked is None:
            return None
        uid, cycle = picked
        if not await self.db.daily.choose_entry(
            post.id, self.owner, post.guild_id, cycle, uid, self.clock()
        ):
            return None
        return entries[uid]

    async def _deliver(self, post: DailyPost, reclaimed: bool) -> None:
        store = self.db.daily
        now = self.clock()
        if not await store.renew_claim(post.id, self.owner, now, self.lease_seconds):
            log.info("Daily post %s was taken over by another process; not sending", post.id)
            return
        overdue = (now - post.due_at).total_seconds()
        settings = await self.settings(post.guild_id)
        try:
            if overdue > self.grace.total_seconds() and not reclaimed:
                await self._final(
                    post, "missed", f"due {post.due_at:%Y-%m-%d %H:%M} UTC; bot was offline"
                )
                return
            if not settings.enabled or settings.channel_id is None:
                raise ReminderObsolete(N_("the daily post was turned off"))
            entry = await self._choose(post, settings)
            if entry is None:
                raise PermanentFailure(N_("no fact or quote is left to post (all hidden?)"))
            if self.sender is None:
                raise TemporaryFailure("the Discord side is not running yet")
            delivery = await self.sender(post, entry, reclaimed, overdue > LATE_AFTER_SECONDS)
        except ReminderObsolete as exc:
            await self._final(post, "cancelled", str(exc))
            return
        except PermanentFailure as exc:
            log.warning("Daily post %s cannot be delivered: %s", post.id, exc)
            await store.record_error(post.guild_id, str(exc), self.clock())
            await self._final(post, "failed", str(exc))
            return
        except self.transient as exc:
            attempts = post.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                error = f"gave up after {attempts} tries: {exc}"
                await store.record_error(post.guild_id, error, self.clock())
                await self._final(post, "failed", error)
                return
            backoff = min(60 * 2 ** (attempts - 1), 3600)
            retry_at = self.clock() + dt.timedelta(seconds=backoff)
            log.info("Daily post %s failed (%s); retrying in %d s", post.id, exc, backoff)
            await store.mark_retry(post.id, self.owner, retry_at, str(exc), self.clock())
            return
        await store.mark_sent(post.id, self.owner, delivery.message_id, self.clock())
        if settings.last_error:
            await store.record_error(post.guild_id, None, self.clock())
        await self._after(post, "sent")

    async def _final(self, post: DailyPost, status: str, error: str) -> None:
        await self.db.daily.mark_final(post.id, self.owner, status, error, self.clock())
        await self._after(post, status)

    async def _after(self, post: DailyPost, outcome: str) -> None:
        await self.plan([post.guild_id])  # the next day
        if self.on_done is not None:
            self.on_done(post, outcome)


def _new_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)
