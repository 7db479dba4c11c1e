"""The content tables on PostgreSQL: entries, server overlays, hidden entries, stats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from bot.constants import SHIPPED_GUILD
from bot.domain.models import BaseStats, Entry, HiddenKey, HiddenRef, Kind, PackReplaced
from bot.domain.timeutil import now_iso
from bot.storage.postgres.connection import ALL_GUILDS, PostgresConnection, record
from bot.storage.sqlite.content import write_progress
from bot.storage.sqlite.rows import TABLES, _entry_to_row, _row_to_entry

#: Entries written per `executemany` by `import_entries`.
IMPORT_BATCH: Final = 1000
#: A write of more entries than this announces one "everything changed" notice instead of one
#: per entry (the other processes then reload their whole index).
NOTICES_PER_WRITE: Final = 50


def _upsert_sql(kind: Kind, columns: Sequence[str]) -> str:
    """INSERT … ON CONFLICT (guild_id, key) DO UPDATE for one kind's row (names from TABLES)."""
    placeholders = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("guild_id", "key"))
    return (
        f"INSERT INTO {TABLES[kind].name} ({', '.join(columns)})"  # noqa: S608
        f" VALUES ({placeholders}) ON CONFLICT (guild_id, key) DO UPDATE SET {updates}"
    )


def _entries(kind: Kind, rows: Iterable[Any]) -> list[Entry]:
    return [_row_to_entry(kind, record(row)) for row in rows]


