"""/quote."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import LookBackBot
from bot.ui.backlog import DEFERRABLE
from cogs._answers import (
    PUBLIC_COOLDOWN,
    autocomplete_kind,
    bot_of,
    content_guild,
    send_answer,
)


class Quotes(commands.Cog):
    """Quotes by the people behind the film."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_("quote"),
        description=_("A quote by the people behind the film, or a random one."),
        extras=DEFERRABLE,
    )
    @app_commands.describe(
        search=_("Words from the quote or its topic."), speaker=_("Only quotes by this person.")
    )
    @PUBLIC_COOLDOWN
    async def quote(
        self,
        interaction: discord.Interaction[Any],
        search: app_commands.Range[str, 0, 300] | None = None,
        speaker: app_commands.Range[str, 0, 100] | None = None,
    ) -> None:
        """A quote by the people behind the film, or a random one."""
        answer = await bot_of(interaction).service.quote(
            search, speaker, content_guild(interaction)
        )
        await send_answer(interaction, answer)

    @quote.autocomplete("search")
    async def quote_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Quotes matching what is typed."""
        return await autocomplete_kind(interaction, current, ["quote"])


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Quotes(bot))
