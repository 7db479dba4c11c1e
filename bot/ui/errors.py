"""The one error path of the command tree (`LookBackTree.on_error` calls it).

Errors are handled in this order:

1. `CommandOnCooldown` — "try again in N s" (ephemeral).
2. `UserFacingError` raised by a service or a check (also when wrapped in
   `CommandInvokeError`) — its short message (ephemeral).
   A SQLite failure of the machine (the file locked by another program, read-only, removed,
   a disk error) is one too: `bot.errors.database_unavailable` words it ("nothing was
   changed"), and it is logged as a warning with SQLite's own text.
3. Other `CheckFailure`s (guild-only, missing permissions) — a short reason (ephemeral).
4. `TransformerError` (an option Discord let through that we cannot read) — a short hint.
5. Anything else — logged with its traceback; the user gets a generic apology (ephemeral).
   No traceback or raw exception text ever reaches a user.

A failing button (`OwnedView.on_error`) takes the same path: `handle_component_error`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import discord
from discord import app_commands

from bot.errors import DatabaseUnavailable, UserFacingError, database_unavailable
from bot.i18n import EN, N_, Messages
from bot.ui.language import reply_messages
from bot.ui.respond import respond

log = logging.getLogger(__name__)

APOLOGY = N_("Sorry, something went wrong on my side. It has been logged; please try again later.")


class CheckWithReason(app_commands.CheckFailure):
    """A check that failed with a service's own explanation (`original`, a UserFacingError)."""

    def __init__(self, original: UserFacingError) -> None:
        super().__init__(original.message)
        self.original = original


def user_message(error: Exception, m: Messages = EN) -> str | None:
    """The short message for an expected error in `m`'s language, or None for a bug."""
    original = getattr(error, "original", error)  # CommandInvokeError, CheckWithReason
    if isinstance(original, app_commands.CommandOnCooldown):
        # At the very end of the window discord.py reports 0 s left, yet still refuses.
        wait = max(1, math.ceil(original.retry_after))
        return m._("You're asking quickly — try again in {seconds} s.", seconds=wait)
    if isinstance(original, UserFacingError):
        return original.render(m)
    problem = database_unavailable(original)
    if problem is not None:
        return problem.render(m)
    if isinstance(original, app_commands.NoPrivateMessage):
        return m._("That command works only inside a server.")
    if isinstance(original, app_commands.MissingPermissions | app_commands.CheckFailure):
        return m._("You don't have permission to use that command here.")
    if isinstance(original, app_commands.TransformerError):
        return m._("I couldn't read one of the options; please check it and try again.")
    return None


async def handle_app_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """Answer an error as described in the module docstring."""
    command = interaction.command.qualified_name if interaction.command else "?"
    await _answer_error(interaction, error, f"/{command}")


async def handle_component_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Answer an error raised by a button's callback, like a command's."""
    await _answer_error(interaction, error, "a button")


async def _answer_error(
    interaction: discord.Interaction[Any], error: Exception, where: str
) -> None:
    m = reply_messages(interaction)
    message = user_message(error, m)
    if message is None:
        log.error("Unhandled error in %s", where, exc_info=error)
        message = m._(APOLOGY)
    else:
        _log_database_problem(error, where)
    try:
        await respond(interaction, content=message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("Could not tell the user about an error in %s: %s", where, exc)


def _log_database_problem(error: Exception, where: str) -> None:
    """An operator needs to know the fact base is failing, with SQLite's own words."""
    original = getattr(error, "original", error)  # CommandInvokeError, CheckWithReason
    if isinstance(original, DatabaseUnavailable):
        cause = original.__cause__ or original.__context__
        log.warning("The fact base failed in %s: %s (%s)", where, original.message, cause)
    elif database_unavailable(original) is not None:
        log.warning("The fact base failed in %s: %s", where, original)
