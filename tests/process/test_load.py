"""Many interactions at once, and interactions that waited: the real bot process under load.

The fake refuses a callback that arrives more than 3 s after the interaction was created
(`callback_window`), as Discord does, and the tests check each first response against the
3 s from the moment the fake gateway sent it. Each interaction comes from its own user, so the
per-user cooldown never answers instead of the command. When the bot falls behind, it defers
the interactions that waited (`bot.backlog`): a deferral (type 5) must then be followed by
exactly one followup that replaces the "thinking…" message.
"""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord.server import FakeDiscord, FakeInteraction

from .conftest import APP_ID, DISCORD_WINDOW, GUILD_ID, BotProcess, bot_env, running_bot

pytestmark = pytest.mark.process

BURST = 500
#: Bound on waiting for every answer of the burst (followups after deferrals included).
BURST_TIMEOUT = 30.0
FIRST_USER = 1_600_000_000_000_000_000

#: (command, options): /ask in several wordings (and nonsense), /fact, /quote, with and without
#: a query.
MIX: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ask", {"question": "who directed it"}),
    ("ask", {"question": "Who is the director of Look Back?"}),
    ("ask", {"question": "how long is the film"}),
    ("ask", {"question": "runtime"}),
    ("ask", {"question": "when was it released"}),
    ("ask", {"question": "who voices Fujino"}),
    ("ask", {"question": "what studio made it"}),
    ("ask", {"question": "京本の声優"}),
    ("ask", {"question": "xqzv plorbic wendle?"}),
    ("ask", {"question": "how tall is mount fuji"}),
    ("fact", {}),
    ("fact", {"query": "runtime"}),
    ("quote", {}),
    ("quote", {"search": "drawing"}),
)


@pytest.fixture
async def bot(strict_fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The bot, commands synced to the guild on start; INFO logging, as in production."""
    env = bot_env(strict_fake, tmp_path, DEV_GUILD_ID=str(GUILD_ID), LOG_LEVEL="INFO")
    async with running_bot(env, tmp_path) as process:
        await process.wait_for_log(r"Ready as \S+ in 1 servers")
        yield process
        assert process.proc.returncode is None, "the bot process died:\n" + process.tail()


def followup_posts(fake: FakeDiscord, inter: FakeInteraction) -> list[Any]:
    return fake.requests_matching("POST", f"/webhooks/{APP_ID}/{inter.token}")


def assert_answered_once_in_time(fake: FakeDiscord, inter: FakeInteraction) -> None:
    """One callback (type 4, or 5 then one followup), acknowledged within Discord's window."""
    what = (inter.name, inter.payload["data"].get("options"), inter.response_type)
    assert inter.callback_attempts == 1, what
    assert inter.sent_at is not None and inter.responded_at is not None, what
    assert inter.responded_at - inter.sent_at <= DISCORD_WINDOW, what
    followups = followup_posts(fake, inter)
    if inter.response_type == 4:
        assert not followups, what
    else:
        assert inter.response_type == 5, what
        assert [f.status for f in followups] == [200], what
        assert inter.followups == [], "the followup replaced the 'thinking…' message"
    message = inter.original_message
    assert message is not None and not inter.original_deleted, what
    assert message["embeds"], what
    assert not inter.ephemeral, f"an error reply: {what} {message}"


async def test_500_concurrent_interactions_are_each_answered_once_within_3_seconds(
    strict_fake: FakeDiscord, bot: BotProcess
) -> None:
    fake = strict_fake
    warm = await fake.send_interaction("ask", {"question": "who directed it"}, user_id=FIRST_USER)
    await fake.wait_for_response(warm, timeout=10)
    assert warm.response_type == 4

    # The gateway writes 500 INTERACTION_CREATE frames back to back.
    inters = [
        await fake.send_interaction(name, options, user_id=FIRST_USER + 1 + i)
        for i, (name, options) in enumerate(MIX[i % len(MIX)] for i in range(BURST))
    ]
    burst = {inter.id for inter in inters}
    assert len(burst) == BURST
    await fake.wait_until(
        lambda: all(inter.answered_at is not None for inter in inters),
        timeout=BURST_TIMEOUT,
        what="an answer to every interaction of the burst",
    )

    for inter in inters:
        assert_answered_once_in_time(fake, inter)
    assert fake.expired_callbacks == 0
    callbacks = fake.requests_matching("POST", "/interactions/*/callback")
    assert sorted(int(r.path.split("/")[2]) for r in callbacks) == sorted({warm.id} | burst)
    assert all(r.status == 200 for r in callbacks)

    acks = sorted(inter.responded_at - inter.sent_at for inter in inters)  # type: ignore[operator]
    answers = sorted(inter.answered_at - inter.sent_at for inter in inters)  # type: ignore[operator]
    deferred = sum(inter.response_type == 5 for inter in inters)
    print(
        f"\n{BURST} interactions at once: first response median {statistics.median(acks):.2f} s, "
        f"max {acks[-1]:.2f} s; answer on screen max {answers[-1]:.2f} s; {deferred} deferred"
    )
    assert "Traceback" not in bot.stderr, bot.tail(60)
    assert " ERROR " not in bot.stderr, bot.tail(60)
    assert "expired before it was answered" not in bot.stderr


async def test_an_interaction_that_already_waited_is_deferred_then_answered(
    strict_fake: FakeDiscord, bot: BotProcess
) -> None:
    """Created 2 s before it reached the bot: "thinking…" first, the answer as a followup."""
    fake = strict_fake
    inter = await fake.send_interaction(
        "ask", {"question": "who directed it"}, user_id=FIRST_USER, age=2.0
    )
    await fake.wait_until(lambda: inter.answered_at is not None, timeout=10, what="the answer")
    assert inter.response_type == 5
    assert_answered_once_in_time(fake, inter)
    assert "Oshiyama" in inter.original_message["embeds"][0]["description"]  # type: ignore[index]

    # A fresh one is answered directly.
    fresh = await fake.send_interaction("ask", {"question": "runtime"}, user_id=FIRST_USER + 1)
    await fake.wait_for_response(fresh, timeout=10)
    assert fresh.response_type == 4
    assert_answered_once_in_time(fake, fresh)

    # A private reply (here: the cooldown) to a deferred question stays private: the public
    # "thinking…" message is deleted and the reply is an ephemeral followup.
    spammer = FIRST_USER + 2
    for _ in range(5):  # the cooldown allows five in a row
        ok = await fake.send_interaction("quote", {}, user_id=spammer)
        await fake.wait_for_response(ok, timeout=10)
        assert ok.response_type == 4 and not ok.ephemeral
    refused = await fake.send_interaction("quote", {}, user_id=spammer, age=2.0)
    await fake.wait_until(lambda: refused.answered_at is not None, timeout=10, what="the refusal")
    assert refused.response_type == 5
    assert refused.responded_at - refused.sent_at <= DISCORD_WINDOW  # type: ignore[operator]
    assert refused.original_deleted
    assert fake.requests_matching(
        "DELETE", f"/webhooks/{APP_ID}/{refused.token}/messages/@original"
    )
    (reply,) = refused.followups
    assert reply["flags"] & 64, "ephemeral"
    assert "try again" in reply["content"]
    assert "Traceback" not in bot.stderr, bot.tail(60)
