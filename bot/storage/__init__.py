"""Storage: everything the bot keeps, behind named async methods that return records.

One package per backend, both implementing the `Storage` interface of
`bot.storage.interface`: `bot.storage.sqlite` (a file, the default) and
`bot.storage.postgres` (a `postgresql://` URL). `open_storage` picks one by the location.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.interface import Storage

_SQLITE_PREFIX = "sqlite:///"


def is_postgres(location: Path | str) -> bool:
    """True when `location` is a PostgreSQL URL (`postgresql://…` or `postgres://…`)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def sqlite_path(location: Path | str) -> Path:
    """The file of a SQLite location: a path, or a `sqlite:///path` URL."""
    if isinstance(location, str) and location.startswith(_SQLITE_PREFIX):
        return Path(location.removeprefix(_SQLITE_PREFIX))
    return Path(location)


async def open_storage(location: Path | str) -> Storage:
    """Open (creating and migrating as needed) the storage at `location`: a SQLite file path
    (or `sqlite:///path`), or a `postgresql://` URL."""
    if is_postgres(location):
        from bot.storage.postgres import Database as PostgresDatabase

        assert isinstance(location, str)
        return await PostgresDatabase.open(location)
    from bot.storage.sqlite import Database

    return await Database.open(sqlite_path(location))
