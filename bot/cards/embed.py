"""Cards as Discord embeds: the same cards the console prints."""

from __future__ import annotations

import re

import discord

from bot import constants as c
from bot.cards.base import TIME_MARKER, Card
from bot.domain.safety import strip_invisible
from bot.domain.text import clip
from bot.i18n import messages


def discord_times(text: str) -> str:
    """Replace time markers with Discord timestamps (`<t:UNIX:STYLE>`)."""
    return TIME_MARKER.sub(lambda m: f"<t:{m.group(1)}:{m.group(2)}>", text)


def _fit(text: str, limit: int) -> str:
    return clip(strip_invisible(discord_times(text)), limit)


def _safe_url(url: str) -> str | None:
    return url if re.match(r"^https?://\S+$", url or "") and len(url) <= 2000 else None


def card_embed(card: Card) -> discord.Embed:
    """A card as an embed within every Discord limit (6,000 characters in all)."""
    embed = discord.Embed(
        title=_fit(card.title, c.EMBED_TITLE_MAX),
        description=_fit(card.description, c.EMBED_DESCRIPTION_MAX) or None,
        colour=card.colour,
        url=_safe_url(card.source_url),
    )
    budget = c.EMBED_TOTAL_MAX - len(embed.title or "") - len(embed.description or "") - 200
    for name, value in card.fields[:25]:
        name_text = _fit(name, c.EMBED_FIELD_NAME_MAX)
        value_text = _fit(value, c.EMBED_FIELD_VALUE_MAX) or "—"
        if len(name_text) + len(value_text) > budget:
            break
        budget -= len(name_text) + len(value_text)
        embed.add_field(name=name_text, value=value_text, inline=False)
    if card.source_name and _safe_url(card.source_url):
        source = f"[{_fit(card.source_name, 200)}]({card.source_url})"
        if len(source) <= min(budget, c.EMBED_FIELD_VALUE_MAX):
            embed.add_field(name=messages(card.lang)._("Source"), value=source, inline=False)
    if card.footer:
        embed.set_footer(text=_fit(card.footer, 200))
    return embed


def embed_length_ok(embed: discord.Embed) -> bool:
    """True when the embed is within Discord's limits."""
    return (
        len(embed) <= c.EMBED_TOTAL_MAX
        and len(embed.title or "") <= c.EMBED_TITLE_MAX
        and len(embed.description or "") <= c.EMBED_DESCRIPTION_MAX
        and len(embed.fields) <= 25
        and len(embed.footer.text or "") <= c.EMBED_FOOTER_MAX
        and len(embed.author.name or "") <= c.EMBED_AUTHOR_MAX
        and all(len(f.name or "") <= c.EMBED_FIELD_NAME_MAX for f in embed.fields)
        and all(len(f.value or "") <= c.EMBED_FIELD_VALUE_MAX for f in embed.fields)
    )
