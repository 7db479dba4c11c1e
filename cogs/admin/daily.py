"""/admin daily: a fact or quote posted every day at a local time (`bot.domain.daily`)."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.cards.daily import daily_status_card
from bot.domain.daily import DailyService, parse_time_of_day
from bot.domain.models import DailySettings
from bot.errors import UserFacingError
from bot.moderation.parsing import parse_zone
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from cogs.admin._base import AdminBase, _zones, channel_facts

log = logging.getLogger(__name__)


def _zone_name(text: str) -> str:
    """The IANA name of a typed time zone (or UTC); a clear error otherwise."""
    zone = parse_zone(text)
    if zone is dt.UTC:
        return "UTC"
    if not isinstance(zone, zoneinfo.ZoneInfo):
        raise UserFacingError(
            "`{zone}` is not a time zone I know. Pick one from the list, e.g. Asia/Tokyo, "
            "America/Los_Angeles or UTC.",
            zone=text[:64],
        )
    return zone.key


class DailyCommands(AdminBase):
    """/admin daily."""

    daily = app_commands.Group(
        name=_("daily"), description=_("A fact or quote posted here every day at a set time.")
    )

    def _daily(self) -> DailyService:
        services = self.bot.services
        if services is None:
            raise UserFacingError("The daily post is not running; please try again later.")
        return services.daily

    @daily.command(
        name=_("set"), description=_("Post a fact or quote every day in a channel at a local time.")
    )
    @app_commands.describe(
        channel=_("Where to post."),
        time=_("Time of day, 24-hour HH:MM, e.g. 09:00."),
        timezone=_("Time zone of that time, e.g. Asia/Tokyo, America/Los_Angeles, UTC."),
        kinds=_("What to post: facts, quotes or both."),
        spoilers=_("Allow entries that reveal the story (posted behind spoiler tags)."),
    )
    @app_commands.rename(
        channel=_("channel"),
        time=_("time"),
        timezone=_("timezone"),
        kinds=_("kinds"),
        spoilers=_("spoilers"),
    )
    @app_commands.autocomplete(timezone=_zones)
    async def daily_set(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 5],
        timezone: app_commands.Range[str, 1, 64],
        kinds: Literal["facts", "quotes", "both"] = "both",
        spoilers: bool = False,
    ) -> None:
        """Post a fact or quote every day in a channel at a local time."""
        m = reply_messages(interaction)
        when = parse_time_of_day(time)
        if when is None:
            raise UserFacingError(
                "`{time}` is not a time of day: use 24-hour HH:MM, e.g. 09:00 or 18:30.",
                time=time,
            )
        zone = _zone_name(timezone)
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        service = self._daily()
        settings = await service.configure(
            DailySettings(
                guild_id,
                enabled=True,
                channel_id=channel.id,
                time_of_day=f"{when:%H:%M}",
                zone=zone,
                kinds=kinds,
                spoilers=spoilers,
            )
        )
        status = await service.status(guild_id)
        text = m._("Saved: the daily post is on.")
        facts = channel_facts(channel)
        if facts is not None and facts.missing:
            text += "\n⚠️ " + m._(
                "I lack these permissions in {channel}: {missing}. The posts will fail until "
                "they are granted.",
                channel=channel.mention,
                missing=", ".join(facts.missing),
            )
        if status.eligible == 0:
            text += "\n⚠️ " + m._("There is nothing to post: every entry of these kinds is hidden.")
        await respond(
            interaction,
            content=text,
            card=daily_status_card(settings, status.next_post, status.recent, status.eligible, m=m),
            ephemeral=True,
        )

    @daily.command(name=_("off"), description=_("Stop the daily post."))
    async def daily_off(self, interaction: discord.Interaction[Any]) -> None:
        """Stop the daily post."""
        m = reply_messages(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        service = self._daily()
        current = await service.settings(guild_id)
        if not current.enabled:
            await respond(
                interaction, content=m._("The daily post was already off."), ephemeral=True
            )
            return
        await service.configure(
            DailySettings(
                guild_id,
                enabled=False,
                channel_id=current.channel_id,
                time_of_day=current.time_of_day,
                zone=current.zone,
                kinds=current.kinds,
                spoilers=current.spoilers,
            )
        )
        await respond(
            interaction,
            content=m._("The daily post is off. `/admin daily set` turns it back on."),
            ephemeral=True,
        )

    @daily.command(
        name=_("status"), description=_("The daily post's settings, next post and failures.")
    )
    async def daily_status(self, interaction: discord.Interaction[Any]) -> None:
        """The daily post's settings, next post and failures."""
        m = reply_messages(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        status = await self._daily().status(self._guild_id(interaction))
        await respond(
            interaction,
            card=daily_status_card(
                status.settings, status.next_post, status.recent, status.eligible, m=m
            ),
            ephemeral=True,
        )
