"""Shared by the cogs: send an answer card with its did-you-mean buttons, and autocomplete."""

from __future__ import annotations

import logging
import weakref
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

# One bucket per user, shared by every public command, held per bot: a module-level mapping
# (what `app_commands.checks.cooldown` keeps) would outlive the bot and carry one bot's
# cooldowns over to the next one started in the same process.
_COOLDOWNS: weakref.WeakKeyDictionary[discord.Client, dict[int, app_commands.Cooldown]] = (
    weakref.WeakKeyDictionary()
)


async def _public_cooldown(interaction: discord.Interaction[Any]) -> bool:
    """At most PUBLIC_COOLDOWN_RATE public commands per PUBLIC_COOLDOWN_PER seconds per user."""
    buckets = _COOLDOWNS.setdefault(interaction.client, {})
    now = interaction.created_at.timestamp()
    for user_id in [k for k, b in buckets.items() if b.get_tokens(now) == b.rate]:
        del buckets[user_id]  # idle again: forget it, so the mapping stays small
    bucket = buckets.setdefault(
        interaction.user.id, app_commands.Cooldown(c.PUBLIC_COOLDOWN_RATE, c.PUBLIC_COOLDOWN_PER)
    )
    retry_after = bucket.update_rate_limit(now)
    if retry_after is not None:
        raise app_commands.CommandOnCooldown(bucket, retry_after)
    return True


PUBLIC_COOLDOWN = app_commands.check(_public_cooldown)


def bot_of(interaction: discord.Interaction[Any]) -> LookBackBot:
    """The bot behind an interaction."""
    return cast(LookBackBot, interaction.client)


async def answer_suggestion(interaction: discord.Interaction[Any], uid: str) -> None:
    """A did-you-mean button was clicked: answer that entry."""
    kind, _, key = uid.partition(":")
    # NotFound (hidden or deleted since) is shown by the view's error path.
    entry = await bot_of(interaction).service.get(cast(Kind, kind), key, interaction.guild_id)
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
