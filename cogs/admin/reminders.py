"""/admin reminders: where, when and whether awards reminders are posted."""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.cards.moderation import (
    language_message,
    settings_card,
    settings_message,
    status_card,
    test_reminder_card,
)
from bot.errors import UserFacingError
from bot.i18n import LANGS, N_, Messages, Text
from bot.moderation.parsing import parse_leads
from bot.moderation.types import (
    Listed,
    Said,
    SettingsChange,
)
from bot.ui.language import reply_messages, server_messages
from bot.ui.respond import post, respond
from cogs.admin._base import AdminBase, _warnings, channel_facts, channel_problems, role_facts

log = logging.getLogger(__name__)

#: What the bot needs to post a reminder (message ids: Discord's names of the permissions).
_POST_PERMISSIONS = (N_("View Channel"), N_("Send Messages"), N_("Embed Links"))


class ReminderCommands(AdminBase):
    """/admin reminders."""

    reminders = app_commands.Group(
        name=_("reminders"), description=_("Where, when and whether awards reminders are posted.")
    )

    # -- reminders --------------------------------------------------------------------------

    async def _settings_saved(
        self, interaction: discord.Interaction[Any], change: SettingsChange, problems: list[Said]
    ) -> None:
        m = reply_messages(interaction)
        await respond(
            interaction,
            content=settings_message(change, m=m) + _warnings(problems, m),
            card=settings_card(change.after, m=m),
            ephemeral=True,
        )

    def _role(
        self, interaction: discord.Interaction[Any], role_id: int | None
    ) -> discord.Role | None:
        guild = interaction.guild
        return guild.get_role(role_id) if guild is not None and role_id else None

    @app_commands.command(
        name=_("language"),
        description=_("The language of reminders and other posts nobody asked for."),
    )
    @app_commands.describe(
        language=_("English, 日本語, or this server's language in Discord (the default).")
    )
    @app_commands.choices(
        language=[
            app_commands.Choice(name="English", value="en"),
            app_commands.Choice(name="日本語", value="ja"),
            app_commands.Choice(name=_("This server's language in Discord"), value="server"),
        ]
    )
    async def language(
        self, interaction: discord.Interaction[Any], language: app_commands.Choice[str]
    ) -> None:
        """The language of reminders and other posts nobody asked for."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        chosen = language.value if language.value in LANGS else None
        change = await self.admin.update_reminders(
            self._guild_id(interaction), interaction.user.id, language=chosen
        )
        m = reply_messages(interaction)
        await respond(
            interaction,
            content=language_message(change, m=m),
            card=settings_card(change.after, m=m),
            ephemeral=True,
        )

    @reminders.command(
        name=_("channel"), description=_("Post reminders in this channel (empty: stop posting).")
    )
    @app_commands.describe(channel=_("The channel (leave empty to stop channel reminders)."))
    async def reminders_channel(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | None = None
    ) -> None:
        """Post reminders in this channel (empty: stop posting)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        settings = await self.admin.settings(guild_id)
        change = await self.admin.update_reminders(
            guild_id,
            interaction.user.id,
            channel=channel_facts(channel),
            role=role_facts(self._role(interaction, settings.reminder_role_id)),
            reminder_channel_id=channel.id if channel else None,
        )
        await self._settings_saved(interaction, change, list(change.warnings))

    @reminders.command(
        name=_("role"), description=_("Ping this role with each reminder (empty: no ping).")
    )
    @app_commands.describe(role=_("The role (leave empty for no ping)."))
    async def reminders_role(
        self, interaction: discord.Interaction[Any], role: discord.Role | None = None
    ) -> None:
        """Ping this role with each reminder (empty: no ping)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        channel_id = (await self.admin.settings(guild_id)).reminder_channel_id
        channel = (
            interaction.guild.get_channel(channel_id) if interaction.guild and channel_id else None
        )
        change = await self.admin.update_reminders(
            guild_id,
            interaction.user.id,
            role=role_facts(role),
            channel=channel_facts(channel)
            if isinstance(channel, discord.abc.GuildChannel)
            else None,
            reminder_role_id=role.id if role else None,
        )
        await self._settings_saved(interaction, change, list(change.warnings))

    @reminders.command(
        name=_("leads"), description=_("How long before each event to remind, e.g. 7d 1d 1h 0.")
    )
    @app_commands.describe(times=_("Lead times: w, d, h, m; 0 = at the start. E.g. 7d 1d 1h 0."))
    async def reminders_leads(
        self, interaction: discord.Interaction[Any], times: app_commands.Range[str, 1, 100]
    ) -> None:
        """How long before each event to remind, e.g. 7d 1d 1h 0."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        leads = parse_leads(times)
        change = await self.admin.update_reminders(
            self._guild_id(interaction), interaction.user.id, lead_times=leads
        )
        await self._settings_saved(interaction, change, [])

    @reminders.command(name=_("pause"), description=_("Pause this server's awards reminders."))
    async def reminders_pause(self, interaction: discord.Interaction[Any]) -> None:
        """Pause this server's awards reminders."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.update_reminders(
            self._guild_id(interaction), interaction.user.id, reminders_paused=True
        )
        await self._settings_saved(interaction, change, [])

    @reminders.command(name=_("resume"), description=_("Resume this server's awards reminders."))
    async def reminders_resume(self, interaction: discord.Interaction[Any]) -> None:
        """Resume this server's awards reminders."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.update_reminders(
            self._guild_id(interaction), interaction.user.id, reminders_paused=False
        )
        await self._settings_saved(interaction, change, [])

    @reminders.command(
        name=_("test"), description=_("Post a sample reminder now and report any problem.")
    )
    async def reminders_test(self, interaction: discord.Interaction[Any]) -> None:
        """Post a sample reminder now and report any problem."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
        settings = await self.admin.settings(guild.id)
        if settings.reminder_channel_id is None:
            raise UserFacingError(
                "No reminder channel is set yet: choose one with `/admin reminders channel`."
            )
        channel = guild.get_channel(settings.reminder_channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise UserFacingError(
                "The reminder channel no longer exists here; choose another one with "
                "`/admin reminders channel`."
            )
        role = self._role(interaction, settings.reminder_role_id)
        problems = channel_problems(channel, role)
        event = await self.admin.sample_event(guild.id, discord.utils.utcnow())
        # The post reads like the real reminders: in the server's language (/admin language,
        # else its preferred locale), while the reply to the moderator is in theirs.
        posted = server_messages(self.bot, settings)
        card = test_reminder_card(event, settings, m=posted)
        content = (
            posted._("Test reminder. Real reminders will mention {role}.", role=role.mention)
            if role
            else None
        )
        m = reply_messages(interaction)
        try:
            message = await post(channel, card, content=content)
        except discord.Forbidden:
            problems.insert(
                0,
                Text(
                    N_(
                        "Discord refused the test message in {channel}: I lack a permission "
                        "there ({permissions})."
                    ),
                    channel=channel.mention,
                    permissions=Listed(_POST_PERMISSIONS),
                ),
            )
            result = m._("❌ The test reminder could not be posted.")
        except discord.HTTPException as exc:
            problems.insert(
                0, Text(N_("Discord refused the test message ({status})."), status=exc.status)
            )
            result = m._("❌ The test reminder could not be posted.")
        else:
            result = m._(
                "✅ Posted a test reminder in {channel}: {link}",
                channel=channel.mention,
                link=message.jump_url,
            )
        if settings.reminders_paused:
            problems.append(
                Text(N_("Reminders are paused: `/admin reminders resume` turns them back on."))
            )
        await respond(interaction, content=result + _warnings(problems, m), ephemeral=True)

    @reminders.command(
        name=_("status"), description=_("What is scheduled next here, and failed deliveries.")
    )
    async def reminders_status(self, interaction: discord.Interaction[Any]) -> None:
        """What is scheduled next here, and failed deliveries."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        status = await self.admin.reminder_status(guild_id)
        m = reply_messages(interaction)
        line = await self._events_line(guild_id, m)
        await respond(interaction, content=line, card=status_card(status, m=m), ephemeral=True)

    async def _events_line(self, guild_id: int, m: Messages) -> str:
        """The scheduled events' line of the status: off, on, or on with the last failure."""
        watch = self.bot.awards_watch
        if watch is None:
            return m._("📅 Events tab: unavailable (the awards watch is not running).")
        state = await watch.scheduled_events_state(guild_id)
        if not state.enabled:
            return m._("📅 Events tab: off (`/admin reminders events on` adds the awards dates).")
        if state.last_error:
            if state.last_error_at:
                return m._(
                    "📅 Events tab: on, but the last update failed ({when}): {error}",
                    when=discord.utils.format_dt(state.last_error_at, "R"),
                    error=state.last_error,
                )
            return m._(
                "📅 Events tab: on, but the last update failed: {error}", error=state.last_error
            )
        return m._("📅 Events tab: on — every upcoming dated awards event is there.")

    @reminders.command(
        name=_("events"),
        description=_("Keep the awards dates in this server's Events tab (on or off)."),
    )
    @app_commands.describe(state=_("on: create and update the events; off: stop."))
    async def reminders_events(
        self, interaction: discord.Interaction[Any], state: Literal["on", "off"]
    ) -> None:
        """Keep the awards dates in this server's Events tab (on or off)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        watch = self.bot.awards_watch
        if watch is None:
            raise UserFacingError("The awards watch is not running; please try again later.")
        changed = await watch.set_scheduled_events(guild_id, state == "on")
        m = reply_messages(interaction)
        if state == "on":
            text = (
                m._(
                    "Scheduled events are on: each upcoming dated awards event is in the Events "
                    "tab, moved when its date moves and cancelled when it is removed or set to "
                    "TBA. Members press *Interested* to be notified by Discord."
                )
                if changed
                else m._("Scheduled events were already on.")
            )
        else:
            text = (
                m._(
                    "Scheduled events are off: I no longer create or update them. Those already "
                    "in the Events tab stay until they end (delete them there if you wish)."
                )
                if changed
                else m._("Scheduled events were already off.")
            )
        line = await self._events_line(guild_id, m)
        await respond(interaction, content=f"{text}\n{line}", ephemeral=True)
