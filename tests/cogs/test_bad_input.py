"""Hostile and broken input, rate limits and failures: nothing pings, nothing crashes.

Every free-text option gets empty, over-long, control-character, zalgo, mention and markdown
input; the member sees either an answer or a short ephemeral reason, never a ping, a
traceback or live markdown from their own words. Discord's REST API failing is answered
gracefully. After every test, every message the bot sent is checked for pings and embed limits.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from simcord import Env, InteractionResult, MemberActor, OptionError

from bot import constants as c
from bot.domain.models import Entry, Kind
from bot.errors import BadQuestion, UserFacingError
from bot.matching.index import Hit
from bot.ui.errors import APOLOGY
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen, service_of

World = tuple[Any, Any, MemberActor, MemberActor]

TEXT_OPTIONS = (
    ("ask", "question"),
    ("fact", "query"),
    ("quote", "search"),
    ("quote", "speaker"),
    ("awards query", "question"),
)
COOLDOWN_MESSAGE = re.compile(r"^You're asking quickly — try again in (\d+) s\.$")


pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def unexpected_errors(env: Env) -> list[BaseException]:
    """Errors the bot raised that were not expected problems (those are answered, not bugs)."""
    expected = (UserFacingError, app_commands.CommandOnCooldown)
    return [e for e in env.errors if not isinstance(getattr(e, "original", e), expected)]


def assert_answered_safely(result: InteractionResult, what: str) -> None:
    """An answer or a short ephemeral reason; never a crash or a raw traceback."""
    assert result.acknowledged, f"{what}: no answer at all"
    assert result.response is not None, f"{what}: no message"
    if result.ephemeral:
        assert result.response.content and len(result.response.content) < 200, what
    else:
        assert len(result.response.embeds) == 1, what
    text = seen(result)
    assert "Traceback" not in text and "Error:" not in text, f"{what}: {text[:200]}"


# -- hostile text ----------------------------------------------------------------------------

ZALGO = (
    "w\u0334\u0321\u0322\u031bh\u0337\u0336\u0335o\u0338\u0334\u0321\u0322 d\u0336i\u0335r\u0337"
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("   ", id="blank"),
        pytest.param("\x00\x07\x1b[2J\u202edetcerid ohw", id="control-characters"),
        pytest.param(ZALGO * 8, id="zalgo"),
        pytest.param("@everyone @here free nitro", id="everyone"),
        pytest.param("<@&{role}> <@{user}> <#{channel}> who directed it", id="mentions"),
        pytest.param(
            "**bold** [click](https://evil.example) `x` ||y|| __u__ ~~s~~ > q # h", id="markdown"
        ),
        pytest.param("who " * 75, id="300-characters"),
    ],
)
async def test_hostile_text_in_every_option_is_answered_safely(
    world: World, simcord_env: Env, text: str
) -> None:
    guild, channel, fan, mod = world
    role = guild.create_role("Fans")
    text = text.format(role=role.id, user=mod.id, channel=channel.id)
    for command, option in TEXT_OPTIONS:
        what = f"/{command} {option}:{text!r}"
        if len(text) > (100 if option == "speaker" else 300):
            continue
        result = await fan.slash(channel, command, **{option: text})
        await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER / c.PUBLIC_COOLDOWN_RATE + 0.1)
        assert_answered_safely(result, what)
        shown = seen(result)
        for mention in ("@everyone", "@here", f"<@&{role.id}>", f"<@{mod.id}>"):
            assert mention not in shown, f"{what}: {mention} reached the channel"
        assert not re.search(r"(?<!\\)\[click\]\(", shown), f"{what}: live masked link"
        assert not re.search(r"(?<!\\)\*\*bold", shown), f"{what}: live bold"
        assert not re.search(r"(?<!\\)\|\|y", shown), f"{what}: live spoiler"
        assert not any(
            unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n" and ch != "\u200b"
            for ch in shown
        ), f"{what}: control characters echoed"
        assert not re.search(r"[\u0300-\u036f]{3,}", shown), f"{what}: zalgo echoed"
    assert unexpected_errors(simcord_env) == []


async def test_blank_question_gets_an_ephemeral_reason(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    for command in ("ask", "awards query"):
        result = await fan.slash(channel, command, question=" \u200b\t ")
        assert result.ephemeral
        assert result.response is not None
        assert result.response.content.startswith("Please type a question")
    assert [type(getattr(e, "original", e)) for e in simcord_env.errors] == [BadQuestion] * 2


async def test_blank_search_means_random(world: World) -> None:
    _, channel, fan, _ = world
    fact = await fan.slash(channel, "fact", query="")
    quote = await fan.slash(channel, "quote", search="  ", speaker="")
    for result in (fact, quote):
        assert not result.ephemeral
        assert result.response is not None and result.response.embeds


REFUSED = [
    *((command, option, "x" * 5000) for command, option in TEXT_OPTIONS),
    ("quote", "speaker", "x" * 101),
    ("ask", "question", ""),  # required questions; optional searches may be empty (random)
    ("awards query", "question", ""),
]


@pytest.mark.parametrize(
    ("command", "option", "value"),
    REFUSED,
    ids=[f"{cmd}-{opt}-{len(value)}" for cmd, opt, value in REFUSED],
)
async def test_discord_refuses_empty_or_over_long_text(
    world: World, simcord_env: Env, command: str, option: str, value: str
) -> None:
    """The options declare their limits, so Discord itself refuses what the bot can't use."""
    _, channel, fan, _ = world
    before = len(simcord_env.http_requests)
    with pytest.raises(OptionError, match="characters"):
        await fan.slash(channel, command, **{option: value})
    assert len(simcord_env.http_requests) == before  # nothing reached the bot


