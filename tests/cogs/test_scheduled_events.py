"""The awards dates in the server's Events tab: one external scheduled event per upcoming dated
event once a moderator opts in, kept in step (moved, cancelled, day-only, past), exactly once
across restarts and a crash between creating and storing, respectful of a hand-deleted event,
of the 100-events limit and of a missing Create Events permission. Also the calendar file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import discord
import icalendar
import pytest

from bot import constants as c
from bot.domain.event_sync import MARKER, TIMED_WINDOW
from bot.domain.models import Entry
from tests.cogs.conftest import restart
from tests.cogs.discord_rules import every_request_valid

pytestmark = pytest.mark.usefixtures("every_request_valid")
__all__ = ["every_request_valid"]

DAY = 86400
EXTERNAL = 3
CANCELLED = 4


def discord_events(env: Any, guild: Any) -> list[Any]:
    """The server's scheduled events as Discord holds them."""
    return list(env.backend.get_guild(guild.id).scheduled_events.values())


def live(env: Any, guild: Any) -> list[Any]:
    """Those not cancelled."""
    return [e for e in discord_events(env, guild) if e.status != CANCELLED]


def event_requests(env: Any, method: str) -> list[Any]:
    """The bot's scheduled-event requests of one method."""
    return [r for r in env.http_requests if r.method == method and "/scheduled-events" in r.path]


def parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def own_event(
    env: Any,
    guild: Any,
    *,
    key: str = "test-gala",
    days: float | None = 8.0,
    date_only: bool = False,
    hide_shipped: bool = True,
) -> Entry:
    """A server-only event `days` ahead (None: TBA), the shipped events hidden."""
    db = env.bot.service.db
    if hide_shipped:
        for shipped in await db.visible_entries("awards", guild.id):
            if shipped.is_shipped:
                await db.set_hidden(guild.id, "awards", shipped.key, True)
    starts_at = None
    if days is not None:
        starts_at = (discord.utils.utcnow() + dt.timedelta(days=days)).replace(microsecond=0)
        if date_only:
            starts_at = starts_at.replace(hour=12, minute=0, second=0)
    event = Entry(
        "awards",
        key,
        "Test Gala",
        "",
        "Test source",
        "https://example.org/gala",
        guild_id=guild.id,
        ceremony="The Test Awards",
        starts_at=starts_at,
        date_only=date_only,
    )
    await db.save_entry(event)
    return event


