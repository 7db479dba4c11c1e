"""simcord fixtures: the real bot, with its real command tree, on a virtual Discord."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot import create_bot
from bot.client import LookBackBot
from bot.config import Settings


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The bot's database file for one test."""
    return tmp_path / "bot.db"


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
    await env.restart_bot(make_bot(db_path, **settings))
    await old.service.close()
    return env.bot


@pytest.fixture
def simcord_bot(db_path: Path) -> LookBackBot:
    """The bot simcord runs."""
    return make_bot(db_path, owner_ids=frozenset({999}))


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
