"""Shared by the cogs: send an answer card with its did-you-mean buttons, and autocomplete."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import discord
from discord import app_commands

from bot import constants as c
from bot.cards import answer_card, entry_card
from bot.client import LookBackBot
from bot.interactions import SuggestionsView, respond
from bot.models import Answer, Kind
from bot.render_discord import card_embed

log = logging.getLogger(__name__)

PUBLIC_COOLDOWN = app_commands.checks.cooldown(
    c.PUBLIC_COOLDOWN_RATE, c.PUBLIC_COOLDOWN_PER, key=lambda i: i.user.id
)


def bot_of(interaction: discord.Interaction[Any]) -> LookBackBot:
    """The bot behind an interaction."""
    return cast(LookBackBot, interaction.client)


async def answer_suggestion(interaction: discord.Interaction[Any], uid: str) -> None:
    """A did-you-mean button was clicked: answer that entry."""
    kind, _, key = uid.partition(":")
    service = bot_of(interaction).service
    entry = await service.db.get_entry(cast(Kind, kind), key, interaction.guild_id)
    if entry is None:
        await respond(interaction, content="That entry is no longer here.", ephemeral=True)
        return
    await respond(interaction, embed=card_embed(entry_card(entry)))


async def send_answer(interaction: discord.Interaction[Any], answer: Answer) -> None:
    """The answer's embed; when unsure, with up to three did-you-mean buttons."""
    card = answer_card(answer)
    embed = card_embed(card)
    if card.suggestions:
        view = SuggestionsView(interaction.user.id, card.suggestions, answer_suggestion)
        view.message = await respond(interaction, embed=embed, view=view)
    else:
        await respond(interaction, embed=embed)


def choices(hits: Sequence[Any]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices within Discord's limits (25 choices, 100-character names)."""
    out: list[app_commands.Choice[str]] = []
    for hit in hits[: c.AUTOCOMPLETE_MAX_CHOICES]:
        name = hit.title if len(hit.title) <= c.CHOICE_NAME_MAX else hit.title[:99] + "…"
        value = f"{hit.kind}:{hit.key}"[: c.CHOICE_VALUE_MAX]
        out.append(app_commands.Choice(name=name, value=value))
    return out


async def autocomplete_kind(
    interaction: discord.Interaction[Any], current: str, kinds: Sequence[Kind]
) -> list[app_commands.Choice[str]]:
    """Choices for one kind from the in-memory index; `[]` on any error."""
    try:
        service = bot_of(interaction).service
        return choices(service.complete(current or "", kinds, interaction.guild_id))
    except Exception:
        log.exception("Autocomplete failed")
        return []
