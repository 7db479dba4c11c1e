"""Reminder claims: a lost claim is never sent, and a process claims only its own shards.

Against a real SQLite file and the real scheduler, with a clock the test moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.models import PlannedReminder, Reminder
from bot.domain.reminders import Delivery, ReminderScheduler, shard_of
from bot.storage import open_storage
from bot.storage.interface import Storage

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
LEASE = 30.0
SHARDS = 2


def guild_on_shard(shard: int, n: int = 1) -> int:
    """A server id Discord puts on `shard` of SHARDS."""
    guild = ((1_000 + n * SHARDS + shard) << 22) | 7
    assert shard_of(guild, SHARDS) == shard
    return guild


def due(guild_id: int) -> PlannedReminder:
    return PlannedReminder(guild_id, "channel", 0, "gala", NOW + dt.timedelta(hours=1), 3600, NOW)


@pytest.fixture
async def db(db_location: Path | str) -> AsyncIterator[Storage]:
    opened = await open_storage(db_location)
    try:
        yield opened
    finally:
        await opened.close()


class Recorder:
    """A sender that records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def __call__(self, reminder: Reminder, reclaimed: bool, late: bool) -> Delivery:
        self.sent.append(reminder.guild_id)
        return Delivery(message_id=len(self.sent))


def scheduler(db: Storage, owner: str, sender: Recorder, clock: list[dt.datetime], **kw):  # type: ignore[no-untyped-def]
    return ReminderScheduler(
        db,
        sender,
        owner=owner,
        grace_seconds=6 * 3600,
        lease_seconds=LEASE,
        clock=lambda: clock[0],
        **kw,
    )


async def test_a_claim_lost_to_another_process_is_not_sent(db: Storage) -> None:
    guild = guild_on_shard(0)
    await db.reminders.apply_plan(guild, [due(guild)], NOW - dt.timedelta(hours=1))
    clock = [NOW]
    slow, fast = Recorder(), Recorder()
    first = scheduler(db, "process-a", slow, clock)
    second = scheduler(db, "process-b", fast, clock)

    [(reminder, reclaimed)] = await db.reminders.claim_due(NOW, "process-a", LEASE)
    # Process A stalls past its lease; process B takes the row over and sends it.
    clock[0] = NOW + dt.timedelta(seconds=LEASE + 5)
    assert await second.run_due() == 1
    assert fast.sent == [guild]
    # A wakes up and delivers what it claimed: renewing fails, so it must not send again.
    await first._deliver(reminder, reclaimed)
    assert slow.sent == [], "a reminder whose claim was lost was sent a second time"
    [row] = await db.reminders.for_guild(guild, ("sent",))
    assert row.claimed_by == "process-b"


async def test_claims_honour_the_shard_filter(db: Storage) -> None:
    mine = [guild_on_shard(0, n) for n in (1, 2)]
    theirs = [guild_on_shard(1, n) for n in (1, 2)]
    for guild in mine + theirs:
        await db.reminders.apply_plan(guild, [due(guild)], NOW - dt.timedelta(hours=1))
    shard_zero = (SHARDS, (0,))  # SHARD_COUNT=2, SHARD_IDS=0
    assert sorted(await db.reminders.guild_ids(shard_zero)) == sorted(mine)

    claimed = await db.reminders.claim_due(NOW, "zero", LEASE, shards=shard_zero)
    assert sorted(r.guild_id for r, _ in claimed) == sorted(mine)
    assert await db.reminders.next_due((SHARDS, (1,))) == NOW

    clock = [NOW]
    sender = Recorder()
    one = scheduler(db, "one", sender, clock, shards=(SHARDS, (1,)))
    assert await one.run_due() == 2
    assert sorted(sender.sent) == sorted(theirs)
    assert await db.reminders.next_due(shard_zero) is not None  # shard 0's rows: still claimed
