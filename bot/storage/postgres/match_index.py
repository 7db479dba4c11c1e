"""The stored match index and typo vocabulary on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from bot.domain.models import Entry, Kind, MatchVocab
from bot.storage.postgres.connection import PostgresConnection, _sql
from bot.storage.sqlite.match_index import (
    _match_source_columns,
    join_pieces,
    match_source,
    pieces,
)
from bot.storage.sqlite.rows import TABLES


def _match_source_sql(kind: Kind, alias: str) -> str:
    """`match_source` computed by PostgreSQL from a stored row (columns only from `TABLES`)."""
    return " || chr(31) || ".join(f"{alias}.{c}" for c in _match_source_columns(kind))


class MatchIndexTables(PostgresConnection):
    """The stored match index and typo vocabulary."""

    def match_source(self, entry: Entry) -> str:
        """The fields of `entry` its index row is made from (the same text as on SQLite)."""
        return match_source(entry)

    async def match_index_batches(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[Any]]:
        """Every entry of `kind` in the order of `all_entries`, in batches of (guild_id, key,
        title, norm_title, key_tokens, body_tokens, forms, long_forms); None after the key when
        the entry has no stored row or its row is out of date (see the SQLite backend)."""
        sql = (
            "SELECT t.guild_id, t.key, m.title, m.norm_title, m.key_tokens, m.body_tokens,"  # noqa: S608 - names from TABLES
            " m.forms, m.long_forms"
            f" FROM {TABLES[kind].name} t LEFT JOIN match_index m ON m.kind = ?"
            " AND m.guild_id = t.guild_id AND m.key = t.key"
            f" AND m.source = {_match_source_sql(kind, 't')} ORDER BY t.guild_id, t.key"
        )
        async for batch in self._batches(sql, (kind,), size):
            yield [tuple(row) for row in batch]

    async def _batches(
        self, sql: str, params: Sequence[Any], size: int
    ) -> AsyncIterator[list[Any]]:
        """Rows in batches through a server-side cursor (a hundred thousand rows stream)."""
        async with self._pool.acquire() as conn, conn.transaction():
            cursor = await conn.cursor(_sql(sql), *params)
            while batch := await cursor.fetch(size):
                yield batch

    async def save_match_index(
        self, rows: Iterable[Sequence[Any]], *, version: str, replace_all: bool = False
    ) -> None:
        """Store index rows over those of the same entries (see the SQLite backend)."""
        async with self.transaction() as conn:
            if replace_all:
                await self._run("DELETE FROM match_index", (), conn)
            await self._many(
                "INSERT INTO match_index (kind, guild_id, key, source, title, norm_title,"
                " key_tokens, body_tokens, forms, long_forms, surfaces)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, guild_id, key)"
                " DO UPDATE SET source = excluded.source, title = excluded.title,"
                " norm_title = excluded.norm_title, key_tokens = excluded.key_tokens,"
                " body_tokens = excluded.body_tokens, forms = excluded.forms,"
                " long_forms = excluded.long_forms, surfaces = excluded.surfaces",
                [tuple(row) for row in rows],
                conn,
            )
            await self._set_meta(conn, "match_index_version", version)
            await self._set_meta(conn, "match_vocab_valid", "0")

    async def match_index_count(self) -> int:
        """How many index rows are stored (orphans included)."""
        return int(await self._fetchval("SELECT COUNT(*) FROM match_index") or 0)

    async def prune_match_index(self) -> int:
        """Drop the index rows of entries that no longer exist; returns how many."""
        removed = 0
        async with self.transaction() as conn:
            for kind, table in TABLES.items():
                removed += await self._run(
                    "DELETE FROM match_index WHERE kind = ? AND NOT EXISTS"  # noqa: S608
                    f" (SELECT 1 FROM {table.name} t WHERE t.guild_id = match_index.guild_id"
                    " AND t.key = match_index.key)",
                    (kind,),
                    conn,
                )
            await self._set_meta(conn, "match_vocab_valid", "0")
        return removed

    async def match_index_surfaces(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[str]]:
        """The `surfaces` of every stored index row of `kind`, in the order of `all_entries`."""
        sql = "SELECT surfaces FROM match_index WHERE kind = ? ORDER BY guild_id, key"
        async for batch in self._batches(sql, (kind,), size):
            yield [row[0] for row in batch]

    async def match_vocab(self) -> MatchVocab | None:
        """The stored typo vocabulary, or None when it is out of date."""
        if await self.get_meta("match_vocab_valid") != "1":
            return None
        row = await self._fetchrow("SELECT surfaces, tokens FROM match_vocab WHERE id = 1")
        return MatchVocab(str(row[0]), str(row[1])) if row else None

    async def save_match_vocab(self, surfaces: str, tokens: str) -> None:
        """Replace the stored typo vocabulary and mark it up to date."""
        async with self.transaction() as conn:
            await self._run(
                "INSERT INTO match_vocab (id, surfaces, tokens) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET surfaces = excluded.surfaces,"
                " tokens = excluded.tokens",
                (surfaces, tokens),
                conn,
            )
            await self._set_meta(conn, "match_vocab_valid", "1")

    # -- the snapshot of the whole index (migration 0009, bot/matching/snapshot.py) ----------

    async def content_generation(self) -> int:
        """The number every write to an entry table raises (migration 0009's triggers)."""
        value = await self._fetchval("SELECT generation FROM content_generation")
        return int(value) if value is not None else -1

    async def match_snapshot(self, key: str) -> dict[str, bytes] | None:
        """The stored snapshot's parts by name, if it was made with `key` from the entries as
        they are now (at the current generation); else None."""
        rows = await self._fetch(
            "SELECT s.name, s.data FROM match_snapshot s JOIN content_generation g"
            " ON s.generation = g.generation WHERE s.key = ? ORDER BY s.name, s.piece",
            (key,),
        )
        return join_pieces(rows)

    async def save_match_snapshot(
        self, generation: int, key: str, parts: Iterable[tuple[str, bytes | bytearray]]
    ) -> bool:
        """Replace the stored snapshot (see the SQLite backend); False when the entries changed
        since `generation`."""
        async with self.transaction() as conn:
            current = await self._fetchval("SELECT generation FROM content_generation", (), conn)
            if current is None or int(current) != generation:
                return False
            await self._run("DELETE FROM match_snapshot", (), conn)
            for name, data in parts:
                for piece, chunk in enumerate(pieces(data)):
                    await self._run(
                        "INSERT INTO match_snapshot (name, piece, generation, key, data)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (name, piece, generation, key, bytes(chunk)),
                        conn,
                    )
        return True
