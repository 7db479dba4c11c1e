"""Awards-watch reminders on a virtual Discord with virtual time: fire at each lead time and
only then, survive restarts without loss or doubles, move with their event, and give up on a
channel that vanished."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import discord

from bot.domain.models import Entry, GuildSettings
from tests.cogs.conftest import restart

HOUR = 3600
DAY = 86400


def reminders_in(channel: Any) -> list[discord.Message]:
    """The bot's reminder messages in a channel."""
    return [
        m for m in channel.history() if m.embeds and "Awards watch" in (m.embeds[0].title or "")
    ]


async def setup_event(
    env: Any,
    guild: Any,
    channel: Any,
    *,
    days: float = 8.0,
    role: Any = None,
    key: str = "test-gala",
) -> Entry:
    """A server-only event `days` ahead, shipped events hidden, reminders to `channel`."""
    bot = env.bot
    db = bot.service.db
    for shipped in await db.visible_entries("awards", guild.id):
        await db.set_hidden(guild.id, "awards", shipped.key, True)
    event = Entry(
        "awards",
        key,
        "Test Gala",
        "",
        "Test source",
        "https://example.org/gala",
        guild_id=guild.id,
        starts_at=discord.utils.utcnow() + dt.timedelta(days=days),
        outcome="A ceremony for the tests.",
    )
    await db.save_entry(event)
    await db.save_guild_settings(
        GuildSettings(
            guild.id,
            reminder_channel_id=channel.id,
            reminder_role_id=role.id if role is not None else None,
        )
    )
    await bot.awards_watch.reconcile(guild.id)
    return event


async def test_reminders_fire_at_each_lead_time_and_only_then(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    fans = guild.create_role("Oscar fans")
    await setup_event(simcord_env, guild, channel, days=8, role=fans)
    expected = [1 * DAY, 7 * DAY, 8 * DAY - HOUR, 8 * DAY]  # 7d, 1d, 1h before, and at start
    elapsed = 0
    for count, due in enumerate(expected, start=1):
        await simcord_env.advance_time(due - elapsed - 30)
        assert len(reminders_in(channel)) == count - 1, f"early before reminder {count}"
        await simcord_env.advance_time(60)
        elapsed = due + 30
        sent = reminders_in(channel)
        assert len(sent) == count, f"reminder {count} not sent on time"
    first = reminders_in(channel)[0]
    assert first.content == f"<@&{fans.id}>"
    description = first.embeds[0].description or ""
    assert "<t:" in description
    assert ":F>" in description
    assert ":R>" in description
    assert "starts in 7 days" in description
    # An outcome tells what happened: a reminder before the event must not show one.
    assert "A ceremony for the tests." not in description
    assert "starting now" in (reminders_in(channel)[-1].embeds[0].description or "")
    # The message may ping the configured role and nothing else.
    posts = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST" and r.path.endswith(f"/channels/{channel.id}/messages")
    ]
    assert posts
    for post in posts:
        mentions = post.json["allowed_mentions"]
        assert mentions["parse"] == []
        assert mentions.get("roles") == [str(fans.id)] or mentions.get("roles") == [fans.id]
        assert post.json.get("nonce")
        assert post.json.get("enforce_nonce") is True
    await simcord_env.advance_time(30 * DAY)
    assert len(reminders_in(channel)) == 4  # nothing after the event


async def test_a_restart_loses_none_and_doubles_none(simcord_env, world, db_path: Path) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=3)  # leads left: 1d, 1h, 0
    await simcord_env.advance_time(2 * DAY + 60)  # the 1-day reminder
    assert len(reminders_in(channel)) == 1
    await restart(simcord_env, db_path)
    await simcord_env.advance_time(DAY)
    sent = reminders_in(channel)
    assert len(sent) == 3
    assert len({m.embeds[0].description for m in sent}) == 3
    store = simcord_env.bot.service.db.reminders
    assert await store.count("sent") == 3
    assert await store.count("pending") == 0


async def test_overdue_reminders_are_sent_late_within_grace_else_missed(
    simcord_env, world, db_path: Path
) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=2)  # pending: 1d, 1h, 0
    await simcord_env.bot.awards_watch.scheduler.stop()  # the bot is "down"
    await simcord_env.advance_time(DAY + 2 * HOUR)  # 1-day reminder now 2 h overdue
    await restart(simcord_env, db_path)
    await simcord_env.advance_time(60)
    late = reminders_in(channel)
    assert len(late) == 1
    assert "Sent late" in (late[0].embeds[0].description or "")

    await simcord_env.bot.awards_watch.scheduler.stop()
    await simcord_env.advance_time(2 * DAY)  # 1 h and start reminders: over a day overdue
    await restart(simcord_env, db_path)
    await simcord_env.advance_time(60)
    assert len(reminders_in(channel)) == 1  # too late: recorded, not sent
    assert await simcord_env.bot.service.db.reminders.count("missed") == 2


