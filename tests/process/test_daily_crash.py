"""The daily post exactly once on the real bot process against FakeDiscord: SIGKILLed while
the day's POST is in flight, restarted on the same database, one message in the channel; and
two bot processes running on one database at once, racing for the same day's row, one message.

The server's daily post is set (through the project's own `DailyService`) for the next full
minute of the wall clock; its planned row is then moved a second into the past, as if the bot
came up just after the day's time (well within the grace), so the bots claim it as soon as
they start instead of waiting up to a minute (the scheduler waking at the time itself is
tested with simcord's clock in tests/cogs/test_daily.py). The fake
holds the POST 1.5 s; the bot is killed while it waits; the fake still creates the message
(Discord accepting a message whose sender died). The restarted bot reclaims the row once its
3 s lease has run out, finds its message by the "📅 #ID" footer, and posts nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.domain.daily import DailyService
from bot.domain.models import DailySettings
from bot.storage.sqlite.database import Database
from tests.fakediscord.server import FakeDiscord, RecordedRequest

from .conftest import GUILD_ID, START_TIMEOUT, running_bot
from .test_reminder_crash import reminder_env, sigkill, wait_for

pytestmark = pytest.mark.process

FOOTER = re.compile(r"^📅 #(\d+) · ")


def read_db(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def prepare(db_path: Path, channel_id: int) -> tuple[dt.datetime, str]:
    """The daily post on for the next full minute, its row then due a second ago (the bot
    sends an overdue post within the grace at once); (the set time, the row's nonce)."""
    now = discord.utils.utcnow()
    due = (now + dt.timedelta(seconds=60)).replace(second=0, microsecond=0)
    db = await Database.open(db_path)
    try:
        service = DailyService(db, owner="test", grace_seconds=3600, clock=lambda: now)
        settings = DailySettings(GUILD_ID, True, channel_id, f"{due:%H:%M}", "UTC", "facts")
        await service.configure(settings)
        (row,) = read_db(db_path, "SELECT * FROM daily_posts")
        assert row["due_at"] == f"{due:%Y-%m-%dT%H:%M:%S}Z", dict(row)
        past = f"{now - dt.timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}Z"
        conn = sqlite3.connect(db_path, timeout=5)
        try:
            with conn:
                conn.execute(
                    "UPDATE daily_posts SET due_at = ?, next_attempt_at = ? WHERE id = ?",
                    (past, past, row["id"]),
                )
        finally:
            conn.close()
        return due, row["nonce"]
    finally:
        await db.close()


def daily_posts(fake: FakeDiscord, channel_id: int) -> list[RecordedRequest]:
    return [
        r
        for r in fake.requests_matching("POST", f"/channels/{channel_id}/messages")
        if isinstance(r.json, dict) and r.json.get("nonce")
    ]


def daily_messages(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages.get(channel_id, [])
        if any(
            FOOTER.match((e.get("footer") or {}).get("text") or "") for e in m.get("embeds") or []
        )
    ]


async def test_sigkill_mid_post_then_restart_posts_once(fake: FakeDiscord, tmp_path: Path) -> None:
    channel_id = fake.guilds[GUILD_ID].channel_id
    db_path = tmp_path / "lookback.db"
    due, nonce = await prepare(db_path, channel_id)
    env = reminder_env(fake, tmp_path)
    fake.set_delay(f"/channels/{channel_id}/messages", 1.5, method="POST")
    wait = START_TIMEOUT + 20
    async with running_bot(env, tmp_path) as first:
        await fake.wait_until(
            lambda: bool(daily_posts(fake, channel_id)), timeout=wait, what="the daily POST"
        )
        (in_flight,) = daily_posts(fake, channel_id)
        assert in_flight.status is None
        assert in_flight.json["nonce"] == nonce and in_flight.json.get("enforce_nonce") is True
        await sigkill(first)
    (row,) = read_db(db_path, "SELECT * FROM daily_posts WHERE nonce = ?", (nonce,))
    assert row["status"] == "sending", dict(row)
    await fake.wait_until(lambda: in_flight.status is not None, timeout=5, what="answer")
    assert len(daily_messages(fake, channel_id)) == 1

    started = time.monotonic()
    async with running_bot(env, tmp_path) as second:

        def settled() -> bool:
            rows = read_db(db_path, "SELECT status FROM daily_posts ORDER BY id")
            return [r["status"] for r in rows] == ["sent", "pending"]

        await wait_for(settled, 30, "the post marked sent and the next day planned")
        code, _ = await second.terminate()
        assert code == 0, second.tail(60)
    assert "Traceback" not in second.stderr, second.tail(60)
    messages = daily_messages(fake, channel_id)
    assert len(messages) == 1, messages
    assert len(daily_posts(fake, channel_id)) == 1  # found by its footer: not posted again
    (row, tomorrow) = read_db(db_path, "SELECT * FROM daily_posts ORDER BY id")
    assert row["message_id"] == int(messages[0]["id"]) and row["attempts"] == 2
    assert tomorrow["local_date"] == (due + dt.timedelta(days=1)).date().isoformat()
    print(f"\nsettled {time.monotonic() - started:.1f}s after the restart; one message")


@pytest.mark.parametrize("send_delay", [0.3, 4.0], ids=["quick", "post-outlives-lease"])
async def test_two_processes_on_one_database_post_the_day_once(
    fake: FakeDiscord, tmp_path: Path, send_delay: float
) -> None:
    """Two bots, one database, one fake Discord (two gateway sessions), both planning and
    claiming the server's daily post: one message in the channel, one row 'sent', the next day
    planned once. With a POST slower than the 3 s lease the other process reclaims the row
    while the first still waits; the nonce and the footer lookup keep it to one message."""
    channel_id = fake.guilds[GUILD_ID].channel_id
    db_path = tmp_path / "lookback.db"
    due, nonce = await prepare(db_path, channel_id)
    env = reminder_env(fake, tmp_path)
    fake.set_delay(f"/channels/{channel_id}/messages", send_delay, method="POST")
    wait = START_TIMEOUT + 30

    async with contextlib.AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(running_bot(env, tmp_path)) for _ in range(2)]
        for bot in bots:
            await bot.wait_for_log(r"Ready as \S+ in 1 servers", timeout=START_TIMEOUT)
        assert fake.connected_sessions == 2

        def settled() -> bool:
            rows = read_db(db_path, "SELECT status FROM daily_posts ORDER BY id")
            answered = all(r.status is not None for r in daily_posts(fake, channel_id))
            return answered and [r["status"] for r in rows] == ["sent", "pending"]

        await wait_for(settled, wait, "the day's post sent once and the next day planned")
        await asyncio.sleep(send_delay + 1)  # a late second POST would show up by now
        for bot in bots:
            code, _ = await bot.terminate()
            assert code == 0, bot.tail(60)
            assert "Traceback" not in bot.stderr, bot.tail(60)

    messages = daily_messages(fake, channel_id)
    assert len(messages) == 1, messages
    posts = daily_posts(fake, channel_id)
    assert {p.json["nonce"] for p in posts} == {nonce}
    if send_delay < 1:
        assert len(posts) == 1, [p.json for p in posts]
    (row, tomorrow) = read_db(db_path, "SELECT * FROM daily_posts ORDER BY id")
    assert row["message_id"] == int(messages[0]["id"])
    assert tomorrow["local_date"] == (due + dt.timedelta(days=1)).date().isoformat()
    assert read_db(db_path, "PRAGMA integrity_check")[0][0] == "ok"
    print(f"\nPOSTs {len(posts)}; one message; sent by {row['claimed_by']}")
