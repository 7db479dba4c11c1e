"""/help and /about."""

from __future__ import annotations

import math
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import __version__, cards
from bot.client import LookBackBot
from bot.interactions import respond
from bot.render_discord import card_embed
from cogs._answers import PUBLIC_COOLDOWN, bot_of


class Meta(commands.Cog):
    """About the bot itself."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot

    @app_commands.command(name=_("help"), description=_("Every command, with what it does."))
    @PUBLIC_COOLDOWN
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """Every command, with what it does."""
        await respond(interaction, embed=card_embed(cards.help_card()), ephemeral=True)

    @app_commands.command(
        name=_("about"), description=_("Version, size of the fact base, uptime and sources.")
    )
    @PUBLIC_COOLDOWN
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        """Version, size of the fact base, uptime and sources."""
        bot = bot_of(interaction)
        stats = await bot.service.stats()
        latency = bot.latency * 1000 if math.isfinite(bot.latency) else None
        card = cards.about_card(__version__, stats, bot.service.uptime_seconds, latency)
        await respond(interaction, embed=card_embed(card))


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Meta(bot))
