"""simcord fixtures: the real bot, with its real command tree, on a virtual Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord.interactions

from bot import create_bot
from bot.client import LookBackBot
from bot.config import Settings
from tests.conftest import loaded_sqlite
from tests.openapi_check import request_rule_problems


@pytest.fixture
async def db_path(tmp_path: Path) -> Path:
    """The bot's database file for one test: a copy of one with the shipped pack loaded
    (`tests.conftest.loaded_sqlite`), as the bot would leave it after its first start."""
    return await loaded_sqlite(tmp_path / "bot.db")


def make_bot(db_path: Path, **settings: object) -> LookBackBot:
    """A fresh, unstarted bot on `db_path` (call again to 'restart' on the same database)."""
    return create_bot(
        Settings(database_path=db_path, **settings),  # type: ignore[arg-type]
        shard_count=1,
    )


async def restart(env, db_path: Path, **settings: object) -> LookBackBot:  # type: ignore[no-untyped-def]
    """Restart the bot on the same database, as a new process would.

    simcord detaches the old bot without closing it; its database connection is closed here
    (as the old process's exit would), so no query of it outlives the test's event loop.
    """
    old = env.bot
    settings.setdefault("owner_ids", frozenset({999}))
    new = make_bot(db_path, **settings)
    _running.append(new)
    await env.restart_bot(new)
    await _close_database(old)
    return new


#: The bots of the current test (the first, then one per restart); simcord never closes them.
_running: list[LookBackBot] = []


@pytest.fixture
async def simcord_bot(db_path: Path) -> AsyncIterator[LookBackBot]:
    """The bot simcord runs; its database, and that of every bot a restart started, is closed
    afterwards even when a test failed (an aiosqlite thread left open until the interpreter
    exits keeps pytest from exiting: it waits for that non-daemon thread before collecting)."""
    bot = make_bot(db_path, owner_ids=frozenset({999}))
    _running.append(bot)
    try:
        yield bot
    finally:
        while _running:
            await _close_database(_running.pop())


async def _close_database(bot: LookBackBot) -> None:
    service = bot._service  # None once the bot closed itself
    if service is not None:
        bot._service = None
        await service.close()


@pytest.fixture
async def world(simcord_env):  # type: ignore[no-untyped-def]
    """A server with a channel, a member and a moderator; commands synced as an operator would
    with `lookback-bot sync`."""
    await simcord_env.bot.tree.sync()
    guild = simcord_env.create_guild(name="Look Back fans")
    channel = guild.create_text_channel("general")
    fan = guild.add_member(simcord_env.create_user("fan"))
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return guild, channel, fan, mod


@pytest.fixture
def requests_follow_discords_rules(simcord_env):  # type: ignore[no-untyped-def]
    """After the test: every REST request the bot made kept Discord's rules (no pings, embeds
    within limits; see tests/openapi_check.py)."""
    yield
    assert request_rule_problems(simcord_env.http_requests) == []


@pytest.fixture
def locales(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """user id → the locale their interactions carry (simcord sends `en-US` for everyone;
    this wraps its payload builder, `simcord.interactions.base_payload`)."""
    chosen: dict[int, str] = {}
    original = simcord.interactions.base_payload

    def with_locale(backend: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        record, payload = original(backend, **kwargs)
        locale = chosen.get(int(kwargs["user_id"]))
        if locale is not None:
            payload["locale"] = locale
        return record, payload

    monkeypatch.setattr(simcord.interactions, "base_payload", with_locale)
    return chosen
