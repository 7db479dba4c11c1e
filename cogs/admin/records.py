"""/admin history, undo, export, import and moderator-role: the server's records."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.cards.base import Card
from bot.cards.moderation import (
    history_pages,
    import_plan_card,
    import_problems_card,
    import_result_card,
    settings_card,
    settings_message,
)
from bot.errors import UserFacingError
from bot.i18n import N_, Messages
from bot.moderation.service import oversized
from bot.moderation.types import (
    EXPORT_COOLDOWN,
    IMPORT_COOLDOWN,
    SettingsChange,
    TriviaChange,
)
from bot.ui.language import reply_messages
from bot.ui.respond import NO_PINGS, respond
from cogs.admin._base import (
    AdminBase,
    ConfirmedAs,
    _changes,
    actor_of,
    channel_facts,
    role_facts,
)
from cogs.admin._views import (
    ConfirmView,
    ModeratorPagesView,
)
from cogs.admin.trivia import show_change as show_trivia_change

log = logging.getLogger(__name__)


def _per_bot_and_server(interaction: discord.Interaction[Any]) -> tuple[int, int | None]:
    """The import/export cooldown bucket: one per server, and per bot object — the decorator's
    buckets live as long as the module, so a second bot in one process (a restart, a test)
    must not inherit the first one's."""
    return id(interaction.client), interaction.guild_id


class RecordCommands(AdminBase):
    """/admin history, undo, export, import, moderator-role."""

    # -- history and undo -------------------------------------------------------------------

    @app_commands.command(
        name=_("history"), description=_("Who changed what in this server, and when.")
    )
    @app_commands.describe(entry=_("Only the changes of this entry or setting."))
    @app_commands.autocomplete(entry=_changes)
    async def history(
        self,
        interaction: discord.Interaction[Any],
        entry: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Who changed what in this server, and when."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        records = await self.admin.history(guild_id, entry)
        total = await self.admin.history_count(guild_id) if entry is None else len(records)
        m = reply_messages(interaction)
        pages = history_pages(records, total, m=m)
        await self._send_pages(interaction, pages, m)

    async def _send_pages(
        self, interaction: discord.Interaction[Any], pages: list[Card], m: Messages
    ) -> None:
        if len(pages) == 1:
            await respond(interaction, card=pages[0], ephemeral=True)
            return
        view = ModeratorPagesView(self, interaction.user.id, pages, m)
        view.message = await respond(
            interaction, embed=view.current_embed(), view=view, ephemeral=True
        )

    @app_commands.command(
        name=_("undo"), description=_("Undo the last change of an entry or setting.")
    )
    @app_commands.describe(entry=_("What to restore (pick it from the list)."))
    @app_commands.autocomplete(entry=_changes)
    async def undo(
        self, interaction: discord.Interaction[Any], entry: app_commands.Range[str, 1, 100]
    ) -> None:
        """Undo the last change of an entry or setting."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.admin.undo(self._guild_id(interaction), actor_of(interaction), entry)
        if isinstance(result, SettingsChange):
            m = reply_messages(interaction)
            await respond(
                interaction,
                content=m._("Undone: {what}", what=settings_message(result, m=m)),
                card=settings_card(result.after, m=m),
                ephemeral=True,
            )
        elif isinstance(result, TriviaChange):
            await show_trivia_change(interaction, result)
        else:
            await self._show_change(interaction, result)

    # -- export and import ------------------------------------------------------------------

    @app_commands.command(
        name=_("export"), description=_("This server's content and settings as a file.")
    )
    @app_commands.checks.cooldown(*EXPORT_COOLDOWN, key=_per_bot_and_server)
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """This server's content and settings as a file."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
        name, data, count = await self.admin.export_document(guild.id, guild.name)
        if len(data) > interaction.filesize_limit:
            raise UserFacingError("The export is larger than Discord lets me attach here.")
        m = reply_messages(interaction)
        await interaction.followup.send(
            content=m.ngettext(
                "This server's {count} own entry, hidden entries and settings, in the content "
                "pack format. `/admin import` reads it back.",
                "This server's {count} own entries, hidden entries and settings, in the content "
                "pack format. `/admin import` reads it back.",
                count,
            ),
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name=_("import"),
        description=_("Import a content pack file: checked, previewed, confirmed."),
    )
    @app_commands.describe(file=_("A .json file in the content pack format (at most 1 MB)."))
    @app_commands.checks.cooldown(*IMPORT_COOLDOWN, key=_per_bot_and_server)
    async def import_(
        self, interaction: discord.Interaction[Any], file: discord.Attachment
    ) -> None:
        """Import a content pack file: checked, previewed, confirmed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
        m = reply_messages(interaction)
        plan = oversized(file.filename, file.size)
        if plan is None:
            try:
                data = await file.read()
            except discord.HTTPException as exc:
                raise UserFacingError("I couldn't download that file; please try again.") from exc
            plan = await self.admin.plan_import(
                guild.id,
                data,
                file.filename,
                channel_ids={ch.id for ch in guild.channels},
                role_ids={r.id for r in guild.roles},
                channel_facts=lambda cid: channel_facts(guild.get_channel(cid)),
                role_facts=lambda rid: role_facts(guild.get_role(rid)),
            )
        if not plan.ok:
            await respond(interaction, card=import_problems_card(plan, m=m), ephemeral=True)
            return
        settings = await self.admin.settings(guild.id)
        card = import_plan_card(plan, settings, m=m)
        if not plan.has_changes:
            await respond(interaction, card=card, ephemeral=True)
            return

        async def apply(click: discord.Interaction[Any]) -> ConfirmedAs:
            result = await self.admin.apply_import(self._guild_id(click), click.user.id, plan)
            return m._("Imported."), import_result_card(result, m=m), None

        view = ConfirmView(self, interaction.user.id, apply, N_("Confirm"), m)
        view.message = await respond(interaction, card=card, view=view, ephemeral=True)

    # -- who moderates ----------------------------------------------------------------------

    @app_commands.command(
        name=_("moderator-role"),
        description=_("A role whose members may use /admin (empty: Manage Server only)."),
    )
    @app_commands.describe(role=_("The moderator role (leave empty to clear it)."))
    async def moderator_role(
        self, interaction: discord.Interaction[Any], role: discord.Role | None = None
    ) -> None:
        """A role whose members may use /admin (empty: Manage Server only)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.set_moderator_role(
            self._guild_id(interaction), actor_of(interaction), role.id if role else None
        )
        m = reply_messages(interaction)
        await respond(interaction, content=settings_message(change, m=m), ephemeral=True)
