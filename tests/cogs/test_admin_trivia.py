"""/admin trivia on a virtual Discord: moderators add, edit and remove their server's own trivia
questions through a form, hide shipped ones, export and import them; a game in that server asks
them, a game in another server never does. Every request is checked against Discord's OpenAPI
description and for pings."""

from __future__ import annotations

import json
import random
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult, MemberActor

from bot.domain.models import PackProblems, TriviaQuestion
from bot.domain.pack import parse_trivia
from bot.domain.trivia import REVEAL_SECONDS, ROUND_SECONDS
from bot.moderation.trivia import form_fields
from bot.moderation.types import NotModerator
from cogs.trivia import START_COOLDOWN
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen
from tests.cogs.openapi_fixture import every_request_is_valid  # noqa: F401 - autouse

World = tuple[Any, Any, MemberActor, MemberActor]
REFUSED = "You need Manage Server or this server's moderator role to use /admin."
FORM = {
    "question": "Which café did our club meet at first?",
    "answer": "Café Kyomoto",
    "wrong": "Café Fujino\nThe school library\nThe train station",
    "source": "https://example.org/club-history\nOur club's history page",
}

pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def shipped(n: int) -> TriviaQuestion:
    return TriviaQuestion(
        key=f"shipped-{n}",
        question=f"Shipped question {n}?",
        answer=f"Shipped right {n}",
        wrong=(f"Shipped wrong {n}a", f"Shipped wrong {n}b", f"Shipped wrong {n}c"),
        source_name="Example",
        source_url=f"https://example.org/s{n}",
    )


def set_shipped(env: Env) -> None:
    """The shipped questions of this test (two), as the pack would give them."""
    service = env.bot.services.trivia
    service.questions = [shipped(0), shipped(1)]
    service.rng = random.Random(3)


@pytest.fixture
def trivia(simcord_env: Env) -> None:
    set_shipped(simcord_env)


def second_server(env: Env) -> tuple[Any, Any, MemberActor]:
    guild = env.create_guild(name="Other fans")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    return guild, channel, guild.add_member(env.create_user("other-mod"), roles=[mods])


def defaults(result: InteractionResult) -> dict[str, Any]:
    """The pre-filled values of a form, by field id."""
    assert result.modal is not None, "no form was shown"
    values: dict[str, Any] = {}
    for label in result.modal["components"]:
        field = label["component"]
        values[field["custom_id"]] = field.get("value", field.get("default"))
    return values


async def add(mod: MemberActor, channel: Any, **changes: Any) -> InteractionResult:
    form = await mod.slash(channel, "admin trivia add")
    return await mod.submit_modal(form, FORM | changes)


async def asked(env: Env, member: MemberActor, channel: Any) -> list[str]:
    """Play a whole game (every question the server has): the questions asked, as shown."""
    started = await member.slash(channel, "trivia start", rounds=20)
    assert started.response is not None and not started.ephemeral, seen(started)
    questions: list[str] = []
    for _ in range(25):
        await env.advance_time(0.1)
        messages = sorted(
            (m for m in channel.history() if m.author.bot and m.embeds),
            key=lambda m: (m.created_at, m.id),
        )
        last = messages[-1]
        title = last.embeds[0].title or ""
        if title == "Trivia · game over":
            await env.advance_time(START_COOLDOWN)  # the member may start the next one
            return questions
        if title.startswith("Trivia · question"):
            questions.append((last.embeds[0].description or "").split("\n", 1)[0].strip("*"))
            await member.click(last, label=last.components[0].children[0].label)
        await env.advance_time(ROUND_SECONDS + REVEAL_SECONDS)
    raise AssertionError("the game did not end")


# -- adding, playing, editing, removing -------------------------------------------------------


