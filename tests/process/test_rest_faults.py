"""Discord's REST API rate-limiting (429) and failing (5xx): the bot process retries and survives.

discord.py does the retrying; this checks it in the real process: after a 429 it waits the
`retry_after` Discord gave (per route or global, with the `Retry-After` and `X-RateLimit-*`
headers) and the answer arrives; a passing 5xx is retried (after 1 s); a persistent one ends
in a logged error (or the command's own message), never in a crash.

Each fault is set for one interaction's route right after the interaction is sent, with no
`await` in between: the fake runs in this event loop, so the bot's request cannot be handled
before the rule is in place.

One bot process serves every case. The persistent 5xx on a callback takes discord.py 25 s to
give up (it retries a webhook 5xx five times, 1 + 3 + 5 + 7 + 9 s), so it is started first
and the other cases run while it is being retried.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord.server import FakeDiscord, FakeInteraction, RecordedRequest

from .conftest import APP_ID, DISCORD_WINDOW, GUILD_ID, BotProcess, bot_env, running_bot

pytestmark = pytest.mark.process

TIMEOUT = 10.0
#: discord.py's five tries of a webhook request answering 5xx sleep 1 + 3 + 5 + 7 + 9 s.
GIVE_UP_AFTER = 25.0
RETRY_AFTER = 0.3
#: discord.py sleeps 1 s (then 3, 5 ...) before retrying a 5xx.
FIRST_5XX_RETRY = 1.0
MANAGE_GUILD = str(1 << 5)
FIRST_USER = 1_800_000_000_000_000_000


class Users:
    """A fresh user per interaction, so the per-user cooldown never answers instead."""

    def __init__(self) -> None:
        self.next_id = FIRST_USER

    def __call__(self) -> int:
        self.next_id += 1
        return self.next_id


def statuses(requests: Sequence[RecordedRequest]) -> list[int | None]:
    return [r.status for r in requests]


def callbacks(fake: FakeDiscord, inter: FakeInteraction) -> list[RecordedRequest]:
    return fake.requests_matching("POST", f"/interactions/{inter.id}/*/callback")


def followups(fake: FakeDiscord, inter: FakeInteraction) -> list[RecordedRequest]:
    return fake.requests_matching("POST", f"/webhooks/{APP_ID}/{inter.token}")


async def answer_of(fake: FakeDiscord, inter: FakeInteraction) -> dict[str, Any]:
    """Wait for the answer on screen; it must be the film's director, not an error."""
    await fake.wait_until(lambda: inter.answered_at is not None, TIMEOUT, what="the answer")
    message = inter.original_message
    assert message is not None and not inter.original_deleted
    assert "Oshiyama" in message["embeds"][0]["description"], message
    return message


def assert_retried_after(requests: Sequence[RecordedRequest], wait: float) -> None:
    """The failed request, then the retry no sooner than `wait` seconds later."""
    assert len(requests) == 2, statuses(requests)
    assert requests[1].status == 200, statuses(requests)
    gap = requests[1].time - requests[0].time
    assert gap >= wait, f"retried after {gap:.3f} s, before the {wait} s Discord asked for"


async def check_callback_429(fake: FakeDiscord, user: Users, *, is_global: bool) -> None:
    inter = await fake.send_interaction("ask", {"question": "who directed it"}, user_id=user())
    fake.fail_next(
        "POST",
        f"/interactions/{inter.id}/*/callback",
        429,
        retry_after=RETRY_AFTER,
        is_global=is_global,
    )
    await answer_of(fake, inter)
    calls = callbacks(fake, inter)
    assert calls[0].status == 429
    assert calls[0].response == {
        "message": "You are being rate limited.",
        "retry_after": RETRY_AFTER,
        "global": is_global,
    }
    assert_retried_after(calls, RETRY_AFTER)
    assert inter.responded_at - inter.sent_at <= DISCORD_WINDOW  # type: ignore[operator]
    assert inter.response_type == 4


async def check_callback_500_once(fake: FakeDiscord, user: Users) -> None:
    inter = await fake.send_interaction("ask", {"question": "who directed it"}, user_id=user())
    fake.fail_next("POST", f"/interactions/{inter.id}/*/callback", 500)
    await answer_of(fake, inter)
    assert statuses(callbacks(fake, inter))[0] == 500
    assert_retried_after(callbacks(fake, inter), FIRST_5XX_RETRY)
    assert inter.responded_at - inter.sent_at <= DISCORD_WINDOW  # type: ignore[operator]


