"""The content tables: entries of every kind, server overlays, hidden entries, stats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any, Final

import aiosqlite

from bot.constants import SHIPPED_GUILD
from bot.domain.models import BaseStats, Entry, HiddenKey, HiddenRef, Kind, PackReplaced
from bot.domain.timeutil import now_iso
from bot.storage.sqlite.connection import SQLiteConnection, _run
from bot.storage.sqlite.rows import TABLES, _entry_to_row, _row_to_entry

#: Entries written per trip to the database thread by `import_entries`.
IMPORT_BATCH: Final = 1000

#: Set by a caller that shows progress (`lookback-bot import` on a terminal): called with the
#: number of entries `import_entries` wrote since the last call.
write_progress: ContextVar[Callable[[int], None] | None] = ContextVar(
    "write_progress", default=None
)


def _upsert_sql(kind: Kind, columns: Sequence[str]) -> str:
    """INSERT … ON CONFLICT(guild_id, key) DO UPDATE for one kind's row (names from TABLES)."""
    placeholders = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("guild_id", "key"))
    return (
        f"INSERT INTO {TABLES[kind].name} ({', '.join(columns)})"  # noqa: S608
        f" VALUES ({placeholders}) ON CONFLICT(guild_id, key) DO UPDATE SET {updates}"
    )


