"""Whole tables as they are stored, for `lookback-bot copy-database` (`bot.storage.copy`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from bot.storage.postgres.connection import PostgresConnection


class RawTables(PostgresConnection):
    """Read and write every row of a table, values exactly as stored."""

    async def raw_columns(self, table: str) -> list[str]:
        """The columns of `table`, in their order (a name from `bot.storage.copy.TABLES`)."""
        rows = await self._fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [row[0] for row in rows]

    async def raw_rows(
        self, table: str, columns: Sequence[str], size: int = 5000
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every row of `table` (those columns), in batches through a server-side cursor."""
        sql = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - names from the schema
        async with self._pool.acquire() as conn, conn.transaction():
            cursor = await conn.cursor(sql)
            while batch := await cursor.fetch(size):
                yield [tuple(row) for row in batch]

    async def raw_count(self, table: str) -> int:
        """How many rows `table` holds."""
        return int(await self._fetchval(f"SELECT COUNT(*) FROM {table}") or 0)  # noqa: S608

    async def raw_clear(self, conn: Any, tables: Sequence[str]) -> None:
        """Delete every row of these tables (inside `conn`'s transaction)."""
        await conn.execute(f"TRUNCATE {', '.join(tables)}")

    async def raw_insert(
        self, conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows as they are (inside `conn`'s transaction), with COPY."""
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def raw_finish(self, conn: Any, tables: Sequence[str]) -> None:
        """Move each identity column's sequence past the ids just copied in."""
        for table in tables:
            if "id" not in await self.raw_columns(table):
                continue
            sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
            if sequence:
                await conn.execute(
                    "SELECT setval($1, GREATEST((SELECT COALESCE(MAX(id), 0) FROM "  # noqa: S608
                    f"{table}), 1), (SELECT COUNT(*) > 0 FROM {table}))",
                    sequence,
                )