async def test_a_question_added_by_form_is_asked_here_and_never_in_another_server(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    other, other_channel, other_mod = second_server(simcord_env)

    form = await mod.slash(channel, "admin trivia add")
    assert form.modal is not None and form.modal["title"] == "Add a trivia question"
    added = await mod.submit_modal(form, FORM | {"spoiler": False})
    assert added.ephemeral
    text = seen(added)
    assert "Added the trivia question **Which café did our club meet at first?**" in text
    assert "✅ Café Kyomoto" in text and "❌ The train station" in text
    assert added.followups or added.response is not None

    here = await asked(simcord_env, fan, channel)
    assert sorted(here) == sorted(
        ["Which café did our club meet at first?", "Shipped question 0?", "Shipped question 1?"]
    )
    there = await asked(simcord_env, other.add_member(simcord_env.create_user("x")), other_channel)
    assert sorted(there) == ["Shipped question 0?", "Shipped question 1?"]

    # The other server's moderators neither see nor reach it.
    assert await other_mod.autocomplete(other_channel, "admin trivia edit", "question", "") == []
    listed = await other_mod.slash(other_channel, "admin trivia list")
    assert "None yet" in seen(listed) and "café" not in seen(listed)
    [mine] = await mod.autocomplete(channel, "admin trivia edit", "question", "café")
    refused = await other_mod.slash(other_channel, "admin trivia remove", question=mine["value"])
    assert refused.ephemeral and "has no trivia question of its own" in seen(refused)
    assert len(await simcord_env.bot.services.trivia.db.trivia.guild_questions(guild.id)) == 1
    assert len(simcord_env.errors) == 1  # the refused removal, answered as an error


async def test_a_spoiler_question_is_asked_only_in_games_with_spoilers(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    added = await add(mod, channel, spoiler=True)
    assert "Asked only in games with spoilers." in seen(added)
    assert "Which café did our club meet at first?" not in await asked(simcord_env, fan, channel)


async def test_edit_opens_the_form_filled_in_and_saves_the_change(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    await add(mod, channel)
    [choice] = await mod.autocomplete(channel, "admin trivia edit", "question", "cafe")
    assert choice["name"].startswith("Which café did our club meet at first?")
    form = await mod.slash(channel, "admin trivia edit", question=choice["value"])
    assert form.modal is not None and form.modal["title"] == "Edit trivia question"
    values = defaults(form)
    assert values["question"] == FORM["question"] and values["wrong"] == FORM["wrong"]
    assert values["source"] == FORM["source"]
    values["answer"] = "Café Kyomoto (the old one)"
    saved = await mod.submit_modal(form, {k: v for k, v in values.items() if v is not None})
    assert "Saved the trivia question" in seen(saved)
    assert "✅ Café Kyomoto (the old one)" in seen(saved)
    listed = seen(await mod.slash(channel, "admin trivia list"))
    assert "Café Kyomoto (the old one)" in listed and "1 of its own" in listed


async def test_remove_then_undo(world: World, simcord_env: Env, trivia: None) -> None:
    guild, channel, fan, mod = world
    await add(mod, channel)
    [choice] = await mod.autocomplete(channel, "admin trivia remove", "question", "")
    removed = await mod.slash(channel, "admin trivia remove", question=choice["value"])
    assert removed.ephemeral and "Removed the trivia question" in seen(removed)
    assert "Which café" not in " ".join(await asked(simcord_env, fan, channel))

    history = seen(await mod.slash(channel, "admin history"))
    assert "remove trivia question" in history and "add trivia question" in history
    undone = await mod.slash(channel, "admin undo", entry=f"trivia:{choice['value']}")
    assert "Undone the last change of the trivia question" in seen(undone)
    assert "Which café did our club meet at first?" in seen(
        await mod.slash(channel, "admin trivia list")
    )


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"wrong": "Café Kyomoto\nThe school library\nThe train station"},
            "Wrong answers: must differ from each other and from the answer",
        ),
        ({"wrong": "Café Fujino\nThe school library"}, "must list exactly 3 wrong answers"),
        ({"wrong": "x" * 81 + "\nB\nC"}, "Wrong answers: is 81 characters; at most 80"),
        ({"source": "http://example.org/club"}, "Source URL: must be an https:// URL"),
        ({"source": "not a link"}, "Source URL: must be an http:// or https:// URL"),
        ({"question": "   "}, "Question: is empty"),
        (
            {"question": "Who pinged @everyone at the screening?"},
            "Question: must not mention @\u200beveryone",
        ),
    ],
)
async def test_bad_input_is_refused_and_the_form_is_offered_again_as_typed(
    world: World, simcord_env: Env, trivia: None, changes: dict[str, str], problem: str
) -> None:
    guild, channel, fan, mod = world
    refused = await add(mod, channel, **changes)
    assert refused.ephemeral
    text = seen(refused)
    assert "Nothing was saved." in text and problem in text, text
    assert "@everyone" not in text  # a problem never echoes a ping
    assert await simcord_env.bot.services.trivia.db.trivia.guild_questions(guild.id) == []

    message = refused.followups[-1] if refused.followups else refused.response
    again = await mod.click(message, label="Edit and try again")
    values = defaults(again)
    for name, value in (FORM | changes).items():
        assert values[name] == value  # nothing typed is lost
    fixed = await mod.submit_modal(again, FORM)
    assert "Added the trivia question" in seen(fixed)


