"""Interactions waiting their turn: a few worked on at a time, and a deferral for any that waits.

Discord drops an interaction whose first response has not arrived 3 s after it was created.
When hundreds arrive at once, an event loop that works on all of them together finishes them
all together, late. So the questions are answered a few at a time, first come first served,
and one still waiting `DEFER_AFTER_SECONDS` after Discord created it (its `created_at`, which
also counts time spent before the event reached us) is deferred first ("thinking…": one cheap
callback) and answered by `bot.ui.respond.respond` with a followup when its turn comes.
A slot is held for `SLOT_HOLD_SECONDS` at most: an answer stuck in discord.py's retries of a
failing Discord (up to 25 s for a 5xx) must not stop the questions behind it.

The age is read against this host's clock: a clock running ahead only defers more often.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

import discord
from discord import app_commands

from bot.ui.respond import defer_thinking

log = logging.getLogger(__name__)

#: Defer an interaction still waiting this long after it was created (Discord allows 3 s).
DEFER_AFTER_SECONDS: Final = 1.5
#: Interactions worked on at the same time; the others wait in arrival order.
WORK_SLOTS: Final = 8
#: A slot is given back after this long even if its interaction is still being answered.
SLOT_HOLD_SECONDS: Final = 2.0
#: The `extras` marker of a command whose every answer goes through `respond`, so a deferral
#: before it is safe: `@app_commands.command(..., extras=DEFERRABLE)`. Commands without it
#: (the moderator commands defer or open a form themselves) are never deferred by the backlog;
#: autocomplete cannot be deferred at all.
DEFERRABLE_EXTRA: Final = "deferrable"
DEFERRABLE: Final = {DEFERRABLE_EXTRA: True}


def seconds_until_deferral(
    created_at: datetime, now: datetime, defer_after: float = DEFER_AFTER_SECONDS
) -> float:
    """How much longer an interaction created at `created_at` may wait (0 or less: defer now)."""
    return defer_after - (now - created_at).total_seconds()


def is_deferrable(
    interaction: discord.Interaction[Any], tree: app_commands.CommandTree[Any]
) -> bool:
    """A slash command (not autocomplete) of `tree` marked `DEFERRABLE`."""
    data: Any = interaction.data or {}
    if (
        interaction.type is not discord.InteractionType.application_command
        or data.get("type", 1) != 1
        or not isinstance(data.get("name"), str)
    ):
        return False
    command = tree.get_command(data["name"])
    if command is None and interaction.guild_id:
        command = tree.get_command(data["name"], guild=discord.Object(interaction.guild_id))
    return command is not None and command.extras.get(DEFERRABLE_EXTRA) is True


class Backlog:
    """Runs interactions' work `slots` at a time, deferring those that wait too long."""

    def __init__(
        self,
        slots: int = WORK_SLOTS,
        defer_after: float = DEFER_AFTER_SECONDS,
        hold: float = SLOT_HOLD_SECONDS,
        clock: Callable[[], datetime] = discord.utils.utcnow,
    ) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.defer_after = defer_after
        self.hold = hold
        self._clock = clock
        #: Interactions deferred because they waited (for the logs and the tests).
        self.deferred = 0

    async def run(
        self, interaction: discord.Interaction[Any], work: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `work` once a slot is free; defer the interaction first if that takes too long."""
        await self._take_slot(interaction)
        task = asyncio.ensure_future(work())
        try:
            await asyncio.wait({task}, timeout=self.hold)
        except BaseException:
            task.cancel()
            raise
        finally:
            self._slots.release()
        await task

    async def _take_slot(self, interaction: discord.Interaction[Any]) -> None:
        """Wait for a slot in arrival order, deferring the interaction once it is too old."""
        turn = asyncio.ensure_future(self._slots.acquire())
        try:
            wait = seconds_until_deferral(interaction.created_at, self._clock(), self.defer_after)
            if wait > 0:
                await asyncio.wait({turn}, timeout=wait)
            if not turn.done():
                await self._defer(interaction)
                await turn
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._slots.release()
            else:
                turn.cancel()
            raise

    async def _defer(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await defer_thinking(interaction)
        except discord.HTTPException as exc:
            # Answered anyway when its turn comes; `respond` logs it if it has expired.
            log.warning("Could not defer waiting interaction %s: %s", interaction.id, exc)
            return
        self.deferred += 1
        log.debug("Deferred interaction %s: it waited for its turn", interaction.id)
