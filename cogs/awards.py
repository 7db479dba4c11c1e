"""/awards next, list, record and query."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import cards
from bot.client import LookBackBot
from bot.interactions import respond, send_pages
from bot.render_discord import card_embed
from cogs._answers import PUBLIC_COOLDOWN, bot_of, send_answer


class Awards(
    commands.GroupCog,
    group_name=_("awards"),
    group_description=_("Awards, nominations and Oscar dates."),
):
    """The awards watch."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name=_("next"), description=_("The next awards date, with a countdown."))
    @PUBLIC_COOLDOWN
    async def next(self, interaction: discord.Interaction[Any]) -> None:
        """The next awards date, with a countdown."""
        event, undated = await bot_of(interaction).service.next_event(interaction.guild_id)
        await respond(interaction, embed=card_embed(cards.next_event_card(event, undated)))

    @app_commands.command(
        name=_("list"), description=_("Past and upcoming awards events and their outcomes.")
    )
    @PUBLIC_COOLDOWN
    async def list(self, interaction: discord.Interaction[Any]) -> None:
        """Past and upcoming awards events and their outcomes."""
        events = await bot_of(interaction).service.awards_events(interaction.guild_id)
        await send_pages(interaction, cards.events_pages(events, discord.utils.utcnow()).cards)

    @app_commands.command(
        name=_("record"), description=_("Every award and nomination the film has.")
    )
    @PUBLIC_COOLDOWN
    async def record(self, interaction: discord.Interaction[Any]) -> None:
        """Every award and nomination the film has."""
        facts = await bot_of(interaction).service.award_record(interaction.guild_id)
        await send_pages(interaction, cards.record_pages(facts).cards)

    @app_commands.command(
        name=_("query"), description=_("Ask a question about awards and the Oscars.")
    )
    @app_commands.describe(question=_("Your question, in your own words."))
    @PUBLIC_COOLDOWN
    async def query(
        self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, 300]
    ) -> None:
        """Ask a question about awards and the Oscars."""
        answer = await bot_of(interaction).service.ask(
            question, guild_id=interaction.guild_id, kinds=["awards", "fact"]
        )
        await send_answer(interaction, answer)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Awards(bot))
