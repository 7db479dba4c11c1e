"""`lookback-bot copy-database`: every table of one storage into another, then checked.

Both backends store the same values in the same tables (the PostgreSQL migrations mirror the
SQLite ones), so rows are copied as they are, ids included. The copy is one transaction on the
target: all of it or nothing. Then each table is compared on both sides: its row count and a
content hash (SHA-256 over every row's values, independent of row order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

#: Every table that holds the bot's data (the migrations' bookkeeping is not copied: the target
#: made its own schema). Parents before children.
TABLES: Final = (
    "meta",
    "facts",
    "quotes",
    "synopsis_sections",
    "awards_events",
    "guild_hidden",
    "guild_settings",
    "audit_log",
    "reminders",
    "subscriptions",
    "match_index",
    "match_vocab",
    "event_sync_guilds",
    "event_sync_links",
    "calendar_versions",
    "daily_settings",
    "daily_posts",
    "daily_rotation",
    "daily_posted",
    "trivia_games",
    "trivia_answers",
    "trivia_questions",
    "trivia_hidden",
)
#: Rows per batch, read and written.
BATCH: Final = 5000


class CopyRefused(Exception):
    """The copy cannot be made as asked (the message says why and what to do)."""


class RawStorage(Protocol):
    """What both backends offer for copying whole tables (their `raw` module)."""

    async def schema_version(self) -> int: ...
    async def raw_columns(self, table: str) -> list[str]: ...
    def raw_rows(
        self, table: str, columns: Sequence[str], size: int = ...
    ) -> AsyncIterator[list[tuple[Any, ...]]]: ...
    async def raw_count(self, table: str) -> int: ...
    async def raw_clear(self, conn: Any, tables: Sequence[str]) -> None: ...
    async def raw_insert(
        self, conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None: ...
    async def raw_finish(self, conn: Any, tables: Sequence[str]) -> None: ...
    def transaction(self, wait: float | None = None, *, guild_id: int | None = None) -> Any: ...


@dataclass(frozen=True)
class TableCheck:
    """One table on both sides after the copy."""

    table: str
    source_rows: int
    target_rows: int
    source_hash: str
    target_hash: str

    @property
    def ok(self) -> bool:
        """The same rows on both sides."""
        return self.source_rows == self.target_rows and self.source_hash == self.target_hash


async def table_digest(db: RawStorage, table: str) -> tuple[int, str]:
    """(rows, SHA-256 of the rows' values): the rows' digests, sorted, hashed again."""
    columns = sorted(await db.raw_columns(table))
    digests: list[bytes] = []
    async for batch in db.raw_rows(table, columns, BATCH):
        for row in batch:
            text = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
            digests.append(hashlib.sha256(text.encode("utf-8")).digest())
    digests.sort()
    total = hashlib.sha256()
    for digest in digests:
        total.update(digest)
    return len(digests), total.hexdigest()


async def copy_database(
    source: RawStorage,
    target: RawStorage,
    *,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCheck]:
    """Copy every table of `source` into `target` in one transaction, then check each table.

    Refuses a target that holds any row unless `force` (then its rows are replaced), and two
    storages of different schema versions. `progress(table, rows)` is told after each batch.
    """
    version, target_version = await source.schema_version(), await target.schema_version()
    if version != target_version:
        raise CopyRefused(
            f"the source has schema version {version} and the target {target_version}; "
            "run the same release of the bot on both (start it once on each) and copy again"
        )
    if not force:
        filled = [t for t in TABLES if await target.raw_count(t)]
        if filled:
            raise CopyRefused(
                f"the target is not empty ({', '.join(filled[:4])} hold rows); copy into an "
                "empty database, or add --force to replace everything in it"
            )
    async with target.transaction() as conn:
        await target.raw_clear(conn, TABLES)
        for table in TABLES:
            columns = await source.raw_columns(table)
            wanted = set(await target.raw_columns(table))
            if set(columns) != wanted:
                raise CopyRefused(f"the table {table} has other columns on the two sides")
            async for batch in source.raw_rows(table, columns, BATCH):
                await target.raw_insert(conn, table, columns, batch)
                if progress is not None:
                    progress(table, len(batch))
        await target.raw_finish(conn, TABLES)
    checks: list[TableCheck] = []
    for table in TABLES:
        rows, digest = await table_digest(source, table)
        copied, copied_digest = await table_digest(target, table)
        checks.append(TableCheck(table, rows, copied, digest, copied_digest))
    return checks