async def test_a_non_moderator_is_refused_on_every_command_and_on_submit(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    commands = await simcord_env.bot.tree.fetch_commands()
    admin = next(c for c in commands if c.name == "admin")
    guild.set_command_permissions(admin, {guild.default_role: True})
    attempts = [
        ("admin trivia add", {}),
        ("admin trivia edit", {"question": "shipped-0"}),
        ("admin trivia remove", {"question": "shipped-0"}),
        ("admin trivia list", {}),
        ("admin trivia hide", {"question": "shipped-0"}),
        ("admin trivia unhide", {"question": "shipped-0"}),
    ]
    for name, options in attempts:
        result = await fan.slash(channel, name, **options)
        assert result.modal is None, name
        assert result.ephemeral and result.response is not None, name
        assert result.response.content == REFUSED, name
    assert await fan.autocomplete(channel, "admin trivia hide", "question", "") == []

    helpers = guild.create_role("Helpers")
    helper = guild.add_member(simcord_env.create_user("helper"), roles=[helpers])
    await mod.slash(channel, "admin moderator-role", role=helpers)
    form = await helper.slash(channel, "admin trivia add")  # opened while a moderator
    await mod.slash(channel, "admin moderator-role")  # cleared meanwhile
    late = await helper.submit_modal(form, FORM)
    assert late.ephemeral and seen(late) == REFUSED
    assert await simcord_env.bot.services.trivia.db.trivia.guild_questions(guild.id) == []
    errors = [type(getattr(e, "original", e)) for e in simcord_env.errors]
    assert errors == [NotModerator] * (len(attempts) + 1)


# -- hiding shipped questions -----------------------------------------------------------------


async def test_a_hidden_shipped_question_is_never_asked_until_shown_again(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    [choice] = await mod.autocomplete(channel, "admin trivia hide", "question", "question 0")
    assert choice["value"] == "shipped-0"
    hidden = await mod.slash(channel, "admin trivia hide", question="shipped-0")
    assert "Hidden in this server: the trivia question **Shipped question 0?**" in seen(hidden)
    assert await mod.autocomplete(channel, "admin trivia hide", "question", "question 0") == []
    for _ in range(3):
        assert await asked(simcord_env, fan, channel) == ["Shipped question 1?"]
    assert "Hidden shipped questions: `shipped-0`" in seen(
        await mod.slash(channel, "admin trivia list")
    )
    [back] = await mod.autocomplete(channel, "admin trivia unhide", "question", "")
    shown = await mod.slash(channel, "admin trivia unhide", question=back["value"])
    assert "Asked again in this server" in seen(shown)
    assert sorted(await asked(simcord_env, fan, channel)) == [
        "Shipped question 0?",
        "Shipped question 1?",
    ]


# -- export, import, restart ------------------------------------------------------------------


async def test_export_then_import_into_another_server_round_trips(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    await add(mod, channel)
    await add(mod, channel, question="Who sat in the back row?", answer="Our treasurer")
    await mod.slash(channel, "admin trivia hide", question="shipped-0")

    exported = await mod.slash(channel, "admin export")
    assert exported.response is not None
    data = await exported.response.attachments[0].read()
    doc = json.loads(data)
    assert [q["question"] for q in doc["trivia"]] == [
        "Which café did our club meet at first?",
        "Who sat in the back row?",
    ]
    assert doc["server"]["hidden_trivia"] == ["shipped-0"]
    problems = PackProblems()
    assert len(parse_trivia(doc, "export", problems)) == 2 and not problems

    other, other_channel, other_mod = second_server(simcord_env)
    preview = await other_mod.slash(other_channel, "admin import", file=("club.json", data))
    text = seen(preview)
    assert "Trivia questions" in text
    assert "**2** added · **0** changed · **0** unchanged · **1** to hide" in text
    assert preview.response is not None
    applied = await other_mod.click(preview.response, label="Confirm")
    assert "**2** added · **0** changed · **1** hidden" in seen(applied)

    player = other.add_member(simcord_env.create_user("player"))
    assert sorted(await asked(simcord_env, player, other_channel)) == [
        "Shipped question 1?",
        "Which café did our club meet at first?",
        "Who sat in the back row?",
    ]
    again = await other_mod.slash(other_channel, "admin import", file=("club.json", data))
    assert "matches what this server already has" in seen(again)
    mine = json.loads(await _export(other_mod, other_channel))
    assert mine["trivia"] == doc["trivia"]
    assert mine["server"]["hidden_trivia"] == ["shipped-0"]


async def _export(mod: MemberActor, channel: Any) -> bytes:
    result = await mod.slash(channel, "admin export")
    assert result.response is not None, seen(result)
    data: bytes = await result.response.attachments[0].read()
    return data


async def test_an_import_with_a_bad_question_changes_nothing(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    question = {
        "id": "club-q",
        "question": "Where?",
        "answer": "Here",
        "wrong": ["Here", "There", "Nowhere"],
        "spoiler": False,
        "source_name": "Club",
        "source_url": "http://example.org",
    }
    data = json.dumps(
        {"format": "lookback-pack", "format_version": 1, "pack_version": "x", "trivia": [question]}
    ).encode()
    refused = await mod.slash(channel, "admin import", file=("bad.json", data))
    text = seen(refused)
    assert "Import refused" in text
    assert "must differ from each other and from the answer" in text
    assert "must be an https:// URL" in text
    assert await simcord_env.bot.services.trivia.db.trivia.guild_questions(guild.id) == []


async def test_questions_and_hidden_ones_survive_a_restart(
    world: World, simcord_env: Env, trivia: None, db_path: Any
) -> None:
    guild, channel, fan, mod = world
    await add(mod, channel)
    await mod.slash(channel, "admin trivia hide", question="shipped-1")
    await restart(simcord_env, db_path)
    set_shipped(simcord_env)
    listed = seen(await mod.slash(channel, "admin trivia list"))
    assert "Which café did our club meet at first?" in listed and "`shipped-1`" in listed
    assert sorted(await asked(simcord_env, fan, channel)) == [
        "Shipped question 0?",
        "Which café did our club meet at first?",
    ]


async def test_an_edit_made_meanwhile_is_not_overwritten_unknowingly(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    second = guild.add_member(simcord_env.create_user("second-mod"), roles=[guild.roles["Mods"]])
    await add(mod, channel)
    [choice] = await mod.autocomplete(channel, "admin trivia edit", "question", "")
    mine = await mod.slash(channel, "admin trivia edit", question=choice["value"])
    theirs = await second.slash(channel, "admin trivia edit", question=choice["value"])
    await second.submit_modal(theirs, FORM | {"answer": "Their answer"})
    late = await mod.submit_modal(mine, FORM | {"answer": "My answer"})
    assert "Someone else changed this trivia question" in seen(late)
    assert "Their answer" in seen(await mod.slash(channel, "admin trivia list"))
    message = late.followups[-1] if late.followups else late.response
    again = await mod.click(message, label="Edit and try again")
    assert defaults(again)["answer"] == "My answer"
    saved = await mod.submit_modal(again, FORM | {"answer": "My answer"})
    assert "Saved the trivia question" in seen(saved) and "✅ My answer" in seen(saved)


async def test_a_japanese_moderator_gets_the_form_and_its_problems_in_japanese(
    world: World, simcord_env: Env, trivia: None, locales: dict[int, str]
) -> None:
    guild, channel, fan, mod = world
    locales[mod.id] = "ja"
    form = await mod.slash(channel, "admin trivia add")
    assert form.modal is not None and form.modal["title"] == "トリビア問題を追加"
    refused = await mod.submit_modal(form, FORM | {"wrong": "Café Fujino\nThe library"})
    text = seen(refused)
    assert "何も保存していません。" in text and "誤答はちょうど3つ必要です" in text, text
    message = refused.followups[-1] if refused.followups else refused.response
    again = await mod.click(message, label="修正してやり直す")
    added = await mod.submit_modal(again, FORM)
    assert "トリビア問題 **Which café did our club meet at first?**" in seen(added)
    assert "を追加しました。" in seen(added)


async def test_the_list_is_paged_for_the_moderator_who_asked(
    world: World, simcord_env: Env, trivia: None
) -> None:
    guild, channel, fan, mod = world
    admin = simcord_env.bot.get_cog("Admin").admin
    for n in range(10):
        fields = form_fields(f"Club question {n}?", f"Yes {n}", "A\nB\nC", FORM["source"], False)
        await admin.trivia.add(guild.id, mod.id, fields)
    listed = await mod.slash(channel, "admin trivia list")
    assert listed.ephemeral
    text = seen(listed)
    assert "Page 1/2" in text and "10 of its own" in text and "Club question 0?" in text
    message = listed.followups[-1] if listed.followups else listed.response
    turned = await mod.click(message, label="Next")
    assert turned.acknowledged
