"""Discord scheduled events for the awards dates: one per upcoming dated event, kept in step.

A server opts in (`/admin reminders events on`). Each time its reminders are re-planned
(`AwardsWatch.reconcile`: start-up, an event added, moved or removed, a setting changed),
`EventSync.reconcile` makes the server's *Events* tab match its awards events:

- an upcoming dated event has exactly one external scheduled event (name, description with the
  source link, location, start and end); a timed event gets a `TIMED_WINDOW` window, a day-only
  event (the day is known, the time of day is not) the whole UTC day, 00:00 to 24:00 UTC;
- a moved date edits that event; a date set to TBA, a removed or hidden event cancels it;
- an event that has started (or is over) is left alone;
- exactly once: the Discord id is stored per (server, event key) right after creating it. If
  the process died between creating and storing, the next round finds the event by its creator
  (the bot) and the marker at the end of its description (`lb-event:<key>`) and adopts it;
- an event a moderator deleted or cancelled by hand is not made again until the date changes;
- Discord's limit of 100 upcoming events per server is respected (the rest are reported);
- a missing *Create Events* permission (or any refusal) is recorded with the reason and shown
  in `/admin reminders status`; the next round tries again.

Nothing here speaks Discord: the Discord side implements `EventOps` (`bot.ui.scheduled_events`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from bot.domain.models import Entry
from bot.domain.safety import safe_display
from bot.domain.timeutil import utcnow
from bot.storage.interface import EventLink, Storage

log = logging.getLogger(__name__)

#: How long a timed awards event lasts in the Events tab (Discord requires an end time).
TIMED_WINDOW: Final = dt.timedelta(hours=3)
#: Discord's limit of scheduled (not yet completed) events per server.
EVENTS_LIMIT: Final = 100
NAME_MAX: Final = 100
DESCRIPTION_MAX: Final = 1000
LOCATION_MAX: Final = 100
MARKER: Final = "lb-event:"
_MARKER_RE = re.compile(r"lb-event:([A-Za-z0-9_.-]{1,100})\s*$")

MISSING_PERMISSION: Final = (
    "I'm missing the Create Events permission (Server Settings → Roles → my role → "
    "Create Events), so the awards dates are not in the Events tab."
)

Status = Literal["scheduled", "active", "completed", "cancelled"]


@dataclass(frozen=True)
class EventSpec:
    """What a scheduled event should look like."""

    name: str
    description: str
    location: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class RemoteEvent:
    """A scheduled event as Discord has it."""

    id: int
    name: str
    description: str
    location: str
    start: dt.datetime
    end: dt.datetime | None
    creator_id: int | None
    status: Status


class EventSyncError(Exception):
    """Discord did not do what was asked; `reason` is shown to moderators."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventsRefused(EventSyncError):
    """Discord refused (a permission, a limit): retried at the next round, shown meanwhile."""

    def __init__(self, reason: str, *, limit: bool = False) -> None:
        super().__init__(reason)
        self.limit = limit


class EventGone(EventSyncError):
    """The scheduled event no longer exists (deleted by hand)."""


class EventOps(Protocol):
    """The Discord operations the reconciler needs (`bot.ui.scheduled_events`)."""

    @property
    def ready(self) -> bool:
        """Connected, with the servers known (before that a round waits for the next one)."""
        ...

    @property
    def bot_user_id(self) -> int | None:
        """The bot's own user id (the creator of the events it made)."""
        ...

    def unavailable(self, guild_id: int) -> str | None:
        """Why nothing can be done in that server now (not there, no permission), or None."""
        ...

    async def list(self, guild_id: int) -> list[RemoteEvent]:
        """The server's scheduled events."""
        ...

    async def create(self, guild_id: int, spec: EventSpec) -> RemoteEvent:
        """Create an external scheduled event."""
        ...

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> RemoteEvent:
        """Change an event to `spec`."""
        ...

    async def cancel(self, guild_id: int, event_id: int) -> None:
        """Cancel a scheduled event."""
        ...


