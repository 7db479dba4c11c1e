"""Hardening of the Discord side: buttons count against the cooldown, a fan can stop awards DMs
from the DM itself (even after leaving the server), DM use of server-only subcommands is
explained, and the moderator check guards autocomplete and the Confirm button."""

from __future__ import annotations

from typing import Any

import pytest
from simcord import Env

from bot import constants as c
from bot.domain.models import Answer, Entry, Kind, Match
from tests.cogs.helpers import seen, service_of
from tests.cogs.test_admin import REFUSED, admin_command, defaults
from tests.cogs.test_reminders import DAY, reminders_in, setup_event
from tests.conftest import fact, pack_bytes

World = tuple[Any, Any, Any, Any]
SLOW_DOWN = "You're asking quickly"


@pytest.fixture
async def unsure(simcord_env: Env, monkeypatch: pytest.MonkeyPatch) -> list[Entry]:
    """Every question comes back unsure, with did-you-mean buttons for two facts."""
    service = service_of(simcord_env)
    keys: tuple[tuple[Kind, str], ...] = (("fact", "runtime"), ("fact", "director"))
    entries = [await service.get(kind, key, None) for kind, key in keys]

    async def ask(question: str | None, **_: Any) -> Answer:
        return Answer(question or "", None, tuple(Match(e, 0.45) for e in entries))

    monkeypatch.setattr(service, "ask", ask)
    return entries


async def test_did_you_mean_clicks_count_against_the_cooldown(
    world: World, unsure: list[Entry], simcord_env: Env
) -> None:
    _, channel, fan, _ = world
    asked = await fan.slash(channel, "ask", question="how long")
    assert asked.response is not None
    answers = []
    for _ in range(c.PUBLIC_COOLDOWN_RATE):  # one command + RATE clicks: one too many
        answers.append(await fan.click(asked.response, label=unsure[0].title))
    assert all(unsure[0].title in seen(a) for a in answers[:-1])
    assert answers[-1].ephemeral and SLOW_DOWN in seen(answers[-1])
    assert "58" not in seen(answers[-1])
    simcord_env.errors  # noqa: B018 - the refusals went through the error path: acknowledge them


async def test_remind_me_clicks_count_against_the_cooldown(world: World, simcord_env: Env) -> None:
    guild, channel, fan, _ = world
    await setup_event(simcord_env, guild, channel, days=3)
    shown = await fan.slash(channel, "awards next")
    assert shown.response is not None
    clicks = [
        await fan.click(shown.response, label="Remind me") for _ in range(c.PUBLIC_COOLDOWN_RATE)
    ]
    assert "subscribed" in seen(clicks[0])
    assert clicks[-1].ephemeral and SLOW_DOWN in seen(clicks[-1])
    simcord_env.errors  # noqa: B018


async def test_a_fan_who_left_stops_the_dms_from_the_dm_itself(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    await setup_event(simcord_env, guild, channel, days=3)
    await fan.slash(channel, "awards subscribe")
    await simcord_env.advance_time(2 * DAY + 60)  # the 1-day reminder
    dm = fan.user.dm_channel
    [reminder] = reminders_in(dm)
    labels = [button.label for row in reminder.components for button in row.children]
    assert labels == ["Stop these DMs"]

    guild.remove_member(fan)  # /awards unsubscribe can no longer be used in that server
    stopped = await fan.user.click(reminder, label="Stop these DMs")
    assert stopped.ephemeral
    assert "no more awards DMs from **Look Back fans**" in seen(stopped)
    watch = simcord_env.bot.awards_watch
    assert await watch.db.reminders.subscriptions(guild.id) == []
    await simcord_env.advance_time(DAY)  # the ceremony: the channel still hears of it, not the fan
    assert len(reminders_in(dm)) == 1
    again = await fan.user.click(reminder, label="Stop these DMs")
    assert "weren't subscribed" in seen(again)


async def test_server_only_awards_subcommands_explain_themselves_in_a_dm(
    world: World, simcord_env: Env
) -> None:
    _, _, fan, _ = world
    stop = await fan.user.slash("awards unsubscribe")
    assert stop.ephemeral and "Stop these DMs" in seen(stop)
    start = await fan.user.slash("awards subscribe")
    assert start.ephemeral and "use /awards subscribe in the server" in seen(start)
    assert "went wrong" not in seen(stop) + seen(start)
    simcord_env.errors  # noqa: B018


async def test_unhide_autocomplete_is_for_moderators_only(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    await mod.slash(channel, "admin fact hide", entry="runtime")
    offered = await mod.autocomplete(channel, "admin fact unhide", "entry", "")
    assert [choice["value"] for choice in offered] == ["runtime"]
    guild.set_command_permissions(await admin_command(simcord_env), {guild.default_role: True})
    assert await fan.autocomplete(channel, "admin fact unhide", "entry", "") == []
    assert await fan.autocomplete(channel, "admin fact unhide", "entry", "run") == []


async def test_a_moderator_demoted_before_confirming_cannot_import(
    world: World, simcord_env: Env
) -> None:
    guild, channel, _, mod = world
    helpers = guild.create_role("Helpers")
    helper = guild.add_member(simcord_env.create_user("helper"), roles=[helpers])
    guild.set_command_permissions(await admin_command(simcord_env), {helpers: True})
    await mod.slash(channel, "admin moderator-role", role=helpers)

    data = pack_bytes(facts=[fact("club-alpha", "Club fact alpha")])
    preview = await helper.slash(channel, "admin import", file=("club.json", data))
    assert preview.response is not None and "Club fact alpha" in seen(preview)
    await mod.slash(channel, "admin moderator-role")  # the role is no longer the moderator role
    late = await helper.click(preview.response, label="Confirm")
    assert late.ephemeral and seen(late) == REFUSED
    assert await service_of(simcord_env).db.guild_rows(guild.id) == []
    simcord_env.errors  # noqa: B018


async def test_two_moderators_editing_one_fact_the_later_save_is_caught(
    world: World, simcord_env: Env
) -> None:
    guild, channel, _, mod = world
    second = guild.add_member(simcord_env.create_user("second-mod"), roles=[guild.roles["Mods"]])
    first_form = await mod.slash(channel, "admin fact edit", entry="runtime")
    second_form = await second.slash(channel, "admin fact edit", entry="runtime")
    mine, theirs = defaults(first_form), defaults(second_form)
    mine["answer"] = "Our server counts 58 minutes, credits included."
    theirs["answer"] = "Fifty-eight minutes, says the second moderator."
    saved = await mod.submit_modal(first_form, mine)
    assert "Fifty-eight" not in seen(saved)

    caught = await second.submit_modal(second_form, theirs)
    assert caught.ephemeral
    assert "Changed by someone else meanwhile" in seen(caught)
    assert "nothing was saved" in seen(caught)
    db = service_of(simcord_env).db
    row = await db.get_row("fact", "runtime", guild.id)
    assert row is not None and row.text == mine["answer"]  # the first save stands

    message = caught.followups[-1] if caught.followups else caught.response
    overwrite = await second.click(message, label="Save mine anyway")
    assert "Fifty-eight minutes" in seen(overwrite)
    row = await db.get_row("fact", "runtime", guild.id)
    assert row is not None and row.text == theirs["answer"]
