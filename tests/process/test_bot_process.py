"""Process-level tests: the real bot process against a fake Discord on 127.0.0.1.

`python -m bot` is the code behind the `lookback-bot` console script (`bot.cli:main`). The bot
logs in, connects to the fake gateway, answers `/ask` through the interaction callback and shuts
down cleanly on SIGTERM; its token never appears in its output, even at DEBUG.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord.server import FakeDiscord, FakeInteraction

from .conftest import (
    APP_ID,
    COMMAND_NAMES,
    FAKE_TOKEN,
    GUILD_ID,
    START_TIMEOUT,
    STOP_TIMEOUT,
    BotProcess,
    bot_env,
    run_cli,
    running_bot,
)

pytestmark = pytest.mark.process

RESPONSE_TIMEOUT = 5.0
LATENCY_SAMPLES = 50
#: Loose: a hang or a pathological slowdown fails, a slow CI machine does not.
LATENCY_P95_LIMIT = 1.0
#: Questions the shipped pack answers; rotated through in the latency run.
LATENCY_QUESTIONS = (
    "who directed it",
    "how long is the film",
    "when was it released",
    "who voices Fujino",
    "what studio made it",
)
#: Each latency interaction comes from its own user, so the per-user cooldown never triggers.
FIRST_LATENCY_USER = 1_500_000_000_000_000_000
GLOBAL_COMMANDS = f"/applications/{APP_ID}/commands"
GUILD_COMMANDS = f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"


def assert_no_token(*outputs: str) -> None:
    for output in outputs:
        assert FAKE_TOKEN not in output, "the bot token appears in the process output"


def assert_no_pings(inter: FakeInteraction) -> None:
    data = inter.response_data or {}
    allowed = data.get("allowed_mentions")
    assert allowed is not None, f"no allowed_mentions in the response: {data}"
    assert allowed.get("parse") == [], allowed
    assert not allowed.get("users"), allowed
    assert not allowed.get("roles"), allowed
    assert not allowed.get("replied_user"), allowed


def embeds_of(inter: FakeInteraction) -> list[dict[str, Any]]:
    return list((inter.response_data or {}).get("embeds") or [])


async def ask(fake: FakeDiscord, question: str, **kwargs: Any) -> FakeInteraction:
    inter = await fake.send_interaction("ask", {"question": question}, **kwargs)
    return await fake.wait_for_response(inter, timeout=RESPONSE_TIMEOUT)


async def wait_until_ready(fake: FakeDiscord, bot: BotProcess) -> None:
    """IDENTIFY received, guild cache built (`on_ready` logged "Ready as ...")."""
    await bot.wait_for_log(r"Ready as \S+ in 1 servers", timeout=START_TIMEOUT)
    assert fake.identify_count == 1
    assert fake.connected_sessions == 1


async def stop_cleanly(fake: FakeDiscord, bot: BotProcess) -> None:
    """SIGTERM: exit 0 within STOP_TIMEOUT, no traceback, gateway closed with 1000."""
    code, elapsed = await bot.terminate(STOP_TIMEOUT)
    assert code == 0, f"exit code {code}:\n{bot.tail()}"
    assert elapsed < STOP_TIMEOUT
    assert "Traceback" not in bot.stderr, bot.tail(80)
    assert "Traceback" not in bot.stdout, bot.stdout
    assert "Shutdown requested; closing" in bot.stderr
    assert "Stopped" in bot.stderr
    await fake.wait_until(lambda: fake.connected_sessions == 0, timeout=5, what="session ended")
    assert fake.gateway_connections, "the bot never connected to the gateway"
    for conn in fake.gateway_connections:
        assert conn.closed_at is not None, conn
        assert conn.close_code == 1000, conn


async def test_sync_registers_the_commands_globally(fake: FakeDiscord, tmp_path: Path) -> None:
    """`lookback-bot sync` registers the eight slash commands and the message menu."""
    result = await run_cli("sync", env=bot_env(fake, tmp_path), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert f"Registered {len(COMMAND_NAMES)} commands for every server" in result.stdout, (
        result.stdout
    )
    for name in COMMAND_NAMES:
        assert name in result.stdout
    puts = fake.requests_matching("PUT", GLOBAL_COMMANDS)
    assert len(puts) == 1
    assert puts[0].status == 200
    assert puts[0].headers.get("Authorization") == f"Bot {FAKE_TOKEN}"
    assert {cmd["name"] for cmd in puts[0].json} == COMMAND_NAMES
    assert not fake.requests_matching("PUT", GUILD_COMMANDS)
    assert fake.identify_count == 0, "sync must not connect to the gateway"
    assert "Traceback" not in result.stderr
    assert_no_token(result.stdout, result.stderr)


async def test_run_answers_ask_and_stops_on_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    """The issue's scenario: log in, answer /ask through the callback, stop on SIGTERM."""
    env = bot_env(fake, tmp_path)
    synced = await run_cli("sync", env=env, cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert {c["name"] for c in fake.commands[None]} == COMMAND_NAMES

    async with running_bot(env, tmp_path) as bot:
        await wait_until_ready(fake, bot)
        identify = fake.identify_payloads[0]
        assert identify["token"] == FAKE_TOKEN  # the token really went through the process
        assert identify["intents"] == 1, "only the GUILDS intent (no privileged intents)"
        # The bot does not sync on connect: the only command PUT is the one `sync` made.
        assert len(fake.requests_matching("PUT", "/applications/*")) == 1

        # /ask, answered with an embed through the interaction callback, pinging nobody.
        inter = await ask(fake, "who directed it")
        assert inter.response_type == 4, inter.response_data
        assert not inter.ephemeral
        embeds = embeds_of(inter)
        assert len(embeds) == 1, inter.response_data
        assert "Oshiyama" in embeds[0].get("description", ""), embeds[0]
        assert_no_pings(inter)
        assert fake.requests_matching("POST", f"/interactions/{inter.id}/*/callback")

        # @everyone in the question pings nobody either (and is echoed only neutralised).
        inter = await ask(fake, "@everyone who directed it")
        assert inter.response_type == 4, inter.response_data
        assert_no_pings(inter)
        assert "@everyone" not in (inter.content or "")
        assert "@everyone" not in json.dumps(embeds_of(inter), ensure_ascii=False)

        # End-to-end latency: INTERACTION_CREATE sent -> callback request received by the fake.
        latencies: list[float] = []
        for i in range(LATENCY_SAMPLES):
            question = LATENCY_QUESTIONS[i % len(LATENCY_QUESTIONS)]
            dispatched = time.monotonic()
            inter = await ask(fake, question, user_id=FIRST_LATENCY_USER + i)
            (callback,) = fake.requests_matching("POST", f"/interactions/{inter.id}/*/callback")
            latencies.append(callback.time - dispatched)
            assert inter.response_type == 4, (question, inter.response_data)
            assert not inter.ephemeral, (question, inter.response_data)  # not an error reply
            assert embeds_of(inter), (question, inter.response_data)
            assert_no_pings(inter)
        median = statistics.median(latencies)
        p95 = statistics.quantiles(latencies, n=20, method="inclusive")[-1]
        print(
            f"\n/ask end-to-end latency over {len(latencies)} sequential interactions: "
            f"median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms"
        )
        assert p95 < LATENCY_P95_LIMIT, f"p95 {p95:.3f}s"

        await stop_cleanly(fake, bot)

    assert " DEBUG " in bot.stderr, "LOG_LEVEL=DEBUG did not take effect"
    assert_no_token(synced.stdout, synced.stderr, bot.stdout, bot.stderr)
    assert not [line for line in bot.stderr_lines if " ERROR " in line or " CRITICAL " in line]


async def test_dev_guild_id_syncs_to_that_guild_on_start(fake: FakeDiscord, tmp_path: Path) -> None:
    """With DEV_GUILD_ID the bot syncs to that one guild in `setup_hook` (no global PUT)."""
    env = bot_env(fake, tmp_path, DEV_GUILD_ID=str(GUILD_ID))

    async with running_bot(env, tmp_path) as bot:
        await wait_until_ready(fake, bot)
        puts = fake.requests_matching("PUT", GUILD_COMMANDS)
        assert len(puts) == 1
        assert puts[0].status == 200
        assert {cmd["name"] for cmd in puts[0].json} == COMMAND_NAMES
        assert not fake.requests_matching("PUT", GLOBAL_COMMANDS)
        assert (
            f"Synced {len(COMMAND_NAMES)} commands to the development guild {GUILD_ID}"
            in bot.stderr
        )

        inter = await ask(fake, "who directed it")
        assert inter.payload["data"]["guild_id"] == str(GUILD_ID)  # the guild-scoped command
        assert inter.response_type == 4, inter.response_data
        assert "Oshiyama" in embeds_of(inter)[0].get("description", "")
        assert_no_pings(inter)

        await stop_cleanly(fake, bot)

    assert " DEBUG " in bot.stderr, "LOG_LEVEL=DEBUG did not take effect"
    assert_no_token(bot.stdout, bot.stderr)


async def test_sigterm_during_login_exits_cleanly(fake: FakeDiscord, tmp_path: Path) -> None:
    """SIGTERM while the bot is still logging in (GET /users/@me in flight) also exits 0."""
    fake.set_delay("/users/@me", 2.0)

    async with running_bot(bot_env(fake, tmp_path), tmp_path) as bot:
        await fake.wait_until(
            lambda: bool(fake.requests_matching("GET", "/users/@me")),
            timeout=START_TIMEOUT,
            what="the login request",
        )
        code, _ = await bot.terminate(STOP_TIMEOUT)
        assert "Traceback" not in bot.stderr, bot.tail()
        assert code == 0, bot.tail()
        assert fake.identify_count == 0

    assert_no_token(bot.stdout, bot.stderr)
