"""/help and /about."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import __version__
from bot.cards import answers as cards
from bot.client import LookBackBot
from bot.i18n import N_
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from cogs._answers import PUBLIC_COOLDOWN, bot_of


class Meta(commands.Cog):
    """About the bot itself."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot

    @app_commands.command(name=_("help"), description=_("Every command, with what it does."))
    @PUBLIC_COOLDOWN
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """Every command, with what it does."""
        commands_here = list(_leaf_commands(bot_of(interaction).tree.get_commands()))
        known = cards.help_paths()
        extra = [
            (cards.help_group_of(line[0]) or (N_("Moderators") if moderators else N_("More")), line)
            for line, moderators in commands_here
            if line[0] not in known
        ]
        available = {line[0] for line, _ in commands_here}
        card = cards.help_card(available=available, extra=extra, m=reply_messages(interaction))
        await respond(interaction, card=card, ephemeral=True)

    @app_commands.command(
        name=_("about"), description=_("Version, size of the fact base, uptime and sources.")
    )
    @PUBLIC_COOLDOWN
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        """Version, size of the fact base, uptime and sources."""
        bot = bot_of(interaction)
        stats = await bot.service.stats()
        latency = bot.latency * 1000 if math.isfinite(bot.latency) else None
        card = cards.about_card(
            __version__, stats, bot.service.uptime_seconds, latency, m=reply_messages(interaction)
        )
        await respond(interaction, card=card)


def _leaf_commands(
    commands: Iterable[
        app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu
    ],
    moderators: bool = False,
) -> Iterator[tuple[cards.HelpLine, bool]]:
    """Every slash command a user can run: (path, options as typed, description), and whether
    it is hidden by default from members without permissions (a moderator command)."""
    for command in commands:
        restricted = moderators or getattr(command, "default_permissions", None) is not None
        if isinstance(command, app_commands.Group):
            yield from _leaf_commands(command.commands, restricted)
        elif isinstance(command, app_commands.Command):
            options = " ".join(
                p.display_name if p.required else f"[{p.display_name}]" for p in command.parameters
            )
            yield (command.qualified_name, options, command.description), restricted


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Meta(bot))
