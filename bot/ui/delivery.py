"""Delivering an awards reminder on Discord: where it goes, who it may ping, exactly once.

The scheduler (`bot.domain.reminders`) decides *when*; this module only sends. Discord's errors
are sorted into the scheduler's outcomes: `PermanentFailure` (recorded for moderators),
`TemporaryFailure` (retried with backoff) and `ReminderObsolete` (cancelled).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.cards.reminders import footer_marks, reminder_card
from bot.domain.models import Reminder
from bot.domain.reminders import (
    AwardsWatch,
    Delivery,
    PermanentFailure,
    ReminderObsolete,
    TemporaryFailure,
)
from bot.i18n import Messages, messages_for
from bot.ui.language import server_messages
from bot.ui.respond import NO_PINGS, post

log = logging.getLogger(__name__)

# Discord error codes that no retry can fix.
_PERMANENT_CODES = {
    10003: "the reminder channel was deleted",
    10013: "the user no longer exists",
    50001: "the bot cannot see the reminder channel",
    50007: "their direct messages are closed",
    50013: "the bot lacks permission to post in the reminder channel",
}

Destination = tuple[discord.abc.Messageable, str | None, discord.AllowedMentions]


class ReminderDelivery:
    """Sends reminders for one bot; the scheduler calls `send`."""

    def __init__(self, client: discord.Client, watch: AwardsWatch | None = None) -> None:
        self.client = client
        self.watch = watch  # set once the services are built (they need `send` first)
        #: Buttons under a direct-message reminder (the awards cog adds "Stop these DMs").
        self.dm_view: Callable[[Reminder, Messages], discord.ui.View | None] = lambda reminder, m: (
            None
        )

    def _watch(self) -> AwardsWatch:
        if self.watch is None:
            raise TemporaryFailure("the awards watch is not running yet")
        return self.watch

    async def _language(self, reminder: Reminder) -> Messages:
        """A direct message in the language the fan subscribed in; a channel post in the
        server's language."""
        if reminder.target == "dm":
            lang = await self._watch().subscriber_lang(reminder.guild_id, reminder.user_id)
            return messages_for(lang)
        return server_messages(self.client, await self._watch().settings(reminder.guild_id))

    async def _destination(self, reminder: Reminder) -> Destination:
        if reminder.target == "dm":
            user = self.client.get_user(reminder.user_id) or await self.client.fetch_user(
                reminder.user_id
            )
            channel = user.dm_channel or await user.create_dm()
            return channel, None, NO_PINGS
        settings = await self._watch().settings(reminder.guild_id)
        if settings.reminders_paused or settings.reminder_channel_id is None:
            raise ReminderObsolete("reminders were paused or their channel unset")
        channel_id = settings.reminder_channel_id
        found: Any = self.client.get_channel(channel_id) or await self.client.fetch_channel(
            channel_id
        )
        if not isinstance(found, discord.abc.Messageable):
            raise PermanentFailure("the reminder channel is not a text channel")
        role = settings.reminder_role_id
        if role is None:
            return found, None, NO_PINGS
        # The one message allowed to ping: the configured role, nothing else.
        mentions = discord.AllowedMentions(
            everyone=False, users=False, roles=[discord.Object(role)], replied_user=False
        )
        return found, f"<@&{role}>", mentions

    async def send(self, reminder: Reminder, reclaimed: bool, late: bool) -> Delivery:
        """Deliver one reminder (called by the scheduler)."""
        event = await self._watch().event(reminder.guild_id, reminder.event_key)
        if event is None or event.starts_at != reminder.event_starts_at:
            raise ReminderObsolete("the event was removed or moved")
        try:
            channel, content, mentions = await self._destination(reminder)
            me = self.client.user
            if reclaimed and me is not None:
                # A claim that ran out: perhaps the message went out before a crash.
                async for message in channel.history(
                    limit=50, after=reminder.due_at.replace(second=0)
                ):
                    if message.author.id == me.id and any(
                        footer_marks(reminder.id, e.footer.text) for e in message.embeds
                    ):
                        return Delivery(message.id)
            m = await self._language(reminder)
            card = reminder_card(event, reminder, late=late, m=m)
            view = self.dm_view(reminder, m) if reminder.target == "dm" else None
            message = await post(
                channel,
                card,
                content=content,
                allowed_mentions=mentions,
                nonce=reminder.nonce,
                view=view,
            )
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
