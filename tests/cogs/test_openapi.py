"""Every REST request the bot makes validates against Discord's official OpenAPI description.

The commands are exercised the way members use them (replies, pages, did-you-mean buttons,
refusals, time-outs, errors, deferred replies with followups and DMs); then every entry of
`env.http_requests` is looked up in the description and its body validated
(`tests/openapi_check.py`). The description is not part of the project: without it (see
`DISCORD_OPENAPI_PATH`) these tests skip and say why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult, MemberActor

from bot import constants as c
from bot.client import LookBackBot
from bot.domain.models import Answer, Match
from tests.openapi_check import (
    SPEC_ENV_VAR,
    OpenAPIDescription,
    load_openapi,
    openapi_problems,
    openapi_spec_candidate,
    openapi_spec_path,
    request_rule_problems,
)

World = tuple[Any, Any, MemberActor, MemberActor]

SPEC = openapi_spec_path()
if SPEC is None and os.environ.get("CI"):
    # CI lays ../shared beside the clone: a missing description means the checks stopped.
    raise RuntimeError(f"CI expects Discord's OpenAPI description at {openapi_spec_candidate()}")
pytestmark = pytest.mark.skipif(
    SPEC is None,
    reason=f"Discord's OpenAPI description is not at {openapi_spec_candidate()}; "
    f"set {SPEC_ENV_VAR} to its path to run these checks",
)


@pytest.fixture(scope="module")
def openapi() -> OpenAPIDescription:
    """The description, read once."""
    assert SPEC is not None
    return load_openapi(SPEC)


@pytest.fixture(autouse=True)
def _every_request_is_valid(
    request: pytest.FixtureRequest, openapi: OpenAPIDescription
) -> Iterator[None]:
    if "simcord_env" not in request.fixturenames:  # the checker's own tests
        yield
        return
    env: Env = request.getfixturevalue("simcord_env")
    yield
    requests = env.http_requests
    assert len(requests) > 2, "the test made (almost) no requests to check"
    problems = [p for r in requests for p in openapi_problems(openapi, r)]
    problems += request_rule_problems(requests)
    assert problems == [], f"against Discord's OpenAPI {openapi.version}:\n" + "\n".join(problems)


def bot_of(env: Env) -> LookBackBot:
    """The bot under test."""
    assert isinstance(env.bot, LookBackBot)
    return env.bot


async def pace(env: Env) -> None:
    """Wait long enough between commands never to meet the cooldown."""
    await env.advance_time(c.PUBLIC_COOLDOWN_PER / c.PUBLIC_COOLDOWN_RATE + 0.1)


def label_of(result: InteractionResult, index: int = 0) -> str:
    """The label of the reply's n-th button."""
    assert result.response is not None
    labels = [b["label"] for row in result.response.components for b in row["components"]]
    return str(labels[index])


async def test_command_registration(world: World, simcord_env: Env) -> None:
    guild, _, _, _ = world
    bot = bot_of(simcord_env)
    bot.tree.copy_global_to(guild=discord.Object(guild.id))
    await bot.tree.sync(guild=discord.Object(guild.id))
    paths = [r.path for r in simcord_env.http_requests if r.method == "PUT"]
    assert any(re.fullmatch(r"/applications/\d+/commands", p) for p in paths)
    assert any(re.fullmatch(r"/applications/\d+/guilds/\d+/commands", p) for p in paths)


