"""Buttons: did-you-mean suggestions, Previous/Next pages, who may click, and time-outs.

Suggestions are forced by giving the service an unsure answer made of real entries, so these
tests do not depend on the matcher's tuning (tests/bot/test_matching.py covers that).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult, MemberActor, SetupError

from bot import constants as c
from bot.domain.models import Answer, Entry, Kind, Match
from bot.errors import NotFound
from bot.ui.errors import APOLOGY
from tests.cogs.helpers import service_of

World = tuple[Any, Any, MemberActor, MemberActor]

SUGGESTED: tuple[tuple[Kind, str], ...] = (
    ("fact", "runtime"),
    ("fact", "director"),
    ("awards", "oscars-98-nominations"),
)
REFUSAL = "These buttons belong to the person who asked"


pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def embed_of(result: InteractionResult) -> discord.Embed:
    """The one embed of the reply."""
    assert result.response is not None, "the bot did not answer"
    assert len(result.response.embeds) == 1
    return result.response.embeds[0]


def buttons(result: InteractionResult) -> dict[str, bool]:
    """The reply's buttons as {label: disabled}, read afresh from Discord."""
    assert result.response is not None
    return {
        b.get("label", ""): bool(b.get("disabled"))
        for row in result.response.components
        for b in row.get("components", ())
        if b.get("type") == 2
    }


def page_of(result: InteractionResult) -> str:
    """'n/N' from the page footer."""
    found = re.search(r"Page (\d+/\d+)", embed_of(result).footer.text or "")
    assert found, embed_of(result).footer.text
    return found.group(1)


@pytest.fixture
async def unsure(simcord_env: Env, monkeypatch: pytest.MonkeyPatch) -> list[Entry]:
    """Make every question come back unsure, suggesting the entries in SUGGESTED."""
    service = service_of(simcord_env)
    entries = [await service.get(kind, key, None) for kind, key in SUGGESTED]

    async def ask(question: str | None, **_: Any) -> Answer:
        return Answer(question or "", None, tuple(Match(e, 0.45) for e in entries))

    monkeypatch.setattr(service, "ask", ask)
    return entries


# -- did you mean ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("ask", {"question": "fujino birthday"}),
        ("fact", {"query": "fujino birthday"}),
        ("quote", {"search": "fujino birthday"}),
        ("awards query", {"question": "oscar party"}),
    ],
)
async def test_suggestions_are_buttons_that_answer_the_entry(
    world: World, unsure: list[Entry], command: str, options: dict[str, str]
) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, command, **options)
    embed = embed_of(result)
    assert embed.title == "I don't know that one"
    assert "Did you mean" in (embed.description or "")
    assert list(buttons(result)) == [e.title for e in unsure]

    clicked = await fan.click(result.response, label=unsure[1].title)  # type: ignore[arg-type]
    answer = embed_of(clicked)
    assert not clicked.ephemeral  # the answer is for the whole channel, like the question
    assert answer.title == unsure[1].title
    assert "Kiyotaka Oshiyama" in (answer.description or "")
    # the other suggestions stay usable
    again = await fan.click(result.response, label=unsure[2].title)  # type: ignore[arg-type]
    assert embed_of(again).title == unsure[2].title


async def test_someone_else_cannot_click_my_suggestions(world: World, unsure: list[Entry]) -> None:
    _, channel, fan, mod = world
    result = await fan.slash(channel, "ask", question="fujino birthday")
    before = len(channel.history())

    refused = await mod.click(result.response, label=unsure[0].title)  # type: ignore[arg-type]
    assert refused.ephemeral
    assert refused.response is not None and refused.response.content.startswith(REFUSAL)
    assert len(channel.history(viewer=fan)) == before  # the asker sees nothing new
    assert embed_of(result).title == "I don't know that one"  # the question is untouched


async def test_a_suggestion_hidden_since_is_explained(
    world: World, unsure: list[Entry], simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    result = await fan.slash(channel, "ask", question="fujino birthday")
    await service_of(simcord_env).db.set_hidden(guild.id, "fact", "runtime", True)

    clicked = await fan.click(result.response, label=unsure[0].title)  # type: ignore[arg-type]
    assert clicked.ephemeral
    assert clicked.response is not None
    assert clicked.response.content == "That entry no longer exists here."
    assert [type(e) for e in simcord_env.errors] == [NotFound]  # expected, and answered


async def test_a_failing_suggestion_apologises_and_logs(
    world: World,
    unsure: list[Entry],
    simcord_env: Env,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "ask", question="fujino birthday")

    async def broken(*_: Any) -> Entry:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service_of(simcord_env), "get", broken)
    with caplog.at_level(logging.ERROR, logger="bot.ui.errors"):
        clicked = await fan.click(result.response, label=unsure[0].title)  # type: ignore[arg-type]
    assert clicked.ephemeral
    assert clicked.response is not None and clicked.response.content == APOLOGY
    assert "disk on fire" not in clicked.response.content
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)
    assert [str(e) for e in simcord_env.errors] == ["disk on fire"]

    monkeypatch.undo()
    later = await fan.slash(channel, "ask", question="who directed it")
    assert embed_of(later).title == "Director"


