"""The backlog rule: questions a few at a time; one that waits too long is deferred first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import discord
import pytest
from discord import app_commands

from bot.ui.backlog import DEFERRABLE, Backlog, is_deferrable, seconds_until_deferral

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Log(list[str]):
    """What happened, in order; `wait_for_length` awaits entries (no sleeping)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def append(self, item: str) -> None:
        super().append(item)
        self.changed.set()

    async def wait_for_length(self, length: int, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self) < length:
                self.changed.clear()
                await self.changed.wait()


class StubResponse:
    """`interaction.response`: records deferrals (optionally failing them)."""

    def __init__(self, log: list[str], name: str, fail: Exception | None = None) -> None:
        self.log = log
        self.name = name
        self.fail = fail

    async def defer(self, *, thinking: bool = False) -> None:
        assert thinking, "a deferral shows the 'thinking…' message"
        if self.fail is not None:
            raise self.fail
        self.log.append(f"defer {self.name}")


def stub(
    log: list[str], name: str, created: datetime, fail: Exception | None = None
) -> discord.Interaction[Any]:
    """Just what `Backlog.run` reads of an interaction."""
    interaction = SimpleNamespace(
        id=name,
        created_at=created,
        extras={},
        response=StubResponse(log, name, fail),
        type=discord.InteractionType.application_command,
        data={"type": 1, "name": "ask"},
    )
    return cast(discord.Interaction[Any], interaction)


def work(log: list[str], name: str, release: asyncio.Event | None = None) -> Any:
    async def run() -> None:
        log.append(f"start {name}")
        if release is not None:
            await release.wait()
        log.append(f"end {name}")

    return run


def test_seconds_until_deferral() -> None:
    assert seconds_until_deferral(NOW - timedelta(seconds=0.5), NOW, 1.5) == pytest.approx(1.0)
    assert seconds_until_deferral(NOW - timedelta(seconds=2), NOW, 1.5) == pytest.approx(-0.5)
    # A snowflake a little in our future (clock skew) just leaves more time.
    assert seconds_until_deferral(NOW + timedelta(seconds=0.2), NOW, 1.5) == pytest.approx(1.7)


async def test_a_fresh_interaction_with_a_free_slot_is_not_deferred() -> None:
    log = Log()
    backlog = Backlog(slots=2, defer_after=1.5)
    interaction = stub(log, "a", discord.utils.utcnow())
    await asyncio.wait_for(backlog.run(interaction, work(log, "a")), 1)
    assert log == ["start a", "end a"]
    assert backlog.deferred == 0
    assert interaction.extras == {}


async def test_an_interaction_already_too_old_is_deferred_before_its_work() -> None:
    log = Log()
    backlog = Backlog(slots=2, defer_after=1.5)
    interaction = stub(log, "a", discord.utils.utcnow() - timedelta(seconds=2))
    await asyncio.wait_for(backlog.run(interaction, work(log, "a")), 1)
    assert log == ["defer a", "start a", "end a"]
    assert backlog.deferred == 1
    assert interaction.extras, "respond must know to replace the 'thinking…' message"


async def test_one_waiting_for_a_slot_is_deferred_when_it_gets_old_then_served_in_order() -> None:
    log = Log()
    backlog = Backlog(slots=1, defer_after=0.1)
    release = asyncio.Event()
    now = discord.utils.utcnow()
    first = asyncio.create_task(backlog.run(stub(log, "a", now), work(log, "a", release)))
    second = asyncio.create_task(backlog.run(stub(log, "b", now), work(log, "b")))
    third = asyncio.create_task(backlog.run(stub(log, "c", now), work(log, "c")))
    # "a" holds the only slot; "b" and "c" wait, and are deferred once 0.1 s old.
    await log.wait_for_length(3)
    assert log[0] == "start a"
    assert sorted(log[1:]) == ["defer b", "defer c"]
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second, third), 1)
    assert log[3:] == ["end a", "start b", "end b", "start c", "end c"]
    assert backlog.deferred == 2


