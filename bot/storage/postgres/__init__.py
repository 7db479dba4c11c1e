"""PostgreSQL storage (`DATABASE_URL=postgresql://…`): the same tables and records as the
SQLite backend, through `asyncpg`, for several processes on one shared database server."""

from bot.storage.postgres.database import Database

__all__ = ["Database"]
