"""The stored match index and typo vocabulary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Final

from bot.domain.models import Entry, Kind, MatchVocab
from bot.storage.sqlite.connection import SQLiteConnection, _run
from bot.storage.sqlite.rows import TABLES, _entry_to_row


class MatchIndexTables(SQLiteConnection):
    """The stored match index and typo vocabulary."""

    def match_source(self, entry: Entry) -> str:
        """The fields of `entry` its index row is made from (see the module's `match_source`)."""
        return match_source(entry)

    # -- the matcher's stored index (migration 0003, bot/matching.py) -------------------------

    async def match_index_batches(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[Any]]:
        """Every entry of `kind` in the order of `all_entries`, in batches of (guild_id, key,
        title, norm_title, key_tokens, body_tokens, forms, long_forms): its stored index row
        (without its surfaces), or None in every field after the key when the entry has no row
        or its row was made from other content than the entry holds now (`match_source`)."""
        table = TABLES[kind].name
        # The common case, every entry with an up-to-date row and no row without its entry, is
        # checked inside SQLite (no row object made), and the rows are then read in the order
        # they are stored: a third of the time of the join below, at 100,000 entries.
        stale_sql = (
            f"SELECT 1 FROM {table} t LEFT JOIN match_index m ON m.kind = ?"  # noqa: S608 - names from TABLES
            " AND m.guild_id = t.guild_id AND m.key = t.key"
            f" WHERE m.key IS NULL OR m.source IS NOT {_match_source_sql(kind, 't')} LIMIT 1"
        )
        counts_sql = (
            f"SELECT (SELECT COUNT(*) FROM {table}),"  # noqa: S608 - names from TABLES
            " (SELECT COUNT(*) FROM match_index WHERE kind = ?)"
        )
        async with self._conn.execute(stale_sql, (kind,)) as cur:
            stale = await cur.fetchone()
        async with self._conn.execute(counts_sql, (kind,)) as cur:
            counts = await cur.fetchone()
        if stale is None and counts is not None and counts[0] == counts[1]:
            sql = (
                "SELECT guild_id, key, title, norm_title, key_tokens, body_tokens, forms,"
                " long_forms FROM match_index WHERE kind = ? ORDER BY guild_id, key"
            )
        else:
            sql = (
                "SELECT t.guild_id, t.key, m.title, m.norm_title, m.key_tokens, m.body_tokens,"  # noqa: S608 - names from TABLES
                " m.forms, m.long_forms"
                f" FROM {table} t LEFT JOIN match_index m ON m.kind = ?"
                " AND m.guild_id = t.guild_id AND m.key = t.key"
                f" AND m.source = {_match_source_sql(kind, 't')} ORDER BY t.guild_id, t.key"
            )
        async with self._conn.execute(sql, (kind,)) as cur:
            cur.row_factory = None  # plain tuples: there may be a hundred thousand rows
            while batch := await cur.fetchmany(size):
                yield list(batch)

    async def save_match_index(
        self, rows: Iterable[Sequence[Any]], *, version: str, replace_all: bool = False
    ) -> None:
        """Store index rows (kind, guild_id, key, source, title, norm_title, key_tokens,
        body_tokens, forms, long_forms, surfaces) over those of the same entries, and the
        analysis version they were made with; `replace_all` drops every other row first."""
        async with self.transaction() as conn:
            if replace_all:
                await _run(conn, "DELETE FROM match_index")
            cursor = await conn.executemany(
                "INSERT INTO match_index (kind, guild_id, key, source, title, norm_title,"
                " key_tokens, body_tokens, forms, long_forms, surfaces)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, guild_id, key)"
                " DO UPDATE SET source = excluded.source, title = excluded.title,"
                " norm_title = excluded.norm_title, key_tokens = excluded.key_tokens,"
                " body_tokens = excluded.body_tokens, forms = excluded.forms,"
                " long_forms = excluded.long_forms, surfaces = excluded.surfaces",
                rows,
            )
            await cursor.close()
            await self._set_meta(conn, "match_index_version", version)
            await self._set_meta(conn, "match_vocab_valid", "0")

    async def match_index_count(self) -> int:
        """How many index rows are stored (orphans included)."""
        async with self._conn.execute("SELECT COUNT(*) FROM match_index") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def prune_match_index(self) -> int:
        """Drop the index rows of entries that no longer exist; returns how many."""
        removed = 0
        async with self.transaction() as conn:
            for kind, table in TABLES.items():
                removed += await _run(
                    conn,
                    "DELETE FROM match_index WHERE kind = ? AND NOT EXISTS"  # noqa: S608
                    f" (SELECT 1 FROM {table.name} t WHERE t.guild_id = match_index.guild_id"
                    " AND t.key = match_index.key)",
                    (kind,),
                )
            await self._set_meta(conn, "match_vocab_valid", "0")
        return removed

    async def match_index_surfaces(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[str]]:
        """The `surfaces` of every stored index row of `kind`, in the order of `all_entries`."""
        async with self._conn.execute(
            "SELECT surfaces FROM match_index WHERE kind = ? ORDER BY guild_id, key", (kind,)
        ) as cur:
            while batch := await cur.fetchmany(size):
                yield [row[0] for row in batch]

    async def match_vocab(self) -> MatchVocab | None:
        """The stored typo vocabulary (surfaces, tokens: aligned space-separated lists), or None
        when it is out of date."""
        if await self.get_meta("match_vocab_valid") != "1":
            return None
        async with self._conn.execute(
            "SELECT surfaces, tokens FROM match_vocab WHERE id = 1"
        ) as cur:
            row = await cur.fetchone()
        return MatchVocab(str(row[0]), str(row[1])) if row else None

    async def save_match_vocab(self, surfaces: str, tokens: str) -> None:
        """Replace the stored typo vocabulary and mark it up to date."""
        async with self.transaction() as conn:
            await _run(
                conn,
                "INSERT INTO match_vocab (id, surfaces, tokens) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET surfaces = excluded.surfaces,"
                " tokens = excluded.tokens",
                (surfaces, tokens),
            )
            await self._set_meta(conn, "match_vocab_valid", "1")

    # -- the snapshot of the whole index (migration 0009, bot/matching/snapshot.py) ----------

    async def content_generation(self) -> int:
        """The number every write to an entry table raises (migration 0009's triggers)."""
        async with self._conn.execute("SELECT generation FROM content_generation") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else -1

    async def match_snapshot(self, key: str) -> dict[str, bytes] | None:
        """The stored snapshot's parts by name, if it was made with `key` from the entries as
        they are now (at the current generation); else None."""
        async with self._conn.execute(
            "SELECT s.name, s.data FROM match_snapshot s JOIN content_generation g"
            " ON s.generation = g.generation WHERE s.key = ? ORDER BY s.name, s.piece",
            (key,),
        ) as cur:
            cur.row_factory = None
            rows = await cur.fetchall()
        return join_pieces(rows)

    async def save_match_snapshot(
        self, generation: int, key: str, parts: Iterable[tuple[str, bytes | bytearray]]
    ) -> bool:
        """Replace the stored snapshot by `parts` (made one at a time, inside the transaction),
        made with `key` at `generation`; False, and nothing written, when the entries changed
        since that generation (the snapshot would be out of date already)."""
        async with self.transaction() as conn:
            async with conn.execute("SELECT generation FROM content_generation") as cur:
                row = await cur.fetchone()
            if row is None or int(row[0]) != generation:
                return False
            await _run(conn, "DELETE FROM match_snapshot")
            for name, data in parts:
                for piece, chunk in enumerate(pieces(data)):
                    await _run(
                        conn,
                        "INSERT INTO match_snapshot (name, piece, generation, key, data)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (name, piece, generation, key, chunk),
                    )
        return True


#: The largest value one row of `match_snapshot` holds: a database copies a value it is given
#: while it writes it, and a part of ten megabytes would be held three times over.
SNAPSHOT_PIECE: Final = 1 << 20


def pieces(data: bytes | bytearray) -> Iterator[memoryview]:
    """A snapshot part in pieces of at most SNAPSHOT_PIECE bytes (one, empty, for b'')."""
    view = memoryview(data)
    yield view[:SNAPSHOT_PIECE]
    for start in range(SNAPSHOT_PIECE, len(view), SNAPSHOT_PIECE):
        yield view[start : start + SNAPSHOT_PIECE]


def join_pieces(rows: Iterable[Sequence[Any]]) -> dict[str, bytes] | None:
    """The parts of stored (name, data) rows in piece order, or None for no rows."""
    found: dict[str, list[bytes]] = {}
    for name, data in rows:
        found.setdefault(str(name), []).append(bytes(data))
    parts = {}
    for name in list(found):
        chunks = found.pop(name)  # each part's pieces are let go once it is whole
        parts[name] = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return parts or None


# The fields the matcher's index is made from (beyond title, text, aliases and tags).
_MATCH_LABELS = ("speaker", "occasion", "section", "ceremony")


def _match_source_columns(kind: Kind) -> tuple[str, ...]:
    table = TABLES[kind]
    labels = tuple(c for c in table.extra if c in _MATCH_LABELS)
    # `ja`: the Japanese title and text are matched too (bot.matching.stored).
    return (table.title_column, table.text_column, "aliases", "tags", *labels, "ja")


def _match_source_sql(kind: Kind, alias: str) -> str:
    """`match_source` computed by SQLite from a stored row (columns only from `TABLES`)."""
    return " || char(31) || ".join(f"{alias}.{c}" for c in _match_source_columns(kind))


def match_source(entry: Entry) -> str:
    """The fields of `entry` the matcher's index is made from, as the database stores them.

    Stored with the entry's index row: a row whose `source` no longer equals its entry's
    (an edit, another process) is out of date, and start-up analyses that entry again.
    """
    row = _entry_to_row(entry, "", None)
    return "\x1f".join(str(row[c]) for c in _match_source_columns(entry.kind))