async def test_a_servers_own_entry_cannot_ping(world: World, simcord_env: Env) -> None:
    guild, channel, fan, mod = world
    role = guild.create_role("Everyone who reads")
    entry = Entry(
        kind="fact",
        key="ping-bait",
        title=f"@everyone look <@&{role.id}>",
        text=f"Hey @here and <@{mod.id}>: **bold stays** bold.",
        source_name="us",
        source_url="https://example.org",
        guild_id=guild.id,
    )
    await service_of(simcord_env).db.save_entry(entry)
    result = await fan.slash(channel, "fact", query="fact:ping-bait")
    shown = seen(result)
    assert "look" in shown and "**bold stays**" in shown  # moderators' markdown is kept
    for mention in ("@everyone", "@here", f"<@&{role.id}>", f"<@{mod.id}>"):
        assert mention not in shown


# -- autocomplete ----------------------------------------------------------------------------


def long_fact(guild_id: int, n: int) -> Entry:
    """A server's fact with a 150-character title starting with 'Zebra'."""
    title = f"Zebra crossing scene number {n:02d} " + "and more words " * 10
    return Entry(
        kind="fact",
        key=f"zebra-{n:02d}",
        title=title[:150],
        text="A scene.",
        source_name="us",
        source_url="https://example.org",
        guild_id=guild_id,
    )


async def test_autocomplete_stays_within_discords_limits(world: World, simcord_env: Env) -> None:
    guild, channel, fan, _ = world
    service = service_of(simcord_env)
    for n in range(40):
        entry = long_fact(guild.id, n)
        await service.db.save_entry(entry)
        service.matcher.upsert(entry)

    choices = await fan.autocomplete(channel, "fact", "query", "zebra")
    assert len(choices) == c.AUTOCOMPLETE_MAX_CHOICES
    assert all(1 <= len(ch["name"]) <= c.CHOICE_NAME_MAX for ch in choices)
    assert all(len(ch["value"]) <= c.CHOICE_VALUE_MAX for ch in choices)
    assert all(ch["name"].endswith("…") for ch in choices)  # visibly shortened
    picked = await fan.slash(channel, "fact", query=choices[0]["value"])
    assert picked.response is not None
    assert (picked.response.embeds[0].title or "").startswith("Zebra crossing scene number")


@pytest.mark.parametrize(("command", "option"), [("fact", "query"), ("quote", "search")])
async def test_autocomplete_clips_whatever_the_service_offers(
    world: World, simcord_env: Env, monkeypatch: pytest.MonkeyPatch, command: str, option: str
) -> None:
    _, channel, fan, _ = world
    kind: Kind = "fact" if command == "fact" else "quote"
    hits = [Hit(kind, f"k{n}", 0, "T" * (50 + n * 10), 1.0, 1.0) for n in range(60)]
    monkeypatch.setattr(service_of(simcord_env), "complete", lambda *_, **__: hits)

    choices = await fan.autocomplete(channel, command, option, "t")
    assert len(choices) == c.AUTOCOMPLETE_MAX_CHOICES
    assert max(len(ch["name"]) for ch in choices) == c.CHOICE_NAME_MAX
    assert choices[0]["name"] == "T" * 50  # short names are left alone


