"""Which language a reader gets: the interaction's locale for a reply; for a post nobody
asked for, the server's `/admin language`, else the server's preferred locale."""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.models import GuildSettings
from bot.i18n import LANGS, Messages, messages, messages_for


def reply_messages(interaction: discord.Interaction[Any]) -> Messages:
    """The messages for a reply: the reader's own Discord language."""
    return messages_for(interaction.locale)


def server_messages(client: discord.Client, settings: GuildSettings) -> Messages:
    """The messages for a post in a server that nobody asked for (reminders, daily posts)."""
    if settings.language in LANGS:
        return messages(settings.language)
    guild = client.get_guild(settings.guild_id)
    return messages_for(guild.preferred_locale if guild is not None else None)
