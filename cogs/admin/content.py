"""/admin fact, /admin quote, /admin synopsis: this server's own content."""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.ui.language import reply_messages
from cogs.admin._base import AdminBase, EntryOption, _entries, _hidden
from cogs.admin._views import (
    SynopsisForm,
)

log = logging.getLogger(__name__)


class ContentCommands(AdminBase):
    """/admin fact, quote and synopsis."""

    fact = app_commands.Group(
        name=_("fact"), description=_("Add, edit, remove, hide or unhide facts in this server.")
    )
    quote = app_commands.Group(
        name=_("quote"), description=_("Add, edit, remove, hide or unhide quotes in this server.")
    )
    synopsis = app_commands.Group(
        name=_("synopsis"), description=_("Edit the synopsis for this server.")
    )

    # -- facts ------------------------------------------------------------------------------

    @fact.command(name=_("add"), description=_("Add a fact of this server (opens a form)."))
    async def fact_add(self, interaction: discord.Interaction[Any]) -> None:
        """Add a fact of this server (opens a form)."""
        await self._form(interaction, "fact", None)

    @fact.command(
        name=_("edit"), description=_("Edit a fact; a shipped fact becomes this server's version.")
    )
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("fact", "visible"))
    async def fact_edit(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Edit a fact; a shipped fact becomes this server's version."""
        await self._form(interaction, "fact", entry)

    @fact.command(name=_("remove"), description=_("Remove one of this server's own facts."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("fact", "own"))
    async def fact_remove(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Remove one of this server's own facts."""
        await self._act(interaction, "fact", entry, "remove")

    @fact.command(name=_("hide"), description=_("Hide a shipped fact in this server only."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("fact", "shipped"))
    async def fact_hide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Hide a shipped fact in this server only."""
        await self._act(interaction, "fact", entry, "hide")

    @fact.command(name=_("unhide"), description=_("Show a shipped fact this server hid."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_hidden("fact"))
    async def fact_unhide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Show a shipped fact this server hid."""
        await self._act(interaction, "fact", entry, "unhide")

    # -- quotes -----------------------------------------------------------------------------

    @quote.command(name=_("add"), description=_("Add a quote of this server (opens a form)."))
    async def quote_add(self, interaction: discord.Interaction[Any]) -> None:
        """Add a quote of this server (opens a form)."""
        await self._form(interaction, "quote", None)

    @quote.command(
        name=_("edit"),
        description=_("Edit a quote; a shipped quote becomes this server's version."),
    )
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("quote", "visible"))
    async def quote_edit(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Edit a quote; a shipped quote becomes this server's version."""
        await self._form(interaction, "quote", entry)

    @quote.command(name=_("remove"), description=_("Remove one of this server's own quotes."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("quote", "own"))
    async def quote_remove(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Remove one of this server's own quotes."""
        await self._act(interaction, "quote", entry, "remove")

    @quote.command(name=_("hide"), description=_("Hide a shipped quote in this server only."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_entries("quote", "shipped"))
    async def quote_hide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Hide a shipped quote in this server only."""
        await self._act(interaction, "quote", entry, "hide")

    @quote.command(name=_("unhide"), description=_("Show a shipped quote this server hid."))
    @app_commands.describe(entry=_("The entry (pick it from the list)."))
    @app_commands.autocomplete(entry=_hidden("quote"))
    async def quote_unhide(self, interaction: discord.Interaction[Any], entry: EntryOption) -> None:
        """Show a shipped quote this server hid."""
        await self._act(interaction, "quote", entry, "unhide")

    # -- synopsis ---------------------------------------------------------------------------

    @synopsis.command(
        name=_("edit"), description=_("Edit a synopsis section for this server (opens a form).")
    )
    @app_commands.describe(section=_("Which section to edit."))
    async def synopsis_edit(
        self,
        interaction: discord.Interaction[Any],
        section: Literal["premise", "full", "themes"],
    ) -> None:
        """Edit a synopsis section for this server (opens a form)."""
        entry = await self.admin.synopsis_section(self._guild_id(interaction), section)
        form = SynopsisForm(self, entry, reply_messages(interaction))
        await interaction.response.send_modal(form)
