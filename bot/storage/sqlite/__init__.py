"""SQLite storage (the default): one file, WAL, numbered migrations in `migrations/`."""

from bot.storage.sqlite.database import Database

__all__ = ["Database"]
