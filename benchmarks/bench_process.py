"""Interactions per second, latency and memory of one bot process, end to end on 127.0.0.1.

The real bot (`python -m bot run`, INFO logging) against the fake Discord of
`tests/fakediscord` in this process: from the INTERACTION_CREATE the fake gateway sends to the
interaction callback the fake REST server receives. A mix of /ask (several wordings, some
nonsense), /fact and /quote, each user asking at most once every few seconds (no cooldowns).

1. start-up, then a warm-up; RSS (VmRSS of /proc/PID/status) at both points;
2. the maximum rate: `--max-count` interactions, `--concurrency` in flight at any time;
3. a steady load at `--steady-fraction` of that rate for `--steady-seconds`: the latency
   distribution (median, p95, p99, max) of the first response, and of the answer on screen
   for interactions the bot deferred;
4. `--soak` more interactions at the maximum rate, RSS every `--checkpoint`.

    python -m benchmarks.bench_process [--soak 100000] [--steady-seconds 20] ...

The fake runs in this process and the bot in another: on a 2-core machine they share the CPU
with whatever else runs, so the numbers are a floor for the bot, not a ceiling. Everything binds
127.0.0.1; every wait is bounded; the bot is stopped (SIGTERM, then killed) at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakediscord.server import FakeDiscord, FakeInteraction
from tests.process.conftest import (
    APP_ID,
    BOT_ID,
    FAKE_TOKEN,
    GUILD_ID,
    BotProcess,
    bot_env,
    running_bot,
)

#: (command, options), used in turn.
MIX: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ask", {"question": "who directed it"}),
    ("ask", {"question": "Who is the director of Look Back?"}),
    ("ask", {"question": "how long is the film"}),
    ("ask", {"question": "runtime"}),
    ("ask", {"question": "when was it released in japan"}),
    ("ask", {"question": "who voices Fujino"}),
    ("ask", {"question": "what studio made it"}),
    ("ask", {"question": "京本の声優"}),
    ("ask", {"question": "did it win the annie award"}),
    ("ask", {"question": "xqzv plorbic wendle?"}),
    ("ask", {"question": "how tall is mount fuji"}),
    ("ask", {"question": "asdf"}),
    ("fact", {}),
    ("fact", {"query": "runtime"}),
    ("fact", {"query": "manga chapter length"}),
    ("quote", {}),
    ("quote", {"search": "drawing"}),
    ("quote", {"speaker": "Fujimoto"}),
)
FIRST_USER = 1_900_000_000_000_000_000
#: Bound on waiting for outstanding answers (a lost interaction stops the benchmark).
ANSWER_TIMEOUT = 60.0
DISCORD_WINDOW = 3.0


def rss_mib(pid: int) -> float:
    """Resident set size of a process, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def describe(values: Sequence[float]) -> str:
    """median / p95 / p99 / max in milliseconds."""
    if not values:
        return "n/a"
    s = sorted(values)
    return (
        f"median {statistics.median(s) * 1000:.1f} ms, p95 {percentile(s, 95) * 1000:.1f} ms, "
        f"p99 {percentile(s, 99) * 1000:.1f} ms, max {s[-1] * 1000:.1f} ms"
    )


@dataclass
class Outcome:
    """What a batch of interactions got."""

    acks: list[float] = field(default_factory=list)  # sent -> accepted callback
    answers: list[float] = field(default_factory=list)  # sent -> answer on screen (deferred)
    deferred: int = 0
    errors: int = 0  # ephemeral replies: cooldowns, apologies
    late: int = 0  # first response later than Discord's 3 s

    def add(self, inters: Sequence[FakeInteraction]) -> None:
        for inter in inters:
            assert inter.sent_at is not None
            assert inter.responded_at is not None
            assert inter.answered_at is not None
            ack = inter.responded_at - inter.sent_at
            self.acks.append(ack)
            self.late += ack > DISCORD_WINDOW
            if inter.deferred:
                self.deferred += 1
                self.answers.append(inter.answered_at - inter.sent_at)
            if inter.ephemeral or (inter.followups and inter.followups[0]["flags"] & 64):
                self.errors += 1


class Driver:
    """Sends the mix through the fake and waits for the answers."""

    def __init__(self, fake: FakeDiscord, users: int) -> None:
        self.fake = fake
        self.users = users
        self.sent = 0

    async def send(self) -> FakeInteraction:
        name, options = MIX[self.sent % len(MIX)]
        user = FIRST_USER + self.sent % self.users
        self.sent += 1
        return await self.fake.send_interaction(name, options, user_id=user)

    async def closed_loop(self, count: int, concurrency: int) -> list[FakeInteraction]:
        """`count` interactions, a new one as soon as one is answered."""
        fake = self.fake
        base = fake.answered_count
        inters: list[FakeInteraction] = []
        while len(inters) < count:
            while len(inters) < count and len(inters) - (fake.answered_count - base) < concurrency:
                inters.append(await self.send())
            await fake.wait_until(
                lambda: len(inters) - (fake.answered_count - base) < concurrency,
                ANSWER_TIMEOUT,
                what="an answer",
            )
        await self.all_answered(inters)
        return inters

    async def open_loop(self, rate: float, seconds: float) -> tuple[list[FakeInteraction], float]:
        """Interactions at `rate` per second for `seconds`; also the rate actually sent."""
        inters: list[FakeInteraction] = []
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            while len(inters) < int(elapsed * rate):
                inters.append(await self.send())
            await asyncio.sleep(0.002)  # the pacing tick of the load generator
        sent_rate = len(inters) / (time.monotonic() - start)
        await self.all_answered(inters)
        return inters, sent_rate

    async def all_answered(self, inters: Sequence[FakeInteraction]) -> None:
        await self.fake.wait_until(
            lambda: (
                all(i.answered_at is not None for i in inters[-200:])
                and all(i.answered_at is not None for i in inters)
            ),
            ANSWER_TIMEOUT,
            what="every answer",
        )


