"""`Database`: the PostgreSQL storage, one class made of its table groups."""

from __future__ import annotations

import asyncpg

from bot.storage.postgres.content import ContentTables
from bot.storage.postgres.daily import DailyStore
from bot.storage.postgres.event_sync import EventSyncTables
from bot.storage.postgres.match_index import MatchIndexTables
from bot.storage.postgres.raw import RawTables
from bot.storage.postgres.reminders import ReminderStore
from bot.storage.postgres.settings import SettingsTables
from bot.storage.postgres.trivia import TriviaStore


class Database(ContentTables, SettingsTables, MatchIndexTables, EventSyncTables, RawTables):
    """The bot's fact base on PostgreSQL: every table group, on one pool of connections."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(pool, url)
        self.reminders = ReminderStore(self)
        self.daily = DailyStore(self)
        self.trivia = TriviaStore(self)