@dataclass
class SyncReport:
    """What one round did."""

    created: int = 0
    edited: int = 0
    cancelled: int = 0
    adopted: int = 0
    left_by_hand: int = 0
    over_limit: int = 0
    error: str | None = None


def window(entry: Entry) -> tuple[dt.datetime, dt.datetime] | None:
    """Start and end of an event's scheduled event; None while the date is to be announced.

    Day-only events cover their whole UTC day (00:00 to 24:00 UTC); timed ones `TIMED_WINDOW`.
    """
    if entry.starts_at is None:
        return None
    if entry.date_only:
        day = entry.starts_at.astimezone(dt.UTC)
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=1)
    return entry.starts_at, entry.starts_at + TIMED_WINDOW


def marker(key: str) -> str:
    """The line that ends the description of every event the bot made."""
    return f"Kept in step by the Look Back bot · {MARKER}{key}"


def marker_key(description: str | None) -> str | None:
    """The awards event key in a description the bot wrote, or None."""
    found = _MARKER_RE.search(description or "")
    return found.group(1) if found else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def spec_for(entry: Entry) -> EventSpec | None:
    """The scheduled event an awards event should have (None while TBA)."""
    span = window(entry)
    if span is None:
        return None
    start, end = span
    lines: list[str] = []
    if entry.ceremony:
        lines.append(safe_display(entry.ceremony))
    if entry.date_only:
        lines.append("The time of day is not announced yet: shown as the whole day (UTC).")
    source = safe_display(entry.source_name or "Source")
    if entry.source_url:
        lines.append(f"{source}: {entry.source_url}")
    tail = "\n\n" + marker(entry.key)
    body = _clip("\n".join(lines), DESCRIPTION_MAX - len(tail))
    location = entry.source_url if 0 < len(entry.source_url) <= LOCATION_MAX else ""
    location = location or _clip(safe_display(entry.ceremony or entry.source_name), LOCATION_MAX)
    return EventSpec(
        name=_clip(" ".join(safe_display(entry.title).split()) or entry.key, NAME_MAX),
        description=body + tail,
        location=location or "Online",
        start=start,
        end=end,
    )


def _same(remote: RemoteEvent, spec: EventSpec) -> bool:
    return (
        remote.name == spec.name
        and (remote.description or "").strip() == spec.description.strip()
        and remote.location == spec.location
        and remote.start == spec.start
        and remote.end == spec.end
    )


