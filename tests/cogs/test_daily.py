"""The daily fact or quote on a virtual Discord with virtual time: posted at the local time
(across a daylight-saving change), never repeated before the rotation is used up, exactly once
across restarts, and a deleted channel recorded for moderators."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.domain.models import Entry
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen
from tests.cogs.openapi_fixture import every_request_is_valid  # noqa: F401 - autouse

HOUR = 3600
DAY = 86400
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SHOW = bool(os.environ.get("SHOW_TRANSCRIPT"))


def daily_posts(channel: Any) -> list[discord.Message]:
    """The bot's daily posts in a channel, oldest first."""
    found = [
        m
        for m in channel.history()
        if m.embeds and (m.embeds[0].footer.text or "").startswith("📅 #")
    ]
    return sorted(found, key=lambda m: m.created_at)


def now() -> dt.datetime:
    return discord.utils.utcnow()


async def advance_to(env: Any, when: dt.datetime) -> None:
    """Move virtual time forward to `when` (UTC)."""
    seconds = (when - now()).total_seconds()
    assert seconds >= 0
    while seconds > 0:  # in steps: simcord settles the bot after each
        step = min(seconds, 20 * DAY)
        await env.advance_time(step)
        seconds -= step


async def only_own_facts(env: Any, guild: Any, count: int, *, spoiler_every: int = 0) -> None:
    """Hide every shipped fact and quote; add `count` facts of the server's own."""
    db = env.bot.service.db
    for kind in ("fact", "quote"):
        for shipped in await db.visible_entries(kind, guild.id):
            await db.set_hidden(guild.id, kind, shipped.key, True)
    for n in range(count):
        spoiler = bool(spoiler_every) and n % spoiler_every == spoiler_every - 1
        await db.save_entry(
            Entry(
                "fact",
                f"own-{n}",
                f"Own fact {n}",
                f"Text of own fact {n}.",
                "Test source",
                "https://example.org/own",
                guild_id=guild.id,
                spoiler=spoiler,
            )
        )


async def configure(mod: Any, channel: Any, **options: Any) -> Any:
    options.setdefault("time", "09:00")
    options.setdefault("timezone", "America/New_York")
    options.setdefault("kinds", "facts")
    return await mod.slash(channel, "admin daily set", channel=channel, **options)


def local(message: discord.Message) -> dt.datetime:
    return message.created_at.astimezone(NEW_YORK)


async def test_posts_at_the_local_time_across_a_dst_change(
    simcord_env, world, requests_follow_discords_rules
) -> None:
    guild, channel, fan, mod = world
    # 2026-03-08 is the spring-forward day in New York: 09:00 is 14:00 UTC before, 13:00 after.
    await advance_to(simcord_env, dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC))
    await only_own_facts(simcord_env, guild, 20)
    result = await configure(mod, channel)
    assert result.ephemeral
    assert "the daily post is on" in seen(result).lower()
    assert "America/New_York" in seen(result)
    await advance_to(simcord_env, dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC))
    posts = daily_posts(channel)
    assert [local(p).strftime("%m-%d %H:%M") for p in posts] == [
        f"03-{day:02d} 09:00" for day in range(4, 11)
    ]
    assert [p.created_at.hour for p in posts] == [14, 14, 14, 14, 13, 13, 13]
    for message in posts:
        assert message.embeds[0].title.startswith("Fact of the day · Own fact")
    if SHOW:
        print("\nA week of daily posts (America/New_York, 09:00; DST began 2026-03-08):")
        for message in posts:
            embed = message.embeds[0]
            print(f"  {local(message):%a %Y-%m-%d %H:%M %Z} ({message.created_at:%H:%M} UTC)")
            print(f"    {embed.title}\n    {embed.description}\n    [{embed.footer.text}]")
    sends = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST" and r.path.endswith(f"/channels/{channel.id}/messages")
    ]
    assert len(sends) == 7
    for send in sends:
        assert send.json.get("nonce") and send.json.get("enforce_nonce") is True
        assert send.json["allowed_mentions"]["parse"] == []


async def test_no_repeat_until_the_rotation_is_used_up(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 5, spoiler_every=3)  # own-2 is a spoiler
    await configure(mod, channel, timezone="UTC")
    await simcord_env.advance_time(8 * DAY)
    titles = [p.embeds[0].title.split(" · ", 1)[1] for p in daily_posts(channel)]
    assert len(titles) == 8
    first_cycle, second = titles[:4], titles[4:]
    assert sorted(first_cycle) == ["Own fact 0", "Own fact 1", "Own fact 3", "Own fact 4"]
    assert len(set(second)) == 4  # a new cycle: again every entry once
    assert "Own fact 2" not in titles  # spoilers not allowed


async def test_spoilers_when_allowed_are_behind_spoiler_tags(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 3, spoiler_every=1)  # every one a spoiler
    await configure(mod, channel, timezone="UTC", spoilers=True)
    await simcord_env.advance_time(DAY)
    [post] = daily_posts(channel)
    assert "||" in post.embeds[0].description
    assert "Spoiler warning" in post.embeds[0].description


async def test_hidden_entries_are_never_posted(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 0)
    db = simcord_env.bot.service.db
    shipped = (await db.visible_entries("quote", None))[:2]
    for quote in shipped:
        await db.set_hidden(guild.id, "quote", quote.key, False)
    await configure(mod, channel, timezone="UTC", kinds="quotes")
    await simcord_env.advance_time(3 * DAY)
    posts = daily_posts(channel)
    assert len(posts) == 3
    assert all("Quote of the day" in p.embeds[0].title for p in posts)


