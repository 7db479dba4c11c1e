"""/synopsis."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards.answers import synopsis_pages
from bot.client import LookBackBot
from bot.ui.backlog import DEFERRABLE
from bot.ui.language import reply_messages
from bot.ui.views import send_pages
from cogs._answers import PUBLIC_COOLDOWN, bot_of, content_guild


class Synopsis(commands.Cog):
    """The story, with or without spoilers."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_("synopsis"),
        description=_("The premise, or the full story with spoilers hidden."),
        extras=DEFERRABLE,
    )
    @app_commands.describe(
        spoilers=_("Show the whole story (late events stay hidden behind spoiler tags).")
    )
    @PUBLIC_COOLDOWN
    async def synopsis(self, interaction: discord.Interaction[Any], spoilers: bool = False) -> None:
        """The premise, or the full story with spoilers hidden."""
        entry = await bot_of(interaction).service.synopsis(
            spoilers=spoilers, guild_id=content_guild(interaction)
        )
        pages = synopsis_pages(entry, m=reply_messages(interaction))
        await send_pages(interaction, pages.cards)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Synopsis(bot))
