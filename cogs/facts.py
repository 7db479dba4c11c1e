"""/ask and /fact."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards.answers import entry_card
from bot.cards.embed import card_embed
from bot.client import LookBackBot
from bot.errors import UserFacingError
from bot.ui.backlog import DEFERRABLE
from bot.ui.respond import respond
from cogs._answers import PUBLIC_COOLDOWN, autocomplete_kind, bot_of, send_answer


class Facts(commands.Cog):
    """Questions about the film."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=_("ask"),
        description=_("Ask anything about Look Back: facts, quotes, story, awards."),
        extras=DEFERRABLE,
    )
    @app_commands.describe(question=_("Your question, in your own words."))
    @PUBLIC_COOLDOWN
    async def ask(
        self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 300]
    ) -> None:
        """Ask anything about Look Back: facts, quotes, story, awards."""
        answer = await bot_of(interaction).service.ask(question, guild_id=interaction.guild_id)
        await send_answer(interaction, answer)

    @app_commands.command(
        name=_("fact"), description=_("A fact about the film, or a random one."), extras=DEFERRABLE
    )
    @app_commands.describe(query=_("What to look up (leave empty for a random fact)."))
    @PUBLIC_COOLDOWN
    async def fact(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 0, 300] | None = None,
    ) -> None:
        """A fact about the film, or a random one."""
        service = bot_of(interaction).service
        if not query or not query.strip():
            entry = await service.random_entry("fact", interaction.guild_id)
            if entry is None:
                raise UserFacingError("There are no facts here yet.")
            await respond(interaction, embed=card_embed(entry_card(entry)))
            return
        await send_answer(interaction, await service.lookup("fact", query, interaction.guild_id))

    @fact.autocomplete("query")
    async def fact_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Fact titles matching what is typed."""
        return await autocomplete_kind(interaction, current, ["fact"])


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Facts(bot))
