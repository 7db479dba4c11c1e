"""Every slash command and option, as a member of a server sees them (simcord).

Each test reads what the member sees: the reply's embed, whether it is public, its buttons.
After every test, every message the bot sent is checked for pings and embed limits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult, MemberActor

from bot.client import LookBackBot
from bot.i18n import messages
from bot.ui.backlog import DEFERRABLE_EXTRA
from tests.openapi_check import request_rule_problems

World = tuple[Any, Any, MemberActor, MemberActor]

NOMINATIONS_98 = dt.datetime(2026, 1, 22, 12, tzinfo=dt.UTC)  # date-only: stored at noon UTC
CEREMONY_98 = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_pings_and_embeds_in_limits(simcord_env: Env) -> Iterator[None]:
    yield
    assert request_rule_problems(simcord_env.http_requests) == []


def embed_of(result: InteractionResult) -> discord.Embed:
    """The one embed of the reply."""
    assert result.response is not None, "the bot did not answer"
    embeds = result.response.embeds
    assert len(embeds) == 1
    return embeds[0]


def field(embed: discord.Embed, name: str) -> str:
    """The value of the embed's field called `name`."""
    values = [f.value for f in embed.fields if f.name == name]
    assert values, f"no field {name!r} in {[f.name for f in embed.fields]}"
    return values[0] or ""


def button_labels(result: InteractionResult) -> list[str]:
    """The labels of the reply's buttons, in order."""
    assert result.response is not None
    return [
        c.get("label", "")
        for row in result.response.components
        for c in row.get("components", ())
        if c.get("type") == 2
    ]


def bot_of(env: Env) -> LookBackBot:
    """The bot under test."""
    assert isinstance(env.bot, LookBackBot)
    return env.bot


# -- /ask ------------------------------------------------------------------------------------


async def test_ask_answers_publicly_with_its_source(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "ask", question="who directed it")
    embed = embed_of(result)
    assert not result.ephemeral
    assert embed.title == "Director"
    assert "Kiyotaka Oshiyama" in (embed.description or "")
    assert field(embed, "Source").startswith("[Wikipedia")
    assert embed.url is not None and embed.url.startswith("https://")
    assert button_labels(result) == []


async def test_ask_in_japanese(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "ask", question="監督は誰"))
    assert embed.title == "Director"


async def test_ask_off_topic_says_it_does_not_know(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "ask", question="xqzv blorp wuggle")
    embed = embed_of(result)
    assert embed.title == "I don't know that one"
    assert "xqzv blorp wuggle" in (embed.description or "")
    assert "/help" in (embed.description or "")
    assert button_labels(result) == []


# -- /fact -----------------------------------------------------------------------------------


async def test_fact_without_query_shows_a_random_fact(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "fact"))
    assert embed.footer.text and embed.footer.text.startswith("Fact · ")
    assert "match" not in embed.footer.text  # a pick, not a match
    assert field(embed, "Source")


async def test_fact_with_free_text(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "fact", query="how long is the film"))
    assert embed.title == "Runtime (58 minutes)"
    assert "58 minutes" in (embed.description or "")


async def test_fact_autocomplete_then_pick_answers_that_entry(world: World) -> None:
    _, channel, fan, _ = world
    choices = await fan.autocomplete(channel, "fact", "query", "runt")
    assert choices, "no choices for 'runt'"
    assert all(c["value"].startswith("fact:") for c in choices)
    runtime = next(c for c in choices if c["value"] == "fact:runtime")
    embed = embed_of(await fan.slash(channel, "fact", query=runtime["value"]))
    assert embed.title == runtime["name"]
    assert embed.footer.text == "Fact · from the checked fact base"  # no id or score for fans


async def test_fact_autocomplete_with_nothing_typed_offers_facts(world: World) -> None:
    _, channel, fan, _ = world
    choices = await fan.autocomplete(channel, "fact", "query", "")
    assert 0 < len(choices) <= 25
    assert all(c["value"].startswith("fact:") for c in choices)


# -- /quote ----------------------------------------------------------------------------------


async def test_quote_without_options_shows_a_random_quote(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "quote"))
    assert embed.footer.text and embed.footer.text.startswith("Quote · ")
    assert (embed.description or "").startswith("> ")
    assert field(embed, "Said")


async def test_quote_search(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "quote", search="sleep debt"))
    assert embed.title and embed.title.startswith("Kiyotaka Oshiyama: ")
    assert "sleep" in (embed.title or "").lower()