@pytest.mark.parametrize(("command", "option"), [("fact", "query"), ("quote", "search")])
async def test_autocomplete_failure_offers_nothing_and_is_logged(
    world: World,
    simcord_env: Env,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    command: str,
    option: str,
) -> None:
    _, channel, fan, _ = world

    def broken(*_: Any, **__: Any) -> list[Hit]:
        raise RuntimeError("index corrupted")

    monkeypatch.setattr(service_of(simcord_env), "complete", broken)
    with caplog.at_level(logging.ERROR):
        choices = await fan.autocomplete(channel, command, option, "runt")
    assert choices == []
    assert any("Autocomplete failed" in r.getMessage() and r.exc_info for r in caplog.records)
    later = await fan.slash(channel, "ask", question="who directed it")
    assert later.response is not None and later.response.embeds[0].title == "Director"


@pytest.mark.parametrize("typed", ["@everyone", ZALGO * 5, "\x00\x1b", "x" * 300, "監督"])
async def test_autocomplete_with_hostile_text(world: World, typed: str) -> None:
    _, channel, fan, _ = world
    for command, option in (("fact", "query"), ("quote", "search")):
        choices = await fan.autocomplete(channel, command, option, typed)
        assert len(choices) <= c.AUTOCOMPLETE_MAX_CHOICES
        assert all(1 <= len(ch["name"]) <= c.CHOICE_NAME_MAX for ch in choices)


# -- cooldowns -------------------------------------------------------------------------------

FIVE_COMMANDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("fact", {}),
    ("quote", {}),
    ("synopsis", {}),
    ("awards next", {}),
    ("ask", {"question": "who directed it"}),
)


async def use_five_commands(fan: MemberActor, channel: Any, env: Env, gap: float) -> None:
    """Five public commands, `gap` seconds apart, all answered."""
    for command, options in FIVE_COMMANDS:
        result = await fan.slash(channel, command, **options)
        assert result.response is not None and not result.ephemeral, command
        await env.advance_time(gap)


def cooldown_wait(result: InteractionResult) -> int:
    """The N of 'try again in N s' (the reply must be that ephemeral note)."""
    assert result.ephemeral
    assert result.response is not None
    found = COOLDOWN_MESSAGE.match(result.response.content)
    assert found, result.response.content
    return int(found.group(1))


