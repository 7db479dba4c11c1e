"""Benchmark: the awards scheduler with 100,000 stored reminders.

    python -m benchmarks.bench_reminders [--count 100000] [--compare 1000] [--per-guild 100]

For each size (`--compare` and `--count`) a temporary SQLite database is filled with pending
channel reminders through `ReminderStore.apply_plan`, one plan per fake server (`--per-guild`
reminders each, due at random times over the next year). Then a *fresh* process opens the
database and does what the scheduler does: `next_due()` (1,000 times), `claim_due()` of a batch
of 20 due rows and `mark_sent()` for each, and `ReminderScheduler.run_due()` with a no-op sender.

Each phase runs in its own child process, so its resident memory (VmRSS from /proc/self/status)
says what that phase costs and nothing else: the scheduler keeps no per-reminder state in
memory (one task, the next due time read from the `reminders_next` partial index), so its RSS
and its tracemalloc peak should be the same at 1,000 and at 100,000 reminders, and so should
the latency of finding the next due one.

Prints a markdown table. Not a test: nothing is asserted beyond sanity checks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.domain.models import PlannedReminder, Reminder
from bot.domain.reminders import BATCH, Delivery, ReminderScheduler, shard_of
from bot.domain.timeutil import format_utc
from bot.storage.sqlite.database import Database

YEAR_SECONDS = 365 * 86_400
NEXT_DUE_CALLS = 1_000
BATCH_ROUNDS = 10
#: The measuring phase sends 2 × BATCH_ROUNDS + 1 batches of the earliest rows.
MIN_COUNT = (2 * BATCH_ROUNDS + 2) * BATCH
#: A sharded process: one of 16 shards (the shard of the first stored server).
SHARD_COUNT = 16
NEXT_DUE_SQL = (
    "SELECT next_attempt_at FROM reminders WHERE status IN ('pending', 'sending')"
    " ORDER BY next_attempt_at LIMIT 1"
)


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def rss_kib() -> int:
    """Resident memory of this process now (KiB)."""
    return _proc_status_kib("VmRSS")


def hwm_kib() -> int:
    """Peak resident memory of this process so far (KiB)."""
    return _proc_status_kib("VmHWM")


# -- phase 1: fill the database (child process) ---------------------------------------------


async def populate(path: Path, count: int, per_guild: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rss_start = rss_kib()
    db = await Database.open(path)
    try:
        rss_open = rss_kib()
        guilds = math.ceil(count / per_guild)
        made = 0
        started = time.perf_counter()
        for g in range(guilds):
            # A snowflake-like id (random creation time), unique through its low bits.
            guild_id = (rng.randrange(1 << 40) << 22) | g
            plans = []
            for i in range(min(per_guild, count - made)):
                due = now + dt.timedelta(seconds=rng.randrange(60, YEAR_SECONDS))
                plans.append(PlannedReminder(guild_id, "channel", 0, f"event-{i}", due, 0, due))
            added, moved, cancelled = await db.reminders.apply_plan(guild_id, plans, now)
            assert (added, moved, cancelled) == (len(plans), 0, 0), (added, moved, cancelled)
            made += added
        insert_s = time.perf_counter() - started
        rss_after = rss_kib()
        stored = await db.reminders.count("pending")
    finally:
        # Always closed: aiosqlite's worker thread would keep the process alive otherwise.
        await db.close()  # the last connection also checkpoints the WAL into the file
    db_bytes = await asyncio.to_thread(lambda: path.stat().st_size)
    assert stored == count == made, (stored, count, made)
    return {
        "count": count,
        "guilds": guilds,
        "per_guild": per_guild,
        "insert_s": insert_s,
        "db_bytes": db_bytes,
        "rss_start_kib": rss_start,
        "rss_open_kib": rss_open,
        "rss_after_kib": rss_after,
        "hwm_kib": hwm_kib(),
    }


# -- phase 2: the scheduler's work on that database (fresh child process) ---------------------


async def _noop_sender(reminder: Reminder, reclaimed: bool, late: bool) -> Delivery:
    return Delivery(message_id=None)


def _fixed_clock(at: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: at


def _nth_due(path: Path, n: int) -> dt.datetime:
    """The due time of the n-th earliest pending row (a clock at which n rows are due)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (value,) = conn.execute(
            "SELECT next_attempt_at FROM reminders WHERE status = 'pending'"
            " ORDER BY next_attempt_at LIMIT 1 OFFSET ?",
            (n - 1,),
        ).fetchone()
    finally:
        conn.close()
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _held_shards(path: Path) -> tuple[int, tuple[int, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (guild_id,) = conn.execute("SELECT guild_id FROM reminders LIMIT 1").fetchone()
    finally:
        conn.close()
    return SHARD_COUNT, (shard_of(guild_id, SHARD_COUNT),)


def _query_plan(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("EXPLAIN QUERY PLAN " + NEXT_DUE_SQL).fetchall()
    finally:
        conn.close()
    return "; ".join(str(r[-1]) for r in rows)


def _time_bare_sql(path: Path) -> list[float]:
    """The same query on a plain sqlite3 connection: the SQL alone, without aiosqlite's hop to
    its worker thread."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for _ in range(50):
            conn.execute(NEXT_DUE_SQL).fetchone()
        samples = []
        for _ in range(NEXT_DUE_CALLS):
            started = time.perf_counter()
            conn.execute(NEXT_DUE_SQL).fetchone()
            samples.append(time.perf_counter() - started)
    finally:
        conn.close()
    return samples


def _percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"median_us": statistics.median(samples) * 1e6, "p99_us": cuts[98] * 1e6}


async def _time_next_due(db: Database, shards: Any = None) -> list[float]:
    for _ in range(50):  # warm the page cache, the statement cache and aiosqlite's thread
        await db.reminders.next_due(shards)
    samples = []
    for _ in range(NEXT_DUE_CALLS):
        started = time.perf_counter()
        due = await db.reminders.next_due(shards)
        samples.append(time.perf_counter() - started)
        assert due is not None
    return samples


async def measure(path: Path) -> dict[str, Any]:
    rss_start = rss_kib()
    db = await Database.open(path)
    try:
        result = await _measure(db, path)
    finally:
        await db.close()  # always: aiosqlite's worker thread would keep the process alive
    result["rss_start_kib"] = rss_start
    return result


async def _measure(db: Database, path: Path) -> dict[str, Any]:
    rss_open = rss_kib()
    store = db.reminders
    result: dict[str, Any] = {"rss_open_kib": rss_open}

    result["next_due"] = _percentiles(await _time_next_due(db))
    result["next_due_shard"] = _percentiles(await _time_next_due(db, _held_shards(path)))
    result["next_due_sql"] = _percentiles(_time_bare_sql(path))
    result["plan"] = _query_plan(path)

    # A batch: claim the 20 earliest rows in one transaction, then mark each sent. Repeated
    # (each round takes the next 20 due rows), the median reported: one commit is noisy.
    claim_ms, mark_ms = [], []
    for _ in range(BATCH_ROUNDS):
        clock = _nth_due(path, BATCH)
        started = time.perf_counter()
        claimed = await store.claim_due(clock, "bench", 30.0, BATCH)
        claim_ms.append((time.perf_counter() - started) * 1e3)
        assert len(claimed) == BATCH, len(claimed)
        started = time.perf_counter()
        for reminder, _ in claimed:
            assert await store.mark_sent(reminder.id, "bench", None, clock)
        mark_ms.append((time.perf_counter() - started) * 1e3)
    result["claim_ms"] = statistics.median(claim_ms)
    result["mark_ms"] = statistics.median(mark_ms)

    # The scheduler's own path: run_due() claims, "sends" (no-op) and marks the next 20.
    run_ms, handled_counts = [], []
    for _ in range(BATCH_ROUNDS):
        clock2 = _nth_due(path, BATCH)
        scheduler = ReminderScheduler(
            db, _noop_sender, owner="bench-2", grace_seconds=10**9, clock=_fixed_clock(clock2)
        )
        started = time.perf_counter()
        handled_counts.append(await scheduler.run_due())
        run_ms.append((time.perf_counter() - started) * 1e3)
    result["run_due_ms"] = statistics.median(run_ms)
    result["run_due_handled"] = statistics.median(handled_counts)

    # Python memory the scheduler allocates while working (tracemalloc traces every thread,
    # aiosqlite's included; SQLite's own page cache is C memory and shows in RSS instead).
    clock3 = _nth_due(path, BATCH)
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    scheduler = ReminderScheduler(
        db, _noop_sender, owner="bench-3", grace_seconds=10**9, clock=_fixed_clock(clock3)
    )
    for _ in range(NEXT_DUE_CALLS):
        await store.next_due()
    handled = await scheduler.run_due()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["traced_peak_kib"] = (peak - base) / 1024
    result["traced_retained_kib"] = (current - base) / 1024
    assert handled >= BATCH, handled

    result["rss_end_kib"] = rss_kib()
    result["hwm_kib"] = hwm_kib()
    result["sent"] = await store.count("sent")
    return result


# -- the parent: run the phases, print the table ----------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_reminders", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {args[1]} phase failed (exit {out.returncode})")
    return json.loads(out.stdout)


def run_size(count: int, per_guild: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        path = Path(tmp) / "bench.db"
        filled = _child(
            "--phase", "populate", "--db", str(path), "--count", str(count),
            "--per-guild", str(per_guild), "--seed", str(seed),
        )  # fmt: skip
        measured = _child("--phase", "measure", "--db", str(path))
    return {"populate": filled, "measure": measured}


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def _servers(p: dict[str, Any], m: dict[str, Any]) -> str:
    last = p["count"] - (p["guilds"] - 1) * p["per_guild"]
    extra = "" if last == p["per_guild"] else f" (last {last})"
    return f"{p['guilds']:,} × {p['per_guild']}{extra}"


def render(results: list[dict[str, Any]]) -> str:
    heads = [f"N = {r['populate']['count']:,}" for r in results]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fn: Any) -> None:
        rows.append((label, [fn(r["populate"], r["measure"]) for r in results]))

    row("servers × reminders each", _servers)
    row("insert (apply_plan per server), total s", lambda p, m: f"{p['insert_s']:.2f}")
    row("insert, µs per reminder", lambda p, m: f"{p['insert_s'] / p['count'] * 1e6:.0f}")
    row("database file, MiB", lambda p, m: f"{p['db_bytes'] / 2**20:.1f}")
    row("database file, bytes per reminder", lambda p, m: f"{p['db_bytes'] / p['count']:.0f}")
    row(
        "filling process RSS: opened → after insert, MiB",
        lambda p, m: f"{_mib(p['rss_open_kib'])} → {_mib(p['rss_after_kib'])}",
    )
    row(
        "scheduler process RSS: opened → after all its work, MiB",
        lambda p, m: f"{_mib(m['rss_open_kib'])} → {_mib(m['rss_end_kib'])}",
    )
    row(
        "scheduler process RSS growth, MiB", lambda p, m: _mib(m["rss_end_kib"] - m["rss_open_kib"])
    )
    row(
        "tracemalloc peak: 1,000 × next_due + run_due(20), KiB",
        lambda p, m: f"{m['traced_peak_kib']:.0f}",
    )
    row("… of which still held afterwards, KiB", lambda p, m: f"{m['traced_retained_kib']:.0f}")
    row(
        "next_due() median / p99, µs (1,000 calls)",
        lambda p, m: f"{m['next_due']['median_us']:.0f} / {m['next_due']['p99_us']:.0f}",
    )
    row(
        "next_due(shard filter, 1 of 16) median / p99, µs",
        lambda p, m: (
            f"{m['next_due_shard']['median_us']:.0f} / {m['next_due_shard']['p99_us']:.0f}"
        ),
    )
    row(
        "… the same SQL alone (sqlite3, no aiosqlite), µs",
        lambda p, m: f"{m['next_due_sql']['median_us']:.1f} / {m['next_due_sql']['p99_us']:.1f}",
    )
    row("claim_due(20 due rows), ms, median of 10", lambda p, m: f"{m['claim_ms']:.2f}")
    row("mark_sent × 20, ms, median of 10", lambda p, m: f"{m['mark_ms']:.2f}")
    row(
        "run_due(): claim + no-op send + mark 20, ms, median of 10",
        lambda p, m: f"{m['run_due_ms']:.2f} ({m['run_due_handled']:.0f} handled)",
    )

    width = max(len(label) for label, _ in rows)
    cols = [max(len(h), *(len(v[i]) for _, v in rows)) for i, h in enumerate(heads)]
    head = " | ".join(h.rjust(c) for h, c in zip(heads, cols, strict=True))
    rule = "|".join("-" * (c + 1) + ":" for c in cols)
    lines = [f"| {'measure'.ljust(width)} | {head} |", f"|{'-' * (width + 2)}|{rule}|"]
    for label, values in rows:
        cells = " | ".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
        lines.append(f"| {label.ljust(width)} | {cells} |")
    plans = {r["measure"]["plan"] for r in results}
    cache = sqlite3.connect(":memory:").execute("PRAGMA cache_size").fetchone()[0]
    lines += [
        "",
        "next_due() query plan: " + " / ".join(sorted(plans)),
        f"SQLite page cache per connection: cache_size={cache} (negative = KiB), which bounds"
        " the RSS growth above; Python objects: the tracemalloc rows.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="reminders (default 100000)")
    parser.add_argument("--compare", type=int, default=1_000, help="the small size (1000)")
    parser.add_argument("--per-guild", type=int, default=100, help="reminders per server (100)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--phase", choices=("populate", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.count, args.compare) < MIN_COUNT or args.per_guild < 1:
        parser.error(f"--count and --compare need at least {MIN_COUNT} reminders")

    if args.phase == "populate":
        print(json.dumps(asyncio.run(populate(args.db, args.count, args.per_guild, args.seed))))
        return 0
    if args.phase == "measure":
        print(json.dumps(asyncio.run(measure(args.db))))
        return 0

    sizes = sorted({args.compare, args.count})
    results = []
    for size in sizes:
        print(f"… {size:,} reminders", file=sys.stderr, flush=True)
        results.append(run_size(size, args.per_guild, args.seed))
    print(f"Awards reminders: scheduler cost at {' and '.join(f'{s:,}' for s in sizes)} stored")
    when = format_utc(dt.datetime.now(dt.UTC))
    print(f"(Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {when})")
    print()
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
