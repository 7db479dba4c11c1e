"""The bot: one AutoShardedBot subclass, its command tree, and how it is run."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections import deque
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, setup_logging
from bot.domain.factbase import FactBase, settle_memory
from bot.domain.reminders import AwardsWatch
from bot.domain.timeutil import use_clock
from bot.moderation.service import AdminService
from bot.services import Services, build_services
from bot.ui.backlog import Backlog, is_deferrable
from bot.ui.daily import DailyDelivery
from bot.ui.delivery import ReminderDelivery
from bot.ui.errors import handle_app_command_error
from bot.ui.scheduled_events import DiscordEventOps
from bot.ui.translator import JapaneseTranslator

log = logging.getLogger(__name__)

# Every layer reads discord.py's clock while the bot runs (simcord's virtual time drives it).
use_clock(lambda: discord.utils.utcnow())

EXTENSIONS: tuple[str, ...] = (
    "cogs.facts",
    "cogs.quotes",
    "cogs.synopsis",
    "cogs.awards",
    "cogs.meta",
    "cogs.admin",
    "cogs.daily",
    "cogs.trivia",
)


class InteractionTimings:
    """How long the bot spent on each interaction (its own code, from dispatch to return)."""

    def __init__(self, size: int = 10_000) -> None:
        self.samples: deque[float] = deque(maxlen=size)

    def add(self, seconds: float) -> None:
        """Record one interaction."""
        self.samples.append(seconds)

    def percentile(self, p: float) -> float:
        """The p-th percentile in milliseconds (0 when empty)."""
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
        return ordered[index] * 1000


class LookBackTree(app_commands.CommandTree["LookBackBot"]):
    """The command tree; times every interaction it handles, queues the questions (`Backlog`)."""

    def __init__(self, client: LookBackBot, **options: Any) -> None:
        super().__init__(client, **options)
        self.backlog = Backlog()

    async def _call(self, interaction: discord.Interaction[LookBackBot]) -> None:
        started = time.perf_counter()
        try:
            if is_deferrable(interaction, self):
                await self.backlog.run(interaction, functools.partial(super()._call, interaction))
            else:
                await super()._call(interaction)
        finally:
            self.client.timings.add(time.perf_counter() - started)

    async def on_error(
        self, interaction: discord.Interaction[LookBackBot], error: app_commands.AppCommandError, /
    ) -> None:
        """Every command error goes through `bot.ui.errors` (one error path)."""
        await handle_app_command_error(interaction, error)


def _apply_endpoints(settings: Settings) -> None:
    """Point discord.py at another Discord (the fake one in process-level tests)."""
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


class LookBackBot(commands.AutoShardedBot):
    """The Look Back community bot."""

    def __init__(
        self, settings: Settings, *, service: FactBase | None = None, **options: Any
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel cache for commands and reminders
        options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids is not None:
            options.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=LookBackTree,
            # Every command can be installed by a user and used in DMs, group DMs and servers
            # without the bot; /admin (and subscriptions, checked at run time) narrow it.
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            **options,
        )
        self.settings = settings
        self._service = service
        self.timings = InteractionTimings()
        self.started_monotonic = time.monotonic()
        self.failed_extensions: dict[str, str] = {}
        #: Built once in `setup_hook` (`bot.services.build_services`).
        self.services: Services | None = None
        self.reminder_delivery: ReminderDelivery | None = None
        #: Freeze the loaded index out of the garbage collector (`run_bot` sets it).
        self.settle_memory_after_setup = False

    @property
    def service(self) -> FactBase:
        """The fact base (available once `setup_hook` ran)."""
        if self._service is None:
            raise RuntimeError("The bot has not been set up yet")
        return self._service

    @property
    def awards_watch(self) -> AwardsWatch | None:
        """The awards watch (reminders and their scheduler), once `setup_hook` built it."""
        return self.services.awards if self.services is not None else None

    @property
    def moderation(self) -> AdminService | None:
        """The moderator service, once `setup_hook` built it."""
        return self.services.moderation if self.services is not None else None

    async def setup_hook(self) -> None:
        """Open the database, load content and index, load the cogs; sync a dev guild."""
        if self._service is None:
            self._service = await FactBase.open(self.settings.database_path)
        delivery = self.reminder_delivery = ReminderDelivery(self)
        self.services = build_services(
            self._service,
            self.settings,
            sender=delivery.send,
            on_done=lambda r, outcome: self.dispatch("awards_reminder_complete", r, outcome),
            transient=(discord.HTTPException,),
            event_ops=DiscordEventOps(self),
        )
        delivery.watch = self.services.awards
        daily = self.services.daily
        daily.sender = DailyDelivery(self, daily).send
        daily.on_done = lambda p, outcome: self.dispatch("daily_post_complete", p, outcome)
        await self.tree.set_translator(JapaneseTranslator())
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception as exc:
                self.failed_extensions[extension] = type(exc).__name__
                log.exception("Failed to load extension %s", extension)
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to the development guild %s", len(synced), guild.id)
        if self.settle_memory_after_setup:
            settle_memory()

    async def on_ready(self) -> None:
        """Log the connection (commands are never synced here: see `lookback-bot sync`)."""
        log.info("Ready as %s in %d servers", self.user, len(self.guilds))

    async def close(self) -> None:
        """Stop the reminder scheduler, close the Discord connection, then the database.

        `Client.close` does not unload extensions, so the scheduler is stopped here: a query it
        had in flight would otherwise outlive the database (and the event loop).
        """
        try:
            if self.awards_watch is not None:
                await self.awards_watch.scheduler.stop()
            if self.services is not None:
                await self.services.daily.stop()
            await super().close()
        finally:
            if self._service is not None:
                await self._service.close()
                self._service = None


async def _serve(settings: Settings) -> None:
    bot = LookBackBot(settings)
    bot.settle_memory_after_setup = True  # a long-running process (see `settle_memory`)
    loop = asyncio.get_running_loop()
    async with bot:
        # SIGTERM/SIGINT cancel `start` (whatever it is doing: logging in, fetching the gateway,
        # connected); leaving `async with` then closes the gateway and the database once, as
        # discord.py's own `Client.run` does on Ctrl-C. Calling `bot.close()` alongside would
        # close the HTTP session under an in-flight login.
        starting = asyncio.ensure_future(bot.start(settings.token or ""))
        stopping = False

        def request_stop() -> None:
            nonlocal stopping
            if not stopping:
                log.info("Shutdown requested; closing")
                stopping = True
                starting.cancel()

        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, request_stop)
        try:
            await starting
        except asyncio.CancelledError:
            if not stopping:
                raise
        except discord.LoginFailure:
            log.error("Discord refused the token (check DISCORD_TOKEN)")
            raise


def run_bot(settings: Settings) -> int:
    """Run the bot on Discord until it is stopped (SIGTERM or Ctrl-C close it cleanly)."""
    _apply_endpoints(settings)
    try:
        asyncio.run(_serve(settings))
    except discord.LoginFailure:
        return 2
    log.info("Stopped")
    return 0


async def sync_commands(settings: Settings, guild_id: int | None) -> list[str]:
    """Log in without connecting to the gateway, register the commands, return their names."""
    _apply_endpoints(settings)
    bot = LookBackBot(settings)
    async with bot:
        await bot.login(settings.token or "")
        if guild_id is not None:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
        else:
            synced = await bot.tree.sync()
    return [command.name for command in synced]


__all__ = ["LookBackBot", "run_bot", "setup_logging", "sync_commands"]
