"""Answering an interaction whatever state it is in (first response, followup, or expired)."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.cards.base import Card
from bot.cards.embed import card_embed

log = logging.getLogger(__name__)


NO_PINGS = discord.AllowedMentions.none()

#: Set in `interaction.extras` while a public "thinking…" message awaits its answer.
_THINKING = "lookback_thinking"


async def defer_thinking(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge now with a public "thinking…" message; `respond` replaces it later."""
    await interaction.response.defer(thinking=True)
    interaction.extras[_THINKING] = True


async def respond(
    interaction: discord.Interaction[Any],
    *,
    content: str | None = None,
    card: Card | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> discord.Message | None:
    """Send a reply: the first response, or a followup when already deferred or answered.

    `card` is drawn as an embed here (commands pass cards, never embeds); `embed` is for views
    that keep their own rendered page.

    An interaction that expired (Discord's 3-second window, error 10062) is logged, not raised.
    A private reply to a `defer_thinking` removes the public "thinking…" message first: the
    first followup would replace it and show the reply to everyone.
    """
    kwargs: dict[str, Any] = {
        "content": content,
        "ephemeral": ephemeral,
        "allowed_mentions": NO_PINGS,
    }
    if card is not None:
        embed = card_embed(card)
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    try:
        if not interaction.response.is_done():
            callback = await interaction.response.send_message(**kwargs)
            if view is None:
                return None
            if isinstance(callback.resource, discord.InteractionMessage):
                return callback.resource
            return await _original_response(interaction)
        if interaction.extras.pop(_THINKING, False) and ephemeral:
            await interaction.delete_original_response()
        return await interaction.followup.send(wait=True, **kwargs)
    except discord.NotFound as exc:
        if exc.code in (10062, 10015):
            log.warning("Interaction %s expired before it was answered", interaction.id)
            return None
        raise


async def _original_response(interaction: discord.Interaction[Any]) -> discord.Message | None:
    """The message just sent, for views that edit it later; None (logged) if Discord won't say.

    The answer is already on screen: failing here must not turn it into an error message.
    """
    try:
        return await interaction.original_response()
    except discord.HTTPException as exc:
        log.warning("Could not fetch the response to interaction %s: %s", interaction.id, exc)
        return None


async def post(
    channel: discord.abc.Messageable,
    card: Card,
    *,
    content: str | None = None,
    allowed_mentions: discord.AllowedMentions = NO_PINGS,
    nonce: str | None = None,
    view: discord.ui.View | None = None,
) -> discord.Message:
    """Post a card to a channel nobody is interacting in (reminders, test posts).

    Mentions stay inert unless the caller opts one role in through `allowed_mentions`; a
    `nonce` makes Discord drop a second copy of the same message.
    """
    extra: dict[str, Any] = {}
    if nonce is not None:
        extra["nonce"] = nonce  # discord.py sends `enforce_nonce` with every nonce
    if view is not None:
        extra["view"] = view
    return await channel.send(
        content=content, embed=card_embed(card), allowed_mentions=allowed_mentions, **extra
    )
