"""Two real bot processes with different shards on one PostgreSQL database, against FakeDiscord:
each answers its own server, both see what a third process (the command line) imports within a
second, and each posts its own servers' reminders exactly once, also when it is SIGKILLed in the
middle of a send and restarted."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import signal
import time
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.domain.models import Entry, GuildSettings
from bot.domain.pack import load_pack, shipped_pack_path
from bot.domain.reminders import plan_guild
from bot.storage import open_storage
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
from .test_reminder_crash import FOOTER

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
            # The two logins took turns (one identify per 5 s, across processes).
            first_at, second_at = sorted(fake.identify_times)
            assert second_at - first_at >= 4.5, (first_at, second_at)
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


async def _prepare_reminders(
    url: str, channels: dict[int, int], *, starts_in: int, leads: tuple[int, ...]
) -> dict[int, tuple[int, str]]:
    """For each server (→ its channel): only its own event, due `leads` seconds before it
    starts; the reminder rows by id: (server, nonce)."""
    now = discord.utils.utcnow().replace(microsecond=0)
    shipped = [e.key for e in load_pack(shipped_pack_path()).entries if e.kind == "awards"]
    db = await open_storage(url)
    rows: dict[int, tuple[int, str]] = {}
    try:
        for guild_id, channel_id in channels.items():
            for key in shipped:  # the shipped events would add their own reminders
                await db.set_hidden(guild_id, "awards", key, True)
            event = Entry(
                kind="awards",
                key="pg-gala",
                title="Pg Gala",
                text="",
                source_name="t",
                source_url="https://example.org",
                guild_id=guild_id,
                starts_at=now + dt.timedelta(seconds=starts_in),
                outcome="x",
            )
            await db.save_entry(event)
            settings = GuildSettings(guild_id, reminder_channel_id=channel_id, lead_times=leads)
            await db.save_guild_settings(settings)
            await db.reminders.apply_plan(
                guild_id, plan_guild(guild_id, [event], settings, [], now), now
            )
            for r in await db.reminders.for_guild(guild_id, ["pending"], limit=100):
                rows[r.id] = (guild_id, r.nonce)
    finally:
        await db.close()
    return rows


async def _states(url: str) -> dict[int, tuple[str, int | None]]:
    db = await open_storage(url)
    try:
        found = {}
        for status in ("pending", "sending", "sent", "failed", "missed", "cancelled"):
            for guild in (SHARD0_GUILD, SHARD1_GUILD):
                for r in await db.reminders.for_guild(guild, [status], limit=100):
                    found[r.id] = (r.status, r.message_id)
        return found
    finally:
        await db.close()


async def test_reminders_are_posted_once_when_a_shard_process_is_killed_mid_send(
    tmp_path: Path,
) -> None:
    url = pgserver.server().new_database()
    async with FakeDiscord(
        APP_ID, BOT_ID, [SHARD0_GUILD, SHARD1_GUILD], shard_count=2, token=FAKE_TOKEN
    ) as fake:
        channels = {g: fake.guilds[g].channel_id for g in (SHARD0_GUILD, SHARD1_GUILD)}
        rows = await _prepare_reminders(url, channels, starts_in=12, leads=(8, 4, 0))
        assert len(rows) == 6
        env = bot_env(
            fake,
            tmp_path,
            DATABASE_URL=url,
            SHARD_COUNT="2",
            LOG_LEVEL="INFO",
            REMINDER_LEASE_SECONDS="3",
        )
        shard0_posts = f"/channels/{channels[SHARD0_GUILD]}/messages"
        fake.set_delay(shard0_posts, 10.0, method="POST")  # held in flight: killed meanwhile

        def posts(channel_id: int) -> list[Any]:
            return [
                r
                for r in fake.requests_matching("POST", f"/channels/{channel_id}/messages")
                if isinstance(r.json, dict) and r.json.get("nonce")
            ]

        async with running_bot({**env, "SHARD_IDS": "1"}, tmp_path) as other:
            async with running_bot({**env, "SHARD_IDS": "0"}, tmp_path) as doomed:
                await fake.wait_until(  # two start-ups and a login turn on a busy machine
                    lambda: bool(posts(channels[SHARD0_GUILD])), timeout=60, what="a POST"
                )
                (in_flight,) = posts(channels[SHARD0_GUILD])
                assert in_flight.status is None, "answered before the kill"
                doomed.proc.send_signal(signal.SIGKILL)
                assert await asyncio.wait_for(doomed.proc.wait(), 5) == -signal.SIGKILL
            fake.set_delay(shard0_posts, 0.5, method="POST")
            async with running_bot({**env, "SHARD_IDS": "0"}, tmp_path) as restarted:
                deadline = time.monotonic() + 90
                while True:
                    states = await _states(url)
                    answered = all(
                        r.status is not None for c in channels.values() for r in posts(c)
                    )
                    if answered and {s for s, _ in states.values()} == {"sent"}:
                        break
                    assert time.monotonic() < deadline, (states, restarted.tail(30))
                    await asyncio.sleep(0.2)
                for bot in (restarted, other):
                    code, _ = await bot.terminate()
                    assert code == 0, bot.tail(60)
                    assert "Traceback" not in bot.stderr, bot.tail(60)

        # Every reminder exactly one message, in its own server's channel, its id on the row;
        # the shard-1 process never posted in the shard-0 server's channel or the reverse.
        for rid, (guild, nonce) in rows.items():
            messages = [
                m
                for m in fake.messages.get(channels[guild], [])
                for e in m.get("embeds") or []
                if FOOTER.match((e.get("footer") or {}).get("text") or "")
                and int(FOOTER.match(e["footer"]["text"]).group(1)) == rid  # type: ignore[union-attr]
            ]
            assert len(messages) == 1, (rid, len(messages))
            assert messages[0].get("nonce") == nonce
            assert states[rid] == ("sent", int(messages[0]["id"]))
        for guild, channel in channels.items():
            assert len(fake.messages.get(channel, [])) == 3, guild
