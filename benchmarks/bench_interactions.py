"""Time per /ask interaction inside the bot: from the command tree's dispatch to the response
(simcord's in-memory Discord, so no network is counted).

    python -m benchmarks.bench_interactions [--count 300]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import simcord

from bot import create_bot
from bot.config import Settings

QUESTIONS = [
    "who directed it",
    "runtime",
    "who plays kyomoto",
    "when is the next oscars",
    "京本の声優",
    "how tall is mount fuji",
    "what studio",
    "theme song",
]


async def run(count: int) -> None:
    """Send `count` /ask interactions from 60 members (cooldowns never trigger)."""
    with tempfile.TemporaryDirectory() as tmp:
        bot = create_bot(Settings(database_path=Path(tmp) / "bench.db"), shard_count=1)
        async with simcord.run(bot) as env:
            await bot.tree.sync()
            guild = env.create_guild()
            channel = guild.create_text_channel("general")
            members = [guild.add_member(env.create_user(f"fan{i}")) for i in range(60)]
            for i in range(count):
                await members[i % len(members)].slash(
                    channel, "ask", question=QUESTIONS[i % len(QUESTIONS)]
                )
            t = bot.timings
            print(
                f"/ask interactions: {len(t.samples)}; inside the bot: median "
                f"{t.percentile(50):.2f} ms, p95 {t.percentile(95):.2f} ms, "
                f"p99 {t.percentile(99):.2f} ms"
            )
        await bot.close()  # simcord leaves the bot open; its database thread would keep us alive


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    asyncio.run(run(parser.parse_args().count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
