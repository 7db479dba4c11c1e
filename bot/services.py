"""The one place the services are built, at start-up; the bot holds them as attributes.

`build_services` wires the fact base (content and matching), the moderator service and the
awards watch (reminder planning and its scheduler) on one storage. The Discord side passes
only how a reminder is sent; nothing here imports discord.py, so the console and the
command-line tools can build the same services.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.domain.daily import DailyService
from bot.domain.event_sync import EventOps, EventSync
from bot.domain.factbase import FactBase
from bot.domain.models import Reminder
from bot.domain.pack import load_pack, shipped_pack_path
from bot.domain.reminders import AwardsWatch, ReminderScheduler, Sender
from bot.domain.trivia import TriviaService
from bot.moderation.service import AdminService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """What the commands use: content and matching, moderation, the awards watch, the daily
    post."""

    facts: FactBase
    moderation: AdminService
    awards: AwardsWatch
    daily: DailyService
    trivia: TriviaService


def process_owner() -> str:
    """A name for this process in reminder claims (host, pid, random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_services(
    facts: FactBase,
    settings: Settings,
    *,
    sender: Sender,
    on_done: Callable[[Reminder, str], None] | None = None,
    transient: tuple[type[BaseException], ...] = (),
    event_ops: EventOps | None = None,
) -> Services:
    """Wire the services on the opened fact base.

    `sender` delivers one reminder (Discord: `bot.ui.delivery.ReminderDelivery.send`);
    `transient` names the sender's errors that are retried (discord.py's HTTP errors);
    `event_ops` are the Discord scheduled-event operations (`bot.ui.scheduled_events`): with
    them, re-planning a server's reminders also keeps its scheduled events in step.
    """
    shards = (
        (settings.shard_count, settings.shard_ids)
        if settings.shard_ids is not None and settings.shard_count
        else None
    )
    scheduler = ReminderScheduler(
        facts.db,
        sender,
        owner=process_owner(),
        grace_seconds=settings.reminder_grace_seconds,
        lease_seconds=settings.reminder_lease_seconds,
        shards=shards,
        on_done=on_done,
        transient=transient,
    )
    awards = AwardsWatch(facts.db, facts.awards_events, scheduler)
    if event_ops is not None:
        awards.event_sync = EventSync(facts.db, event_ops)

    async def reschedule(guild_id: int) -> None:
        # Looked up at call time: tests (and a reload) may replace the watch's methods.
        await awards.reconcile(guild_id)

    trivia = TriviaService(facts.db, lambda: load_pack(shipped_pack_path()).trivia)
    moderation = AdminService(facts, settings.owner_ids, reschedule, trivia)
    daily = DailyService(
        facts.db,
        owner=process_owner(),
        grace_seconds=settings.reminder_grace_seconds,
        lease_seconds=settings.reminder_lease_seconds,
        shards=shards,
        transient=transient,
    )
    return Services(facts=facts, moderation=moderation, awards=awards, daily=daily, trivia=trivia)