class EventSync:
    """Keeps each opted-in server's scheduled events in step with its awards events."""

    def __init__(self, db: Storage, ops: EventOps) -> None:
        self.db = db
        self.ops = ops
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        lock = self._locks.get(guild_id)
        if lock is None:
            lock = self._locks[guild_id] = asyncio.Lock()
        return lock

    async def reconcile(self, guild_id: int, events: Sequence[Entry]) -> SyncReport | None:
        """One round for one server (None when it did not opt in). Discord's refusals are
        recorded for moderators, never raised; storage errors are raised."""
        state = await self.db.event_sync_state(guild_id)
        if not state.enabled or not self.ops.ready:
            return None
        async with self._lock(guild_id):
            report = SyncReport()
            problem = self.ops.unavailable(guild_id)
            if problem is not None:
                report.error = problem
            else:
                try:
                    await self._round(guild_id, events, report)
                except EventSyncError as exc:
                    report.error = exc.reason
                except (OSError, TimeoutError) as exc:
                    report.error = (
                        f"Discord could not be reached ({type(exc).__name__}); retrying later."
                    )
            if report.error is None and report.over_limit:
                report.error = (
                    f"This server has {EVENTS_LIMIT} upcoming events, Discord's limit: "
                    f"{report.over_limit} awards date(s) are not in the Events tab."
                )
            if report.error is not None:
                log.warning("Scheduled events of %s: %s", guild_id, report.error)
            await self.db.record_event_sync(guild_id, report.error, utcnow())
            if report.created or report.edited or report.cancelled or report.adopted:
                log.info(
                    "Scheduled events of %s: %d created, %d edited, %d cancelled, %d adopted",
                    guild_id,
                    report.created,
                    report.edited,
                    report.cancelled,
                    report.adopted,
                )
            return report

    async def _round(self, guild_id: int, events: Sequence[Entry], report: SyncReport) -> None:
        ops, db = self.ops, self.db
        now = utcnow()
        remote = await ops.list(guild_id)
        by_id = {r.id: r for r in remote}
        me = ops.bot_user_id
        mine: dict[str, list[RemoteEvent]] = {}
        for r in remote:
            key = marker_key(r.description)
            ours = key is not None and me is not None and r.creator_id == me
            if ours and key is not None and r.status in ("scheduled", "active"):
                mine.setdefault(key, []).append(r)
        links = await db.event_links(guild_id)
        open_count = sum(1 for r in remote if r.status in ("scheduled", "active"))
        keys = {e.key for e in events}

        cancelled: set[int] = set()

        async def cancel(event_id: int) -> None:
            current = by_id.get(event_id)
            if current is not None and current.status == "scheduled" and event_id not in cancelled:
                cancelled.add(event_id)
                try:
                    await ops.cancel(guild_id, event_id)
                except EventGone:
                    return
                report.cancelled += 1

        for entry in events:
            key = entry.key
            link = links.get(key)
            spec = spec_for(entry)
            if spec is None or entry.starts_at is None:  # to be announced: no event
                if link is not None:
                    if link.discord_id is not None:
                        await cancel(link.discord_id)
                    await db.delete_event_link(guild_id, key)
                for extra in mine.get(key, []):
                    await cancel(extra.id)
                continue
            if spec.start <= now:  # started or over: left alone
                continue
            moved = link is not None and link.starts_at != entry.starts_at
            if link is not None and link.deleted_by_hand:
                if not moved:
                    report.left_by_hand += 1
                    continue
                link = None  # the date changed: made again
            current = by_id.get(link.discord_id) if link and link.discord_id else None
            gone = current is None or current.status == "cancelled"
            if link is not None and link.discord_id is not None and gone:
                if not moved:  # a moderator deleted or cancelled it: respected
                    await db.save_event_link(
                        EventLink(guild_id, key, None, entry.starts_at, deleted_by_hand=True), now
                    )
                    report.left_by_hand += 1
                    continue
                current = None
            if current is None:
                # Made before a crash, never stored: found by creator and marker.
                found = mine.get(key, [])
                if found:
                    current, extras = found[0], found[1:]
                    report.adopted += 1
                    for extra in extras:
                        await cancel(extra.id)
            else:
                for extra in mine.get(key, []):
                    if extra.id != current.id:
                        await cancel(extra.id)
            if current is None:
                if open_count >= EVENTS_LIMIT:
                    report.over_limit += 1
                    continue
                try:
                    current = await ops.create(guild_id, spec)
                except EventsRefused as exc:
                    if not exc.limit:
                        raise
                    report.over_limit += 1
                    open_count = EVENTS_LIMIT
                    continue
                open_count += 1
                report.created += 1
                await db.save_event_link(EventLink(guild_id, key, current.id, entry.starts_at), now)
                continue
            if current.status == "scheduled" and not _same(current, spec):
                try:
                    current = await ops.edit(guild_id, current.id, spec)
                except EventGone:
                    await db.save_event_link(
                        EventLink(guild_id, key, None, entry.starts_at, deleted_by_hand=True), now
                    )
                    report.left_by_hand += 1
                    continue
                report.edited += 1
            if link is None or link.discord_id != current.id or moved:
                await db.save_event_link(EventLink(guild_id, key, current.id, entry.starts_at), now)

        # Removed or hidden events: their scheduled events are cancelled.
        for key, link in links.items():
            if key in keys:
                continue
            if link.discord_id is not None:
                await cancel(link.discord_id)
            await db.delete_event_link(guild_id, key)
        for key, found in mine.items():
            if key in keys or key in links:
                continue
            for extra in found:
                await cancel(extra.id)