def said(result: Any) -> str:
    """The text of the (last) answer a command gave."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, "no answer"
    return str(message.content or "")


async def events_on(env: Any, mod: Any, channel: Any) -> str:
    result = await mod.slash(channel, "admin reminders events", state="on")
    assert result.ephemeral
    return said(result)


async def status_line(env: Any, mod: Any, channel: Any) -> str:
    return said(await mod.slash(channel, "admin reminders status"))


async def test_opting_in_creates_one_external_event_per_dated_event(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    await own_event(simcord_env, guild, key="tba-gala", days=None, hide_shipped=False)
    await own_event(simcord_env, guild, key="old-gala", days=-3, hide_shipped=False)
    assert live(simcord_env, guild) == []  # nothing before a moderator opts in
    assert "Scheduled events are on" in await events_on(simcord_env, mod, channel)
    made = live(simcord_env, guild)
    assert len(made) == 1  # the TBA event and the past one have none
    event = made[0]
    assert event.name == "Test Gala"
    assert event.entity_type == EXTERNAL
    assert event.entity_metadata == {"location": "https://example.org/gala"}
    assert parse(event.scheduled_start_time) == gala.starts_at
    assert parse(event.scheduled_end_time) == gala.starts_at + TIMED_WINDOW
    assert "https://example.org/gala" in event.description
    assert event.description.rstrip().endswith(f"{MARKER}test-gala")
    assert event.creator_id == simcord_env.bot.user.id
    line = await status_line(simcord_env, mod, channel)
    assert "Events tab: on" in line and "failed" not in line
    await simcord_env.bot.awards_watch.reconcile(guild.id)  # again: nothing changes
    assert len(event_requests(simcord_env, "POST")) == 1
    assert event_requests(simcord_env, "PATCH") == []


async def test_a_moved_date_edits_the_event(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    await events_on(simcord_env, mod, channel)
    (before,) = live(simcord_env, guild)
    assert gala.starts_at is not None
    moved = gala.with_changes(starts_at=gala.starts_at + dt.timedelta(days=5))
    await simcord_env.bot.service.db.save_entry(moved)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    (after,) = live(simcord_env, guild)
    assert after.id == before.id
    assert parse(after.scheduled_start_time) == moved.starts_at
    assert len(event_requests(simcord_env, "POST")) == 1
    assert len(event_requests(simcord_env, "PATCH")) == 1


async def test_tba_or_removed_cancels_the_event(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    other = await own_event(simcord_env, guild, key="other-gala", days=9, hide_shipped=False)
    await events_on(simcord_env, mod, channel)
    assert len(live(simcord_env, guild)) == 2
    db = simcord_env.bot.service.db
    await db.save_entry(gala.with_changes(starts_at=None))  # date back to TBA
    await db.delete_row("awards", other.key, guild.id)  # removed
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert live(simcord_env, guild) == []
    assert [e.status for e in discord_events(simcord_env, guild)] == [CANCELLED, CANCELLED]
    await simcord_env.bot.awards_watch.reconcile(guild.id)  # nothing more to do
    assert len(event_requests(simcord_env, "PATCH")) == 2


async def test_a_day_only_event_covers_its_whole_utc_day(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8, date_only=True)
    await events_on(simcord_env, mod, channel)
    (event,) = live(simcord_env, guild)
    assert gala.starts_at is not None
    midnight = gala.starts_at.replace(hour=0)
    assert parse(event.scheduled_start_time) == midnight
    assert parse(event.scheduled_end_time) == midnight + dt.timedelta(days=1)
    assert "time of day is not announced" in event.description


async def test_a_started_event_is_left_alone(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=1)
    await events_on(simcord_env, mod, channel)
    await simcord_env.advance_time(DAY + 60)  # it started
    before = len(simcord_env.http_requests)
    await simcord_env.bot.service.db.save_entry(gala.with_changes(title="Renamed"))
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    after = simcord_env.http_requests[before:]
    assert [(r.method, "/scheduled-events" in r.path) for r in after] == [("GET", True)]
    assert [e.name for e in discord_events(simcord_env, guild)] == ["Test Gala"]


async def test_a_restart_makes_no_second_event(simcord_env, world, db_path: Path) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    await events_on(simcord_env, mod, channel)
    await restart(simcord_env, db_path)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert len(live(simcord_env, guild)) == 1
    assert len(event_requests(simcord_env, "POST")) == 1


async def test_a_crash_between_create_and_store_is_mended_without_a_duplicate(
    simcord_env, world, db_path: Path, monkeypatch
) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    db = simcord_env.bot.service.db
    await db.set_event_sync(guild.id, True, discord.utils.utcnow())

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")  # the process dies here

    monkeypatch.setattr(db, "save_event_link", crash)
    with pytest.raises(sqlite3.OperationalError):
        await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert len(live(simcord_env, guild)) == 1  # created, never stored
    monkeypatch.undo()
    await restart(simcord_env, db_path)  # start-up brings the events in step (on_ready)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    made = live(simcord_env, guild)
    assert len(made) == 1
    assert len(event_requests(simcord_env, "POST")) == 1
    links = await simcord_env.bot.service.db.event_links(guild.id)
    assert links["test-gala"].discord_id == made[0].id  # adopted: found by creator + marker


async def test_missing_create_events_is_recorded_and_shown(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    backend = simcord_env.backend
    bot_role = next(r for r in backend.get_guild(guild.id).roles.values() if r.managed)
    full = bot_role.permissions
    without = discord.Permissions(full)
    without.create_events = False
    without.manage_events = False
    backend.edit_role(guild.id, bot_role.id, {"permissions": without.value})
    await simcord_env.settle()
    assert "Create Events" in await events_on(simcord_env, mod, channel)
    assert live(simcord_env, guild) == []
    assert event_requests(simcord_env, "POST") == []
    line = await status_line(simcord_env, mod, channel)
    assert "failed" in line and "Create Events permission" in line
    state = await simcord_env.bot.service.db.event_sync_state(guild.id)
    assert state.last_error and "Create Events" in state.last_error
    # Granted again: the next re-plan creates it and clears the failure.
    backend.edit_role(guild.id, bot_role.id, {"permissions": full})
    await simcord_env.settle()
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert len(live(simcord_env, guild)) == 1
    assert "failed" not in await status_line(simcord_env, mod, channel)


async def test_discord_refusing_is_recorded_with_the_reason(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    simcord_env.inject_error(
        "POST",
        f"/guilds/{guild.id}/scheduled-events",
        status=403,
        code=50013,
        message="Missing Permissions",
    )
    await events_on(simcord_env, mod, channel)
    assert live(simcord_env, guild) == []
    line = await status_line(simcord_env, mod, channel)
    assert "Create Events permission" in line


async def test_a_hand_deleted_event_is_respected_until_the_date_changes(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    await events_on(simcord_env, mod, channel)
    (event,) = live(simcord_env, guild)
    simcord_env.backend.delete_scheduled_event(guild.id, event.id)  # a moderator deletes it
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert live(simcord_env, guild) == []
    assert len(event_requests(simcord_env, "POST")) == 1
    assert gala.starts_at is not None
    moved = gala.with_changes(starts_at=gala.starts_at + dt.timedelta(days=2))
    await simcord_env.bot.service.db.save_entry(moved)
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    (again,) = live(simcord_env, guild)
    assert parse(again.scheduled_start_time) == moved.starts_at


async def test_the_100_events_limit_is_respected_and_reported(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    start = (discord.utils.utcnow() + dt.timedelta(days=30)).isoformat()
    end = (discord.utils.utcnow() + dt.timedelta(days=30, hours=1)).isoformat()
    for n in range(100):
        guild.create_scheduled_event(
            f"Watch party {n}", start_time=start, end_time=end, entity_type=3, location="Online"
        )
    await simcord_env.settle()
    await events_on(simcord_env, mod, channel)
    assert len(live(simcord_env, guild)) == 100
    assert event_requests(simcord_env, "POST") == []
    line = await status_line(simcord_env, mod, channel)
    assert "100 upcoming events" in line and "1 awards date" in line


async def test_discords_own_limit_answer_is_reported(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    simcord_env.inject_error(
        "POST",
        f"/guilds/{guild.id}/scheduled-events",
        status=400,
        code=30038,
        message="Maximum number of uncompleted guild scheduled events reached (100)",
    )
    await events_on(simcord_env, mod, channel)
    assert live(simcord_env, guild) == []
    assert "100 upcoming events" in await status_line(simcord_env, mod, channel)


async def test_off_stops_keeping_them(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    await events_on(simcord_env, mod, channel)
    off = await mod.slash(channel, "admin reminders events", state="off")
    assert "Scheduled events are off" in said(off)
    assert gala.starts_at is not None
    await simcord_env.bot.service.db.save_entry(
        gala.with_changes(starts_at=gala.starts_at + dt.timedelta(days=1))
    )
    await simcord_env.bot.awards_watch.reconcile(guild.id)
    assert event_requests(simcord_env, "PATCH") == []
    assert "Events tab: off" in await status_line(simcord_env, mod, channel)


async def test_fans_cannot_turn_the_events_on(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    assert "admin reminders events" not in fan.available_commands(channel)


# -- the calendar file ------------------------------------------------------------------------


async def test_awards_calendar_sends_an_ics_whose_sequence_rises_when_a_date_moves(
    simcord_env, world
) -> None:
    guild, channel, fan, mod = world
    gala = await own_event(simcord_env, guild, days=8)
    await own_event(simcord_env, guild, key="tba-gala", days=None, hide_shipped=False)
    first = await fan.slash(channel, "awards calendar")
    assert first.ephemeral
    (attachment,) = first.response.attachments
    assert attachment.filename.endswith(".ics")
    data = await attachment.read()
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")  # TBA left out
    uid = str(vevent["uid"])
    assert vevent["sequence"] == 0
    assert vevent["dtstart"].dt == gala.starts_at
    assert gala.starts_at is not None
    moved = gala.with_changes(starts_at=gala.starts_at + dt.timedelta(days=1))
    await simcord_env.bot.service.db.save_entry(moved)
    await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER)
    second = await fan.slash(channel, "awards calendar")
    (vevent,) = icalendar.Calendar.from_ical(await second.response.attachments[0].read()).walk(
        "VEVENT"
    )
    assert str(vevent["uid"]) == uid
    assert vevent["sequence"] == 1
    assert vevent["dtstart"].dt == moved.starts_at


async def test_awards_next_has_an_add_to_google_calendar_link(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    await own_event(simcord_env, guild, days=8)
    result = await fan.slash(channel, "awards next")
    buttons = [b for row in result.response.components for b in row["components"]]
    link = next(b for b in buttons if b.get("label") == "Add to Google Calendar")
    assert link["url"].startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "Remind me" in [b.get("label") for b in buttons]


async def test_the_shipped_events_follow_a_moderators_hide_and_unhide(simcord_env, world) -> None:
    guild, channel, fan, mod = world
    now = discord.utils.utcnow()
    shipped = await simcord_env.bot.service.awards_events(guild.id)
    upcoming = [e for e in shipped if e.starts_at is not None and e.starts_at > now]
    assert len(upcoming) >= 2
    await events_on(simcord_env, mod, channel)
    made = live(simcord_env, guild)
    assert sorted(e.name for e in made) == sorted(e.title for e in upcoming)
    first = upcoming[0]
    # The moderator's command re-plans the reminders, and with them the events.
    await mod.slash(channel, "admin event hide", entry=first.key)
    names = [e.name for e in live(simcord_env, guild)]
    assert first.title not in names and len(names) == len(upcoming) - 1
    await mod.slash(channel, "admin event unhide", entry=first.key)
    assert first.title in [e.name for e in live(simcord_env, guild)]
    assert len(live(simcord_env, guild)) == len(upcoming)