async def test_the_sixth_command_in_20_seconds_must_wait(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    await use_five_commands(fan, channel, simcord_env, gap=3)  # t = 0, 3, 6, 9, 12; now 15

    sixth = await fan.slash(channel, "about")
    assert cooldown_wait(sixth) == 5  # the window opened at t=0 and lasts 20 s
    assert sixth.response is not None and not sixth.response.embeds
    errors = simcord_env.errors
    assert [type(e) for e in errors] == [app_commands.CommandOnCooldown]

    await simcord_env.advance_time(5.5)
    again = await fan.slash(channel, "about")
    assert not again.ephemeral
    assert (
        again.response is not None and again.response.embeds[0].title == "About the Look Back bot"
    )


async def test_the_last_instant_of_the_window_says_1_s(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    await use_five_commands(fan, channel, simcord_env, gap=0)
    await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER)  # exactly 20 s after the first
    assert cooldown_wait(await fan.slash(channel, "help")) == 1  # not "try again in 0 s"
    assert [type(e) for e in simcord_env.errors] == [app_commands.CommandOnCooldown]


async def test_the_cooldown_is_per_member(world: World, simcord_env: Env) -> None:
    _, channel, fan, mod = world
    await use_five_commands(fan, channel, simcord_env, gap=0)
    assert cooldown_wait(await fan.slash(channel, "help")) == 20
    other = await mod.slash(channel, "help")
    assert other.response is not None and other.response.embeds
    assert len(simcord_env.errors) == 1


async def test_typing_in_autocomplete_does_not_count(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    for end in range(1, len("runtime") + 1):  # typing, letter by letter
        assert isinstance(await fan.autocomplete(channel, "fact", "query", "runtime"[:end]), list)
    await use_five_commands(fan, channel, simcord_env, gap=0)
    assert simcord_env.errors == []


async def test_a_restarted_bot_starts_with_fresh_cooldowns(
    world: World, simcord_env: Env, db_path: Path
) -> None:
    _, channel, fan, _ = world
    await use_five_commands(fan, channel, simcord_env, gap=0)
    assert cooldown_wait(await fan.slash(channel, "help")) == 20

    await restart(simcord_env, db_path, owner_ids=frozenset())
    after = await fan.slash(channel, "help")
    assert after.response is not None and after.response.embeds  # not "try again"
    assert [type(e) for e in simcord_env.errors] == [app_commands.CommandOnCooldown]


# -- Discord failing -------------------------------------------------------------------------

CALLBACK = "/interactions/*/*/callback"


@pytest.mark.simcord(check_errors=False)  # the injected failure is the point
async def test_a_failed_reply_becomes_an_apology(
    world: World, simcord_env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    _, channel, fan, _ = world
    simcord_env.inject_error("POST", CALLBACK, status=500)
    with caplog.at_level(logging.ERROR, logger="bot.ui.errors"):
        result = await fan.slash(channel, "fact", query="runtime")
    assert result.ephemeral
    assert result.response is not None and result.response.content == APOLOGY
    assert "500" not in result.response.content
    assert any(r.getMessage() == "Unhandled error in /fact" for r in caplog.records)
    errors = simcord_env.errors
    assert len(errors) == 1 and isinstance(
        getattr(errors[0], "original", None), discord.HTTPException
    )

    later = await fan.slash(channel, "fact", query="runtime")
    assert later.response is not None and later.response.embeds[0].title == "Runtime (58 minutes)"


@pytest.mark.simcord(check_errors=False)
async def test_a_reply_that_cannot_be_sent_at_all_is_logged(
    world: World, simcord_env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    _, channel, fan, _ = world
    simcord_env.inject_error("POST", CALLBACK, status=503, times=2)  # the reply and the apology
    with caplog.at_level(logging.WARNING, logger="bot.ui.errors"):
        result = await fan.slash(channel, "synopsis")
    assert not result.acknowledged
    assert any("Could not tell the user" in r.getMessage() for r in caplog.records)

    later = await fan.slash(channel, "synopsis")
    assert later.response is not None and later.response.embeds


async def test_an_expired_interaction_is_logged_not_raised(
    world: World, simcord_env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    _, channel, fan, _ = world
    simcord_env.inject_error(
        "POST", CALLBACK, status=404, code=10062, message="Unknown interaction"
    )
    with caplog.at_level(logging.WARNING, logger="bot.ui"):
        result = await fan.slash(channel, "awards record")
    assert not result.acknowledged
    assert any("expired" in r.getMessage() for r in caplog.records)
    assert simcord_env.errors == []

    later = await fan.slash(channel, "awards record")
    assert later.response is not None and later.response.components  # pages work again


@pytest.mark.simcord(check_errors=False)
async def test_a_failed_page_turn_apologises(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    result = await fan.slash(channel, "awards record")
    simcord_env.inject_error("POST", CALLBACK, status=500)
    failed = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
    assert failed.ephemeral
    assert failed.response is not None and failed.response.content == APOLOGY

    turned = await fan.click(result.response, label="Next")  # type: ignore[arg-type]
    assert turned.response is not None
    assert (turned.response.embeds[0].footer.text or "").startswith("Page 2/")


@pytest.mark.simcord(check_errors=False)
async def test_a_failed_followup_is_answered(world: World, simcord_env: Env) -> None:
    """/awards subscribe defers, then answers with a followup: make that followup fail."""
    _, channel, fan, _ = world
    simcord_env.inject_error("POST", "/webhooks/*/*", status=500)
    result = await fan.slash(channel, "awards subscribe")
    callbacks = [r.json for r in simcord_env.http_requests if r.path.endswith("/callback")]
    assert callbacks == [{"type": 5, "data": {"flags": 64}}]  # deferred, ephemeral; then followups
    # the apology is the followup that went through, in place of "thinking…"
    assert result.ephemeral
    assert result.response is not None and result.response.content == APOLOGY

    later = await fan.slash(channel, "awards next")
    assert later.response is not None and later.response.embeds