async def test_quote_autocomplete_on_search_then_pick(world: World) -> None:
    _, channel, fan, _ = world
    choices = await fan.autocomplete(channel, "quote", "search", "ai")
    assert choices and all(c["value"].startswith("quote:") for c in choices)
    picked = choices[0]
    embed = embed_of(await fan.slash(channel, "quote", search=picked["value"]))
    assert embed.title == f"Kiyotaka Oshiyama: {picked['name']}"


async def test_quote_by_speaker(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "quote", speaker="Oshiyama"))
    assert (embed.title or "").startswith("Kiyotaka Oshiyama: ")


async def test_quote_search_and_speaker_that_never_said_it(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "quote", search="sleep debt", speaker="Fujimoto"))
    assert embed.title == "I don't know that one"


async def test_quote_by_unknown_speaker(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "quote", speaker="Nobody Atall"))
    assert embed.title == "I don't know that one"
    assert "Nobody Atall" in (embed.description or "")


# -- /synopsis -------------------------------------------------------------------------------


def outside_spoilers(text: str) -> str:
    """What a reader sees before clicking any spoiler."""
    return re.sub(r"\|\|.*?\|\|", "", text, flags=re.DOTALL)


async def test_synopsis_default_is_the_spoiler_free_premise(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "synopsis")
    embed = embed_of(result)
    assert embed.title == "Premise (spoiler-free)"
    assert "||" not in (embed.description or "")
    assert embed.footer.text == "Spoiler-free"
    assert button_labels(result) == []


async def test_synopsis_with_spoilers_hides_late_events(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "synopsis", spoilers=True)
    pages = [embed_of(result)]
    while "Next" in button_labels(result) and len(pages) < 10:
        result = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
        pages.append(embed_of(result))
    text = "\n\n".join(p.description or "" for p in pages)
    assert all((p.description or "").count("||") % 2 == 0 for p in pages)
    assert "Fourth-grader Fujino" in outside_spoilers(text)  # the set-up stays readable
    for late in ("tragedy strikes", "alternate-timeline", "starts drawing again"):
        assert late in text
        assert late not in outside_spoilers(text)
    assert pages[0].footer.text and pages[0].footer.text.endswith("Contains spoilers")


# -- /awards ---------------------------------------------------------------------------------


async def test_awards_next_counts_down_to_the_98th_nominations(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "awards next"))
    assert embed.title == "Next: 98th Academy Awards — nominations"
    unix = int(NOMINATIONS_98.timestamp())
    description = embed.description or ""
    assert re.search(rf"<t:{unix}:[DF]>", description)
    assert f"<t:{unix}:R>" in description
    assert "time of day not announced" in description  # a date-only event shows no time


