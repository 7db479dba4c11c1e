"""/admin — moderators change this server's facts, quotes, synopsis, awards events and reminders.

Who may use it is checked twice: `default_permissions(manage_guild=True)` hides the group from
members without Manage Server, and a run-time check (`Admin.interaction_check`, and again in
every form submission and button click) admits only Manage Server, the server's moderator role
or a bot owner — a server admin who grants /admin to everyone in Integrations still lets no
one else change anything. Autocomplete answers non-moderators with an empty list.

The commands are thin: everything they do is in `bot.moderation.service.AdminService`.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards.answers import entry_card
from bot.cards.base import Card
from bot.cards.moderation import (
    change_message,
    edit_conflict_card,
    event_preview_card,
    history_pages,
    import_plan_card,
    import_problems_card,
    import_result_card,
    settings_card,
    settings_message,
    status_card,
    test_reminder_card,
)
from bot.client import LookBackBot
from bot.domain.models import Entry, Kind
from bot.errors import UserFacingError
from bot.moderation.parsing import parse_leads, zone_choices
from bot.moderation.rules import (
    ChannelFacts,
    RoleFacts,
    reminder_channel_check,
    reminder_role_check,
)
from bot.moderation.service import oversized
from bot.moderation.types import (
    EXPORT_COOLDOWN,
    IMPORT_COOLDOWN,
    Actor,
    Change,
    EditConflict,
    EventDraft,
    NotModerator,
    Scope,
    SettingsChange,
)
from bot.ui.errors import CheckWithReason
from bot.ui.respond import NO_PINGS, post, respond
from cogs.admin._views import (
    ConfirmView,
    FactForm,
    ModeratorPagesView,
    QuoteForm,
    SynopsisForm,
)

log = logging.getLogger(__name__)

EntryOption = app_commands.Range[str, 1, 100]


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """Who is asking, as the service needs it (the permissions Discord sent with the click)."""
    user = interaction.user
    roles = frozenset(r.id for r in user.roles) if isinstance(user, discord.Member) else frozenset()
    perms = interaction.permissions
    return Actor(user.id, roles, perms.manage_guild or perms.administrator)


def _admin_of(interaction: discord.Interaction[Any]) -> Admin:
    cog = interaction.client.get_cog("Admin")
    assert isinstance(cog, Admin)
    return cog


def _entries(kind: Kind, scope: Scope) -> Any:
    """An autocomplete callback: this server's entries of `kind`, for moderators only."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            cog = _admin_of(interaction)
            guild_id = interaction.guild_id
            if guild_id is None or not await cog.admin.is_moderator(
                guild_id, actor_of(interaction)
            ):
                return []
            if scope == "shipped" and current.startswith("hidden:"):
                return []
            found = await cog.admin.entry_choices(guild_id, kind, current, scope)
            return [app_commands.Choice(name=label, value=key) for label, key in found]
        except Exception:
            log.exception("Admin autocomplete failed")
            return []

    return complete


def _hidden(kind: Kind) -> Any:
    """An autocomplete callback: shipped entries this server hid."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            cog = _admin_of(interaction)
            guild_id = interaction.guild_id
            if guild_id is None or not await cog.admin.is_moderator(
                guild_id, actor_of(interaction)
            ):
                return []
            found = await cog.admin.hidden_choices(guild_id, kind, current)
            return [app_commands.Choice(name=label, value=key) for label, key in found]
        except Exception:
            log.exception("Admin autocomplete failed")
            return []

    return complete


async def _changes(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: what this server changed, latest first (undo, history)."""
    try:
        cog = _admin_of(interaction)
        guild_id = interaction.guild_id
        if guild_id is None or not await cog.admin.is_moderator(guild_id, actor_of(interaction)):
            return []
        found = await cog.admin.change_choices(guild_id, current)
        return [app_commands.Choice(name=label, value=value) for label, value in found]
    except Exception:
        log.exception("Admin autocomplete failed")
        return []