async def run(args: argparse.Namespace) -> None:
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min) at start; "
        f"Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        async with FakeDiscord(APP_ID, BOT_ID, [GUILD_ID], token=FAKE_TOKEN) as fake:
            env = bot_env(fake, tmp_path, DEV_GUILD_ID=str(GUILD_ID), LOG_LEVEL="INFO")
            async with running_bot(env, tmp_path) as bot:
                await bot.wait_for_log(r"Ready as \S+ in 1 servers", timeout=60)
                await measure(fake, bot, args)
                code, _ = await bot.terminate(30)
                errors = [line for line in bot.stderr_lines if " ERROR " in line]
                print(f"bot exit code {code}; ERROR log lines: {len(errors)}")
                for line in errors[:5]:
                    print("  " + line.rstrip())
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the end")


async def measure(fake: FakeDiscord, bot: BotProcess, args: argparse.Namespace) -> None:
    pid = bot.proc.pid
    driver = Driver(fake, args.users)
    print(f"RSS at start (ready): {rss_mib(pid):.1f} MiB")

    await driver.closed_loop(args.warmup, args.concurrency)
    fake.clear_history()
    print(f"RSS after warm-up ({args.warmup} interactions): {rss_mib(pid):.1f} MiB")

    bot_cpu, own_cpu, started = cpu_seconds(pid), cpu_seconds(), time.monotonic()
    inters = await driver.closed_loop(args.max_count, args.concurrency)
    elapsed = time.monotonic() - started
    bot_cpu, own_cpu = cpu_seconds(pid) - bot_cpu, cpu_seconds() - own_cpu
    outcome = Outcome()
    outcome.add(inters)
    fake.clear_history()
    max_rate = len(inters) / elapsed
    print(
        f"maximum: {len(inters)} interactions in {elapsed:.2f} s = {max_rate:.0f}/s "
        f"({args.concurrency} in flight); first response {describe(outcome.acks)}; "
        f"{outcome.deferred} deferred, {outcome.errors} error replies"
    )
    print(
        f"  CPU per interaction: bot {bot_cpu / len(inters) * 1000:.2f} ms "
        f"({bot_cpu / elapsed:.0%} of a core), fake + load generator "
        f"{own_cpu / len(inters) * 1000:.2f} ms ({own_cpu / elapsed:.0%} of a core)"
    )

    rate = max_rate * args.steady_fraction
    inters, sent_rate = await driver.open_loop(rate, args.steady_seconds)
    outcome = Outcome()
    outcome.add(inters)
    fake.clear_history()
    print(
        f"steady load: {len(inters)} interactions at {sent_rate:.0f}/s "
        f"({args.steady_fraction:.0%} of the maximum) for {args.steady_seconds:.0f} s"
    )
    print(f"  first response (gateway send -> callback received): {describe(outcome.acks)}")
    print(
        f"  {outcome.deferred} deferred (answer on screen: {describe(outcome.answers)}); "
        f"{outcome.late} later than 3 s; {outcome.errors} error replies"
    )

    print(f"soak: {args.soak} interactions at the maximum rate, RSS every {args.checkpoint}")
    done = 0
    started = time.monotonic()
    total = Outcome()
    while done < args.soak:
        batch = min(args.checkpoint, args.soak - done)
        inters = await driver.closed_loop(batch, args.concurrency)
        outcome = Outcome()
        outcome.add(inters)
        total.acks += outcome.acks
        total.late += outcome.late
        total.deferred += outcome.deferred
        total.errors += outcome.errors
        fake.clear_history()
        done += batch
        print(
            f"  {done:>7} interactions, {time.monotonic() - started:6.1f} s: "
            f"RSS {rss_mib(pid):6.1f} MiB; this batch: first response "
            f"median {statistics.median(outcome.acks) * 1000:.1f} ms, "
            f"p99 {percentile(sorted(outcome.acks), 99) * 1000:.1f} ms"
        )
    print(
        f"soak total: {describe(total.acks)}; {total.deferred} deferred, {total.late} later "
        f"than 3 s, {total.errors} error replies; {done / (time.monotonic() - started):.0f}/s"
    )


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=2000, help="warm-up interactions")
    parser.add_argument("--max-count", type=int, default=5000, help="interactions at max rate")
    parser.add_argument("--concurrency", type=int, default=50, help="in flight at max rate")
    parser.add_argument("--steady-fraction", type=float, default=0.6)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--soak", type=int, default=100_000, help="interactions in the soak")
    parser.add_argument("--checkpoint", type=int, default=10_000, help="RSS every N")
    parser.add_argument(
        "--users", type=int, default=5000, help="distinct users, in turn (5 per 20 s each)"
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
