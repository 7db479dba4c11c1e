"""/awards next, list, record, query, subscribe, unsubscribe — and the reminders they feed."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards import answers as cards
from bot.cards.embed import card_embed
from bot.cards.reminders import footer_marks, reminder_card
from bot.client import LookBackBot
from bot.domain.models import Reminder
from bot.domain.reminders import (
    AwardsWatch,
    Delivery,
    PermanentFailure,
    ReminderObsolete,
    ReminderScheduler,
    TemporaryFailure,
)
from bot.errors import UserFacingError
from bot.ui.respond import NO_PINGS, respond
from bot.ui.views import send_pages
from cogs._answers import PUBLIC_COOLDOWN, bot_of, send_answer

log = logging.getLogger(__name__)

# Discord error codes that no retry can fix.
_PERMANENT_CODES = {
    10003: "the reminder channel was deleted",
    10013: "the user no longer exists",
    50001: "the bot cannot see the reminder channel",
    50007: "their direct messages are closed",
    50013: "the bot lacks permission to post in the reminder channel",
}


class RemindMeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"lb:remind:(?P<key>[a-z0-9-]{1,64})"
):
    """'Remind me' under /awards next: a DM before that event. Works after a restart too."""

    def __init__(self, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remind me",
                style=discord.ButtonStyle.primary,
                custom_id=f"lb:remind:{key}",
                emoji="⏰",
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> RemindMeButton:
        """Rebuild the button from its custom id."""
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Subscribe the clicker to this event."""
        cog = bot_of(interaction).get_cog("Awards")
        if not isinstance(cog, Awards) or interaction.guild_id is None:
            await respond(interaction, content="Reminders work inside a server.", ephemeral=True)
            return
        await cog.subscribe_user(interaction, self.key)


