"""Installed by a user: the read-only commands work in direct messages and in servers without
the bot; /admin and the subscriptions stay with servers where the bot is installed; a server's
own content applies only where the bot is installed there.

simcord always sends `authorizing_integration_owners: {}`; these tests rewrite the payload of
the acting user's interactions as Discord sends them for a user installation
(`{"1": user_id}`, no guild owner), and, for "a server without the bot", drop the server from
the bot's cache with the GUILD_DELETE Discord sends when a bot leaves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest
import simcord.interactions

from bot import constants as c
from bot.domain.models import Entry
from tests.cogs.discord_rules import every_request_valid

pytestmark = pytest.mark.usefixtures("every_request_valid")
__all__ = ["every_request_valid"]

READ_ONLY = {
    "ask",
    "fact",
    "quote",
    "synopsis",
    "awards",
    "help",
    "about",
    "Ask Look Back",
}


def user_installed(monkeypatch: pytest.MonkeyPatch, user_id: int, context: int) -> None:
    """Interactions of `user_id` arrive as from a user installation in `context`."""
    original = simcord.interactions.base_payload

    def patched(*args: Any, **kwargs: Any) -> Any:
        record, payload = original(*args, **kwargs)
        if kwargs.get("user_id") == user_id:
            payload["authorizing_integration_owners"] = {"1": str(user_id)}
            payload["context"] = context
        return record, payload

    monkeypatch.setattr(simcord.interactions, "base_payload", patched)


def labels(message: Any) -> list[str]:
    """The labels of a message's buttons."""
    return [b.get("label", "") for row in message.components for b in row["components"]]


async def pace(env: Any) -> None:
    """Wait long enough between commands never to meet the cooldown."""
    await env.advance_time(c.PUBLIC_COOLDOWN_PER / c.PUBLIC_COOLDOWN_RATE + 0.1)


async def test_registration_user_installs_read_only_commands_only(simcord_env, world) -> None:
    puts = [r for r in simcord_env.http_requests if r.method == "PUT"]
    commands = {command["name"]: command for command in puts[-1].json}
    for name in READ_ONLY:
        assert sorted(commands[name]["integration_types"]) == [0, 1], name
        assert sorted(commands[name]["contexts"]) == [0, 1, 2], name
    assert commands["admin"]["integration_types"] == [0]
    assert commands["admin"]["contexts"] == [0]


async def test_a_user_install_in_a_direct_message(simcord_env, world, monkeypatch) -> None:
    guild, channel, fan, mod = world
    user_installed(monkeypatch, fan.id, context=1)
    dm = fan.user
    assert "admin reminders status" not in dm.available_commands()
    asked = await dm.slash("ask", question="who directed it")
    assert "Kiyotaka Oshiyama" in (asked.response.embeds[0].description or "")
    await pace(simcord_env)
    nxt = await dm.slash("awards next")
    assert nxt.response.embeds
    # No "Remind me" outside a server with the bot; the calendar link works anywhere.
    assert labels(nxt.response) == ["Add to Google Calendar"]
    await pace(simcord_env)
    calendar = await dm.slash("awards calendar")
    assert calendar.response.attachments
    await pace(simcord_env)
    refused = await dm.slash("awards subscribe")
    assert refused.ephemeral
    assert "use /awards subscribe in the server" in refused.response.content
    assert len(simcord_env.errors) == 1  # the refusal went through the one error path


async def test_a_user_install_in_a_server_without_the_bot(simcord_env, world, monkeypatch) -> None:
    guild, channel, fan, mod = world
    db = simcord_env.bot.service.db
    # The server had its own event (from when the bot was there), sooner than any shipped one.
    own = Entry(
        "awards",
        "left-behind-gala",
        "Left Behind Gala",
        "",
        "Test source",
        "https://example.org/gala",
        guild_id=guild.id,
        starts_at=discord.utils.utcnow() + dt.timedelta(days=1),
    )
    await db.save_entry(own)
    with_bot = await fan.slash(channel, "awards next")
    assert with_bot.response.embeds[0].title and "Left Behind Gala" in (
        with_bot.response.embeds[0].title + (with_bot.response.embeds[0].description or "")
    )
    assert "Remind me" in labels(with_bot.response)
    await pace(simcord_env)

    # The bot leaves (or was never added); the fan installed the app for themselves.
    simcord_env.backend.emit("GUILD_DELETE", {"id": str(guild.id)})
    await simcord_env.settle()
    assert simcord_env.bot.get_guild(guild.id) is None
    user_installed(monkeypatch, fan.id, context=0)
    without = await fan.slash(channel, "awards next")
    embed = without.response.embeds[0]
    assert "Left Behind Gala" not in (embed.title or "") + (embed.description or "")
    assert "Remind me" not in labels(without.response)
    await pace(simcord_env)
    asked = await fan.slash(channel, "ask", question="who directed it")
    assert "Kiyotaka Oshiyama" in (asked.response.embeds[0].description or "")
    await pace(simcord_env)
    refused = await fan.slash(channel, "awards subscribe")
    assert refused.ephemeral
    assert "where Look Back is installed" in refused.response.content
    assert await db.reminders.subscriptions(guild.id) == []
    assert len(simcord_env.errors) == 1  # the refusal went through the one error path
