"""What every /admin subgroup shares: who the actor is, the run-time moderator check, the
autocomplete callbacks, the discord.py facts the moderation rules read, and saving forms."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards.answers import entry_card
from bot.cards.base import Card
from bot.cards.moderation import (
    change_message,
    edit_conflict_card,
    said,
)
from bot.client import LookBackBot
from bot.domain.models import Entry, Kind
from bot.errors import UserFacingError
from bot.i18n import N_, Messages
from bot.moderation.parsing import zone_choices
from bot.moderation.rules import (
    ChannelFacts,
    RoleFacts,
    reminder_channel_check,
    reminder_role_check,
)
from bot.moderation.service import AdminService
from bot.moderation.types import (
    Actor,
    Change,
    EditConflict,
    NotModerator,
    Said,
    Scope,
)
from bot.ui.errors import CheckWithReason
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from cogs.admin._views import (
    ConfirmView,
    FactForm,
    JapaneseTextView,
    QuoteForm,
)

log = logging.getLogger(__name__)


EntryOption = app_commands.Range[str, 1, 100]
#: What a confirmed preview becomes (see `ConfirmView`).
ConfirmedAs = tuple[str, Card | None, discord.ui.View | None]


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """Who is asking, as the service needs it (the permissions Discord sent with the click)."""
    user = interaction.user
    roles = frozenset(r.id for r in user.roles) if isinstance(user, discord.Member) else frozenset()
    perms = interaction.permissions
    return Actor(user.id, roles, perms.manage_guild or perms.administrator)


def _admin_of(interaction: discord.Interaction[Any]) -> AdminBase:
    cog = interaction.client.get_cog("Admin")
    assert isinstance(cog, AdminBase)
    return cog


ChoiceSource = Callable[[AdminService, int, Messages], Awaitable[list[tuple[str, str]]]]


async def _moderator_choices(
    interaction: discord.Interaction[Any], source: ChoiceSource
) -> list[app_commands.Choice[str]]:
    """Autocomplete for /admin: `source`'s (label, value) pairs for moderators of this server,
    nothing for anyone else (autocomplete runs no command check), nothing on any error."""
    try:
        cog = _admin_of(interaction)
        guild_id = interaction.guild_id
        if guild_id is None or not await cog.admin.is_moderator(guild_id, actor_of(interaction)):
            return []
        found = await source(cog.admin, guild_id, reply_messages(interaction))
        return [app_commands.Choice(name=label, value=value) for label, value in found]
    except Exception:
        log.exception("Admin autocomplete failed")
        return []


def _entries(kind: Kind, scope: Scope) -> Any:
    """An autocomplete callback: this server's entries of `kind`, for moderators only."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if scope == "shipped" and current.startswith("hidden:"):
            return []
        return await _moderator_choices(
            interaction,
            lambda admin, guild_id, m: admin.entry_choices(guild_id, kind, current, scope, m=m),
        )

    return complete


def _hidden(kind: Kind) -> Any:
    """An autocomplete callback: shipped entries this server hid."""

    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await _moderator_choices(
            interaction, lambda admin, guild_id, m: admin.hidden_choices(guild_id, kind, current)
        )

    return complete


async def _changes(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: what this server changed, latest first (undo, history)."""
    return await _moderator_choices(
        interaction, lambda admin, guild_id, m: admin.change_choices(guild_id, current, m=m)
    )


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
            ("view_channel", N_("View Channel")),
            ("send_messages", N_("Send Messages")),
            ("embed_links", N_("Embed Links")),
        )
        if perms is not None and not getattr(perms, flag)
    )
    everyone = perms.mention_everyone if perms is not None else True
    return ChannelFacts(channel.id, channel.type.name, missing, everyone)


def role_facts(role: discord.Role | None) -> RoleFacts | None:
    """What the moderation rules need to know of a role."""
    return RoleFacts(role.id, role.mentionable) if role is not None else None


def channel_problems(channel: discord.abc.GuildChannel, role: discord.Role | None) -> list[Said]:
    """What would stop a reminder in `channel` (missing permissions, a role that can't ping):
    the warnings of the same rules `/admin reminders` and imports apply."""
    facts = channel_facts(channel)
    problems: list[Said] = list(reminder_channel_check(facts).warnings)
    problems += reminder_role_check(channel.guild.id, role_facts(role), facts).warnings
    return problems


def _warnings(problems: list[Said], m: Messages) -> str:
    return "".join(f"\n⚠️ {said(p, m)}" for p in problems)


def entry_shown(entry: Entry, m: Messages) -> Card:
    """An entry's card for a moderator: in their language, with its id and scope."""
    return entry_card(entry, m=m, detail=True)


if TYPE_CHECKING:
    # The subgroup mixins are typed as cogs (their commands bind to a cog) but are plain
    # classes at run time: only `Admin` is a cog, so each command is registered once.
    _MixinBase = commands.Cog
else:
    _MixinBase = object


class AdminBase(_MixinBase):
    """The moderator check and the behaviour the /admin subgroups share."""

    bot: LookBackBot
    admin: AdminService

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
        m = reply_messages(interaction)
        show = change.after if change.action in ("add", "edit", "unhide", "undo") else None
        card = entry_shown(show, m) if show is not None and change.changed else None
        view = self._japanese_button(interaction, change, m)
        message = await respond(
            interaction, content=change_message(change, m=m), card=card, view=view, ephemeral=True
        )
        if view is not None:
            view.message = message

    def _japanese_button(
        self, interaction: discord.Interaction[Any], change: Change, m: Messages
    ) -> JapaneseTextView | None:
        """ "Add or edit the Japanese text" under an entry just added or edited."""
        if change.action not in ("add", "edit") or change.after is None:
            return None
        return JapaneseTextView(self, interaction.user.id, change.after, m)

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

        m = reply_messages(interaction)

        async def overwrite(click: discord.Interaction[Any]) -> ConfirmedAs:
            guild_id = self._guild_id(click)
            try:
                change = await self.admin.save(guild_id, click.user.id, conflict.confirmed)
            except EditConflict as again:  # changed once more in between: nothing saved
                await self._offer_overwrite(click, again)
                return m._("Not saved: it changed again."), None, None
            return self._confirmed(click, change, m)

        view = ConfirmView(self, interaction.user.id, overwrite, N_("Save mine anyway"), m)
        view.message = await respond(
            interaction, card=edit_conflict_card(conflict, m=m), view=view, ephemeral=True
        )

    def _confirmed(
        self, interaction: discord.Interaction[Any], change: Change, m: Messages
    ) -> ConfirmedAs:
        """A preview confirmed: what was saved, the entry, and its Japanese text button."""
        card = entry_shown(change.after, m) if change.after else None
        return change_message(change, m=m), card, self._japanese_button(interaction, change, m)

    async def _form(
        self, interaction: discord.Interaction[Any], kind: Kind, typed: str | None
    ) -> None:
        entry: Entry | None = None
        if typed is not None:
            guild_id = self._guild_id(interaction)
            key = await self.admin.resolve_key(guild_id, kind, typed, "visible")
            entry = await self.admin.visible(kind, key, guild_id)
        m = reply_messages(interaction)
        form = FactForm(self, entry, m) if kind == "fact" else QuoteForm(self, entry, m)
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
