"""The daily post's planner and rotation (pure functions) and its storage on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from bot.domain.daily import due_at, next_slot, parse_time_of_day, pick_entry, rotation_order
from bot.domain.models import DailySettings, PlannedDaily
from bot.storage.sqlite import Database

NY = zoneinfo.ZoneInfo("America/New_York")


def settings(**changes: object) -> DailySettings:
    values: dict[str, object] = {"enabled": True, "channel_id": 1, "time_of_day": "09:00",
                                 "zone": "America/New_York"}  # fmt: skip
    values.update(changes)
    return DailySettings(7, **values)  # type: ignore[arg-type]


def test_the_local_time_holds_across_both_dst_changes() -> None:
    nine = dt.time(9, 0)
    assert due_at(dt.date(2026, 3, 7), nine, NY).hour == 14  # EST
    assert due_at(dt.date(2026, 3, 8), nine, NY).hour == 13  # EDT from that day
    assert due_at(dt.date(2026, 10, 31), nine, NY).hour == 13
    assert due_at(dt.date(2026, 11, 1), nine, NY).hour == 14


def test_a_skipped_time_is_posted_an_hour_later_and_a_repeated_one_once() -> None:
    skipped = due_at(dt.date(2026, 3, 8), dt.time(2, 30), NY)
    assert skipped.astimezone(NY).strftime("%H:%M") == "03:30"
    repeated = due_at(dt.date(2026, 11, 1), dt.time(1, 30), NY)
    assert repeated == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # the first 01:30 (EDT)


def test_the_next_slot_is_today_if_still_ahead_else_tomorrow() -> None:
    now = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)  # 07:00 in New York
    assert next_slot(settings(), now) == PlannedDaily(
        7, "2026-03-04", dt.datetime(2026, 3, 4, 14, tzinfo=dt.UTC)
    )
    assert next_slot(settings(), now, after_date="2026-03-04").local_date == "2026-03-05"  # type: ignore[union-attr]
    later = dt.datetime(2026, 3, 4, 15, tzinfo=dt.UTC)
    assert next_slot(settings(), later).local_date == "2026-03-05"  # type: ignore[union-attr]
    assert next_slot(settings(enabled=False), now) is None
    assert next_slot(settings(channel_id=None), now) is None


def test_times_of_day() -> None:
    assert parse_time_of_day("09:00") == dt.time(9)
    assert parse_time_of_day("9:05") == dt.time(9, 5)
    for bad in ("24:00", "9", "09:60", "aa:bb", "9:5", "", "09:00:00"):
        assert parse_time_of_day(bad) is None


def test_the_rotation_posts_each_entry_once_per_cycle() -> None:
    uids = [f"fact:{n}" for n in range(7)]
    posted: set[str] = set()
    cycle = 0
    seen: list[str] = []
    for _ in range(14):
        picked = pick_entry(uids, 42, cycle, frozenset(posted))
        assert picked is not None
        uid, new_cycle = picked
        if new_cycle != cycle:
            posted, cycle = set(), new_cycle
        posted.add(uid)
        seen.append(uid)
    assert sorted(seen[:7]) == sorted(uids) and sorted(seen[7:]) == sorted(uids)
    assert rotation_order(uids, 42, 0) != rotation_order(uids, 42, 1)
    assert pick_entry([], 1, 0, frozenset()) is None


async def test_one_post_per_server_and_day_and_claims_exclude_each_other(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "d.db")
    try:
        await db.migrate()
        store = db.daily
        now = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
        await store.save_settings(settings(), now)
        plan = next_slot(settings(), now)
        assert plan is not None
        open_posts, _done = await store.plan_state([7])
        assert await store.apply_plans([(7, plan)], open_posts, now) == (1, 0, 0)
        open_posts, _done = await store.plan_state([7])
        assert await store.apply_plans([(7, plan)], open_posts, now) == (0, 0, 0)
        later = plan.due_at + dt.timedelta(seconds=1)
        first = await store.claim_due(later, "a", 30)
        second = await store.claim_due(later, "b", 30)
        assert len(first) == 1 and second == []
        assert await store.mark_sent(first[0].post.id, "b", 1, later) is False  # not b's claim
        assert await store.mark_sent(first[0].post.id, "a", 1, later) is True
        assert await store.count("sent") == 1
    finally:
        await db.close()


async def test_two_processes_on_one_database_send_each_post_once(tmp_path: Path) -> None:
    """Two services (two connections, as two processes) race for the same due posts of 30
    servers: every post is sent once, each with the entry recorded on its row."""
    import asyncio

    from bot.domain.daily import DailyService
    from bot.domain.models import DailyPost, Entry
    from bot.domain.reminders import Delivery

    path = tmp_path / "two.db"
    now = dt.datetime(2026, 3, 4, 13, 59, tzinfo=dt.UTC)
    setup = await Database.open(path)
    for guild in range(1, 31):
        await setup.save_entry(Entry("fact", "f", "F", "T", "S", "https://e.org", guild_id=guild))
        await setup.daily.save_settings(DailySettings(guild, True, 5, "09:00", "America/New_York",
                                                      "facts"), now)  # fmt: skip
    await setup.close()
    sent: list[tuple[int, str]] = []
    a, b = await Database.open(path), await Database.open(path)
    try:
        later = now + dt.timedelta(minutes=2)
        services = [DailyService(db, owner=name, grace_seconds=3600, clock=lambda: later)
                    for db, name in ((a, "a"), (b, "b"))]  # fmt: skip

        async def sender(post: DailyPost, entry: Entry, reclaimed: bool, late: bool) -> Delivery:
            sent.append((post.guild_id, entry.uid))
            await asyncio.sleep(0)
            return Delivery(post.id)

        for service in services:
            service.sender = sender
        planner = DailyService(a, owner="p", grace_seconds=3600, clock=lambda: now)
        assert (await planner.plan())[0] == 30
        handled = await asyncio.gather(*(s.run_due() for s in services))
        assert sum(handled) == 30
        assert sorted(g for g, _ in sent) == list(range(1, 31))
        assert await a.daily.count("sent") == 30
        assert await a.daily.count("pending") == 30  # each server's next day
    finally:
        await a.close()
        await b.close()