async def test_every_public_command_and_option(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    runs: list[tuple[str, dict[str, Any]]] = [
        ("ask", {"question": "who directed it"}),
        ("ask", {"question": "xqzv blorp wuggle"}),
        ("fact", {}),
        ("fact", {"query": "fact:runtime"}),
        ("quote", {}),
        ("quote", {"search": "sleep debt", "speaker": "Oshiyama"}),
        ("synopsis", {}),
        ("synopsis", {"spoilers": True}),
        ("awards next", {}),
        ("awards list", {}),
        ("awards record", {}),
        ("awards query", {"question": "oscar"}),
        ("help", {}),
        ("about", {}),
    ]
    for command, options in runs:
        result = await fan.slash(channel, command, **options)
        assert result.response is not None, command
        await pace(simcord_env)
    assert await fan.autocomplete(channel, "fact", "query", "runt")
    assert await fan.autocomplete(channel, "quote", "search", "sleep")


async def test_pages_refusals_and_time_outs(world: World, simcord_env: Env) -> None:
    _, channel, fan, mod = world
    pages = await fan.slash(channel, "awards record")
    turned = await fan.click(pages.response, label="Next")  # type: ignore[arg-type]
    await fan.click(turned.response, label="Previous")  # type: ignore[arg-type]
    refused = await mod.click(pages.response, label="Next")  # type: ignore[arg-type]
    assert refused.ephemeral
    await simcord_env.advance_time(c.VIEW_TIMEOUT_SECONDS + 1)  # the view edits itself
    edits = [r for r in simcord_env.http_requests if r.method == "PATCH"]
    assert edits, "the timed-out view was not greyed out"


async def test_did_you_mean(
    world: World, simcord_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, channel, fan, mod = world
    service = bot_of(simcord_env).service
    entries = [await service.get("fact", key, None) for key in ("runtime", "director")]

    async def unsure(question: str | None, **_: Any) -> Answer:
        return Answer(question or "", None, tuple(Match(e, 0.45) for e in entries))

    monkeypatch.setattr(service, "ask", unsure)
    result = await fan.slash(channel, "ask", question="how long did it take")
    answered = await fan.click(result.response, label=label_of(result))  # type: ignore[arg-type]
    assert answered.response is not None and answered.response.embeds
    refused = await mod.click(result.response, label=label_of(result, 1))  # type: ignore[arg-type]
    assert refused.ephemeral
    await simcord_env.advance_time(c.VIEW_TIMEOUT_SECONDS + 1)


async def test_errors_cooldowns_and_bad_input(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    for _ in range(c.PUBLIC_COOLDOWN_RATE):
        await fan.slash(channel, "fact")
    limited = await fan.slash(channel, "fact")
    assert limited.ephemeral
    await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER + 0.1)
    blank = await fan.slash(channel, "ask", question="   ")
    assert blank.ephemeral
    hostile = await fan.slash(channel, "ask", question="@everyone **x** <@&1> \x00")
    assert hostile.response is not None
    assert len(simcord_env.errors) == 2  # the cooldown and the blank question, both answered


@pytest.mark.simcord(check_errors=False)  # failures are injected on purpose
async def test_injected_failures(world: World, simcord_env: Env) -> None:
    _, channel, fan, _ = world
    simcord_env.inject_error("POST", "/interactions/*/*/callback", status=500)
    failed = await fan.slash(channel, "fact", query="runtime")  # the apology goes through
    simcord_env.inject_error("POST", "/webhooks/*/*", status=500)
    deferred = await fan.slash(channel, "awards subscribe")  # the first followup fails
    await pace(simcord_env)
    unsubscribed = await fan.slash(channel, "awards unsubscribe")
    assert all(r.ephemeral for r in (failed, deferred, unsubscribed))


# -- the checker itself ----------------------------------------------------------------------


def logged(method: str, path: str, body: Any = None, **params: Any) -> Any:
    """A request shaped like simcord's HttpLogEntry."""
    return SimpleNamespace(method=method, path=path, params=params, json=body, reason=None)


CALLBACK = "/interactions/1456074443980800016/token/callback"


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        (logged("GET", "/nowhere/1"), "no path in Discord's OpenAPI description"),
        (logged("PATCH", CALLBACK, {"type": 4}), "has no PATCH operation"),
        (logged("POST", CALLBACK, {"type": 4, "data": {"content": "x" * 2001}}), "maxLength"),
        (logged("POST", CALLBACK, {"type": 4, "data": {"embeds": "no"}}), "data/embeds"),
        (logged("POST", CALLBACK, {"type": 4}, surprise="1"), "query parameter 'surprise'"),
        (logged("POST", CALLBACK), "requires a body"),
        (
            logged("PUT", "/applications/1/commands", [{"name": "x" * 33, "description": "d"}]),
            "0/name",
        ),
    ],
)
def test_the_checker_reports_invalid_requests(
    openapi: OpenAPIDescription, request_: Any, problem: str
) -> None:
    problems = openapi_problems(openapi, request_)
    assert problems and problem in problems[0], problems


def test_the_checker_accepts_valid_requests(openapi: OpenAPIDescription) -> None:
    webhook = "/webhooks/1456074443980800000/token"
    for request in (
        logged("GET", f"{webhook}/messages/@original"),
        logged("PATCH", f"{webhook}/messages/@original", {"content": "edited", "components": []}),
        logged("POST", CALLBACK, {"type": 8, "data": {"choices": []}}, with_response="1"),
        # a multipart upload is logged as its payload_json part
        logged(
            "POST",
            f"{webhook}",
            {"content": "file", "attachments": [{"id": 0, "filename": "pack.json"}]},
            wait="1",
        ),
    ):
        assert openapi_problems(openapi, request) == [], request


def test_the_description_is_read_once() -> None:
    assert SPEC is not None
    assert load_openapi(SPEC) is load_openapi(SPEC)
    assert load_openapi(SPEC).resolve_path("/channels/1/messages/2") == (
        "/channels/{channel_id}/messages/{message_id}"
    )
    assert load_openapi(SPEC).resolve_path("/webhooks/1/t/messages/@original") == (
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    )
