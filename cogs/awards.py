"""/awards next, list, record, query, calendar, subscribe, unsubscribe — and the reminders
(and Discord scheduled events) they feed."""

from __future__ import annotations

import io
import logging
import sqlite3
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards import answers as cards
from bot.client import LookBackBot
from bot.domain.calendar import build_calendar, google_calendar_url, upcoming_dated
from bot.domain.models import Reminder
from bot.errors import UserFacingError
from bot.i18n import EN, N_, Messages
from bot.ui.errors import handle_component_error
from bot.ui.language import reply_messages
from bot.ui.respond import NO_PINGS, respond
from bot.ui.views import send_pages
from cogs._answers import (
    PUBLIC_COOLDOWN,
    bot_of,
    content_guild,
    installed_here,
    public_cooldown,
    send_answer,
)

NOT_INSTALLED_HERE = N_(
    "Awards DMs belong to a server where Look Back is installed: use /awards subscribe in "
    "the server's channels."
)

log = logging.getLogger(__name__)


class RemindMeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"lb:remind:(?P<key>[a-z0-9-]{1,64})"
):
    """'Remind me' under /awards next: a DM before that event. Works after a restart too."""

    def __init__(self, key: str, m: Messages = EN) -> None:
        super().__init__(
            discord.ui.Button(
                label=m._("Remind me"),
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
        """Subscribe the clicker to this event (counts against the per-user cooldown)."""
        try:
            await public_cooldown(interaction)
            cog = bot_of(interaction).get_cog("Awards")
            if not isinstance(cog, Awards) or not installed_here(interaction):
                raise UserFacingError(
                    "Reminders work inside a server where Look Back is installed."
                )
            await cog.subscribe_user(interaction, self.key)
        except Exception as exc:  # a persistent button has no view to answer its errors
            await handle_component_error(interaction, exc)


class StopDirectMessagesButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"lb:unsub:(?P<guild>[0-9]{1,20})"
):
    """'Stop these DMs' under every reminder DM: works in the DM itself, even after the fan
    left the server (where /awards unsubscribe can no longer be used), and after a restart."""

    def __init__(self, guild_id: int, m: Messages = EN) -> None:
        super().__init__(
            discord.ui.Button(
                label=m._("Stop these DMs"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:unsub:{guild_id}",
                emoji="🔕",
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> StopDirectMessagesButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Remove the clicker's subscriptions in that server."""
        try:
            await public_cooldown(interaction)
            cog = bot_of(interaction).get_cog("Awards")
            if not isinstance(cog, Awards):
                raise UserFacingError("The awards watch is not running; please try again later.")
            await cog.unsubscribe_user(interaction, self.guild_id)
        except Exception as exc:  # a persistent button has no view to answer its errors
            await handle_component_error(interaction, exc)


class Awards(
    commands.GroupCog,
    group_name=_("awards"),
    group_description=_("Awards, nominations and Oscar dates."),
):
    """The awards watch."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        super().__init__()
        if bot.awards_watch is None:
            raise RuntimeError("The awards watch is built in setup_hook, before the cogs load")
        self.watch = bot.awards_watch

    async def cog_load(self) -> None:
        """Bring every server's reminders up to date, then start the one scheduler task."""
        self.bot.add_dynamic_items(RemindMeButton, StopDirectMessagesButton)
        if self.bot.reminder_delivery is not None:
            self.bot.reminder_delivery.dm_view = self._stop_view
        if self.watch.read_only:
            # Nothing sent could be recorded as sent: sending would repeat every reminder.
            log.warning("The database is read-only: awards reminders are not sent")
            return
        try:
            await self.watch.reconcile_all()
        except sqlite3.Error as exc:
            # /awards must still answer; the reminders already planned are still sent.
            log.error("Could not re-plan the awards reminders at start-up: %s", exc)
        self.watch.scheduler.start()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Connected (again): bring the opted-in servers' scheduled events in step."""
        try:
            await self.watch.sync_scheduled_events()
        except sqlite3.Error as exc:
            log.error("Could not bring the scheduled events in step: %s", exc)

    async def cog_unload(self) -> None:
        """Stop the scheduler; claimed rows are picked up again after their lease."""
        self.bot.remove_dynamic_items(RemindMeButton, StopDirectMessagesButton)
        if self.bot.reminder_delivery is not None:
            self.bot.reminder_delivery.dm_view = lambda reminder, m: None
        await self.watch.scheduler.stop()

    # -- subscriptions ------------------------------------------------------------------------

    @staticmethod
    def _stop_view(reminder: Reminder, m: Messages) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        view.add_item(StopDirectMessagesButton(reminder.guild_id, m))
        return view

    async def unsubscribe_user(self, interaction: discord.Interaction[Any], guild_id: int) -> None:
        """Stop the user's DMs from one server, and say so (also from a DM)."""
        await interaction.response.defer(ephemeral=True, thinking=True)  # a write may wait
        removed = await self.watch.unsubscribe(guild_id, interaction.user.id)
        await self._replan(guild_id)
        m = reply_messages(interaction)
        guild = self.bot.get_guild(guild_id)
        where = f"**{discord.utils.escape_markdown(guild.name)}**" if guild else m._("that server")
        text = (
            m._("Done: no more awards DMs from {where}.", where=where)
            if removed
            else m._("You weren't subscribed in {where}, so there is nothing to stop.", where=where)
        )
        await respond(interaction, content=text, ephemeral=True)

    async def subscribe_user(self, interaction: discord.Interaction[Any], key: str) -> None:
        """Subscribe the user to DMs for one event (`key`) or all (''), and say so."""
        if interaction.guild_id is None or not installed_here(interaction):
            raise UserFacingError(NOT_INSTALLED_HERE)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if key and await self.watch.event(interaction.guild_id, key) is None:
            raise UserFacingError("That event is no longer tracked here.")
        m = reply_messages(interaction)
        new = await self.watch.subscribe(
            interaction.guild_id, interaction.user.id, key, lang=m.lang
        )
        await self._replan(interaction.guild_id)
        what = m._("this event") if key else m._("every tracked awards event")
        note = ""
        server = interaction.guild.name if interaction.guild else m._("the server")
        try:
            await interaction.user.send(
                m._(
                    "You'll get a direct message before {what} (from {server}). "
                    "Use /awards unsubscribe there to stop.",
                    what=what,
                    server=discord.utils.escape_markdown(server),
                ),
                allowed_mentions=NO_PINGS,
            )
        except discord.Forbidden:
            note = "\n" + m._(
                "⚠️ I couldn't send you a direct message: your DMs are closed for this "
                "server. Open them (Privacy Settings → Direct Messages) or the reminders "
                "can't reach you."
            )
        except discord.HTTPException as exc:
            log.info("Confirmation DM failed: %s", exc)
        if new:
            status = m._("You're subscribed: I'll DM you before {what}.", what=what)
        else:
            status = m._("You were already subscribed: I'll DM you before {what}.", what=what)
        await respond(interaction, content=status + note, ephemeral=True)

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
        event, undated = await bot_of(interaction).service.next_event(content_guild(interaction))
        m = reply_messages(interaction)
        card = cards.next_event_card(event, undated, m=m)
        view = discord.ui.View(timeout=None)
        if event is not None and installed_here(interaction):
            view.add_item(RemindMeButton(event.key, m))
        link = google_calendar_url(event) if event is not None else None
        if link is not None:
            view.add_item(
                discord.ui.Button(
                    label=m._("Add to Google Calendar"), style=discord.ButtonStyle.link, url=link
                )
            )
        await respond(interaction, card=card, view=view if view.children else None)

    @app_commands.command(
        name=_("list"), description=_("Past and upcoming awards events and their outcomes.")
    )
    @PUBLIC_COOLDOWN
    async def list(self, interaction: discord.Interaction[Any]) -> None:
        """Past and upcoming awards events and their outcomes."""
        events = await bot_of(interaction).service.awards_events(content_guild(interaction))
        pages = cards.events_pages(events, discord.utils.utcnow(), m=reply_messages(interaction))
        await send_pages(interaction, pages.cards)

    @app_commands.command(
        name=_("record"), description=_("Every award and nomination the film has.")
    )
    @PUBLIC_COOLDOWN
    async def record(self, interaction: discord.Interaction[Any]) -> None:
        """Every award and nomination the film has."""
        facts = await bot_of(interaction).service.award_record(content_guild(interaction))
        await send_pages(
            interaction, cards.record_pages(facts, m=reply_messages(interaction)).cards
        )

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
            question, guild_id=content_guild(interaction), kinds=["awards", "fact"]
        )
        await send_answer(interaction, answer)

    @app_commands.command(
        name=_("calendar"), description=_("The upcoming awards dates as a calendar file (.ics).")
    )
    @PUBLIC_COOLDOWN
    async def calendar(self, interaction: discord.Interaction[Any]) -> None:
        """The upcoming awards dates as a calendar file (.ics)."""
        guild_id = content_guild(interaction)
        now = discord.utils.utcnow()
        events = upcoming_dated(await bot_of(interaction).service.awards_events(guild_id), now)
        if not events:
            raise UserFacingError(
                "No upcoming awards date is known yet, so there is nothing to put in a calendar."
            )
        sequences = await self.watch.calendar_sequences(guild_id or 0, events)
        m = reply_messages(interaction)
        data = build_calendar([e.in_language(m.lang) for e in events], sequences, now)
        await interaction.response.send_message(
            content=m.ngettext(
                "{count} upcoming awards date, as a calendar file. Open it with your calendar "
                "app (Google Calendar: Settings → Import & export); importing a newer file "
                "updates the dates instead of adding them twice. Dates still to be announced "
                "are not in it.",
                "{count} upcoming awards dates, as a calendar file. Open it with your calendar "
                "app (Google Calendar: Settings → Import & export); importing a newer file "
                "updates the dates instead of adding them twice. Dates still to be announced "
                "are not in it.",
                len(events),
            ),
            file=discord.File(io.BytesIO(data), filename="lookback-awards.ics"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

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
        if interaction.guild_id is None or not installed_here(interaction):
            raise UserFacingError(
                "In a direct message, press **Stop these DMs** under any reminder from the "
                "server, or use /awards unsubscribe in that server."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)  # a write may wait
        removed = await self.watch.unsubscribe(interaction.guild_id, interaction.user.id)
        await self._replan(interaction.guild_id)
        m = reply_messages(interaction)
        text = (
            m._("Done: no more awards DMs from this server.")
            if removed
            else m._("You weren't subscribed here, so there is nothing to stop.")
        )
        await respond(interaction, content=text, ephemeral=True)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Awards(bot))
