"""/ask, /fact and "Ask Look Back" on any message (a message context-menu command)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot import constants as c
from bot.cards.answers import answer_card, entry_card
from bot.cards.embed import card_embed
from bot.client import LookBackBot
from bot.domain.safety import clean_query
from bot.errors import BadQuestion, UserFacingError
from bot.i18n import N_
from bot.ui.backlog import DEFERRABLE
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from bot.ui.views import PostAnswerView
from cogs._answers import (
    PUBLIC_COOLDOWN,
    autocomplete_kind,
    bot_of,
    content_guild,
    public_cooldown,
    send_answer,
)

NO_TEXT_NOTE = N_(
    "That message has no text to answer (only an embed, attachment or sticker). "
    "Use /ask and type the question."
)


class Facts(commands.Cog):
    """Questions about the film."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        self.ask_menu = app_commands.ContextMenu(name=_("Ask Look Back"), callback=self.ask_message)
        self.ask_menu.add_check(public_cooldown)

    async def cog_load(self) -> None:
        """Register the message context-menu command."""
        self.bot.tree.add_command(self.ask_menu)

    async def cog_unload(self) -> None:
        """Remove the message context-menu command."""
        self.bot.tree.remove_command(self.ask_menu.name, type=self.ask_menu.type)

    async def ask_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """Answer the question in a message, privately, with a "Post answer" button."""
        try:
            question = clean_query(message.content, required=False, what="message")
        except BadQuestion as exc:  # longer than /ask's limit: the same limit, said for a message
            raise UserFacingError(
                "That message is too long to answer ({length} characters; "
                "I answer questions of up to {limit}). Use /ask with the question.",
                length=len(message.content),
                limit=c.QUERY_MAX_CHARS,
            ) from exc
        m = reply_messages(interaction)
        if not question:
            await respond(interaction, content=m._(NO_TEXT_NOTE), ephemeral=True)
            return
        answer = await bot_of(interaction).service.ask(
            question, guild_id=content_guild(interaction)
        )
        embed = card_embed(answer_card(answer, m=m))
        view = PostAnswerView(interaction.user.id, embed, message.jump_url, m=m)
        view.message = await respond(interaction, embed=embed, view=view, ephemeral=True)

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
        answer = await bot_of(interaction).service.ask(
            question, guild_id=content_guild(interaction)
        )
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
            entry = await service.random_entry("fact", content_guild(interaction))
            if entry is None:
                raise UserFacingError("There are no facts here yet.")
            await respond(interaction, card=entry_card(entry, m=reply_messages(interaction)))
            return
        answer = await service.lookup("fact", query, content_guild(interaction))
        await send_answer(interaction, answer)

    @fact.autocomplete("query")
    async def fact_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Fact titles matching what is typed."""
        return await autocomplete_kind(interaction, current, ["fact"])


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Facts(bot))