async def test_a_slot_is_given_back_after_the_hold_time_even_if_the_answer_is_stuck() -> None:
    log = Log()
    backlog = Backlog(slots=1, defer_after=30, hold=0.1)
    stuck = asyncio.Event()  # e.g. discord.py retrying a 5xx for 25 s
    now = discord.utils.utcnow()
    first = asyncio.create_task(backlog.run(stub(log, "a", now), work(log, "a", stuck)))
    second = asyncio.create_task(backlog.run(stub(log, "b", now), work(log, "b")))
    await asyncio.wait_for(second, 2)
    assert log == ["start a", "start b", "end b"]
    assert not first.done(), "the stuck answer goes on; it only gave its slot back"
    stuck.set()
    await asyncio.wait_for(first, 1)
    assert log[-1] == "end a"


async def test_a_failed_deferral_is_logged_and_the_work_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = Log()
    backlog = Backlog(slots=1, defer_after=1.5)
    expired = discord.NotFound(
        cast(Any, SimpleNamespace(status=404, reason="Not Found")),
        {"message": "Unknown interaction", "code": 10062},
    )
    interaction = stub(log, "a", discord.utils.utcnow() - timedelta(seconds=5), fail=expired)
    await asyncio.wait_for(backlog.run(interaction, work(log, "a")), 1)
    assert log == ["start a", "end a"]
    assert backlog.deferred == 0
    assert "Could not defer waiting interaction a" in caplog.text


async def test_cancelled_while_waiting_or_working_gives_the_slot_back() -> None:
    log = Log()
    backlog = Backlog(slots=1, defer_after=30)
    release = asyncio.Event()
    now = discord.utils.utcnow()
    holder = asyncio.create_task(backlog.run(stub(log, "a", now), work(log, "a", release)))
    waiter = asyncio.create_task(backlog.run(stub(log, "b", now), work(log, "b")))
    await log.wait_for_length(1)  # "a" holds the slot, "b" waits for it
    waiter.cancel()  # gave up while waiting for the slot
    holder.cancel()  # gave up while working
    await asyncio.gather(holder, waiter, return_exceptions=True)
    # The one slot is free again: a new interaction runs at once.
    await asyncio.wait_for(backlog.run(stub(log, "c", now), work(log, "c")), 1)
    assert log == ["start a", "start c", "end c"]


def _tree() -> app_commands.CommandTree[Any]:
    """A command tree with a marked command, an unmarked one and a marked guild command."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )

    async def body(interaction: discord.Interaction[Any]) -> None: ...

    tree.add_command(
        app_commands.Command(name="ask", description="d", callback=body, extras=DEFERRABLE)
    )
    tree.add_command(app_commands.Command(name="admin", description="d", callback=body))
    tree.add_command(
        app_commands.Command(name="local", description="d", callback=body, extras=DEFERRABLE),
        guild=discord.Object(5),
    )
    return tree


@pytest.mark.parametrize(
    ("interaction_type", "data", "guild_id", "expected"),
    [
        (discord.InteractionType.application_command, {"type": 1, "name": "ask"}, None, True),
        (discord.InteractionType.application_command, {"name": "ask"}, 5, True),
        (discord.InteractionType.application_command, {"type": 1, "name": "local"}, 5, True),
        (discord.InteractionType.application_command, {"type": 1, "name": "local"}, 6, False),
        (discord.InteractionType.autocomplete, {"type": 1, "name": "ask"}, None, False),
        (discord.InteractionType.application_command, {"type": 1, "name": "admin"}, None, False),
        (discord.InteractionType.application_command, {"type": 1, "name": "gone"}, None, False),
        (discord.InteractionType.application_command, {"type": 3, "name": "ask"}, None, False),
        (discord.InteractionType.application_command, {"type": 1, "name": 7}, None, False),
        (discord.InteractionType.component, {"custom_id": "x"}, None, False),
    ],
)
def test_only_commands_marked_deferrable_are_deferred(
    interaction_type: discord.InteractionType,
    data: dict[str, Any],
    guild_id: int | None,
    expected: bool,
) -> None:
    interaction = cast(
        discord.Interaction[Any],
        SimpleNamespace(type=interaction_type, data=data, guild_id=guild_id),
    )
    assert is_deferrable(interaction, _tree()) is expected