class ContentTables(SQLiteConnection):
    """The content tables: entries of every kind, server overlays, hidden entries, stats."""

    # -- entries ------------------------------------------------------------------------------

    async def all_entries(self, kinds: Iterable[Kind] = TABLES) -> list[Entry]:
        """Every entry of every server (for building the matcher's index)."""
        entries: list[Entry] = []
        for kind in kinds:
            sql = f"SELECT * FROM {TABLES[kind].name} ORDER BY guild_id, key"  # noqa: S608
            async with self._conn.execute(sql) as cur:
                entries.extend(_row_to_entry(kind, row) for row in await cur.fetchall())
        return entries

    async def get_row(self, kind: Kind, key: str, guild_id: int) -> Entry | None:
        """The row stored for exactly this scope (shipped: guild_id 0), or None."""
        sql = f"SELECT * FROM {TABLES[kind].name} WHERE guild_id = ? AND key = ?"  # noqa: S608
        async with self._conn.execute(sql, (guild_id, key)) as cur:
            row = await cur.fetchone()
        return _row_to_entry(kind, row) if row else None

    async def get_rows(
        self, refs: Iterable[tuple[Kind, str, int]]
    ) -> dict[tuple[Kind, str, int], Entry]:
        """The rows stored for exactly these (kind, key, scope) references; missing ones absent.

        One statement per kind, each a single trip to the database thread: an answer shows up
        to four entries, and reading them one by one cost more than finding them.
        """
        by_kind: dict[Kind, list[tuple[int, str]]] = {}
        for kind, key, guild_id in dict.fromkeys(refs):
            by_kind.setdefault(kind, []).append((guild_id, key))
        out: dict[tuple[Kind, str, int], Entry] = {}
        for kind, pairs in by_kind.items():
            where = " OR ".join(["(guild_id = ? AND key = ?)"] * len(pairs))
            sql = f"SELECT * FROM {TABLES[kind].name} WHERE {where}"  # noqa: S608
            params = [value for pair in pairs for value in pair]
            for row in await self._conn.execute_fetchall(sql, params):
                entry = _row_to_entry(kind, row)
                out[(kind, entry.key, entry.guild_id)] = entry
        return out

    async def get_entry(self, kind: Kind, key: str, guild_id: int | None) -> Entry | None:
        """The entry as server `guild_id` sees it: its own version, else the shipped one.

        A shipped entry the server hid is None. `guild_id` None sees shipped content only.
        """
        if guild_id:
            own = await self.get_row(kind, key, guild_id)
            if own is not None:
                return own
            if await self.is_hidden(guild_id, kind, key):
                return None
        return await self.get_row(kind, key, SHIPPED_GUILD)

    async def visible_entries(self, kind: Kind, guild_id: int | None) -> list[Entry]:
        """Every entry of `kind` server `guild_id` sees, its own versions first-class."""
        table = TABLES[kind].name
        if not guild_id:
            sql = f"SELECT * FROM {table} WHERE guild_id = 0 ORDER BY key"  # noqa: S608
            params: tuple[Any, ...] = ()
        else:
            sql = (
                f"SELECT * FROM {table} t WHERE t.guild_id = ? OR (t.guild_id = 0"  # noqa: S608
                f" AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.guild_id = ? AND o.key = t.key)"
                " AND NOT EXISTS (SELECT 1 FROM guild_hidden h WHERE h.guild_id = ?"
                " AND h.kind = ? AND h.key = t.key)) ORDER BY t.key"
            )
            params = (guild_id, guild_id, guild_id, kind)
        async with self._conn.execute(sql, params) as cur:
            return [_row_to_entry(kind, row) for row in await cur.fetchall()]

    async def save_entry(
        self,
        entry: Entry,
        *,
        origin: str = "guild",
        actor: int | None = None,
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        """Insert or replace the row for `(entry.guild_id, entry.key)`."""
        row = _entry_to_row(entry, origin, actor)
        columns = list(row)
        await _run(conn or self._conn, _upsert_sql(entry.kind, columns), [row[c] for c in columns])

    async def delete_row(
        self, kind: Kind, key: str, guild_id: int, conn: aiosqlite.Connection | None = None
    ) -> bool:
        """Delete one scope's row; True when there was one."""
        sql = f"DELETE FROM {TABLES[kind].name} WHERE guild_id = ? AND key = ?"  # noqa: S608
        return await _run(conn or self._conn, sql, (guild_id, key)) > 0

    async def count_rows(self, kind: Kind, guild_id: int) -> int:
        """How many rows one scope holds for a kind."""
        sql = f"SELECT COUNT(*) FROM {TABLES[kind].name} WHERE guild_id = ?"  # noqa: S608
        async with self._conn.execute(sql, (guild_id,)) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def replace_pack(
        self, entries: Sequence[Entry], *, pack_version: str, pack_hash: str
    ) -> PackReplaced:
        """Make the shipped rows (origin 'pack') equal `entries`, in one transaction.

        Rows added by `lookback-bot import` and servers' own rows are left alone.
        Returns (rows written, rows removed).
        """
        async with self.transaction() as conn:
            wanted = {(e.kind, e.key) for e in entries}
            removed = 0
            for kind, table in TABLES.items():
                sql = f"SELECT key FROM {table.name} WHERE guild_id = 0 AND origin = 'pack'"  # noqa: S608
                async with conn.execute(sql) as cur:
                    stale = [r[0] for r in await cur.fetchall() if (kind, r[0]) not in wanted]
                for key in stale:
                    removed += await self.delete_row(kind, key, SHIPPED_GUILD, conn)
            for entry in entries:
                await self.save_entry(entry, origin="pack", conn=conn)
            await self._set_meta(conn, "pack_version", pack_version)
            await self._set_meta(conn, "pack_hash", pack_hash)
        return PackReplaced(len(entries), removed)

    async def import_entries(
        self, entries: Sequence[Entry], *, origin: str, actor: int | None = None
    ) -> int:
        """Insert or update many entries in one transaction (all or nothing).

        Rows go in batches of `IMPORT_BATCH` (one trip to the database thread each); after
        each batch the `write_progress` callback, when one is set, is told how many were written.
        """
        progress = write_progress.get()
        async with self.transaction() as conn:
            for start in range(0, len(entries), IMPORT_BATCH):
                batch = entries[start : start + IMPORT_BATCH]
                by_kind: dict[Kind, list[Entry]] = {}
                for entry in batch:
                    by_kind.setdefault(entry.kind, []).append(entry)
                for kind, group in by_kind.items():
                    rows = [_entry_to_row(entry, origin, actor) for entry in group]
                    columns = list(rows[0])
                    cursor = await conn.executemany(
                        _upsert_sql(kind, columns), [[row[c] for c in columns] for row in rows]
                    )
                    await cursor.close()
                if progress is not None:
                    progress(len(batch))
        return len(entries)

    # -- hiding shipped entries per server ----------------------------------------------------

    async def is_hidden(self, guild_id: int, kind: Kind, key: str) -> bool:
        """True when server `guild_id` hid the shipped entry."""
        async with self._conn.execute(
            "SELECT 1 FROM guild_hidden WHERE guild_id = ? AND kind = ? AND key = ?",
            (guild_id, kind, key),
        ) as cur:
            return await cur.fetchone() is not None

    async def set_hidden(
        self,
        guild_id: int,
        kind: Kind,
        key: str,
        hidden: bool,
        actor: int | None = None,
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        """Hide or unhide a shipped entry in one server."""
        c = conn or self._conn
        if hidden:
            await _run(
                c,
                "INSERT OR IGNORE INTO guild_hidden (guild_id, kind, key, hidden_by, hidden_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, kind, key, actor, now_iso()),
            )
        else:
            await _run(
                c,
                "DELETE FROM guild_hidden WHERE guild_id = ? AND kind = ? AND key = ?",
                (guild_id, kind, key),
            )

    async def all_hidden(self) -> list[HiddenRef]:
        """Every (guild, kind, key) hidden anywhere (for the matcher's index)."""
        async with self._conn.execute("SELECT guild_id, kind, key FROM guild_hidden") as cur:
            return [HiddenRef(r[0], r[1], r[2]) for r in await cur.fetchall()]

    # -- statistics ---------------------------------------------------------------------------

    async def stats(self) -> BaseStats:
        """Shipped entry counts and the pack version."""
        counts = {kind: await self.count_rows(kind, SHIPPED_GUILD) for kind in TABLES}
        return BaseStats(
            facts=counts["fact"],
            quotes=counts["quote"],
            synopsis=counts["synopsis"],
            awards=counts["awards"],
            pack_version=await self.get_meta("pack_version") or "unknown",
        )

    # -- server administration (/admin; used by bot.admin) ------------------------------------

    async def guild_rows(self, guild_id: int, kinds: Iterable[Kind] = TABLES) -> list[Entry]:
        """A server's own rows (its entries and its versions of shipped ones), by kind and key."""
        entries: list[Entry] = []
        for kind in kinds:
            sql = f"SELECT * FROM {TABLES[kind].name} WHERE guild_id = ? ORDER BY key"  # noqa: S608
            async with self._conn.execute(sql, (guild_id,)) as cur:
                entries.extend(_row_to_entry(kind, row) for row in await cur.fetchall())
        return entries

    async def hidden_keys(self, guild_id: int) -> list[HiddenKey]:
        """(kind, key) of every shipped entry one server hid."""
        async with self._conn.execute(
            "SELECT kind, key FROM guild_hidden WHERE guild_id = ? ORDER BY kind, key",
            (guild_id,),
        ) as cur:
            return [HiddenKey(r[0], r[1]) for r in await cur.fetchall()]