class ContentTables(PostgresConnection):
    """The content tables: entries of every kind, server overlays, hidden entries, stats."""

    # -- entries ------------------------------------------------------------------------------

    async def all_entries(self, kinds: Iterable[Kind] = TABLES) -> list[Entry]:
        """Every entry of every server (for building the matcher's index)."""
        entries: list[Entry] = []
        for kind in kinds:
            sql = f"SELECT * FROM {TABLES[kind].name} ORDER BY guild_id, key"  # noqa: S608
            entries.extend(_entries(kind, await self._fetch(sql)))
        return entries

    async def get_row(self, kind: Kind, key: str, guild_id: int) -> Entry | None:
        """The row stored for exactly this scope (shipped: guild_id 0), or None."""
        sql = f"SELECT * FROM {TABLES[kind].name} WHERE guild_id = ? AND key = ?"  # noqa: S608
        row = await self._fetchrow(sql, (guild_id, key))
        return _row_to_entry(kind, record(row)) if row else None

    async def get_rows(
        self, refs: Iterable[tuple[Kind, str, int]]
    ) -> dict[tuple[Kind, str, int], Entry]:
        """The rows stored for exactly these (kind, key, scope) references; missing ones absent."""
        by_kind: dict[Kind, list[tuple[int, str]]] = {}
        for kind, key, guild_id in dict.fromkeys(refs):
            by_kind.setdefault(kind, []).append((guild_id, key))
        out: dict[tuple[Kind, str, int], Entry] = {}
        for kind, pairs in by_kind.items():
            sql = (
                f"SELECT t.* FROM {TABLES[kind].name} t"  # noqa: S608 - names from TABLES
                " JOIN unnest(?::bigint[], ?::text[]) AS r(guild_id, key)"
                " ON t.guild_id = r.guild_id AND t.key = r.key"
            )
            rows = await self._fetch(sql, ([g for g, _ in pairs], [k for _, k in pairs]))
            for entry in _entries(kind, rows):
                out[(kind, entry.key, entry.guild_id)] = entry
        return out

    async def get_entry(self, kind: Kind, key: str, guild_id: int | None) -> Entry | None:
        """The entry as server `guild_id` sees it: its own version, else the shipped one."""
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
        return _entries(kind, await self._fetch(sql, params))

    async def save_entry(
        self, entry: Entry, *, origin: str = "guild", actor: int | None = None, conn: Any = None
    ) -> None:
        """Insert or replace the row for `(entry.guild_id, entry.key)`."""
        row = _entry_to_row(entry, origin, actor)
        columns = list(row)
        conn = conn or self._tx.get()
        if conn is None:
            async with self.transaction() as conn:
                await self._save(entry, columns, row, conn)
        else:
            await self._save(entry, columns, row, conn)

    async def _save(self, entry: Entry, columns: list[str], row: dict[str, Any], conn: Any) -> None:
        await self._run(_upsert_sql(entry.kind, columns), [row[c] for c in columns], conn)
        await self._notify_change(conn, entry.guild_id, entry.kind, entry.key)

    async def delete_row(self, kind: Kind, key: str, guild_id: int, conn: Any = None) -> bool:
        """Delete one scope's row; True when there was one."""
        sql = f"DELETE FROM {TABLES[kind].name} WHERE guild_id = ? AND key = ?"  # noqa: S608
        conn = conn or self._tx.get()
        if conn is None:
            async with self.transaction() as conn:
                return await self._delete(sql, kind, key, guild_id, conn)
        return await self._delete(sql, kind, key, guild_id, conn)

    async def _delete(self, sql: str, kind: Kind, key: str, guild_id: int, conn: Any) -> bool:
        deleted = await self._run(sql, (guild_id, key), conn) > 0
        if deleted:
            await self._notify_change(conn, guild_id, kind, key)
        return deleted

    async def count_rows(self, kind: Kind, guild_id: int) -> int:
        """How many rows one scope holds for a kind."""
        sql = f"SELECT COUNT(*) FROM {TABLES[kind].name} WHERE guild_id = ?"  # noqa: S608
        return int(await self._fetchval(sql, (guild_id,)) or 0)

    async def replace_pack(
        self, entries: Sequence[Entry], *, pack_version: str, pack_hash: str
    ) -> PackReplaced:
        """Make the shipped rows (origin 'pack') equal `entries`, in one transaction.

        Rows added by `lookback-bot import` and servers' own rows are left alone.
        """
        async with self.transaction(guild_id=SHIPPED_GUILD) as conn:
            wanted = {(e.kind, e.key) for e in entries}
            removed = 0
            for kind, table in TABLES.items():
                sql = f"SELECT key FROM {table.name} WHERE guild_id = 0 AND origin = 'pack'"  # noqa: S608
                stale = [r[0] for r in await self._fetch(sql) if (kind, r[0]) not in wanted]
                if stale:
                    removed += await self._run(
                        f"DELETE FROM {table.name} WHERE guild_id = 0 AND key = ANY(?::text[])",  # noqa: S608
                        (stale,),
                        conn,
                    )
            # Every process loads the shipped pack itself when it starts: no notice.
            await self._write_many(entries, "pack", None, conn, notify=False)
            await self._set_meta(conn, "pack_version", pack_version)
            await self._set_meta(conn, "pack_hash", pack_hash)
        return PackReplaced(len(entries), removed)

    async def _write_many(
        self,
        entries: Sequence[Entry],
        origin: str,
        actor: int | None,
        conn: Any,
        *,
        notify: bool = True,
    ) -> None:
        by_kind: dict[Kind, list[Entry]] = {}
        for entry in entries:
            by_kind.setdefault(entry.kind, []).append(entry)
        for kind, group in by_kind.items():
            rows = [_entry_to_row(entry, origin, actor) for entry in group]
            columns = list(rows[0])
            await self._many(
                _upsert_sql(kind, columns), [[r[c] for c in columns] for r in rows], conn
            )
        if not notify:
            return
        if len(entries) > NOTICES_PER_WRITE:
            await self._notify_change(conn, ALL_GUILDS, "*", "*")  # too many: reindex all
            return
        for entry in entries:
            await self._notify_change(conn, entry.guild_id, entry.kind, entry.key)

    async def import_entries(
        self, entries: Sequence[Entry], *, origin: str, actor: int | None = None
    ) -> int:
        """Insert or update many entries in one transaction (all or nothing)."""
        progress = write_progress.get()
        async with self.transaction() as conn:
            for start in range(0, len(entries), IMPORT_BATCH):
                batch = entries[start : start + IMPORT_BATCH]
                await self._write_many(batch, origin, actor, conn)
                if progress is not None:
                    progress(len(batch))
        return len(entries)

    # -- hiding shipped entries per server ----------------------------------------------------

    async def is_hidden(self, guild_id: int, kind: Kind, key: str) -> bool:
        """True when server `guild_id` hid the shipped entry."""
        row = await self._fetchrow(
            "SELECT 1 FROM guild_hidden WHERE guild_id = ? AND kind = ? AND key = ?",
            (guild_id, kind, key),
        )
        return row is not None

    async def set_hidden(
        self,
        guild_id: int,
        kind: Kind,
        key: str,
        hidden: bool,
        actor: int | None = None,
        conn: Any = None,
    ) -> None:
        """Hide or unhide a shipped entry in one server."""
        conn = conn or self._tx.get()
        if conn is None:
            async with self.transaction() as conn:
                await self._hide(guild_id, kind, key, hidden, actor, conn)
        else:
            await self._hide(guild_id, kind, key, hidden, actor, conn)

    async def _hide(
        self, guild_id: int, kind: Kind, key: str, hidden: bool, actor: int | None, conn: Any
    ) -> None:
        if hidden:
            changed = await self._run(
                "INSERT INTO guild_hidden (guild_id, kind, key, hidden_by, hidden_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, kind, key, actor, now_iso()),
                conn,
            )
        else:
            changed = await self._run(
                "DELETE FROM guild_hidden WHERE guild_id = ? AND kind = ? AND key = ?",
                (guild_id, kind, key),
                conn,
            )
        if changed:
            await self._notify_change(conn, guild_id, kind, key)

    async def all_hidden(self) -> list[HiddenRef]:
        """Every (guild, kind, key) hidden anywhere (for the matcher's index)."""
        rows = await self._fetch("SELECT guild_id, kind, key FROM guild_hidden")
        return [HiddenRef(r[0], r[1], r[2]) for r in rows]

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

    # -- server administration ----------------------------------------------------------------

    async def guild_rows(self, guild_id: int, kinds: Iterable[Kind] = TABLES) -> list[Entry]:
        """A server's own rows (its entries and its versions of shipped ones), by kind and key."""
        entries: list[Entry] = []
        for kind in kinds:
            sql = f"SELECT * FROM {TABLES[kind].name} WHERE guild_id = ? ORDER BY key"  # noqa: S608
            entries.extend(_entries(kind, await self._fetch(sql, (guild_id,))))
        return entries

    async def hidden_keys(self, guild_id: int) -> list[HiddenKey]:
        """(kind, key) of every shipped entry one server hid."""
        rows = await self._fetch(
            "SELECT kind, key FROM guild_hidden WHERE guild_id = ? ORDER BY kind, key",
            (guild_id,),
        )
        return [HiddenKey(r[0], r[1]) for r in rows]