async def check_followup_fault(fake: FakeDiscord, user: Users, status: int, wait: float) -> None:
    """A question that waited is deferred; its followup fails once and is retried."""
    inter = await fake.send_interaction(
        "ask", {"question": "who directed it"}, user_id=user(), age=2.0
    )
    fake.fail_next("POST", f"/webhooks/{APP_ID}/{inter.token}", status, retry_after=RETRY_AFTER)
    await answer_of(fake, inter)
    assert inter.response_type == 5, "deferred"
    assert statuses(callbacks(fake, inter)) == [200]
    assert statuses(followups(fake, inter))[0] == status
    assert_retried_after(followups(fake, inter), wait)


async def reminder_test(fake: FakeDiscord, user: Users) -> str:
    """`/admin reminders test` (posts a sample reminder in the channel); its private reply."""
    inter = await fake.send_interaction(
        "admin reminders test", {}, user_id=user(), permissions=MANAGE_GUILD
    )
    await fake.wait_until(lambda: inter.answered_at is not None, TIMEOUT, what="the reply")
    assert inter.ephemeral
    assert inter.original_message is not None
    content: str = inter.original_message["content"]
    return content


async def check_channel_messages(fake: FakeDiscord, user: Users) -> None:
    channel = fake.default_channel_id
    route = f"/channels/{channel}/messages"
    setup = await fake.send_interaction(
        "admin reminders channel", {"channel": channel}, user_id=user(), permissions=MANAGE_GUILD
    )
    await fake.wait_until(lambda: setup.answered_at is not None, TIMEOUT, what="the setting")

    for is_global in (False, True):
        fake.fail_next("POST", route, 429, retry_after=RETRY_AFTER, is_global=is_global)
        before = len(fake.requests_matching("POST", route))
        assert "Posted a test reminder" in await reminder_test(fake, user)
        posts = fake.requests_matching("POST", route)[before:]
        assert posts[0].response["global"] is is_global
        assert_retried_after(posts, RETRY_AFTER)

    fake.fail_next("POST", route, 500)
    before = len(fake.requests_matching("POST", route))
    assert "Posted a test reminder" in await reminder_test(fake, user)
    assert_retried_after(fake.requests_matching("POST", route)[before:], FIRST_5XX_RETRY)

    # A 503 that does not go away (removed at the end of the test): discord.py retries only
    # 500, 502, 504 and 524 on this route, so it gives up at once; the moderator is told.
    fake.fail_next("POST", route, 503, times=1000)
    before = len(fake.requests_matching("POST", route))
    assert "Discord refused the test message (503)" in await reminder_test(fake, user)
    assert statuses(fake.requests_matching("POST", route)[before:]) == [503]


async def check_gave_up(fake: FakeDiscord, bot: BotProcess, doomed: FakeInteraction) -> None:
    """Five 500s, then the error path: logged with its traceback; the apology comes too late."""
    await bot.wait_for_log(r"ERROR .*Unhandled error in /ask", timeout=GIVE_UP_AFTER + TIMEOUT)
    await bot.wait_for_log(rf"Interaction {doomed.id} expired before it was answered")
    calls = callbacks(fake, doomed)
    assert statuses(calls) == [500] * 5 + [404]  # the apology, after Discord's window
    gaps = [round(b.time - a.time) for a, b in itertools.pairwise(calls[:5])]
    assert gaps == [1, 3, 5, 7], gaps
    assert "DiscordServerError: 500" in bot.stderr
    assert not doomed.responded
    assert fake.expired_callbacks == 1


async def test_rate_limits_and_server_errors_are_retried_and_never_crash_the_bot(
    strict_fake: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake
    env = bot_env(fake, tmp_path, DEV_GUILD_ID=str(GUILD_ID), LOG_LEVEL="INFO")
    async with running_bot(env, tmp_path) as bot:
        await bot.wait_for_log(r"Ready as \S+ in 1 servers")
        user = Users()

        # Persistent 500 on one callback: discord.py retries it for 25 s, then gives up.
        doomed = await fake.send_interaction("ask", {"question": "runtime"}, user_id=user())
        fake.fail_next("POST", f"/interactions/{doomed.id}/*/callback", 500, times=5)

        await check_callback_429(fake, user, is_global=False)
        await check_callback_429(fake, user, is_global=True)
        await check_callback_500_once(fake, user)
        await check_followup_fault(fake, user, 429, RETRY_AFTER)
        await check_followup_fault(fake, user, 502, FIRST_5XX_RETRY)
        await check_channel_messages(fake, user)

        await check_gave_up(fake, bot, doomed)
        fake.clear_faults()
        # Still serving.
        last = await fake.send_interaction("ask", {"question": "who directed it"}, user_id=user())
        await answer_of(fake, last)
        assert last.response_type == 4
        assert bot.proc.returncode is None, bot.tail()
