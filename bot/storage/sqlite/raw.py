"""Whole tables as they are stored, for `lookback-bot copy-database` (`bot.storage.copy`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from bot.storage.sqlite.connection import SQLiteConnection, _run


class RawTables(SQLiteConnection):
    """Read and write every row of a table, values exactly as stored."""

    async def raw_columns(self, table: str) -> list[str]:
        """The columns of `table`, in their order (a name from `bot.storage.copy.TABLES`)."""
        async with self._conn.execute(f"PRAGMA table_info({table})") as cur:
            return [row[1] for row in await cur.fetchall()]

    async def raw_rows(
        self, table: str, columns: Sequence[str], size: int = 5000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every row of `table` (those columns), in batches."""
        sql = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - names from the schema
        async with self._conn.execute(sql) as cur:
            cur.row_factory = None
            while batch := await cur.fetchmany(size):
                yield [tuple(row) for row in batch]

    async def raw_count(self, table: str) -> int:
        """How many rows `table` holds."""
        async with self._conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:  # noqa: S608
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def raw_clear(self, conn: Any, tables: Sequence[str]) -> None:
        """Delete every row of these tables (inside `conn`'s transaction), children first."""
        for table in reversed(tables):
            await _run(conn, f"DELETE FROM {table}")  # noqa: S608

    async def raw_insert(
        self, conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows as they are (inside `conn`'s transaction)."""
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        cursor = await conn.executemany(sql, rows)
        await cursor.close()

    async def raw_finish(self, conn: Any, tables: Sequence[str]) -> None:
        """After rows were inserted with their ids: nothing to do (SQLite's ids follow MAX)."""
