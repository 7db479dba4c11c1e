"""Posting the daily fact or quote on Discord, exactly once (`bot.domain.daily` decides when).

Discord's errors are sorted as for reminders: `PermanentFailure` (a deleted channel, a missing
permission: recorded and shown in `/admin daily status`), `TemporaryFailure` (retried)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import discord

from bot.cards.daily import daily_card, footer_marks
from bot.domain.daily import DailyService
from bot.domain.models import DailyPost, Entry
from bot.domain.reminders import Delivery, PermanentFailure, ReminderObsolete, TemporaryFailure
from bot.i18n import N_
from bot.ui.language import server_messages
from bot.ui.respond import NO_PINGS, post

log = logging.getLogger(__name__)

# Stored in English (logs); `/admin daily status` shows them in the reader's language.
_PERMANENT_CODES = {
    10003: N_("the daily channel was deleted"),
    50001: N_("the bot cannot see the daily channel"),
    50013: N_("the bot lacks permission to post in the daily channel"),
}


class DailyDelivery:
    """Sends daily posts for one bot; the daily service calls `send`."""

    def __init__(self, client: discord.Client, service: DailyService) -> None:
        self.client = client
        self.service = service

    async def send(self, daily: DailyPost, entry: Entry, reclaimed: bool, late: bool) -> Delivery:
        """Deliver one daily post, in the server's language (`/admin language`, else its
        preferred locale)."""
        settings = await self.service.settings(daily.guild_id)
        if settings.channel_id is None:
            raise ReminderObsolete(N_("the daily post was turned off"))
        try:
            found: Any = self.client.get_channel(settings.channel_id) or (
                await self.client.fetch_channel(settings.channel_id)
            )
            if not isinstance(found, discord.abc.Messageable):
                raise PermanentFailure(N_("the daily channel is not a text channel"))
            me = self.client.user
            if reclaimed and me is not None:
                # A claim that ran out: perhaps the message went out before a crash.
                async for message in found.history(
                    limit=50, after=daily.due_at - dt.timedelta(minutes=1)
                ):
                    if message.author.id == me.id and any(
                        footer_marks(daily.id, e.footer.text) for e in message.embeds
                    ):
                        return Delivery(message.id)
            m = server_messages(self.client, await self.service.db.guild_settings(daily.guild_id))
            card = daily_card(entry, daily, late=late, m=m)
            message = await post(found, card, allowed_mentions=NO_PINGS, nonce=daily.nonce)
            return Delivery(message.id, late)
        except discord.HTTPException as exc:
            if exc.code in _PERMANENT_CODES:
                raise PermanentFailure(_PERMANENT_CODES[exc.code]) from exc
            if exc.status == 429 or exc.status >= 500:
                raise TemporaryFailure(f"Discord answered {exc.status}") from exc
            if isinstance(exc, discord.Forbidden | discord.NotFound):
                raise PermanentFailure(
                    f"Discord refused it ({exc.status}, code {exc.code})"
                ) from exc
            raise TemporaryFailure(f"Discord answered {exc.status}") from exc
