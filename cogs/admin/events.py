"""/admin event: this server's awards events (previewed before saving)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.cards.moderation import event_preview_card
from bot.i18n import N_
from bot.moderation.types import (
    EditConflict,
    EventDraft,
)
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from cogs.admin._base import AdminBase, ConfirmedAs, EntryOption, _entries, _hidden, _zones
from cogs.admin._views import (
    ConfirmView,
)

log = logging.getLogger(__name__)


class EventCommands(AdminBase):
    """/admin event."""

    event = app_commands.Group(
        name=_("event"), description=_("Add, edit or remove awards events in this server.")
    )

    # -- awards events ----------------------------------------------------------------------

    async def _preview_event(
        self, interaction: discord.Interaction[Any], preview: EventDraft
    ) -> None:
        m = reply_messages(interaction)

        async def save(click: discord.Interaction[Any]) -> ConfirmedAs:
            try:
                change = await self.admin.save(self._guild_id(click), click.user.id, preview.draft)
            except EditConflict as conflict:  # another moderator saved it since the preview
                await self._offer_overwrite(click, conflict)
                return m._("Not saved: the event changed since this preview."), None, None
            return self._confirmed(click, change, m)

        view = ConfirmView(self, interaction.user.id, save, N_("Save"), m)
        view.message = await respond(
            interaction,
            card=event_preview_card(preview, m=m),
            view=view,
            ephemeral=True,
        )

    @event.command(name=_("add"), description=_("Add an awards event (shown back before saving)."))
    @app_commands.describe(
        name=_("The event's name, e.g. 98th Academy Awards — ceremony."),
        date=_("2027-03-14 00:00 (with a timezone), ISO 8601, a day alone, or TBA."),
        source_url=_("Where the date comes from (https://…)."),
        timezone=_("Time zone of the date, e.g. Asia/Tokyo, America/Los_Angeles, UTC."),
        outcome=_("What happened (leave empty while upcoming)."),
        ceremony=_("The ceremony it belongs to."),
    )
    @app_commands.autocomplete(timezone=_zones)
    async def event_add(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 100],
        date: app_commands.Range[str, 1, 64],
        source_url: app_commands.Range[str, 1, 500],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        outcome: app_commands.Range[str, 1, 1500] | None = None,
        ceremony: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Add an awards event (shown back before saving)."""
        preview = await self.admin.draft_event(
            self._guild_id(interaction),
            None,
            name=name,
            date=date,
            zone=timezone,
            outcome=outcome,
            ceremony=ceremony,
            source_url=source_url,
        )
        await self._preview_event(interaction, preview)

    @event.command(
        name=_("edit"), description=_("Change an event's date, name or outcome (shown back first).")
    )
    @app_commands.describe(
        entry=_("The entry (pick it from the list)."),
        name=_("A new name."),
        date=_("A new date: 2027-03-14 00:00 (with a timezone), ISO 8601, a day, or TBA."),
        timezone=_("Time zone of the date, e.g. Asia/Tokyo, America/Los_Angeles, UTC."),
        outcome=_("What happened (type - to clear)."),
        ceremony=_("The ceremony it belongs to (type - to clear)."),
        source_url=_("A new source address (https://…)."),
    )
    @app_commands.autocomplete(entry=_entries("awards", "visible"), timezone=_zones)
    async def event_edit(
        self,
        interaction: discord.Interaction[Any],
        entry: EntryOption,
        name: app_commands.Range[str, 1, 100] | None = None,
        date: app_commands.Range[str, 1, 64] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        outcome: app_commands.Range[str, 1, 1500] | None = None,
        ceremony: app_commands.Range[str, 1, 100] | None = None,
        source_url: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Change an event's date, name or outcome (shown back first)."""
        guild_id = self._guild_id(interaction)
        key = await self.admin.resolve_key(guild_id, "awards", entry, "visible")
        preview = await self.admin.draft_event(
            guild_id,
            key,
            name=name,
            date=date,
            zone=timezone,
            outcome=outcome,
            ceremony=ceremony,
            source_url=source_url,
        )
        await self._preview_event(interaction, preview)

    @event.command(name=_("remove"), description=_("Remove one of this server's own events."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("awards", "own"))
    async def event_remove(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Remove one of this server's own events."""
        await self._act(interaction, "awards", entry, "remove")

    @event.command(name=_("hide"), description=_("Hide a shipped event in this server only."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("awards", "shipped"))
    async def event_hide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Hide a shipped event in this server only."""
        await self._act(interaction, "awards", entry, "hide")

    @event.command(name=_("unhide"), description=_("Show a shipped event this server hid."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_hidden("awards"))
    async def event_unhide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Show a shipped event this server hid."""
        await self._act(interaction, "awards", entry, "unhide")
