"""`Database`: the SQLite storage, one class made of its table groups."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot.storage.sqlite.content import ContentTables
from bot.storage.sqlite.daily import DailyStore
from bot.storage.sqlite.event_sync import EventSyncTables
from bot.storage.sqlite.match_index import MatchIndexTables
from bot.storage.sqlite.reminders import ReminderStore
from bot.storage.sqlite.settings import SettingsTables
from bot.storage.sqlite.trivia import TriviaStore


class Database(ContentTables, SettingsTables, MatchIndexTables, EventSyncTables):
    """The bot's SQLite fact base: every table group, on one connection."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, read_only: bool = False) -> None:
        super().__init__(conn, path, read_only=read_only)
        self.reminders = ReminderStore(self)
        self.daily = DailyStore(self)
        self.trivia = TriviaStore(self)