async def test_moving_an_event_moves_its_reminders(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    event = await setup_event(simcord_env, guild, channel, days=3)  # pending: 1d, 1h, 0
    db = simcord_env.bot.service.db
    assert event.starts_at is not None
    moved = event.with_changes(starts_at=event.starts_at + dt.timedelta(days=5))  # now +8 d
    await db.save_entry(moved)
    assert await simcord_env.bot.awards_watch.reconcile(guild.id) == (1, 3, 0)  # 7d new
    await simcord_env.advance_time(3 * DAY + HOUR)  # the old date passes
    assert len(reminders_in(channel)) == 1  # only the new 7-day reminder (due at +1 d)
    await simcord_env.advance_time(6 * DAY)
    sent = reminders_in(channel)
    assert len(sent) == 4
    new_stamp = str(int(moved.starts_at.timestamp()))
    assert all(new_stamp in (m.embeds[0].description or "") for m in sent)


async def test_removing_an_event_cancels_its_reminders(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    event = await setup_event(simcord_env, guild, channel, days=3)
    db = simcord_env.bot.service.db
    await db.delete_row("awards", event.key, guild.id)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    await simcord_env.advance_time(4 * DAY)
    assert reminders_in(channel) == []
    assert await db.reminders.count("pending") == 0
    assert await db.reminders.count("cancelled") == 3


async def test_a_vanished_channel_is_recorded_not_retried_forever(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=1.5)
    simcord_env.inject_error(
        "POST",
        f"/channels/{channel.id}/messages",
        status=404,
        code=10003,
        message="Unknown Channel",
        times=None,
    )
    await simcord_env.advance_time(2 * DAY)
    store = simcord_env.bot.service.db.reminders
    failed = await store.for_guild(guild.id, ["failed"])
    assert len(failed) == 3
    assert all("deleted" in (r.last_error or "") for r in failed)
    posts = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST" and r.path.endswith(f"/channels/{channel.id}/messages")
    ]
    assert len(posts) == 3  # one try each: a deleted channel is not retried


async def test_discord_5xx_is_retried_with_backoff_then_delivered(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=1.5)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=503, times=3)
    await simcord_env.advance_time(12 * HOUR + 30)  # the 1-day reminder is due; Discord fails
    assert reminders_in(channel) == []
    await simcord_env.advance_time(2 * HOUR)  # backoff 1, 2, 4 minutes, then it goes through
    assert len(reminders_in(channel)) == 1
    assert await simcord_env.bot.service.db.reminders.count("failed") == 0


async def test_a_reminder_that_keeps_failing_is_given_up_and_recorded(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=1.5)
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=503, times=None)
    await simcord_env.advance_time(DAY)
    failed = await simcord_env.bot.service.db.reminders.for_guild(guild.id, ["failed"])
    assert len(failed) == 1
    assert "gave up after 6 tries" in (failed[0].last_error or "")


async def test_one_bad_server_does_not_block_the_others(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    other = simcord_env.create_guild(name="Second server")
    other_channel = other.create_text_channel("oscars")
    await setup_event(simcord_env, guild, channel, days=1.5)
    await setup_event(simcord_env, other, other_channel, days=1.5)
    simcord_env.inject_error(
        "POST",
        f"/channels/{channel.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=None,
    )
    await simcord_env.advance_time(DAY)
    assert len(reminders_in(other_channel)) == 1
    failed = await simcord_env.bot.service.db.reminders.for_guild(guild.id, ["failed"])
    assert "permission" in (failed[0].last_error or "")


async def test_fans_subscribe_and_unsubscribe_for_direct_messages(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=3)
    result = await fan.slash(channel, "awards subscribe")
    assert result.ephemeral
    text = result.followups[-1].content if result.followups else result.response.content
    assert "subscribed" in text
    dm = fan.user.dm_channel
    assert "direct message before every tracked awards event" in dm.history()[-1].content
    await simcord_env.advance_time(2 * DAY + 60)  # the 1-day reminder
    assert len(reminders_in(dm)) == 1
    assert len(reminders_in(channel)) == 1
    result = await fan.slash(channel, "awards unsubscribe")
    assert "no more" in (result.response.content or "")
    await simcord_env.advance_time(DAY)
    assert len(reminders_in(dm)) == 1  # no more DMs
    assert len(reminders_in(channel)) == 3


async def test_remind_me_button_on_awards_next(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await setup_event(simcord_env, guild, channel, days=3)
    result = await fan.slash(channel, "awards next")
    assert "Test Gala" in (result.response.embeds[0].title or "")
    clicked = await fan.click(result.response, label="Remind me")
    assert clicked.ephemeral
    await simcord_env.advance_time(2 * DAY + 60)
    assert len(reminders_in(fan.user.dm_channel)) == 1


async def test_closed_dms_are_explained_when_subscribing(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    simcord_env.inject_error(
        "POST",
        "/channels/*/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=1,
    )
    result = await fan.slash(channel, "awards subscribe")
    text = result.followups[-1].content if result.followups else result.response.content
    assert "DMs are closed" in text
