"""Storage: everything the bot keeps, behind named async methods that return records.

`bot.storage.sqlite` is the implementation (one package per backend); the services use the
`Storage` interface in `bot.storage.interface`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.interface import Storage


async def open_storage(location: Path | str) -> Storage:
    """Open (creating and migrating as needed) the storage at `location`: a SQLite file path."""
    from bot.storage.sqlite import Database

    return await Database.open(location)
