"""`lookback-bot copy-database` on a large database: SQLite → PostgreSQL and back, timed.

    python -m benchmarks.bench_copy [--entries 100000] [--reminders 100000] [--postgres URL]

The SQLite database gets `--entries` server facts (over 1,000 servers) and `--reminders`
reminder rows in mixed states; then the real command copies it into a fresh PostgreSQL database
and back into a new SQLite file, printing its own output (every table's rows and hash).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.domain.models import Entry
from bot.domain.timeutil import format_utc
from bot.storage import open_storage

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STATES = ("pending", "sent", "missed", "cancelled", "failed")


async def build(path: Path, entries: int, reminders: int) -> None:
    """A SQLite file with that many server entries and reminders."""
    db = await open_storage(path)
    try:
        facts = [
            Entry(
                "fact",
                f"fact-{n}",
                f"Fact number {n}",
                f"The answer to question {n}, stored for the copy benchmark.",
                "Source",
                "https://example.org/",
                guild_id=(1 + n % 1000) << 22,
                aliases=(f"alias {n}",),
            )
            for n in range(entries)
        ]
        await db.import_entries(facts, origin="guild", actor=1)
        columns = [
            "guild_id",
            "target",
            "user_id",
            "event_key",
            "event_starts_at",
            "lead_seconds",
            "due_at",
            "next_attempt_at",
            "status",
            "attempts",
            "nonce",
            "created_at",
            "updated_at",
        ]
        rows = []
        for n in range(reminders):
            starts = NOW + dt.timedelta(days=1 + n % 300)
            rows.append(
                (
                    (1 + n % 1000) << 22,
                    "dm" if n % 3 else "channel",
                    n if n % 3 else 0,
                    f"event-{n}",
                    format_utc(starts),
                    3600 * (n // 15000),
                    format_utc(starts - dt.timedelta(hours=1)),
                    format_utc(starts - dt.timedelta(hours=1)),
                    STATES[n % len(STATES)],
                    n % 3,
                    f"{n:024x}",
                    format_utc(NOW),
                    format_utc(NOW),
                )
            )
        async with db.transaction() as conn:
            await db.raw_insert(conn, "reminders", columns, rows)  # type: ignore[attr-defined]
    finally:
        await db.close()


def copy(source: str, target: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "copy-database", "--from", source, "--to", target],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    print(f"$ lookback-bot copy-database --from {source} --to {target}   # exit {done.returncode}")
    print(done.stdout + done.stderr)
    return took


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL")
    args = parser.parse_args()
    server = None
    if args.postgres:
        url = args.postgres
    else:
        from tests.pgserver import TestServer

        server = TestServer()
        url = server.new_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "big.db"
            started = time.perf_counter()
            asyncio.run(build(source, args.entries, args.reminders))
            print(f"built {source}: {time.perf_counter() - started:.1f} s\n")
            there = copy(str(source), url)
            back = copy(url, str(Path(tmp) / "back.db"))
            print(f"SQLite → PostgreSQL {there:.1f} s, PostgreSQL → SQLite {back:.1f} s")
            print("(whole commands: start-up, the copy, and the check of every table)")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