async def _zones(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: time zone names."""
    try:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]
    except Exception:
        log.exception("Time zone autocomplete failed")
        return []


def _bot_member(guild: discord.Guild) -> discord.Member | None:
    return guild.me


def channel_facts(channel: discord.abc.GuildChannel | None) -> ChannelFacts | None:
    """What the moderation rules need to know of a channel, read from discord.py."""
    if channel is None:
        return None
    me = _bot_member(channel.guild)
    perms = channel.permissions_for(me) if me is not None else None
    missing = tuple(
        label
        for flag, label in (
            ("view_channel", "View Channel"),
            ("send_messages", "Send Messages"),
            ("embed_links", "Embed Links"),
        )
        if perms is not None and not getattr(perms, flag)
    )
    everyone = perms.mention_everyone if perms is not None else True
    return ChannelFacts(channel.id, channel.type.name, missing, everyone)


def role_facts(role: discord.Role | None) -> RoleFacts | None:
    """What the moderation rules need to know of a role."""
    return RoleFacts(role.id, role.mentionable) if role is not None else None


def channel_problems(channel: discord.abc.GuildChannel, role: discord.Role | None) -> list[str]:
    """What would stop a reminder in `channel` (missing permissions, a role that can't ping):
    the warnings of the same rules `/admin reminders` and imports apply."""
    facts = channel_facts(channel)
    problems = list(reminder_channel_check(facts).warnings)
    problems += reminder_role_check(channel.guild.id, role_facts(role), facts).warnings
    return problems


def _warnings(problems: list[str]) -> str:
    return "".join(f"\n⚠️ {p}" for p in problems)


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.default_permissions(manage_guild=True)
class Admin(
    commands.GroupCog,
    group_name=_("admin"),
    group_description=_("Moderators: this server's facts, quotes, events and reminders."),
):
    """Moderator commands (see the module docstring for who may use them)."""

    fact = app_commands.Group(
        name=_("fact"), description=_("Add, edit, remove, hide or unhide facts in this server.")
    )
    quote = app_commands.Group(
        name=_("quote"), description=_("Add, edit, remove, hide or unhide quotes in this server.")
    )
    synopsis = app_commands.Group(
        name=_("synopsis"), description=_("Edit the synopsis for this server.")
    )
    event = app_commands.Group(
        name=_("event"), description=_("Add, edit or remove awards events in this server.")
    )
    reminders = app_commands.Group(
        name=_("reminders"), description=_("Where, when and whether awards reminders are posted.")
    )

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        if bot.moderation is None:
            raise RuntimeError("The moderator service is built in setup_hook, before the cogs")
        self.admin = bot.moderation
        super().__init__()

    # -- who may use it ---------------------------------------------------------------------

    async def require_moderator(self, interaction: discord.Interaction[Any]) -> None:
        """Fail the check (NotModerator's reason, shown ephemerally) unless the user may moderate.

        Run on every command (`interaction_check`), button and form (the views call it again).
        """
        try:
            await self.admin.require_moderator(interaction.guild_id, actor_of(interaction))
        except NotModerator as exc:
            raise CheckWithReason(exc) from exc

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Every /admin command: Manage Server, the moderator role, or a bot owner."""
        await self.require_moderator(interaction)
        return True

    @staticmethod
    def _guild_id(interaction: discord.Interaction[Any]) -> int:
        if interaction.guild_id is None:  # guild_only makes this unreachable
            raise UserFacingError("/admin works only inside a server.")
        return interaction.guild_id

    # -- shared behaviour -------------------------------------------------------------------

    async def _show_change(self, interaction: discord.Interaction[Any], change: Change) -> None:
        show = change.after if change.action in ("add", "edit", "unhide", "undo") else None
        card = entry_card(show) if show is not None and change.changed else None
        await respond(interaction, content=change_message(change), card=card, ephemeral=True)

    async def save_form(
        self,
        interaction: discord.Interaction[Any],
        kind: Kind,
        key: str | None,
        fields: dict[str, Any],
        seen: Entry | None = None,
    ) -> None:
        """A submitted form: add the entry (`key` None) or save this server's version of it.

        `seen` is the entry as the form showed it: if another moderator changed it meanwhile,
        nothing is saved and the moderator is shown what changed (`_offer_overwrite`).
        """
        guild_id = self._guild_id(interaction)
        try:
            if key is None:
                change = await self.admin.add_entry(guild_id, interaction.user.id, kind, fields)
            else:
                change = await self.admin.edit_entry(
                    guild_id, interaction.user.id, kind, key, fields, seen=seen
                )
        except EditConflict as conflict:
            await self._offer_overwrite(interaction, conflict)
            return
        await self._show_change(interaction, change)

    async def _offer_overwrite(
        self, interaction: discord.Interaction[Any], conflict: EditConflict
    ) -> None:
        """Show another moderator's change, with "Save mine anyway" (re-checked like Save)."""

        async def overwrite(click: discord.Interaction[Any]) -> tuple[str, Card | None]:
            guild_id = self._guild_id(click)
            try:
                change = await self.admin.save(guild_id, click.user.id, conflict.confirmed)
            except EditConflict as again:  # changed once more in between: nothing saved
                await self._offer_overwrite(click, again)
                return "Not saved: it changed again.", None
            return change_message(change), entry_card(change.after) if change.after else None

        view = ConfirmView(self, interaction.user.id, overwrite, "Save mine anyway")
        view.message = await respond(
            interaction, card=edit_conflict_card(conflict), view=view, ephemeral=True
        )

    async def _form(
        self, interaction: discord.Interaction[Any], kind: Kind, typed: str | None
    ) -> None:
        entry: Entry | None = None
        if typed is not None:
            guild_id = self._guild_id(interaction)
            key = await self.admin.resolve_key(guild_id, kind, typed, "visible")
            entry = await self.admin.visible(kind, key, guild_id)
        form = FactForm(self, entry) if kind == "fact" else QuoteForm(self, entry)
        await interaction.response.send_modal(form)

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        kind: Kind,
        typed: str,
        action: Literal["remove", "hide", "unhide"],
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        scope: Scope = "own" if action == "remove" else "shipped"
        user = interaction.user.id
        if action == "unhide":
            key = await self.admin.resolve_hidden_key(guild_id, kind, typed)
            change = await self.admin.unhide_entry(guild_id, user, kind, key)
        else:
            key = await self.admin.resolve_key(guild_id, kind, typed, scope)
            if action == "remove":
                change = await self.admin.remove_entry(guild_id, user, kind, key)
            else:
                change = await self.admin.hide_entry(guild_id, user, kind, key)
        await self._show_change(interaction, change)

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
        await interaction.response.send_modal(SynopsisForm(self, entry))

    # -- awards events ----------------------------------------------------------------------

    async def _preview_event(
        self, interaction: discord.Interaction[Any], preview: EventDraft
    ) -> None:
        async def save(click: discord.Interaction[Any]) -> tuple[str, Card | None]:
            try:
                change = await self.admin.save(self._guild_id(click), click.user.id, preview.draft)
            except EditConflict as conflict:  # another moderator saved it since the preview
                await self._offer_overwrite(click, conflict)
                return "Not saved: the event changed since this preview.", None
            return change_message(change), entry_card(change.after) if change.after else None

        view = ConfirmView(self, interaction.user.id, save, "Save")
        view.message = await respond(
            interaction,
            card=event_preview_card(preview),
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

    # -- reminders --------------------------------------------------------------------------

    async def _settings_saved(
        self, interaction: discord.Interaction[Any], change: SettingsChange, problems: list[str]
    ) -> None:
        await respond(
            interaction,
            content=settings_message(change) + _warnings(problems),
            card=settings_card(change.after),
            ephemeral=True,
        )

    def _role(
        self, interaction: discord.Interaction[Any], role_id: int | None
    ) -> discord.Role | None:
        guild = interaction.guild
        return guild.get_role(role_id) if guild is not None and role_id else None

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
        card = test_reminder_card(event, settings)
        content = f"Test reminder. Real reminders will mention {role.mention}." if role else None
        try:
            message = await post(channel, card, content=content)
        except discord.Forbidden:
            problems.insert(
                0,
                f"Discord refused the test message in {channel.mention}: I lack a "
                "permission there (View Channel, Send Messages, Embed Links).",
            )
            result = "❌ The test reminder could not be posted."
        except discord.HTTPException as exc:
            problems.insert(0, f"Discord refused the test message ({exc.status}).")
            result = "❌ The test reminder could not be posted."
        else:
            result = f"✅ Posted a test reminder in {channel.mention}: {message.jump_url}"
        if settings.reminders_paused:
            problems.append("Reminders are paused: `/admin reminders resume` turns them back on.")
        await respond(interaction, content=result + _warnings(problems), ephemeral=True)

    @reminders.command(
        name=_("status"), description=_("What is scheduled next here, and failed deliveries.")
    )
    async def reminders_status(self, interaction: discord.Interaction[Any]) -> None:
        """What is scheduled next here, and failed deliveries."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        status = await self.admin.reminder_status(guild_id)
        line = await self._events_line(guild_id)
        await respond(interaction, content=line, card=status_card(status), ephemeral=True)

    async def _events_line(self, guild_id: int) -> str:
        """The scheduled events' line of the status: off, on, or on with the last failure."""
        watch = self.bot.awards_watch
        if watch is None:
            return "📅 Events tab: unavailable (the awards watch is not running)."
        state = await watch.scheduled_events_state(guild_id)
        if not state.enabled:
            return "📅 Events tab: off (`/admin reminders events on` adds the awards dates)."
        if state.last_error:
            when = (
                f" ({discord.utils.format_dt(state.last_error_at, 'R')})"
                if state.last_error_at
                else ""
            )
            return f"📅 Events tab: on, but the last update failed{when}: {state.last_error}"
        return "📅 Events tab: on — every upcoming dated awards event is there."

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
        if state == "on":
            text = (
                "Scheduled events are on: each upcoming dated awards event is in the Events tab, "
                "moved when its date moves and cancelled when it is removed or set to TBA. "
                "Members press *Interested* to be notified by Discord."
                if changed
                else "Scheduled events were already on."
            )
        else:
            text = (
                "Scheduled events are off: I no longer create or update them. Those already in "
                "the Events tab stay until they end (delete them there if you wish)."
                if changed
                else "Scheduled events were already off."
            )
        await respond(
            interaction, content=text + "\n" + await self._events_line(guild_id), ephemeral=True
        )

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
        pages = history_pages(records, total)
        await self._send_pages(interaction, pages)

    async def _send_pages(self, interaction: discord.Interaction[Any], pages: list[Card]) -> None:
        if len(pages) == 1:
            await respond(interaction, card=pages[0], ephemeral=True)
            return
        view = ModeratorPagesView(self, interaction.user.id, pages)
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
            await respond(
                interaction,
                content="Undone: " + settings_message(result),
                card=settings_card(result.after),
                ephemeral=True,
            )
        else:
            await self._show_change(interaction, result)

    # -- export and import ------------------------------------------------------------------

    @app_commands.command(
        name=_("export"), description=_("This server's content and settings as a file.")
    )
    @app_commands.checks.cooldown(*EXPORT_COOLDOWN, key=lambda i: i.guild_id)
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """This server's content and settings as a file."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
        name, data, count = await self.admin.export_document(guild.id, guild.name)
        if len(data) > interaction.filesize_limit:
            raise UserFacingError("The export is larger than Discord lets me attach here.")
        await interaction.followup.send(
            content=f"This server's {count} own entries, hidden entries and settings, in the "
            "content pack format. `/admin import` reads it back.",
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name=_("import"),
        description=_("Import a content pack file: checked, previewed, confirmed."),
    )
    @app_commands.describe(file=_("A .json file in the content pack format (at most 1 MB)."))
    @app_commands.checks.cooldown(*IMPORT_COOLDOWN, key=lambda i: i.guild_id)
    async def import_(
        self, interaction: discord.Interaction[Any], file: discord.Attachment
    ) -> None:
        """Import a content pack file: checked, previewed, confirmed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        assert guild is not None
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
            await respond(interaction, card=import_problems_card(plan), ephemeral=True)
            return
        settings = await self.admin.settings(guild.id)
        card = import_plan_card(plan, settings)
        if not plan.has_changes:
            await respond(interaction, card=card, ephemeral=True)
            return

        async def apply(click: discord.Interaction[Any]) -> tuple[str, Card | None]:
            result = await self.admin.apply_import(self._guild_id(click), click.user.id, plan)
            return "Imported.", import_result_card(result)

        view = ConfirmView(self, interaction.user.id, apply, "Confirm")
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
        await respond(interaction, content=settings_message(change), ephemeral=True)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Admin(bot))


__all__ = ["Admin", "actor_of", "channel_problems"]