class Awards(
    commands.GroupCog,
    group_name=_("awards"),
    group_description=_("Awards, nominations and Oscar dates."),
):
    """The awards watch."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        super().__init__()
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        settings = bot.settings
        shards = (
            (settings.shard_count, settings.shard_ids)
            if settings.shard_ids is not None and settings.shard_count
            else None
        )
        self.scheduler = ReminderScheduler(
            bot.service.db,
            self.send_reminder,
            owner=owner,
            grace_seconds=settings.reminder_grace_seconds,
            lease_seconds=settings.reminder_lease_seconds,
            shards=shards,
            on_done=lambda r, outcome: bot.dispatch("awards_reminder_complete", r, outcome),
            transient=(discord.HTTPException,),
        )
        self.watch = AwardsWatch(bot.service.db, self._events_for, self.scheduler)

    async def _events_for(self, guild_id: int) -> list[Any]:
        return await self.bot.service.awards_events(guild_id)

    async def cog_load(self) -> None:
        """Bring every server's reminders up to date, then start the one scheduler task."""
        self.bot.add_dynamic_items(RemindMeButton)
        self.bot.awards_watch = self.watch
        if self.bot.service.db.read_only:
            # Nothing sent could be recorded as sent: sending would repeat every reminder.
            log.warning("The database is read-only: awards reminders are not sent")
            return
        try:
            await self.watch.reconcile_all()
        except sqlite3.Error as exc:
            # /awards must still answer; the reminders already planned are still sent.
            log.error("Could not re-plan the awards reminders at start-up: %s", exc)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        """Stop the scheduler; claimed rows are picked up again after their lease."""
        self.bot.remove_dynamic_items(RemindMeButton)
        await self.scheduler.stop()
        self.bot.awards_watch = None

    # -- sending ------------------------------------------------------------------------------

    async def _destination(
        self, reminder: Reminder
    ) -> tuple[discord.abc.Messageable, str | None, discord.AllowedMentions]:
        if reminder.target == "dm":
            user = self.bot.get_user(reminder.user_id) or await self.bot.fetch_user(
                reminder.user_id
            )
            channel = user.dm_channel or await user.create_dm()
            return channel, None, NO_PINGS
        settings = await self.bot.service.db.guild_settings(reminder.guild_id)
        if settings.reminders_paused or settings.reminder_channel_id is None:
            raise ReminderObsolete("reminders were paused or their channel unset")
        channel_id = settings.reminder_channel_id
        found = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
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

    async def send_reminder(self, reminder: Reminder, reclaimed: bool, late: bool) -> Delivery:
        """Deliver one reminder (called by the scheduler)."""
        event = await self.bot.service.db.get_entry("awards", reminder.event_key, reminder.guild_id)
        if event is None or event.starts_at != reminder.event_starts_at:
            raise ReminderObsolete("the event was removed or moved")
        try:
            channel, content, mentions = await self._destination(reminder)
            if reclaimed and self.bot.user is not None:
                # A claim that ran out: perhaps the message went out before a crash.
                async for message in channel.history(
                    limit=50, after=reminder.due_at.replace(second=0)
                ):
                    if message.author.id == self.bot.user.id and any(
                        footer_marks(reminder.id, e.footer.text) for e in message.embeds
                    ):
                        return Delivery(message.id)
            embed = card_embed(reminder_card(event, reminder, late=late))
            message = await channel.send(
                content=content, embed=embed, nonce=reminder.nonce, allowed_mentions=mentions
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

    # -- subscriptions ------------------------------------------------------------------------

    async def subscribe_user(self, interaction: discord.Interaction[Any], key: str) -> None:
        """Subscribe the user to DMs for one event (`key`) or all (''), and say so."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        db = self.bot.service.db
        if key and await db.get_entry("awards", key, interaction.guild_id) is None:
            raise UserFacingError("That event is no longer tracked here.")
        new = await db.reminders.subscribe(
            interaction.guild_id, interaction.user.id, key, discord.utils.utcnow()
        )
        await self._replan(interaction.guild_id)
        what = "this event" if key else "every tracked awards event"
        note = ""
        server = interaction.guild.name if interaction.guild else "the server"
        try:
            await interaction.user.send(
                f"You'll get a direct message before {what} (from "
                f"{discord.utils.escape_markdown(server)}). "
                "Use /awards unsubscribe there to stop.",
                allowed_mentions=NO_PINGS,
            )
        except discord.Forbidden:
            note = (
                "\n⚠️ I couldn't send you a direct message: your DMs are closed for this "
                "server. Open them (Privacy Settings → Direct Messages) or the reminders "
                "can't reach you."
            )
        except discord.HTTPException as exc:
            log.info("Confirmation DM failed: %s", exc)
        status = "You're subscribed" if new else "You were already subscribed"
        await respond(
            interaction, content=f"{status}: I'll DM you before {what}.{note}", ephemeral=True
        )

    async def _replan(self, guild_id: int) -> None:
        """Re-plan a server's reminders after a (committed) subscription change.

        The change is saved already, so the user is told it was; a failure here is logged and
        mended by the next change or start-up.
        """
        try:
            await self.watch.reconcile(guild_id)
        except sqlite3.Error as exc:
            log.error("Re-planning the reminders of %s failed: %s", guild_id, exc)

    # -- commands -----------------------------------------------------------------------------

    @app_commands.command(name=_("next"), description=_("The next awards date, with a countdown."))
    @PUBLIC_COOLDOWN
    async def next(self, interaction: discord.Interaction[Any]) -> None:
        """The next awards date, with a countdown."""
        event, undated = await bot_of(interaction).service.next_event(interaction.guild_id)
        embed = card_embed(cards.next_event_card(event, undated))
        if event is not None and interaction.guild_id is not None:
            view = discord.ui.View(timeout=None)
            view.add_item(RemindMeButton(event.key))
            await respond(interaction, embed=embed, view=view)
        else:
            await respond(interaction, embed=embed)

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

    @app_commands.command(
        name=_("subscribe"), description=_("Get a direct message before every awards event.")
    )
    @app_commands.guild_only()
    @PUBLIC_COOLDOWN
    async def subscribe(self, interaction: discord.Interaction[Any]) -> None:
        """Get a direct message before every awards event."""
        await self.subscribe_user(interaction, "")

    @app_commands.command(
        name=_("unsubscribe"), description=_("Stop the awards direct messages from this server.")
    )
    @app_commands.guild_only()
    @PUBLIC_COOLDOWN
    async def unsubscribe(self, interaction: discord.Interaction[Any]) -> None:
        """Stop the awards direct messages from this server."""
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)  # a write may wait
        removed = await self.bot.service.db.reminders.unsubscribe(
            interaction.guild_id, interaction.user.id
        )
        await self._replan(interaction.guild_id)
        text = (
            "Done: no more awards DMs from this server."
            if removed
            else "You weren't subscribed here, so there is nothing to stop."
        )
        await respond(interaction, content=text, ephemeral=True)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Awards(bot))
