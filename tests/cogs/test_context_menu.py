""" "Ask Look Back" on any message: the same answer as /ask, privately, with a "Post answer"
button that posts it for everyone with a link to the message; a short note for a message
without text; the same limit and sanitising as /ask."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot import constants as c
from tests.cogs.discord_rules import every_request_valid

pytestmark = pytest.mark.usefixtures("every_request_valid")
__all__ = ["every_request_valid"]

MENU = "Ask Look Back"


def labels(message: Any) -> list[str]:
    """The labels of a message's buttons."""
    return [b["label"] for row in message.components for b in row["components"]]


async def test_the_menu_answers_privately_like_ask(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    asked = await mod.send(channel, "who directed it")
    result = await fan.context_menu(channel, MENU, asked)
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert "Kiyotaka Oshiyama" in (embed.description or "")
    assert labels(result.response) == ["Post answer"]
    # Nothing was posted in the channel: the answer is the clicker's alone.
    assert [m.id for m in channel.history()] == [asked.id]
    await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER)
    same = await fan.slash(channel, "ask", question="who directed it")
    assert same.response.embeds[0].title == embed.title  # the same matcher and card


async def test_post_answer_posts_it_publicly_with_a_link_once(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    asked = await mod.send(channel, "how long is the film")
    result = await fan.context_menu(channel, MENU, asked)
    title = result.response.embeds[0].title
    click = await fan.click(result.response, label="Post answer")
    assert not click.ephemeral
    posted = channel.last_message
    assert posted.embeds[0].title == title
    assert asked.jump_url in posted.content
    # The private answer's button is greyed out: one post per answer.
    edits = [
        r
        for r in simcord_env.http_requests
        if r.method == "PATCH" and r.path.endswith("/messages/@original")
    ]
    assert edits
    button = edits[-1].json["components"][0]["components"][0]
    assert button["disabled"] is True
    assert button["label"] == "Posted"


async def test_a_message_without_text_gets_a_short_note(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    picture = await mod.send(channel, "", attachments=[("poster.png", b"\x89PNG fake")])
    result = await fan.context_menu(channel, MENU, picture)
    assert result.ephemeral
    assert "no text to answer" in result.response.content
    assert not result.response.embeds


async def test_a_long_message_obeys_the_ask_limit(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    long = await mod.send(channel, "who directed it " * 40)
    result = await fan.context_menu(channel, MENU, long)
    assert result.ephemeral
    assert "too long" in result.response.content
    assert str(c.QUERY_MAX_CHARS) in result.response.content
    assert len(simcord_env.errors) == 1  # answered through the one error path


async def test_a_hostile_message_pings_nobody_and_is_shown_inert(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    hostile = await mod.send(
        channel, f"@everyone <@{mod.id}> **zqxv** ~~blorp~~ `x` Z\u0336\u0336\u0336\u0336 wuggle"
    )
    result = await fan.context_menu(channel, MENU, hostile)
    assert result.ephemeral
    embed = result.response.embeds[0]
    text = embed.description or ""
    assert "wuggle" in text  # the words are echoed back ("I don't know that one (…)")
    assert "@\u200beveryone" in text
    assert "@everyone" not in text  # neutralised (zero-width space after the @)
    assert f"<@{mod.id}>" not in text
    assert "\u0336\u0336\u0336" not in text  # zalgo trimmed
    await fan.click(result.response, label="Post answer")
    posted = channel.last_message
    assert "@everyone" not in (posted.embeds[0].description or "")
    # Every message carries allowed_mentions that ping nobody (checked for all requests).


async def test_the_menu_has_a_japanese_name_and_user_install_contexts(simcord_env, world) -> None:
    puts = [r for r in simcord_env.http_requests if r.method == "PUT"]
    menu = next(c for c in puts[-1].json if c["name"] == MENU)
    assert menu["type"] == discord.AppCommandType.message.value
    assert menu["name_localizations"] == {"ja": "ルックバックに質問"}
    assert sorted(menu["integration_types"]) == [0, 1]
    assert sorted(menu["contexts"]) == [0, 1, 2]
