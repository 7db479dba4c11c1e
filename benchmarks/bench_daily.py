"""Benchmark: the daily-post planner at 10,000 servers.

    python -m benchmarks.bench_daily [--servers 10000] [--repeat 5]

A temporary SQLite database gets `--servers` servers with the daily post on (times of day and
five time zones spread over them). Then it measures:

- the pure planner (`plan_servers`: each server's next local day and its UTC instant);
- `DailyService.plan()` at start-up: read every server's settings and open posts, plan, and
  write the rows in one transaction — first on an empty table (every row added), then again
  (nothing to change: what every restart costs);
- `next_due()` (what the scheduler reads before each sleep), and re-planning one server
  (what follows each post).

Prints a markdown table. Not a test: nothing is asserted beyond sanity checks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bot.domain.daily import DailyService, plan_servers
from bot.domain.models import DailySettings
from bot.storage.sqlite.database import Database

ZONES = ("UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin", "Australia/Sydney")
NOW = dt.datetime(2026, 3, 7, 12, tzinfo=dt.UTC)


def servers(count: int) -> list[DailySettings]:
    return [
        DailySettings(
            1_000_000 + g,
            True,
            1,
            f"{g % 24:02d}:{(g * 7) % 60:02d}",
            ZONES[g % len(ZONES)],
        )
        for g in range(count)
    ]


def timed(run: int, action: object) -> list[float]:
    samples = []
    for _ in range(run):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return samples


async def run(count: int, repeat: int) -> None:
    wanted = servers(count)
    pure = timed(repeat, lambda: plan_servers(wanted, {}, {}, NOW))
    rows: list[tuple[str, str]] = [
        ("servers", f"{count:,}"),
        ("pure planner, all servers (median)", f"{statistics.median(pure) * 1000:.1f} ms"),
        ("pure planner, per server", f"{statistics.median(pure) / count * 1e6:.2f} µs"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.db")
        try:
            async with db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO daily_settings (guild_id, enabled, channel_id, time_of_day,"
                    " zone, kinds, spoilers, updated_at) VALUES (?, 1, ?, ?, ?, 'both', 0, ?)",
                    [
                        (s.guild_id, s.channel_id, s.time_of_day, s.zone, "2026-03-07T00:00:00Z")
                        for s in wanted
                    ],
                )
            service = DailyService(db, owner="bench", grace_seconds=3600, clock=lambda: NOW)
            started = time.perf_counter()
            added = await service.plan()
            first = time.perf_counter() - started
            assert added[0] == count, added
            again = []
            for _ in range(repeat):
                started = time.perf_counter()
                unchanged = await service.plan()
                again.append(time.perf_counter() - started)
                assert unchanged == (0, 0, 0), unchanged
            next_due = []
            for _ in range(200):
                started = time.perf_counter()
                await db.daily.next_due()
                next_due.append(time.perf_counter() - started)
            one = []
            for settings in wanted[:200]:
                started = time.perf_counter()
                await service.plan([settings.guild_id])
                one.append(time.perf_counter() - started)
            rows += [
                ("start-up plan, empty table (adds every row)", f"{first * 1000:.0f} ms"),
                ("start-up plan, nothing to change (median)",
                 f"{statistics.median(again) * 1000:.0f} ms"),
                ("next_due() (median)", f"{statistics.median(next_due) * 1e6:.0f} µs"),
                ("re-plan one server after its post (median)",
                 f"{statistics.median(one) * 1000:.2f} ms"),
                ("planned rows", f"{await db.daily.count('pending'):,}"),
            ]  # fmt: skip
        finally:
            await db.close()
    print("| daily planner | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.servers, args.repeat))


if __name__ == "__main__":
    main()
