"""Shared by the cogs: send an answer card with its did-you-mean buttons, and autocomplete."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from typing import Any, cast

import discord
from discord import app_commands

from bot import constants as c
from bot.cards.answers import answer_card, entry_card
from bot.client import LookBackBot
from bot.domain.models import Answer, Kind
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from bot.ui.views import SuggestionsView

log = logging.getLogger(__name__)


class _Cooldowns:
    """One bucket per user, shared by every public command, held per bot.

    A module-level mapping (what `app_commands.checks.cooldown` keeps) would outlive the bot and
    carry one bot's cooldowns over to the next one started in the same process. Idle buckets are
    dropped at most once per cooldown period, so a command costs O(1), not O(active users).
    """

    def __init__(self) -> None:
        self.buckets: dict[int, app_commands.Cooldown] = {}
        self.pruned_at = 0.0

    def check(self, user_id: int, now: float) -> float | None:
        """Count one use; the seconds to wait when over the limit, else None."""
        if now - self.pruned_at >= c.PUBLIC_COOLDOWN_PER:
            self.pruned_at = now
            idle = [k for k, b in self.buckets.items() if b.get_tokens(now) == b.rate]
            for key in idle:
                del self.buckets[key]
        bucket = self.buckets.get(user_id)
        if bucket is None:
            bucket = app_commands.Cooldown(c.PUBLIC_COOLDOWN_RATE, c.PUBLIC_COOLDOWN_PER)
            self.buckets[user_id] = bucket
        return bucket.update_rate_limit(now)

    def bucket(self, user_id: int) -> app_commands.Cooldown:
        """The user's bucket (after `check`)."""
        return self.buckets[user_id]


_COOLDOWNS: weakref.WeakKeyDictionary[discord.Client, _Cooldowns] = weakref.WeakKeyDictionary()


async def public_cooldown(interaction: discord.Interaction[Any]) -> bool:
    """At most PUBLIC_COOLDOWN_RATE public commands per PUBLIC_COOLDOWN_PER seconds per user.

    Buttons that answer or write (did-you-mean, Remind me, Stop these DMs) call it too, so a
    click counts against the same bucket as a command.
    """
    cooldowns = _COOLDOWNS.get(interaction.client)
    if cooldowns is None:
        cooldowns = _COOLDOWNS[interaction.client] = _Cooldowns()
    retry_after = cooldowns.check(interaction.user.id, interaction.created_at.timestamp())
    if retry_after is not None:
        raise app_commands.CommandOnCooldown(cooldowns.bucket(interaction.user.id), retry_after)
    return True


PUBLIC_COOLDOWN = app_commands.check(public_cooldown)


def bot_of(interaction: discord.Interaction[Any]) -> LookBackBot:
    """The bot behind an interaction."""
    return cast(LookBackBot, interaction.client)


def installed_here(interaction: discord.Interaction[Any]) -> bool:
    """True in a server where the bot itself is installed (a member), False in direct
    messages, group DMs and servers where only the user installed the app."""
    guild_id = interaction.guild_id
    if guild_id is None:
        return False
    return interaction.is_guild_integration() or interaction.client.get_guild(guild_id) is not None


def content_guild(interaction: discord.Interaction[Any]) -> int | None:
    """Whose content to answer from: the server's own entries and hidden ones (its overlays)
    apply only where the bot is installed in that server; elsewhere the shipped content."""
    return interaction.guild_id if installed_here(interaction) else None


async def answer_suggestion(interaction: discord.Interaction[Any], uid: str) -> None:
    """A did-you-mean button was clicked: answer that entry (a click counts as a command)."""
    await public_cooldown(interaction)
    kind, _, key = uid.partition(":")
    # NotFound (hidden or deleted since) is shown by the view's error path.
    entry = await bot_of(interaction).service.get(cast(Kind, kind), key, content_guild(interaction))
    await respond(interaction, card=entry_card(entry, m=reply_messages(interaction)))


async def send_answer(interaction: discord.Interaction[Any], answer: Answer) -> None:
    """The answer's embed in the reader's language; when unsure, with up to three
    did-you-mean buttons."""
    card = answer_card(answer, m=reply_messages(interaction))
    if card.suggestions:
        view = SuggestionsView(interaction.user.id, card.suggestions, answer_suggestion)
        view.message = await respond(interaction, card=card, view=view)
    else:
        await respond(interaction, card=card)


def choices(
    hits: Sequence[Any], titles: Sequence[str] | None = None
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices within Discord's limits (25 choices, 100-character names);
    `titles` (one per hit) replaces the index's English titles for another language."""
    out: list[app_commands.Choice[str]] = []
    for n, hit in enumerate(hits[: c.AUTOCOMPLETE_MAX_CHOICES]):
        title = titles[n] if titles is not None else hit.title
        name = title if len(title) <= c.CHOICE_NAME_MAX else title[:99] + "…"
        value = f"{hit.kind}:{hit.key}"[: c.CHOICE_VALUE_MAX]
        out.append(app_commands.Choice(name=name, value=value))
    return out


async def autocomplete_kind(
    interaction: discord.Interaction[Any], current: str, kinds: Sequence[Kind]
) -> list[app_commands.Choice[str]]:
    """Choices for one kind from the in-memory index; `[]` on any error."""
    try:
        service = bot_of(interaction).service
        guild_id = content_guild(interaction)
        hits = service.complete(current or "", kinds, guild_id)[: c.AUTOCOMPLETE_MAX_CHOICES]
        lang = reply_messages(interaction).lang
        return choices(hits, await service.titles_in(lang, hits, guild_id))
    except Exception:
        log.exception("Autocomplete failed")
        return []