async def test_awards_next_moves_on_once_the_date_passed(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    await simcord_env.advance_time((NOMINATIONS_98 - simcord_env.now()).total_seconds() + 60)
    embed = embed_of(await fan.slash(channel, "awards next"))
    assert embed.title == "Next: 98th Academy Awards — ceremony"
    assert f"<t:{int(CEREMONY_98.timestamp())}:R>" in (embed.description or "")


async def test_awards_list_shows_past_and_upcoming_events(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "awards list")
    first = embed_of(result)
    assert first.title == "Awards events"
    assert first.footer.text and first.footer.text.startswith("Page 1/")
    values = [f.value or "" for f in first.fields]
    assert any(v.split("\n")[0].endswith("· past") for v in values)
    nominations = field(first, "98th Academy Awards — nominations")
    assert nominations.split("\n")[0].endswith("· upcoming")
    assert all(re.search(r"<t:\d+:[DF]>", v) for v in values)


async def test_awards_record_lists_awards_with_sources(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(await fan.slash(channel, "awards record"))
    assert embed.title == "Look Back: awards and nominations"
    assert embed.fields
    assert all(re.search(r"\[[^\]]+\]\(https?://", f.value or "") for f in embed.fields)


async def test_awards_query(world: World) -> None:
    _, channel, fan, _ = world
    embed = embed_of(
        await fan.slash(channel, "awards query", question="was it nominated for an oscar")
    )
    assert embed.title == "Was Look Back nominated for an Oscar? (no)"


# -- /help and /about ------------------------------------------------------------------------


def leaf_paths(commands: list[Any]) -> set[str]:
    """Qualified names of every slash command a user can run."""
    paths: set[str] = set()
    for command in commands:
        if isinstance(command, discord.app_commands.Group):
            paths |= leaf_paths(command.commands)
        elif isinstance(command, discord.app_commands.Command):
            paths.add(command.qualified_name)
    return paths


async def test_help_lists_every_command_in_the_tree(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "help")
    assert result.ephemeral
    embed = embed_of(result)
    text = "\n".join(f.value or "" for f in embed.fields)
    listed = {
        " ".join(w for w in usage.split() if not w.startswith("["))
        for usage in re.findall(r"`/([^`]+)`", text)
    }
    expected = leaf_paths(bot_of(simcord_env).tree.get_commands())
    assert set(fan.available_commands(channel)) <= expected
    for path in expected:
        # a listed usage is the path, maybe followed by required option names
        assert any(usage == path or usage.startswith(path + " ") for usage in listed), path
    assert len(listed) == len(expected)
    assert "…" not in text  # nothing was cut off to fit


async def test_the_backlog_may_defer_the_question_commands_only(simcord_env: Env) -> None:
    # They answer through `respond`, which turns into a followup after a deferral; the
    # moderator and awards commands defer or open forms themselves.
    tree = bot_of(simcord_env).tree
    marked = {c.qualified_name for c in tree.walk_commands() if c.extras.get(DEFERRABLE_EXTRA)}
    assert marked == {"ask", "fact", "quote", "synopsis"}


async def test_about_shows_version_and_entry_counts(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    stats = await bot_of(simcord_env).service.stats()
    embed = embed_of(await fan.slash(channel, "about"))
    assert embed.title == "About the Look Back bot"
    assert field(embed, "Fact base") == (
        f"{stats.facts} facts, {stats.quotes} quotes, {stats.synopsis} synopsis sections, "
        f"{stats.awards} awards events"
    )
    assert stats.facts > 0 and stats.quotes > 0
    assert stats.pack_version in field(embed, "Version")
    assert field(embed, "Uptime").endswith("s")


async def test_about_uptime_follows_the_clock(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    await simcord_env.advance_time(2 * 3600 + 5 * 60)
    embed = embed_of(await fan.slash(channel, "about"))
    assert field(embed, "Uptime").startswith("2h 5m")


# -- registration ----------------------------------------------------------------------------


def synced_commands(env: Env) -> list[dict[str, Any]]:
    """The global commands as the bot registered them (the last bulk PUT)."""
    puts = [
        r
        for r in env.http_requests
        if r.method == "PUT" and re.fullmatch(r"/applications/\d+/commands", r.path)
    ]
    assert puts, "the commands were never synced"
    body = puts[-1].json
    assert isinstance(body, list)
    return body


def walk(payload: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every command, subcommand and option in a sync payload."""
    for item in payload:
        yield item
        yield from walk(item.get("options") or [])


async def test_ask_is_registered_with_its_japanese_name(world: World, simcord_env: Env) -> None:
    ask = next(c for c in synced_commands(simcord_env) if c["name"] == "ask")
    assert ask["name_localizations"] == {"ja": "質問"}
    assert ask["description_localizations"]["ja"] == messages("ja")._(ask["description"])
    question = ask["options"][0]
    assert question["name_localizations"] == {"ja": "質問"}


async def test_every_command_and_option_has_a_valid_japanese_name(
    world: World, simcord_env: Env
) -> None:
    # Slash commands (type 1); context menus have their own rules (test_context_menu.py).
    slash = [c for c in synced_commands(simcord_env) if c.get("type", 1) == 1]
    for item in walk(slash):
        names = item.get("name_localizations") or {}
        descriptions = item.get("description_localizations") or {}
        assert "ja" in names, f"{item['name']} has no Japanese name"
        assert "ja" in descriptions, f"{item['name']} has no Japanese description"
        ja = names["ja"]
        # Discord's rule for names: 1-32 lower-case letters, digits, '-' or '_'
        assert 1 <= len(ja) <= 32 and ja == ja.lower()
        assert all(ch.isalnum() or ch in "-_" for ch in ja), ja
        assert 1 <= len(descriptions["ja"]) <= 100


async def test_a_member_sees_every_public_command(world: World) -> None:
    _, channel, fan, _ = world
    available = set(fan.available_commands(channel))
    assert {
        "ask",
        "fact",
        "quote",
        "synopsis",
        "awards next",
        "awards list",
        "awards record",
        "awards query",
        "help",
        "about",
    } <= available
