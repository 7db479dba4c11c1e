"""The reminder planner and store against a real SQLite file and a real PostgreSQL database:
planning, moving, claiming."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.domain.models import Entry, GuildSettings
from bot.domain.reminders import DATE_ONLY_DAY_LEAD, effective_leads, plan_guild
from bot.storage import open_storage
from bot.storage.interface import Storage

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DAY = 86400


def event(key: str, days: float, *, date_only: bool = False) -> Entry:
    return Entry(
        "awards",
        key,
        key.title(),
        "",
        "S",
        "https://e.org",
        starts_at=NOW + dt.timedelta(days=days),
        date_only=date_only,
    )


def test_plan_covers_channel_and_subscribers_and_skips_the_past() -> None:
    settings = GuildSettings(1, reminder_channel_id=10)
    plans = plan_guild(
        1,
        [
            event("soon", 2),
            event("past", -1),
            Entry("awards", "tba", "TBA", "", "S", "https://e.org"),
        ],
        settings,
        [(7, ""), (8, "soon"), (9, "other")],
        NOW,
    )
    slots = {(p.target, p.user_id, p.lead_seconds) for p in plans}
    # 7-day lead is already past for an event 2 days away; TBA and past events plan nothing.
    assert slots == {
        (t, u, lead) for t, u in (("channel", 0), ("dm", 7), ("dm", 8)) for lead in (DAY, 3600, 0)
    }
    assert (
        plan_guild(
            1,
            [event("soon", 2)],
            GuildSettings(1, reminder_channel_id=10, reminders_paused=True),
            [],
            NOW,
        )
        == []
    )


def test_date_only_events_get_a_day_reminder_instead_of_hours() -> None:
    leads = effective_leads(event("d", 9, date_only=True), (7 * DAY, DAY, 3600, 0))
    assert leads == [7 * DAY, DAY, DATE_ONLY_DAY_LEAD]


async def test_apply_plan_adds_moves_and_cancels(db_location: Path | str) -> None:
    db = await open_storage(db_location)
    try:
        settings = GuildSettings(1, reminder_channel_id=10)
        first = plan_guild(1, [event("gala", 3)], settings, [], NOW)
        assert await db.reminders.apply_plan(1, first, NOW) == (3, 0, 0)
        assert await db.reminders.apply_plan(1, first, NOW) == (0, 0, 0)  # idempotent
        moved = plan_guild(1, [event("gala", 4)], settings, [], NOW)
        assert await db.reminders.apply_plan(1, moved, NOW) == (0, 3, 0)
        due = await db.reminders.next_due()
        assert due == NOW + dt.timedelta(days=3)
        assert await db.reminders.apply_plan(1, [], NOW) == (0, 0, 3)
        assert await db.reminders.next_due() is None
    finally:
        await db.close()


async def test_two_processes_never_claim_the_same_reminder(db_location: Path | str) -> None:
    path = db_location
    setup = await open_storage(path)
    plans = []
    for guild in range(1, 41):
        plans = plan_guild(
            guild, [event("gala", 3)], GuildSettings(guild, reminder_channel_id=5), [], NOW
        )
        await setup.reminders.apply_plan(guild, plans, NOW)
    await setup.close()
    a, b = await open_storage(path), await open_storage(path)
    try:
        later = NOW + dt.timedelta(days=5)
        claims_a: list[int] = []
        claims_b: list[int] = []

        async def drain(db: Storage, owner: str, into: list[int]) -> None:
            while claimed := await db.reminders.claim_due(later, owner, 30, limit=7):
                into.extend(r.id for r, _ in claimed)
                await asyncio.sleep(0)

        await asyncio.gather(drain(a, "a", claims_a), drain(b, "b", claims_b))
        assert len(claims_a) + len(claims_b) == 120
        assert not set(claims_a) & set(claims_b)
        # A lease that ran out can be claimed again, and says so.
        reclaimed = await a.reminders.claim_due(later + dt.timedelta(seconds=31), "c", 30, 5)
        assert reclaimed
        assert all(was_claimed for _, was_claimed in reclaimed)
        # Only the current claimer may finish a row.
        reminder = reclaimed[0][0]
        assert not await a.reminders.mark_sent(reminder.id, "a", 1, later)
        assert await a.reminders.mark_sent(reminder.id, "c", 1, later)
    finally:
        await a.close()
        await b.close()