async def test_exactly_once_across_restarts(simcord_env, world, db_path: Path) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 10)
    await configure(mod, channel, timezone="UTC", time="06:00")
    await simcord_env.advance_time(DAY)
    assert len(daily_posts(channel)) == 1
    await restart(simcord_env, db_path)
    await restart(simcord_env, db_path)  # twice: planning again must not add a post
    await simcord_env.advance_time(2 * DAY)
    posts = daily_posts(channel)
    assert len(posts) == 3
    assert len({p.embeds[0].title for p in posts}) == 3
    assert len({p.created_at.date() for p in posts}) == 3
    store = simcord_env.bot.service.db.daily
    assert await store.count("sent") == 3
    assert await store.count("pending") == 1  # tomorrow's


async def test_a_crash_after_sending_does_not_post_twice(simcord_env, world, db_path: Path) -> None:
    """The process dies after Discord accepted the post but before it was marked sent: the new
    process reclaims the row after its lease, finds its message, and posts nothing more."""
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 10)
    await configure(mod, channel, timezone="UTC", time="06:00")
    daily = simcord_env.bot.services.daily
    store = daily.db.daily

    async def never_marked(*args: Any, **kwargs: Any) -> bool:
        return True

    store.mark_sent = never_marked  # the old process "dies" before recording it
    await simcord_env.advance_time(6 * HOUR + 10)
    assert len(daily_posts(channel)) == 1
    await daily.stop()
    await restart(simcord_env, db_path)
    await simcord_env.advance_time(HOUR)
    assert len(daily_posts(channel)) == 1
    new_store = simcord_env.bot.services.daily.db.daily
    assert await new_store.count("sent") == 1


async def test_a_deleted_channel_is_recorded_and_shown(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 3)
    await configure(mod, channel, timezone="UTC")
    simcord_env.inject_error(
        "POST",
        f"/channels/{channel.id}/messages",
        status=404,
        code=10003,
        message="Unknown Channel",
        times=None,
    )
    await simcord_env.advance_time(2 * DAY)
    posts = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST" and r.path.endswith(f"/channels/{channel.id}/messages")
    ]
    assert len(posts) == 2  # one try a day: a deleted channel is not retried
    result = await mod.slash(channel, "admin daily status")
    assert result.ephemeral
    text = seen(result)
    assert "failed" in text
    assert "the daily channel was deleted" in text
    assert "Last failure" in text


async def test_off_status_and_bad_input(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    bad_time = await configure(mod, channel, time="25:00")
    assert bad_time.ephemeral and "HH:MM" in seen(bad_time)
    bad_zone = await configure(mod, channel, timezone="Mars/Olympus")
    assert bad_zone.ephemeral and "not a time zone" in seen(bad_zone)
    simcord_env.errors  # noqa: B018 - both were answered through the error path
    zones = await mod.autocomplete(channel, "admin daily set", "timezone", "tokyo")
    assert any(c["value"] == "Asia/Tokyo" for c in zones)
    await configure(mod, channel, timezone="UTC")
    off = await mod.slash(channel, "admin daily off")
    assert "off" in seen(off)
    await simcord_env.advance_time(2 * DAY)
    assert daily_posts(channel) == []
    status = await mod.slash(channel, "admin daily status")
    assert "Off" in seen(status)


async def test_only_moderators_configure_it(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    commands = await simcord_env.bot.tree.fetch_commands()
    admin = next(c for c in commands if c.name == "admin")
    guild.set_command_permissions(admin, {guild.default_role: True})
    result = await fan.slash(channel, "admin daily set", channel=channel, time="09:00",
                             timezone="UTC")  # fmt: skip
    assert result.ephemeral
    assert simcord_env.errors
    assert (await simcord_env.bot.services.daily.settings(guild.id)).enabled is False


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "Europe/Berlin"])
async def test_other_zones(simcord_env, world, zone: str) -> None:
    guild, channel, fan, mod = world
    await only_own_facts(simcord_env, guild, 3)
    await configure(mod, channel, timezone=zone, time="07:30")
    await simcord_env.advance_time(2 * DAY)
    posts = daily_posts(channel)
    assert len(posts) == 2
    for message in posts:
        assert message.created_at.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M") == "07:30"


async def test_the_post_is_in_the_servers_language(simcord_env, world) -> None:
    from bot.domain.models import GuildSettings

    guild, channel, fan, mod = world
    db = simcord_env.bot.service.db
    await only_own_facts(simcord_env, guild, 0)
    shipped = [e for e in await db.visible_entries("fact", None) if e.text_ja and not e.spoiler]
    await db.set_hidden(guild.id, "fact", shipped[0].key, False)
    await db.save_guild_settings(GuildSettings(guild.id, language="ja"))
    await configure(mod, channel, timezone="Asia/Tokyo", time="08:00")
    await simcord_env.advance_time(DAY)
    [post] = daily_posts(channel)
    assert post.embeds[0].title.startswith("今日の事実 · ")
    assert shipped[0].text_ja[:20] in post.embeds[0].description
    assert post.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).hour == 8


async def test_the_local_time_holds_when_the_clocks_go_back(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    # 2026-11-01: New York falls back; 09:00 is 13:00 UTC before and 14:00 UTC from that day.
    await advance_to(simcord_env, dt.datetime(2026, 10, 30, 12, tzinfo=dt.UTC))
    await only_own_facts(simcord_env, guild, 5)
    await configure(mod, channel)
    await advance_to(simcord_env, dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC))
    posts = daily_posts(channel)
    assert [local(p).strftime("%m-%d %H:%M") for p in posts] == [
        "10-30 09:00", "10-31 09:00", "11-01 09:00", "11-02 09:00"
    ]  # fmt: skip
    assert [p.created_at.hour for p in posts] == [13, 13, 14, 14]
