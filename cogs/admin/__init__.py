"""/admin — moderators change this server's facts, quotes, synopsis, awards events, reminders
and trivia questions.

Who may use it is checked twice: `default_permissions(manage_guild=True)` hides the group from
members without Manage Server, and a run-time check (`Admin.interaction_check`, and again in
every form submission and button click) admits only Manage Server, the server's moderator role
or a bot owner — a server admin who grants /admin to everyone in Integrations still lets no
one else change anything. Autocomplete answers non-moderators with an empty list.

The commands are thin: everything they do is in `bot.moderation.service.AdminService`.
"""

from __future__ import annotations

from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import LookBackBot
from cogs.admin._base import AdminBase, actor_of, channel_problems
from cogs.admin.content import ContentCommands
from cogs.admin.daily import DailyCommands
from cogs.admin.events import EventCommands
from cogs.admin.records import RecordCommands
from cogs.admin.reminders import ReminderCommands
from cogs.admin.trivia import TriviaCommands


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.default_permissions(manage_guild=True)
class Admin(
    ContentCommands,
    EventCommands,
    ReminderCommands,
    RecordCommands,
    DailyCommands,
    TriviaCommands,
    commands.GroupCog,
    group_name=_("admin"),
    group_description=_("Moderators: this server's facts, quotes, events and reminders."),
):
    """Moderator commands (see the module docstring for who may use them); each subgroup
    lives in its own module."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        if bot.moderation is None:
            raise RuntimeError("The moderator service is built in setup_hook, before the cogs")
        self.admin = bot.moderation
        super().__init__()


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Admin(bot))


__all__ = ["Admin", "AdminBase", "actor_of", "channel_problems"]
