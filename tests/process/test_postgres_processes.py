"""Two real bot processes with different shards on one PostgreSQL database, against FakeDiscord:
each answers its own server, both see what a third process (the command line) imports within a
second, logins take turns, and both stop cleanly."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest

from tests import pgserver
from tests.fakediscord.server import FakeDiscord

from .conftest import (
    APP_ID,
    BOT_ID,
    FAKE_TOKEN,
    START_TIMEOUT,
    bot_env,
    run_cli,
    running_bot,
)

pytestmark = pytest.mark.process

#: Two servers on different shards of two: (guild_id >> 22) % 2 is 0 and 1.
SHARD0_GUILD = 1_400_000_000_000_000_003 & ~(1 << 22)
SHARD1_GUILD = SHARD0_GUILD | (1 << 22)


_users = itertools.count(1_400_000_000_000_100_000)


async def _ask(fake: FakeDiscord, question: str, guild_id: int) -> str:
    """The answer's text (each question from another member: no cooldown)."""
    inter = await fake.send_interaction(
        "ask", {"question": question}, guild_id=guild_id, user_id=next(_users)
    )
    answered = await fake.wait_for_response(inter, timeout=10)
    embeds = (answered.response_data or {}).get("embeds") or []
    return " ".join(f"{e.get('title', '')} {e.get('description', '')}" for e in embeds)


async def test_two_shard_processes_share_one_postgresql_database(tmp_path: Path) -> None:
    assert (SHARD0_GUILD >> 22) % 2 == 0 and (SHARD1_GUILD >> 22) % 2 == 1
    url = pgserver.server().new_database()
    async with FakeDiscord(
        APP_ID, BOT_ID, [SHARD0_GUILD, SHARD1_GUILD], shard_count=2, token=FAKE_TOKEN
    ) as fake:
        env = bot_env(fake, tmp_path, DATABASE_URL=url, SHARD_COUNT="2", LOG_LEVEL="INFO")
        synced = await run_cli("sync", env=env, cwd=tmp_path)
        assert synced.returncode == 0, synced.stderr
        async with (
            running_bot({**env, "SHARD_IDS": "0"}, tmp_path) as first,
            running_bot({**env, "SHARD_IDS": "1"}, tmp_path) as second,
        ):
            for bot in (first, second):
                await bot.wait_for_log(r"Ready as \S+ in 1 servers", timeout=START_TIMEOUT)
                assert "Following entry changes made by other processes" in bot.stderr
            shards = sorted(tuple(p["shard"]) for p in fake.identify_payloads)
            assert shards == [(0, 2), (1, 2)]
            # Each server is answered (by the process holding its shard: the fake routes it).
            assert "Oshiyama" in await _ask(fake, "who directed it", SHARD0_GUILD)
            assert "Oshiyama" in await _ask(fake, "who directed it", SHARD1_GUILD)

            # A third process imports a fact; both bots answer with it within a second.
            pack = tmp_path / "tram.json"
            pack.write_text(
                json.dumps(
                    {
                        "format": "lookback-pack",
                        "format_version": 1,
                        "pack_version": "t",
                        "title": "t",
                        "facts": [
                            {
                                "id": "tram-museum",
                                "title": "Tram museum",
                                "answer": "Kyoto's tram museum opened in 2014.",
                                "aliases": ["zebra tram museum question"],
                                "source_name": "T",
                                "source_url": "https://example.org/tram",
                            }
                        ],
                    }
                ),
                "utf-8",
            )
            imported = await run_cli("import", str(pack), env=env, cwd=tmp_path)
            assert imported.returncode == 0, imported.stderr
            started = time.monotonic()
            for guild in (SHARD0_GUILD, SHARD1_GUILD):
                while "tram museum opened" not in await _ask(
                    fake, "zebra tram museum question", guild
                ):
                    assert time.monotonic() - started < 1.0, "not followed within a second"
            for bot in (first, second):
                code, _ = await bot.terminate()
                assert code == 0, bot.tail(60)
                assert "Traceback" not in bot.stderr, bot.tail(60)