async def test_suggestions_are_disabled_after_the_time_out(
    world: World, unsure: list[Entry], simcord_env: Env
) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "ask", question="fujino birthday")
    await simcord_env.advance_time(c.VIEW_TIMEOUT_SECONDS - 5)
    assert not any(buttons(result).values())

    await simcord_env.advance_time(10)
    assert buttons(result) and all(buttons(result).values())
    with pytest.raises(SetupError, match="disabled"):
        await fan.click(result.response, label=unsure[0].title)  # type: ignore[arg-type]


# -- pages -----------------------------------------------------------------------------------


async def test_awards_record_pages_forward_and_back(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "awards record")
    total = int(page_of(result).split("/")[1])
    assert total >= 2, "the record should need more than one page"
    assert page_of(result) == f"1/{total}"
    assert buttons(result) == {"Previous": True, "Next": False}

    titles = [[f.name for f in embed_of(result).fields]]
    for n in range(2, total + 1):
        result = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
        assert page_of(result) == f"{n}/{total}"
        titles.append([f.name for f in embed_of(result).fields])
    assert buttons(result) == {"Previous": False, "Next": True}
    flat = [t for page in titles for t in page]
    assert len(flat) == len(set(flat)), "an award shows on two pages"

    result = await fan.click(result.response, label="Previous")  # type: ignore[arg-type]
    assert page_of(result) == f"{total - 1}/{total}"
    assert [f.name for f in embed_of(result).fields] == titles[-2]


async def test_awards_list_pages(world: World) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "awards list")
    assert page_of(result) == "1/2"
    result = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
    assert page_of(result) == "2/2"
    assert "99th Academy Awards — nominations" in [f.name for f in embed_of(result).fields]


async def test_someone_else_cannot_turn_my_pages(world: World) -> None:
    _, channel, fan, mod = world
    result = await fan.slash(channel, "awards record")
    refused = await mod.click(result.response, label="Next")  # type: ignore[arg-type]
    assert refused.ephemeral
    assert refused.response is not None and refused.response.content.startswith(REFUSAL)
    assert page_of(result).startswith("1/")


async def test_pages_are_disabled_after_the_time_out(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "awards list")
    await simcord_env.advance_time(c.VIEW_TIMEOUT_SECONDS - 5)
    result = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
    # a click restarts the time-out
    await simcord_env.advance_time(c.VIEW_TIMEOUT_SECONDS - 5)
    assert buttons(result) == {"Previous": False, "Next": True}

    await simcord_env.advance_time(10)
    assert buttons(result) == {"Previous": True, "Next": True}
    assert page_of(result) == "2/2"  # the page stays readable
    with pytest.raises(SetupError, match="disabled"):
        await fan.click(result.response, label="Previous")  # type: ignore[arg-type]


LATE = "Kyomoto is killed in the attack"


def long_synopsis(guild_id: int) -> Entry:
    """A server's own full synopsis, long enough for several pages, with a long spoiler."""
    early = " ".join(f"Early event number {i} happens in the classroom." for i in range(60))
    late = " ".join(f"Late event number {i} changes everything." for i in range(80))
    text = f"{early}\n\n||{late} {LATE}. {late}||\n\nThe end, also a spoiler: ||{LATE} twice.||"
    return Entry(
        kind="synopsis",
        key="full",
        title="Full synopsis (our server's version)",
        text=text,
        source_name="Server notes",
        source_url="https://example.org/notes",
        guild_id=guild_id,
        spoiler=True,
        section="full",
    )


async def test_a_long_server_synopsis_pages_and_keeps_spoilers_hidden(
    world: World, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    await service_of(simcord_env).db.save_entry(long_synopsis(guild.id))

    result = await fan.slash(channel, "synopsis", spoilers=True)
    total = int(page_of(result).split("/")[1])
    assert total >= 3
    pages = [embed_of(result)]
    for _ in range(total - 1):
        result = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
        pages.append(embed_of(result))
    for n, page in enumerate(pages, start=1):
        text = page.description or ""
        assert page.title == "Full synopsis (our server's version)"
        assert page.footer.text == f"Page {n}/{total} · Contains spoilers"
        assert text.count("||") % 2 == 0, f"page {n} leaves a spoiler tag open"
        visible = re.sub(r"\|\|.*?\|\|", "", text, flags=re.DOTALL)
        assert "Late event" not in visible and LATE not in visible
    everything = "".join(p.description or "" for p in pages)
    assert everything.count(LATE) == 2
    assert "Early event number 0 " in (pages[0].description or "")


async def test_another_server_keeps_the_shipped_synopsis(world: World, simcord_env: Env) -> None:
    guild, _, _, _ = world
    await service_of(simcord_env).db.save_entry(long_synopsis(guild.id))
    other = simcord_env.create_guild(name="Elsewhere")
    elsewhere = other.create_text_channel("general")
    someone = other.add_member(simcord_env.create_user("someone"))

    result = await someone.slash(elsewhere, "synopsis", spoilers=True)
    assert embed_of(result).title == "Full synopsis (spoilers)"
    assert buttons(result) == {}
