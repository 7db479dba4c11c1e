"""The gateway connection dropped mid-session: the bot process RESUMEs and goes on answering.

The fake keeps the session (and every event it sent) when it drops a connection, answers a
RESUME (op 6) with the events the bot missed and then RESUMED, and refuses callbacks later
than Discord's 3 s window.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakediscord.server import FakeDiscord, FakeInteraction

from .conftest import DISCORD_WINDOW, FAKE_TOKEN, GUILD_ID, bot_env, running_bot

pytestmark = pytest.mark.process

TIMEOUT = 10.0
USER = 1_700_000_000_000_000_000


async def answered(fake: FakeDiscord, inter: FakeInteraction) -> FakeInteraction:
    await fake.wait_until(lambda: inter.answered_at is not None, TIMEOUT, what="an answer")
    assert inter.callback_attempts == 1, "answered once"
    assert inter.original_message is not None and inter.original_message["embeds"]
    assert "Oshiyama" in inter.original_message["embeds"][0]["description"]
    return inter


@pytest.mark.parametrize("close_code", [4000, None], ids=["close-4000", "tcp-abort"])
async def test_dropped_gateway_is_resumed_and_missed_interactions_are_answered(
    strict_fake: FakeDiscord, tmp_path: Path, close_code: int | None
) -> None:
    fake = strict_fake
    env = bot_env(fake, tmp_path, DEV_GUILD_ID=str(GUILD_ID))
    async with running_bot(env, tmp_path) as bot:
        await bot.wait_for_log(r"Ready as \S+ in 1 servers")
        await answered(
            fake,
            await fake.send_interaction("ask", {"question": "who directed it"}, user_id=USER),
        )
        ((session_id, last_seq),) = fake.session_seqs.items()

        assert await fake.drop_connections(close_code) == 1
        assert fake.connected_sessions == 0
        # Sent while the bot is away: the fake keeps it for the RESUME replay.
        missed = await fake.send_interaction(
            "ask", {"question": "who directed the film"}, user_id=USER + 1
        )
        await fake.wait_until(
            lambda: fake.connected_sessions == 1, TIMEOUT, what="the bot back on the gateway"
        )
        assert fake.identify_count == 1, "resumed, not identified again"
        (resume,) = fake.resume_payloads
        assert resume["token"] == FAKE_TOKEN
        assert resume["session_id"] == session_id
        assert resume["seq"] == last_seq, "RESUME carries the last sequence number it saw"
        assert fake.gateway_connections[-1].path == "/gateway/resume"  # resume_gateway_url
        assert fake.gateway_connections[-1].replayed == 1, "the missed interaction"

        await answered(fake, missed)
        after = await fake.send_interaction("ask", {"question": "director?"}, user_id=USER + 2)
        await answered(fake, after)
        assert after.responded_at - after.sent_at <= DISCORD_WINDOW  # type: ignore[operator]
        await bot.wait_for_log(r"has successfully RESUMED session")
        assert bot.proc.returncode is None
        assert fake.expired_callbacks == 0
        print(
            f"\nmissed interaction answered {missed.responded_at - missed.sent_at:.2f} s "  # type: ignore[operator]
            f"after it was sent (type {missed.response_type})"
        )
