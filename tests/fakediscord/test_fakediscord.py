"""Self-tests of the fake Discord: a plain discord.py 2.7 client against it on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from .server import FakeDiscord, FakeInteraction

APP_ID = 1_300_000_000_000_000_001
BOT_ID = 1_300_000_000_000_000_002
GUILD_ID = 1_300_000_000_000_000_003

TIMEOUT = 5.0


class PagerView(discord.ui.View):
    """One "Next" button that edits the message in place."""

    def __init__(self) -> None:
        super().__init__(timeout=30)

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="page 2")


class FakeClient(discord.Client):
    """A minimal bot: a command tree with a few commands, synced in ``setup_hook``."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.2)
        self.tree = app_commands.CommandTree(self)
        self.callback_responses: list[discord.InteractionCallbackResponse[discord.Client]] = []
        self.followup_messages: list[discord.WebhookMessage] = []
        self.resumed = asyncio.Event()
        self._add_commands()

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="Answer pong")
        async def ping(interaction: discord.Interaction) -> None:
            resp = await interaction.response.send_message("pong")
            assert resp is not None
            self.callback_responses.append(resp)

        @tree.command(name="twice", description="Answer, then follow up")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            msg = await interaction.followup.send("second", wait=True)
            self.followup_messages.append(msg)

        @tree.command(name="slow", description="Defer, then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True, ephemeral=True)
            await interaction.followup.send("done")

        @tree.command(name="fact", description="Look up a fact")
        async def fact(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(f"fact: {query}")

        @fact.autocomplete("query")
        async def fact_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ["runtime", "director", "release"]
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        @tree.command(name="menu", description="A message with a button")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("page 1", view=PagerView())

        @tree.command(name="upload", description="Send a file")
        async def upload(interaction: discord.Interaction) -> None:
            file = discord.File(io.BytesIO(b"look back"), filename="fact.txt")
            await interaction.response.send_message("here", file=file)

        awards = app_commands.Group(name="awards", description="Awards watch")

        @awards.command(name="next", description="Next ceremonies")
        async def awards_next(interaction: discord.Interaction, count: int = 1) -> None:
            await interaction.response.send_message(f"next {count} ceremonies", ephemeral=True)

        tree.add_command(awards)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_resumed(self) -> None:
        self.resumed.set()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(APP_ID, BOT_ID, [GUILD_ID]) as server:
        yield server


@pytest.fixture
def pointed_at_fake(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py's REST base and default gateway at the fake; restore afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@pytest.fixture
async def client(pointed_at_fake: FakeDiscord) -> AsyncIterator[FakeClient]:
    bot = FakeClient()
    runner = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        done, _ = await asyncio.wait({runner, ready}, timeout=10.0, return_when="FIRST_COMPLETED")
        if runner in done:
            runner.result()  # re-raise the start-up failure
            pytest.fail("client.start() returned before READY")
        if ready not in done:
            pytest.fail("client did not become ready within 10 s")
        yield bot
    finally:
        ready.cancel()
        await asyncio.wait_for(bot.close(), TIMEOUT)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, TIMEOUT)


async def answered(fake: FakeDiscord, inter: FakeInteraction) -> FakeInteraction:
    return await fake.wait_for_response(inter, timeout=TIMEOUT)


# ---------------------------------------------------------------------------------- start-up


async def test_client_reaches_ready_with_the_guild(fake: FakeDiscord, client: FakeClient) -> None:
    guild = client.get_guild(GUILD_ID)
    assert guild is not None
    assert guild.me is not None
    assert guild.me.id == BOT_ID
    assert guild.get_channel(fake.default_channel_id) is not None
    assert guild.default_role.id == GUILD_ID
    assert guild.member_count == 2
    assert client.application_id == APP_ID
    assert client.user is not None
    assert client.user.id == BOT_ID
    assert fake.identify_count == 1
    assert fake.identify_payloads[0]["token"] == "fake-token"
    assert fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    # discord.py asks for a compressed stream, yet the fake's plain-text frames work.
    query = fake.gateway_connections[0].query
    assert query["compress"] in ("zlib-stream", "zstd-stream")
    assert (query["v"], query["encoding"]) == ("10", "json")
    # The bulk sync echoed each command with id/application_id, and discord.py parsed it.
    put = fake.requests_matching("PUT", f"/applications/{APP_ID}/commands")
    assert len(put) == 1
    assert put[0].status == 200
    synced = {c["name"]: c for c in fake.commands[None]}
    assert set(synced) == {"ping", "twice", "slow", "fact", "menu", "upload", "awards"}
    fetched = await asyncio.wait_for(client.tree.fetch_commands(), TIMEOUT)
    assert {c.name: c.id for c in fetched} == {n: int(c["id"]) for n, c in synced.items()}


async def test_raw_http_content_type_404_faults_and_delay(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == str(BOT_ID)
        async with session.get(f"{fake.api_base}/no/such/route") as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
            assert await resp.json() == {"message": "404: Not Found", "code": 0}

        fake.fail_next("GET", "/users/@me", 429, retry_after=0.3)
        async with session.get(f"{fake.api_base}/users/@me") as resp:
            assert resp.status == 429
            assert resp.headers["Via"]
            assert resp.headers["X-RateLimit-Remaining"] == "0"
            body = await resp.json()
            assert body == {
                "message": "You are being rate limited.",
                "retry_after": 0.3,
                "global": False,
            }
        fake.fail_next("GET", "/gateway/*", 503, times=2)
        for _ in range(2):
            async with session.get(f"{fake.api_base}/gateway/bot") as resp:
                assert resp.status == 503
        async with session.get(f"{fake.api_base}/gateway/bot") as resp:
            assert resp.status == 200
            assert (await resp.json())["url"] == fake.gateway_url

        fake.set_delay("/gateway", 0.3)
        started = time.monotonic()
        async with session.get(f"{fake.api_base}/gateway") as resp:
            assert resp.status == 200
        assert time.monotonic() - started >= 0.3
    assert [r.status for r in fake.requests_matching("GET", "/users/@me")] == [200, 429]


# ---------------------------------------------------------------------------------- interactions


async def test_ping_command_answers_via_callback(fake: FakeDiscord, client: FakeClient) -> None:
    inter = await answered(fake, await fake.send_interaction("ping"))
    assert inter.response_type == 4
    assert inter.content == "pong"
    assert not inter.ephemeral
    callback = await fake.wait_for_request(
        lambda r: r.matches("POST", f"/interactions/{inter.id}/*/callback"), TIMEOUT
    )
    assert callback.query == {"with_response": "1"}
    assert callback.json == {"type": 4, "data": {"tts": False, "content": "pong"}}
    # discord.py parsed the {"interaction": ..., "resource": ...} body.
    await fake.wait_until(lambda: bool(client.callback_responses), TIMEOUT)
    resp = client.callback_responses[-1]
    assert resp.id == inter.id
    assert inter.original_message is not None
    assert resp.message_id == int(inter.original_message["id"])
    assert isinstance(resp.resource, discord.InteractionMessage)
    assert resp.resource.content == "pong"
    assert fake.messages[fake.default_channel_id][-1]["content"] == "pong"


async def test_followups_and_deferral(fake: FakeDiscord, client: FakeClient) -> None:
    inter = await answered(fake, await fake.send_interaction("twice"))
    (followup,) = await fake.wait_for_followups(inter, 1, TIMEOUT)
    assert inter.content == "first"
    assert followup["content"] == "second"
    await fake.wait_until(lambda: bool(client.followup_messages), TIMEOUT)
    assert client.followup_messages[-1].id == int(followup["id"])

    # Deferred + followup: Discord turns the "thinking" message into the followup.
    slow = await answered(fake, await fake.send_interaction("slow"))
    assert slow.deferred
    assert slow.ephemeral
    await fake.wait_until(lambda: slow.content == "done", TIMEOUT)
    assert slow.followups == []


async def test_interaction_times_and_clear_history(fake: FakeDiscord, client: FakeClient) -> None:
    ping = await answered(fake, await fake.send_interaction("ping"))
    assert ping.sent_at is not None and ping.responded_at is not None
    assert ping.sent_at <= ping.responded_at == ping.answered_at
    assert ping.callback_attempts == 1
    # Deferred: acknowledged by the callback, on screen with the followup.
    slow = await fake.send_interaction("slow")
    await fake.wait_until(lambda: slow.answered_at is not None, TIMEOUT)
    assert slow.responded_at is not None and slow.answered_at is not None
    assert slow.responded_at < slow.answered_at
    assert fake.answered_count == 2

    pending = await fake.send_interaction("ping")
    pending.answered_at = None  # as if still waiting for its answer: clear_history keeps it
    fake.clear_history()
    assert fake.requests == []
    assert fake.messages[fake.default_channel_id] == []
    assert list(fake.interactions) == [pending.id]
    again = await answered(fake, await fake.send_interaction("twice"))
    await fake.wait_for_followups(again, 1, TIMEOUT)  # found by its token after the clear
    assert fake.answered_count >= 4


async def test_callback_window_refuses_late_callbacks(
    fake: FakeDiscord, client: FakeClient
) -> None:
    fake.callback_window = 0.0  # every callback is "late"
    inter = await fake.send_interaction("ping")
    callback = await fake.wait_for_request(
        lambda r: r.matches("POST", f"/interactions/{inter.id}/*/callback"), TIMEOUT
    )
    assert callback.status == 404
    assert callback.response == {"message": "Unknown interaction", "code": 10062}
    assert not inter.responded
    assert inter.callback_attempts == 1
    assert fake.expired_callbacks == 1


async def test_backdated_interaction_ids(fake: FakeDiscord, client: FakeClient) -> None:
    inter = await answered(fake, await fake.send_interaction("ping", age=5.0))
    age = (discord.utils.utcnow() - discord.utils.snowflake_time(inter.id)).total_seconds()
    assert 4.5 < age < 6.0
    assert inter.created_at is not None and inter.sent_at is not None
    assert inter.sent_at - inter.created_at == pytest.approx(5.0, abs=0.1)
    other = await answered(fake, await fake.send_interaction("ping", age=5.0))
    assert other.id != inter.id
    fresh = await fake.send_interaction("ping")
    assert (discord.utils.utcnow() - discord.utils.snowflake_time(fresh.id)).total_seconds() < 1
    assert fresh.created_at is not None and fresh.sent_at is not None
    assert fresh.sent_at - fresh.created_at < 0.1
    # Discord's window counts from the creation: a 5 s old interaction is already too late.
    fake.callback_window = 3.0
    late = await fake.send_interaction("ping", age=5.0)
    callback = await fake.wait_for_request(
        lambda r: r.matches("POST", f"/interactions/{late.id}/*/callback"), TIMEOUT
    )
    assert callback.status == 404
    assert fake.expired_callbacks == 1


async def test_subcommand_options_and_autocomplete(fake: FakeDiscord, client: FakeClient) -> None:
    inter = await answered(fake, await fake.send_interaction("awards next", {"count": 3}))
    assert inter.content == "next 3 ceremonies"
    assert inter.ephemeral
    option = inter.payload["data"]["options"][0]
    assert option["name"] == "next"
    assert option["type"] == 1
    assert option["options"] == [{"name": "count", "type": 4, "value": 3}]

    auto = await answered(fake, await fake.send_interaction("fact", {"query": "r"}, type=4))
    assert auto.choices == [
        {"name": "runtime", "value": "runtime"},
        {"name": "release", "value": "release"},
    ]
    fact = await answered(fake, await fake.send_interaction("fact", {"query": "runtime"}))
    assert fact.content == "fact: runtime"


async def test_button_click_edits_the_message(fake: FakeDiscord, client: FakeClient) -> None:
    menu = await answered(fake, await fake.send_interaction("menu"))
    message = menu.original_message
    assert message is not None
    assert message["components"][0]["components"][0]["custom_id"] == "pager:next"
    click = await answered(fake, await fake.send_component_interaction(message, "pager:next"))
    assert click.response_type == 7
    assert message["content"] == "page 2"
    assert message["edited_timestamp"] is not None


async def test_file_upload_is_multipart(fake: FakeDiscord, client: FakeClient) -> None:
    inter = await answered(fake, await fake.send_interaction("upload"))
    assert inter.original_message is not None
    (attachment,) = inter.original_message["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("fact.txt", 9)
    callback = fake.requests_matching("POST", f"/interactions/{inter.id}/*/callback")[0]
    assert [f.filename for f in callback.files] == ["fact.txt"]
    assert callback.json["data"]["content"] == "here"


async def test_rate_limited_callback_is_retried(fake: FakeDiscord, client: FakeClient) -> None:
    fake.fail_next("POST", "/interactions/*/callback", 429, retry_after=0.2)
    inter = await answered(fake, await fake.send_interaction("ping"))
    assert inter.content == "pong"
    calls = fake.requests_matching("POST", f"/interactions/{inter.id}/*/callback")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].time - calls[0].time >= 0.2


async def test_rate_limited_and_failing_channel_messages_are_retried(
    fake: FakeDiscord, client: FakeClient
) -> None:
    channel = client.get_channel(fake.default_channel_id)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST", "/channels/*/messages", 429, retry_after=0.2)
    msg = await asyncio.wait_for(channel.send("hello"), TIMEOUT)
    fake.fail_next("POST", "/channels/*/messages", 500)  # discord.py retries after 1 s
    msg2 = await asyncio.wait_for(channel.send("again"), TIMEOUT)
    statuses = [r.status for r in fake.requests_matching("POST", "/channels/*/messages")]
    assert statuses == [429, 200, 500, 200]
    assert [m["id"] for m in fake.messages[channel.id]] == [str(msg.id), str(msg2.id)]


# ---------------------------------------------------------------------------------- gateway


@pytest.mark.parametrize("code", [4000, None], ids=["close-4000", "tcp-abort"])
async def test_dropped_gateway_resumes(
    fake: FakeDiscord, client: FakeClient, code: int | None
) -> None:
    first = await answered(fake, await fake.send_interaction("ping"))
    assert first.content == "pong"
    ((session_id, last_seq),) = fake.session_seqs.items()
    assert await fake.drop_connections(code) == 1
    assert fake.connected_sessions == 0
    # Dispatched while the client is away: replayed on RESUME.
    missed = await fake.send_interaction("ping")
    await asyncio.wait_for(client.resumed.wait(), TIMEOUT)
    assert fake.resume_count == 1
    assert fake.identify_count == 1
    resume = fake.resume_payloads[0]
    assert resume["token"] == "fake-token"
    assert client.ws is not None
    assert resume["session_id"] == client.ws.session_id == session_id
    assert resume["seq"] == last_seq
    assert fake.gateway_connections[-1].path == "/gateway/resume"
    assert fake.gateway_connections[-1].replayed >= 1
    assert (await answered(fake, missed)).content == "pong"
    after = await answered(fake, await fake.send_interaction("ping"))
    assert after.content == "pong"
    assert fake.connected_sessions == 1


async def test_enforce_nonce_dedupes_and_messages_echo(
    fake: FakeDiscord, client: FakeClient
) -> None:
    channel = client.get_channel(fake.default_channel_id)
    assert isinstance(channel, discord.TextChannel)
    echoed = asyncio.create_task(
        client.wait_for("message", check=lambda m: m.content == "once", timeout=TIMEOUT)
    )
    first = await asyncio.wait_for(channel.send("once", nonce=424242), TIMEOUT)
    second = await asyncio.wait_for(channel.send("once", nonce=424242), TIMEOUT)
    assert first.id == second.id
    other = await asyncio.wait_for(channel.send("once", nonce=777), TIMEOUT)
    assert other.id != first.id
    posts = fake.requests_matching("POST", f"/channels/{channel.id}/messages")
    assert [p.json.get("enforce_nonce") for p in posts] == [True, True, True]
    assert [m["id"] for m in fake.messages[channel.id]] == [str(first.id), str(other.id)]
    # Discord dispatches MESSAGE_CREATE for the bot's own messages too.
    assert (await echoed).author.id == BOT_ID
