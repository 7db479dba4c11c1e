"""/admin on a virtual Discord (simcord): every command as a moderator uses it, who is refused,
and that one server's moderators can neither see nor change another server's content.

After every test, every message the bot sent is checked for pings and embed limits.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import discord
import pytest
from discord import app_commands
from simcord import Env, InteractionResult, MemberActor, SetupError

from bot.errors import DatabaseUnavailable, NotFound, UserFacingError
from bot.moderation.types import NotModerator
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen, service_of
from tests.conftest import fact, pack_bytes

World = tuple[Any, Any, MemberActor, MemberActor]
REFUSED = "You need Manage Server or this server's moderator role to use /admin."
FACT_FORM = {
    "title": "Our first screening",
    "answer": "We watched it together on 2024-06-28.",
    "aliases": "first screening\nscreening night",
    "source_url": "https://example.org/screening",
}


pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def expected_errors(env: Env) -> list[type[BaseException]]:
    """The types of the errors the bot answered (reading them acknowledges them)."""
    return [type(getattr(e, "original", e)) for e in env.errors]


def defaults(result: InteractionResult) -> dict[str, Any]:
    """The pre-filled values of a form, by field id."""
    assert result.modal is not None, "no form was shown"
    values: dict[str, Any] = {}
    for label in result.modal["components"]:
        field = label["component"]
        values[field["custom_id"]] = field.get("value", field.get("default"))
    return values


async def admin_command(env: Env) -> discord.app_commands.AppCommand:
    """The synced /admin command (for Integrations-style permission overrides)."""
    commands = await env.bot.tree.fetch_commands()
    return next(c for c in commands if c.name == "admin")


async def add_fact(mod: MemberActor, channel: Any, **changes: Any) -> InteractionResult:
    """Add a fact through the form."""
    form = await mod.slash(channel, "admin fact add")
    return await mod.submit_modal(form, FACT_FORM | changes)


def second_server(env: Env) -> tuple[Any, Any, MemberActor]:
    """Another server with its own moderator."""
    guild = env.create_guild(name="Other fans")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(env.create_user("other-mod"), roles=[mods])
    return guild, channel, mod


# -- who may use /admin -----------------------------------------------------------------------


async def test_admin_is_hidden_from_members_without_manage_server(world: World) -> None:
    _, channel, fan, mod = world
    assert not any(c.startswith("admin ") for c in fan.available_commands(channel))
    assert "admin fact add" in mod.available_commands(channel)
    with pytest.raises(SetupError):
        await fan.slash(channel, "admin export")


async def test_a_non_moderator_is_refused_even_when_granted_the_command(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    guild.set_command_permissions(await admin_command(simcord_env), {guild.default_role: True})
    assert "admin fact add" in fan.available_commands(channel)  # Discord now shows it
    attempts = [
        ("admin fact add", {}),
        ("admin fact edit", {"entry": "runtime"}),
        ("admin fact remove", {"entry": "runtime"}),
        ("admin fact hide", {"entry": "runtime"}),
        ("admin synopsis edit", {"section": "premise"}),
        ("admin event remove", {"entry": "oscars-98-ceremony"}),
        ("admin reminders channel", {"channel": channel}),
        ("admin reminders pause", {}),
        ("admin history", {}),
        ("admin undo", {"entry": "fact:runtime"}),
        ("admin export", {}),
        ("admin import", {"file": ("pack.json", b"{}")}),
        ("admin moderator-role", {"role": guild.default_role}),
    ]
    for name, options in attempts:
        result = await fan.slash(channel, name, **options)
        assert result.modal is None, name
        assert result.ephemeral, name
        assert result.response is not None and result.response.content == REFUSED, name
    assert expected_errors(simcord_env) == [NotModerator] * len(attempts)
    assert await fan.autocomplete(channel, "admin fact edit", "entry", "run") == []
    assert await fan.autocomplete(channel, "admin undo", "entry", "") == []
    service = service_of(simcord_env)
    assert await service.db.audit_count(guild.id) == 0
    assert (await service.db.guild_settings(guild.id)).reminders_paused is False


async def test_the_moderator_role_may_moderate_and_is_checked_again_on_submit(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    helpers = guild.create_role("Helpers")
    helper = guild.add_member(simcord_env.create_user("helper"), roles=[helpers])
    command = await admin_command(simcord_env)
    guild.set_command_permissions(command, {helpers: True})

    refused = await helper.slash(channel, "admin fact add")
    assert refused.response is not None and refused.response.content == REFUSED
    result = await mod.slash(channel, "admin moderator-role", role=helpers)
    assert "Members of <@&" in seen(result) and "Integrations" in seen(result)

    added = await add_fact(helper, channel)
    assert "Added **Our first screening**" in seen(added)
    # A moderator-role member may not choose who moderates.
    escalate = await helper.slash(channel, "admin moderator-role", role=guild.default_role)
    assert "Only members with Manage Server" in seen(escalate)

    form = await helper.slash(channel, "admin fact add")  # opened while still a moderator
    await mod.slash(channel, "admin moderator-role")  # cleared meanwhile
    late = await helper.submit_modal(form, FACT_FORM | {"title": "Too late"})
    assert late.ephemeral and seen(late) == REFUSED
    titles = [e.title for e in await service_of(simcord_env).db.guild_rows(guild.id)]
    assert titles == ["Our first screening"]
    assert expected_errors(simcord_env) == [NotModerator] * 3


async def test_a_bot_owner_may_moderate_anywhere(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    cog = simcord_env.bot.get_cog("Admin")
    cog.admin.owner_ids = frozenset({fan.id})  # as if OWNER_IDS named this user
    guild.set_command_permissions(await admin_command(simcord_env), {fan: True})
    result = await fan.slash(channel, "admin reminders status")
    assert result.ephemeral and "Awards reminders: status" in seen(result)


# -- facts -----------------------------------------------------------------------------------


async def test_fact_add_stores_text_as_typed_and_shows_it_inert(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    role = guild.create_role("Everyone-ish")
    answer = f"@everyone @here <@&{role.id}> <@{fan.id}> we watched it; '); DROP TABLE facts;--"
    result = await add_fact(mod, channel, answer=answer, spoiler=True)
    assert result.ephemeral
    text = seen(result)
    for mention in ("@everyone", "@here", f"<@&{role.id}>", f"<@{fan.id}>"):
        assert mention not in text
    stored = await service_of(simcord_env).db.get_row("fact", "our-first-screening", guild.id)
    assert stored is not None and stored.text == answer and stored.spoiler
    assert stored.aliases == ("first screening", "screening night")
    shown = await fan.slash(channel, "fact", query="screening night")
    assert shown.response is not None
    assert (shown.response.embeds[0].title or "") == "Our first screening"
    assert "@\u200beveryone" in (shown.response.embeds[0].description or "")


async def test_fact_add_refuses_bad_fields_and_saves_nothing(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    result = await add_fact(mod, channel, source_url="not a url")
    assert result.ephemeral
    assert "Source URL: must be an http:// or https:// URL" in seen(result)
    assert await service_of(simcord_env).db.guild_rows(guild.id) == []
    assert expected_errors(simcord_env) == [UserFacingError]


async def test_an_edit_of_a_shipped_fact_shows_in_this_server_only(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    other, other_channel, other_mod = second_server(simcord_env)
    choices = await mod.autocomplete(channel, "admin fact edit", "entry", "runtime")
    assert choices and choices[0]["value"] == "runtime"
    assert all(len(c["name"]) <= 100 for c in choices)
    form = await mod.slash(channel, "admin fact edit", entry="runtime")
    prefilled = defaults(form)
    shipped = await service_of(simcord_env).db.get_row("fact", "runtime", 0)
    assert shipped is not None
    assert prefilled["title"] == shipped.title and prefilled["answer"] == shipped.text
    assert prefilled["aliases"].splitlines() == list(shipped.aliases)
    prefilled["answer"] = "Our server counts 58 minutes, credits included."
    saved = await mod.submit_modal(form, {k: v for k, v in prefilled.items() if v is not None})
    assert "Other servers still see the shipped version." in seen(saved)

    here = await fan.slash(channel, "fact", query="how long is the movie")
    there = await other_mod.slash(other_channel, "fact", query="how long is the movie")
    assert "credits included" in (here.response.embeds[0].description or "")  # type: ignore[union-attr]
    assert "credits included" not in (there.response.embeds[0].description or "")  # type: ignore[union-attr]
    assert "added by this server's moderators" in (here.response.embeds[0].footer.text or "")  # type: ignore[union-attr]


async def test_fact_remove_hide_and_unhide(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    await add_fact(mod, channel)
    own = await mod.autocomplete(channel, "admin fact remove", "entry", "")
    assert [c["value"] for c in own] == ["our-first-screening"]
    refused = await mod.slash(channel, "admin fact remove", entry="runtime")
    assert "shipped content" in seen(refused) and "/admin fact hide" in seen(refused)
    removed = await mod.slash(channel, "admin fact remove", entry="our-first-screening")
    assert "Removed **Our first screening**" in seen(removed)

    shippable = await mod.autocomplete(channel, "admin fact hide", "entry", "runtime")
    assert "runtime" in [c["value"] for c in shippable]
    hidden = await mod.slash(channel, "admin fact hide", entry="runtime")
    assert "Hidden in this server" in seen(hidden)
    gone = await fan.slash(channel, "fact", query="runtime")
    assert "I don't know that one" in seen(gone) or "Runtime" not in seen(gone)
    assert [
        c["value"] for c in await mod.autocomplete(channel, "admin fact unhide", "entry", "")
    ] == ["runtime"]
    back = await mod.slash(channel, "admin fact unhide", entry="runtime")
    assert "Shown again" in seen(back)
    assert "58 minutes" in seen(await fan.slash(channel, "fact", query="runtime"))
    assert expected_errors(simcord_env) == [UserFacingError]


# -- quotes and synopsis ----------------------------------------------------------------------


async def test_quote_add_edit_remove(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    form = await mod.slash(channel, "admin quote add")
    added = await mod.submit_modal(
        form,
        {
            "text": "Drawing is the only thing I never got tired of.",
            "speaker": "A fan of the film",
            "occasion": "Server meetup",
            "said_on": "2025-02",
            "source_url": "https://example.org/meetup",
        },
    )
    assert "Added" in seen(added)
    [quote] = await service_of(simcord_env).db.guild_rows(guild.id, ["quote"])
    assert quote.title.startswith("Drawing is the only thing")
    edit = await mod.slash(channel, "admin quote edit", entry=quote.key)
    values = defaults(edit)
    assert values["speaker"] == "A fan of the film" and values["said_on"] == "2025-02"
    values["speaker"] = "Another fan"
    edited = await mod.submit_modal(edit, {k: v for k, v in values.items() if v is not None})
    assert "Another fan" in seen(edited)
    removed = await mod.slash(channel, "admin quote remove", entry=quote.key)
    assert "Removed" in seen(removed)
    assert await service_of(simcord_env).db.guild_rows(guild.id, ["quote"]) == []

    shipped = await mod.autocomplete(channel, "admin quote hide", "entry", "consuming anime")
    assert "consume-anime" in [c["value"] for c in shipped]
    hidden = await mod.slash(channel, "admin quote hide", entry="consume-anime")
    assert "Hidden in this server" in seen(hidden)
    assert await service_of(simcord_env).db.get_entry("quote", "consume-anime", guild.id) is None
    shown = await mod.slash(channel, "admin quote unhide", entry="consume-anime")
    assert "Shown again" in seen(shown)


async def test_synopsis_edit_is_this_servers_version(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    form = await mod.slash(channel, "admin synopsis edit", section="premise")
    values = defaults(form)
    assert values["text"] and values.get("text_more") in (None, "")
    values["text"] = "A short premise written by this server."
    saved = await mod.submit_modal(
        form, {k: v for k, v in values.items() if v is not None and k != "text_more"}
    )
    assert "Other servers still see the shipped version." in seen(saved)
    shown = await fan.slash(channel, "synopsis")
    assert "written by this server" in seen(shown)


# -- awards events ----------------------------------------------------------------------------


async def test_event_add_shows_the_date_back_and_saves_only_on_save(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    zones = await mod.autocomplete(channel, "admin event add", "timezone", "tokyo")
    assert zones == [{"name": "Asia/Tokyo", "value": "Asia/Tokyo"}]
    preview = await mod.slash(
        channel,
        "admin event add",
        name="Fan screening",
        date="2027-03-14 19:00",
        timezone="Asia/Tokyo",
        source_url="https://example.org/screening",
    )
    assert preview.ephemeral and preview.response is not None
    unix = int(dt.datetime(2027, 3, 14, 10, tzinfo=dt.UTC).timestamp())
    assert f"<t:{unix}:F>" in seen(preview)
    assert "2027-03-14 10:00 UTC" in seen(preview)
    db = service_of(simcord_env).db
    assert await db.guild_rows(guild.id, ["awards"]) == []
    cancelled = await mod.click(preview.response, label="Cancel")
    assert cancelled.response is not None
    assert await db.guild_rows(guild.id, ["awards"]) == []

    again = await mod.slash(
        channel,
        "admin event add",
        name="Fan screening",
        date="2027-03-14T19:00:00+09:00",
        source_url="https://example.org/screening",
    )
    assert again.response is not None
    await mod.click(again.response, label="Save")
    [event] = await db.guild_rows(guild.id, ["awards"])
    assert event.starts_at == dt.datetime(2027, 3, 14, 10, tzinfo=dt.UTC)
    assert "Added **Fan screening**" in seen(again)  # the preview became the confirmation
    assert again.response is not None  # Save and Cancel gone; the Japanese text button offered
    labels = [b["label"] for row in again.response.components for b in row["components"]]
    assert labels == ["Add or edit the Japanese text"]


async def test_editing_an_event_date_reschedules_its_reminders(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    db = service_of(simcord_env).db
    await mod.slash(channel, "admin reminders channel", channel=channel)
    preview = await mod.slash(
        channel,
        "admin event add",
        name="Test gala",
        date="2026-01-10 00:00 UTC",
        source_url="https://example.org/gala",
    )
    await mod.click(preview.response, label="Save")  # type: ignore[arg-type]
    pending = [r for r in await db.reminders.for_guild(guild.id, ("pending",), 50)]
    gala = [r for r in pending if r.event_key == "test-gala"]
    assert {r.lead_seconds for r in gala} == {604_800, 86_400, 3_600, 0}

    edit = await mod.slash(
        channel, "admin event edit", entry="test-gala", date="2026-01-20 00:00", timezone="UTC"
    )
    new_unix = int(dt.datetime(2026, 1, 20, tzinfo=dt.UTC).timestamp())
    assert f"<t:{new_unix}:F>" in seen(edit) and "**date**:" in seen(edit)
    await mod.click(edit.response, label="Save")  # type: ignore[arg-type]
    moved = [
        r
        for r in await db.reminders.for_guild(guild.id, ("pending",), 50)
        if r.event_key == "test-gala"
    ]
    assert {r.event_starts_at for r in moved} == {dt.datetime(2026, 1, 20, tzinfo=dt.UTC)}
    removed = await mod.slash(channel, "admin event remove", entry="test-gala")
    assert "Removed" in seen(removed)
    left = [
        r
        for r in await db.reminders.for_guild(guild.id, ("pending",), 50)
        if r.event_key == "test-gala"
    ]
    assert left == []


async def test_event_hide_and_unhide_shipped(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    hidden = await mod.slash(channel, "admin event hide", entry="oscars-98-ceremony")
    assert "Hidden in this server" in seen(hidden)
    assert "98th Academy Awards — ceremony" not in seen(await fan.slash(channel, "awards list"))
    shown = await mod.slash(channel, "admin event unhide", entry="oscars-98-ceremony")
    assert "Shown again" in seen(shown)


async def test_a_date_without_a_time_zone_is_refused(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    result = await mod.slash(
        channel,
        "admin event add",
        name="Gala",
        date="2027-03-14 00:00",
        source_url="https://example.org/gala",
    )
    assert result.ephemeral and "Which time zone" in seen(result)
    assert expected_errors(simcord_env) == [UserFacingError]


# -- reminders --------------------------------------------------------------------------------


async def test_reminder_settings_commands(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    fans = guild.create_role("Oscar fans", mentionable=True)
    db = service_of(simcord_env).db
    await mod.slash(channel, "admin reminders channel", channel=channel)
    await mod.slash(channel, "admin reminders role", role=fans)
    leads = await mod.slash(channel, "admin reminders leads", times="3d 2h 0")
    assert "`3d 2h 0`" in seen(leads)
    settings = await db.guild_settings(guild.id)
    assert (settings.reminder_channel_id, settings.reminder_role_id) == (channel.id, fans.id)
    assert settings.lead_times == (259_200, 7_200, 0)
    bad = await mod.slash(channel, "admin reminders leads", times="soon")
    assert "couldn't read" in seen(bad)
    everyone = await mod.slash(channel, "admin reminders role", role=guild.default_role)
    assert "@everyone can't be the reminder role" in seen(everyone)

    await mod.slash(channel, "admin reminders pause")
    assert (await db.guild_settings(guild.id)).reminders_paused
    assert await db.reminders.for_guild(guild.id, ("pending",)) == []
    await mod.slash(channel, "admin reminders resume")
    assert not (await db.guild_settings(guild.id)).reminders_paused
    assert await db.reminders.for_guild(guild.id, ("pending",))

    status = await mod.slash(channel, "admin reminders status")
    text = seen(status)
    assert f"<#{channel.id}>" in text and f"<@&{fans.id}>" in text and "Next reminders" in text
    assert "<t:" in text
    cleared = await mod.slash(channel, "admin reminders role")
    assert "none (no ping)" in seen(cleared)
    assert expected_errors(simcord_env) == [UserFacingError, UserFacingError]


async def test_reminders_test_posts_a_sample_and_reports_permission_problems(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    nothing = await mod.slash(channel, "admin reminders test")
    assert "No reminder channel is set" in seen(nothing)
    await mod.slash(channel, "admin reminders channel", channel=channel)
    ok = await mod.slash(channel, "admin reminders test")
    assert "Posted a test reminder" in seen(ok)
    posted = channel.last_message
    assert posted is not None and "Awards watch (test)" in (posted.embeds[0].title or "")

    locked = guild.create_text_channel(
        "locked",
        overwrites={guild.default_role: discord.PermissionOverwrite(send_messages=False)},
    )
    set_locked = await mod.slash(channel, "admin reminders channel", channel=locked)
    assert "missing Send Messages" in seen(set_locked)
    failed = await mod.slash(channel, "admin reminders test")
    assert "could not be posted" in seen(failed) and "Send Messages" in seen(failed)
    assert locked.last_message is None
    status = await mod.slash(channel, "admin reminders status")
    assert "Failed or missed" in seen(status)
    assert expected_errors(simcord_env) == [UserFacingError]


# -- history and undo -------------------------------------------------------------------------


async def test_history_shows_who_changed_what_with_old_and_new_values(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    await add_fact(mod, channel)
    for n in range(6):
        form = await mod.slash(channel, "admin fact edit", entry="our-first-screening")
        values = defaults(form) | {"answer": f"Edit number {n}."}
        await mod.submit_modal(form, {k: v for k, v in values.items() if v is not None})
    history = await mod.slash(channel, "admin history")
    assert history.ephemeral and history.response is not None
    first = seen(history)
    assert f"<@{mod.id}>" in first and "<t:" in first
    assert "Edit number 4. → Edit number 5." in first
    assert "Page 1/2" in first and "7 changes" in first
    await mod.click(history.response, label="Next")
    second = seen(history)
    assert "Page 2/2" in second and "**added**: Our first screening" in second
    other = await mod.slash(channel, "admin history", entry="settings:reminders")
    assert "No changes have been made" in seen(other)
    choices = await mod.autocomplete(channel, "admin history", "entry", "screening")
    assert choices[0]["value"] == "fact:our-first-screening"


async def test_undo_restores_the_last_change(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    db = service_of(simcord_env).db
    form = await mod.slash(channel, "admin fact edit", entry="runtime")
    values = defaults(form) | {"answer": "Changed by mistake."}
    await mod.submit_modal(form, {k: v for k, v in values.items() if v is not None})
    choices = await mod.autocomplete(channel, "admin undo", "entry", "")
    assert choices[0]["value"] == "fact:runtime" and "last: edit" in choices[0]["name"]
    undone = await mod.slash(channel, "admin undo", entry="fact:runtime")
    assert "Undone the last change" in seen(undone)
    assert await db.get_row("fact", "runtime", guild.id) is None
    assert "58 minutes" in seen(await fan.slash(channel, "fact", query="runtime"))

    await mod.slash(channel, "admin reminders leads", times="1h")
    settings_undo = await mod.slash(channel, "admin undo", entry="settings:reminders")
    assert "Undone" in seen(settings_undo)
    assert (await db.guild_settings(guild.id)).lead_times == (604_800, 86_400, 3_600, 0)
    history = seen(await mod.slash(channel, "admin history"))
    assert history.count("undo") >= 2


# -- scoping between servers ------------------------------------------------------------------


async def test_a_moderator_of_one_server_cannot_see_or_change_anothers(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    other, other_channel, other_mod = second_server(simcord_env)
    await add_fact(other_mod, other_channel, title="Other server secret")
    await other_mod.slash(other_channel, "admin fact hide", entry="director")
    db = service_of(simcord_env).db
    key = "other-server-secret"

    for name in ("admin fact edit", "admin fact remove"):
        choices = await mod.autocomplete(channel, name, "entry", "other server secret")
        assert key not in [c["value"] for c in choices], name
    assert await mod.autocomplete(channel, "admin fact unhide", "entry", "") == []
    assert await mod.autocomplete(channel, "admin undo", "entry", "") == []
    for name in ("admin fact edit", "admin fact remove", "admin fact hide"):
        result = await mod.slash(channel, name, entry=key)
        assert result.modal is None and result.ephemeral, name
        assert "couldn't find" in seen(result) or "There is no" in seen(result), name
    undo = await mod.slash(channel, "admin undo", entry=f"fact:{key}")
    assert "no change of that to undo" in seen(undo)
    assert "No changes have been made" in seen(await mod.slash(channel, "admin history"))
    exported = await mod.slash(channel, "admin export")
    assert exported.response is not None
    doc = json.loads(await exported.response.attachments[0].read())
    assert doc["facts"] == [] and doc["server"]["hidden"] == []
    assert await db.get_row("fact", key, other.id) is not None
    assert await db.is_hidden(other.id, "fact", "director")
    assert "Director" in seen(await fan.slash(channel, "fact", query="who directed it"))
    assert expected_errors(simcord_env) == [NotFound] * 4


# -- export and import ------------------------------------------------------------------------


async def test_export_is_an_attachment_and_rate_limited(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    await add_fact(mod, channel)
    result = await mod.slash(channel, "admin export")
    assert result.ephemeral and result.response is not None
    [attachment] = result.response.attachments
    assert attachment.filename.startswith(f"lookback-server-{guild.id}-")
    doc = json.loads(await attachment.read())
    assert doc["format"] == "lookback-pack"
    assert [f["id"] for f in doc["facts"]] == ["our-first-screening"]
    assert doc["server"]["settings"]["lead_times"] == [604_800, 86_400, 3_600, 0]

    again = await mod.slash(channel, "admin export")
    assert again.ephemeral and "try again in" in seen(again)
    await simcord_env.advance_time(61)
    assert (await mod.slash(channel, "admin export")).response is not None
    assert expected_errors(simcord_env) == [app_commands.CommandOnCooldown]


async def test_an_import_with_errors_changes_nothing_and_names_the_problems(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    data = pack_bytes(
        facts=[
            fact("fine", "Fine"),
            fact("Not An Id", "Bad id"),
            fact("no-answer", "No answer", answer=""),
            fact("fine", "Twice"),
        ]
    )
    result = await mod.slash(channel, "admin import", file=("broken.json", data))
    assert result.ephemeral
    text = seen(result)
    assert "Import refused: 3 problem(s)" in text and "Nothing was changed" in text
    assert "Not An Id" in text and "answer: is empty" in text and "used 2 times" in text
    assert result.response is not None and result.response.components == []
    assert await service_of(simcord_env).db.guild_rows(guild.id) == []
    not_json = await mod.slash(channel, "admin import", file=("x.json", b"{oops"))
    assert "not valid JSON" in seen(not_json)


async def test_a_valid_import_is_previewed_then_applied_atomically(
    world: World, simcord_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild, channel, fan, mod = world
    await add_fact(mod, channel)
    db = service_of(simcord_env).db
    before = await db.guild_rows(guild.id)
    names = ("alpha", "bravo", "charlie", "delta")
    data = pack_bytes(
        facts=[fact(f"club-{n}", f"Club fact {n}") for n in names]
        + [fact("our-first-screening", "Our first screening", "Rewritten.")]
        + [fact("runtime", "Runtime", "Our runtime.")],
        server={"hidden": [{"kind": "fact", "id": "director"}]},
    )
    preview = await mod.slash(channel, "admin import", file=("club.json", data))
    text = seen(preview)
    assert "**4** added · **2** changed · **0** unchanged · **1** to hide" in text
    assert preview.response is not None
    assert await db.guild_rows(guild.id) == before  # a dry run

    calls = 0
    real_save = db.save_entry

    async def failing_save(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise sqlite3.OperationalError("disk I/O error")
        await real_save(*args, **kwargs)

    monkeypatch.setattr(db, "save_entry", failing_save)
    failed = await mod.click(preview.response, label="Confirm")
    assert "nothing was changed" in seen(failed)
    assert await db.guild_rows(guild.id) == before
    assert not await db.is_hidden(guild.id, "fact", "director")
    assert await db.audit_count(guild.id) == 1
    assert "Club fact" not in seen(await fan.slash(channel, "fact", query="club fact bravo"))

    monkeypatch.setattr(db, "save_entry", real_save)
    applied = await mod.click(preview.response, label="Confirm")  # the buttons stayed
    assert "**4** added · **2** changed · **0** unchanged · **1** hidden" in seen(applied)
    assert len(await db.guild_rows(guild.id)) == 6
    assert await db.is_hidden(guild.id, "fact", "director")
    assert "Club fact bravo" in seen(await fan.slash(channel, "fact", query="club fact bravo"))
    assert expected_errors(simcord_env) == [DatabaseUnavailable]


async def test_import_buttons_belong_to_the_moderator_who_asked(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, mod = world
    second = guild.add_member(
        simcord_env.create_user("second-mod"),
        roles=[guild.roles["Mods"]],
    )
    data = pack_bytes(facts=[fact("club-alpha", "Club fact alpha")])
    preview = await mod.slash(channel, "admin import", file=("club.json", data))
    assert preview.response is not None
    with pytest.raises(SetupError):  # an ephemeral preview: nobody else can even see it
        await second.click(preview.response, label="Confirm")
    cancel = await mod.click(preview.response, label="Cancel")
    assert cancel.acknowledged
    assert await service_of(simcord_env).db.guild_rows(guild.id) == []


async def test_content_survives_a_restart(world: World, simcord_env: Env, db_path: Any) -> None:
    guild, channel, fan, mod = world
    await add_fact(mod, channel)
    await mod.slash(channel, "admin fact hide", entry="runtime")
    await restart(simcord_env, db_path)
    assert "Our first screening" in seen(await fan.slash(channel, "fact", query="first screening"))
    assert "58 minutes" not in seen(await fan.slash(channel, "fact", query="runtime"))
