"""The daily fact or quote's scheduler: planned at start-up, stopped on unload (the commands
are `/admin daily`, in `cogs/admin/daily.py`)."""

from __future__ import annotations

import logging
import sqlite3

from discord.ext import commands

from bot.client import LookBackBot

log = logging.getLogger(__name__)


class DailyPosts(commands.Cog):
    """Runs the daily-post scheduler (no commands of its own)."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        if bot.services is None:
            raise RuntimeError("The services are built in setup_hook, before the cogs load")
        self.daily = bot.services.daily

    async def cog_load(self) -> None:
        """Plan every server's next post, then start the one scheduler task."""
        if self.daily.read_only:
            # Nothing sent could be recorded as sent: sending would repeat every post.
            log.warning("The database is read-only: daily posts are not sent")
            return
        try:
            await self.daily.plan()
        except sqlite3.Error as exc:
            log.error("Could not plan the daily posts at start-up: %s", exc)
        self.daily.start()

    async def cog_unload(self) -> None:
        """Stop the scheduler; a claimed post is picked up again after its lease."""
        await self.daily.stop()


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(DailyPosts(bot))
