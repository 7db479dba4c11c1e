"""All SQL of the bot: one class of named async methods that return dataclasses.

Every value reaches SQLite as a bound parameter. Table and column names in the statements come
only from the constant `TABLES` below, never from user input.

Faults of the file under the running bot are met here, before anything is written:

- *Locked* by another program's write: a write waits up to `WRITE_WAIT_SECONDS`, trying
  `BEGIN IMMEDIATE` with a short busy timeout and pausing asynchronously in between, so the
  connection's one worker thread keeps serving other commands' reads meanwhile (a 5-second
  busy wait inside that thread would stall every command, including the answers that must
  reach Discord within 3 seconds). It then fails with SQLite's "database is locked".
- *Read-only*: a file the bot may not write is opened read-only (`mode=ro`, or `immutable=1`
  when SQLite could not even read it otherwise); reads work, every write is refused.
- *Removed or replaced* (unlinked, or another file moved over it): the open descriptor would
  keep working on the deleted inode and every change would be lost, so each write first checks
  that the path still names the file that was opened, and refuses (with a logged error)
  otherwise.

What a user is told about each fault is decided in one place, `bot.errors.database_unavailable`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import aiosqlite
import discord

from bot.constants import SHIPPED_GUILD
from bot.errors import DB_MISSING, DB_READ_ONLY, WriteRefused, is_busy
from bot.models import (
    AuditRecord,
    BaseStats,
    Entry,
    GuildSettings,
    Kind,
    PlannedReminder,
    Reminder,
)

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

#: How long a write waits for another program's write lock before giving up.
WRITE_WAIT_SECONDS: Final = 5.0
#: Reads (and everything but the start of a write) may wait this long for a lock.
BUSY_TIMEOUT_MS: Final = 5000
#: Each attempt to start a write blocks the connection's thread at most this long ...
_BEGIN_BUSY_TIMEOUT_MS: Final = 20
#: ... and between attempts the task pauses (asynchronously) this long, then longer.
_BEGIN_PAUSES: Final = (0.02, 0.05, 0.1, 0.2, 0.25)


@dataclass(frozen=True)
class _Table:
    name: str
    title_column: str
    text_column: str
    extra: tuple[str, ...]


TABLES: dict[Kind, _Table] = {
    "fact": _Table("facts", "title", "answer", ("spoiler",)),
    "quote": _Table("quotes", "title", "text", ("speaker", "occasion", "said_on")),
    "synopsis": _Table("synopsis_sections", "title", "text", ("section", "spoiler")),
    "awards": _Table("awards_events", "name", "outcome", ("ceremony", "starts_at", "date_only")),
}
_COMMON = (
    "guild_id",
    "key",
    "aliases",
    "tags",
    "source_name",
    "source_url",
    "origin",
    "updated_by",
    "updated_at",
)


def now_iso() -> str:
    """The current UTC time as ISO 8601 (read through discord.py's clock, which tests drive)."""
    return discord.utils.utcnow().isoformat(timespec="seconds")


def parse_utc(value: str | None) -> dt.datetime | None:
    """Parse a stored UTC timestamp."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_utc(value: dt.datetime | None) -> str | None:
    """Format a timestamp for storage, always in UTC."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _row_to_entry(kind: Kind, row: aiosqlite.Row) -> Entry:
    table = TABLES[kind]
    keys = row.keys()
    return Entry(
        kind=kind,
        key=row["key"],
        guild_id=row["guild_id"],
        title=row[table.title_column],
        text=row[table.text_column],
        source_name=row["source_name"],
        source_url=row["source_url"],
        aliases=tuple(json.loads(row["aliases"])),
        tags=tuple(json.loads(row["tags"])),
        spoiler=bool(row["spoiler"]) if "spoiler" in keys else False,
        speaker=row["speaker"] if "speaker" in keys else "",
        occasion=row["occasion"] if "occasion" in keys else "",
        said_on=row["said_on"] if "said_on" in keys else None,
        section=row["section"] if "section" in keys else "",
        ceremony=row["ceremony"] if "ceremony" in keys else "",
        starts_at=parse_utc(row["starts_at"]) if "starts_at" in keys else None,
        date_only=bool(row["date_only"]) if "date_only" in keys else False,
        outcome=row["outcome"] if kind == "awards" else "",
        updated_at=row["updated_at"],
    )


def _entry_to_row(entry: Entry, origin: str, actor: int | None) -> dict[str, Any]:
    table = TABLES[entry.kind]
    row: dict[str, Any] = {
        "guild_id": entry.guild_id,
        "key": entry.key,
        "aliases": json.dumps(list(entry.aliases), ensure_ascii=False),
        "tags": json.dumps(list(entry.tags), ensure_ascii=False),
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "origin": origin,
        "updated_by": actor,
        "updated_at": now_iso(),
        table.title_column: entry.title,
        table.text_column: entry.outcome if entry.kind == "awards" else entry.text,
    }
    values = {
        "spoiler": int(entry.spoiler),
        "speaker": entry.speaker,
        "occasion": entry.occasion,
        "said_on": entry.said_on,
        "section": entry.section,
        "ceremony": entry.ceremony,
        "starts_at": format_utc(entry.starts_at),
        "date_only": int(entry.date_only),
    }
    for column in table.extra:
        row[column] = values[column]
    return row


def entry_snapshot(entry: Entry | None) -> dict[str, Any] | None:
    """The editable fields of an entry as plain JSON, for the audit log and undo."""
    if entry is None:
        return None
    row = _entry_to_row(entry, "guild", None)
    for volatile in ("origin", "updated_by", "updated_at", "guild_id"):
        row.pop(volatile)
    row["aliases"] = list(entry.aliases)
    row["tags"] = list(entry.tags)
    return row


def entry_from_snapshot(kind: Kind, guild_id: int, snapshot: dict[str, Any]) -> Entry:
    """Rebuild an entry from `entry_snapshot` output."""
    table = TABLES[kind]
    text = snapshot[table.text_column]
    return Entry(
        kind=kind,
        key=snapshot["key"],
        guild_id=guild_id,
        title=snapshot[table.title_column],
        text=text if kind != "awards" else "",
        outcome=text if kind == "awards" else "",
        source_name=snapshot["source_name"],
        source_url=snapshot["source_url"],
        aliases=tuple(snapshot.get("aliases", ())),
        tags=tuple(snapshot.get("tags", ())),
        spoiler=bool(snapshot.get("spoiler", False)),
        speaker=snapshot.get("speaker", ""),
        occasion=snapshot.get("occasion", ""),
        said_on=snapshot.get("said_on"),
        section=snapshot.get("section", ""),
        ceremony=snapshot.get("ceremony", ""),
        starts_at=parse_utc(snapshot.get("starts_at")),
        date_only=bool(snapshot.get("date_only", False)),
    )


async def _run(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Execute one statement and close its cursor at once (an open cursor blocks COMMIT)."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        await cursor.close()


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("bot") / "migrations"
    found: list[tuple[int, str, str]] = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    return found


class Database:
    """The bot's SQLite fact base."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._identity = _file_identity(path)
        self._tx_lock = asyncio.Lock()
        self.reminders = ReminderStore(self)

    @classmethod
    async def open(cls, path: Path | str, *, read_only: bool | None = None) -> Database:
        """Open (creating if needed) the database at `path` and apply pending migrations.

        An existing file the bot may not write (or whose folder it may not write) is opened
        read-only, as is any file when `read_only` is True; it must need no migration.
        """
        path = Path(path)
        in_memory = str(path) == ":memory:"
        if read_only is None:
            read_only = not in_memory and path.exists() and not _writable(path)
        if read_only:
            return await cls._open_read_only(path)
        if not in_memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await _run(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _run(conn, "PRAGMA journal_mode = WAL")
            await _run(conn, "PRAGMA foreign_keys = ON")
            await _run(conn, "PRAGMA synchronous = NORMAL")
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        db._identity = _file_identity(path)  # the file exists by now
        return db

    @classmethod
    async def _open_read_only(cls, path: Path) -> Database:
        conn = await _connect_read_only(path)
        db = cls(conn, path, read_only=True)
        try:
            await _run(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            async with conn.execute("SELECT version FROM schema_migrations") as cur:
                done = {row[0] for row in await cur.fetchall()}
            missing = [name for version, name, _ in _migration_files() if version not in done]
            if missing:
                raise RuntimeError(
                    f"The database {path} is read-only and needs the migrations "
                    f"{', '.join(missing)}; make it writable and start again."
                )
        except BaseException:
            await conn.close()
            raise
        log.warning("The database %s is not writable: opened read-only; changes are refused", path)
        return db

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    def _check_writable(self) -> None:
        """Refuse a write that could not be kept (see the module docstring)."""
        if self.read_only:
            raise WriteRefused(DB_READ_ONLY)
        if self._identity is not None and _file_identity(self.path) != self._identity:
            log.error(
                "The database file %s was removed or replaced while the bot was running; "
                "refusing to write (restart the bot on the right file)",
                self.path,
            )
            raise WriteRefused(DB_MISSING)

    async def _begin(self, wait: float) -> None:
        """BEGIN IMMEDIATE, waiting up to `wait` seconds for another program's write lock."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        pauses = iter(_BEGIN_PAUSES)
        await _run(self._conn, f"PRAGMA busy_timeout = {_BEGIN_BUSY_TIMEOUT_MS}")
        try:
            while True:
                try:
                    await _run(self._conn, "BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    left = deadline - loop.time()
                    if not is_busy(exc) or left <= 0:
                        raise
                await asyncio.sleep(min(next(pauses, _BEGIN_PAUSES[-1]), left))
        finally:
            await _run(self._conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @asynccontextmanager
    async def transaction(self, wait: float | None = None) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all.

        Tasks of this process share one connection, so transactions are serialised here; other
        processes are kept out by SQLite's own lock (BEGIN IMMEDIATE), waited for up to `wait`
        seconds (`WRITE_WAIT_SECONDS`). A read-only, removed or replaced file raises
        `WriteRefused` (a `sqlite3.OperationalError`) at once.
        """
        async with self._tx_lock:
            self._check_writable()
            await self._begin(WRITE_WAIT_SECONDS if wait is None else wait)
            try:
                yield self._conn
                await _run(self._conn, "COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk, an I/O error, a failed COMMIT);
        # the connection must leave the transaction either way, or no later write could start.
        if not self._conn.in_transaction:
            return
        try:
            await _run(self._conn, "ROLLBACK")
        except sqlite3.Error as exc:
            log.error("ROLLBACK failed: %s", exc)

    # -- migrations ---------------------------------------------------------------------------

    async def migrate(self) -> list[int]:
        """Apply every numbered migration not applied yet; returns the versions applied."""
        await _run(
            self._conn,
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        async with self._conn.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied: list[int] = []
        for version, name, sql in _migration_files():
            if version in done:
                continue
            log.info("Applying migration %s", name)
            statements = [s.strip() for s in _split_sql(sql) if s.strip()]
            async with self.transaction() as conn:
                for statement in statements:
                    await _run(conn, statement)
                await _run(
                    conn,
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, now_iso()),
                )
            applied.append(version)
        return applied

    async def schema_version(self) -> int:
        """The highest migration applied."""
        async with self._conn.execute("SELECT MAX(version) FROM schema_migrations") as cur:
            row = await cur.fetchone()
        return int(row[0] or 0) if row else 0

    async def integrity_check(self) -> str:
        """SQLite's own `PRAGMA integrity_check` verdict (`ok` when healthy)."""
        async with self._conn.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "no answer"

    # -- meta ---------------------------------------------------------------------------------

    async def get_meta(self, name: str) -> str | None:
        """A value from the meta table."""
        async with self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def _set_meta(self, conn: aiosqlite.Connection, name: str, value: str) -> None:
        await _run(
            conn,
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

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
        placeholders = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("guild_id", "key"))
        sql = (
            f"INSERT INTO {TABLES[entry.kind].name} ({', '.join(columns)})"  # noqa: S608
            f" VALUES ({placeholders}) ON CONFLICT(guild_id, key) DO UPDATE SET {updates}"
        )
        await _run(conn or self._conn, sql, [row[c] for c in columns])

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
    ) -> tuple[int, int]:
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
        return len(entries), removed

    async def import_entries(
        self, entries: Sequence[Entry], *, origin: str, actor: int | None = None
    ) -> int:
        """Insert or update many entries in one transaction (all or nothing)."""
        async with self.transaction() as conn:
            for entry in entries:
                await self.save_entry(entry, origin=origin, actor=actor, conn=conn)
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

    async def all_hidden(self) -> list[tuple[int, Kind, str]]:
        """Every (guild, kind, key) hidden anywhere (for the matcher's index)."""
        async with self._conn.execute("SELECT guild_id, kind, key FROM guild_hidden") as cur:
            return [(r[0], r[1], r[2]) for r in await cur.fetchall()]

    # -- settings -----------------------------------------------------------------------------

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's settings (defaults when it has none)."""
        async with self._conn.execute(
            "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            reminder_channel_id=row["reminder_channel_id"],
            reminder_role_id=row["reminder_role_id"],
            lead_times=tuple(json.loads(row["lead_times"])),
            reminders_paused=bool(row["reminders_paused"]),
            moderator_role_id=row["moderator_role_id"],
        )

    async def save_guild_settings(
        self, settings: GuildSettings, conn: aiosqlite.Connection | None = None
    ) -> None:
        """Store a server's settings."""
        await _run(
            conn or self._conn,
            "INSERT INTO guild_settings (guild_id, reminder_channel_id, reminder_role_id,"
            " lead_times, reminders_paused, moderator_role_id, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id) DO UPDATE SET"
            " reminder_channel_id = excluded.reminder_channel_id,"
            " reminder_role_id = excluded.reminder_role_id, lead_times = excluded.lead_times,"
            " reminders_paused = excluded.reminders_paused,"
            " moderator_role_id = excluded.moderator_role_id, updated_at = excluded.updated_at",
            (
                settings.guild_id,
                settings.reminder_channel_id,
                settings.reminder_role_id,
                json.dumps(list(settings.lead_times)),
                int(settings.reminders_paused),
                settings.moderator_role_id,
                now_iso(),
            ),
        )

    # -- audit log ----------------------------------------------------------------------------

    async def add_audit(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        kind: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        """Record one change in a server's history."""
        await _run(
            conn or self._conn,
            "INSERT INTO audit_log (guild_id, actor_id, action, kind, key, old_value, new_value,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                actor_id,
                action,
                kind,
                key,
                json.dumps(old, ensure_ascii=False) if old is not None else None,
                json.dumps(new, ensure_ascii=False) if new is not None else None,
                now_iso(),
            ),
        )

    async def audit_history(
        self,
        guild_id: int,
        *,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        key: str | None = None,
    ) -> list[AuditRecord]:
        """A server's history, newest first."""
        sql = "SELECT * FROM audit_log WHERE guild_id = ?"
        params: list[Any] = [guild_id]
        if kind is not None and key is not None:
            sql += " AND kind = ? AND key = ?"
            params += [kind, key]
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        async with self._conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [_row_to_audit(r) for r in rows]

    async def audit_count(self, guild_id: int) -> int:
        """How many changes a server's history holds."""
        async with self._conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

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

    async def hidden_keys(self, guild_id: int) -> list[tuple[Kind, str]]:
        """(kind, key) of every shipped entry one server hid."""
        async with self._conn.execute(
            "SELECT kind, key FROM guild_hidden WHERE guild_id = ? ORDER BY kind, key",
            (guild_id,),
        ) as cur:
            return [(r[0], r[1]) for r in await cur.fetchall()]

    async def audit_targets(self, guild_id: int, limit: int = 25) -> list[AuditRecord]:
        """The latest change of each entry (or setting) a server changed, newest first."""
        async with self._conn.execute(
            "SELECT a.* FROM audit_log a JOIN (SELECT MAX(id) AS last FROM audit_log"
            " WHERE guild_id = ? GROUP BY kind, key) m ON a.id = m.last"
            " ORDER BY a.id DESC LIMIT ?",
            (guild_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [_row_to_audit(r) for r in rows]

    # -- the matcher's stored index (migration 0003, bot/matching.py) -------------------------

    async def match_index_batches(self, kind: Kind, size: int = 4096) -> AsyncIterator[list[Any]]:
        """Every entry of `kind` in the order of `all_entries`, in batches of (guild_id, key,
        title, norm_title, key_tokens, body_tokens, forms, long_forms): its stored index row
        (without its surfaces), or None in every field after the key when the entry has no row
        or its row was made from other content than the entry holds now (`match_source`)."""
        sql = (
            "SELECT t.guild_id, t.key, m.title, m.norm_title, m.key_tokens, m.body_tokens,"  # noqa: S608 - names from TABLES
            " m.forms, m.long_forms"
            f" FROM {TABLES[kind].name} t LEFT JOIN match_index m ON m.kind = ?"
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

    async def match_vocab(self) -> tuple[str, str] | None:
        """The stored typo vocabulary (surfaces, tokens: aligned space-separated lists), or None
        when it is out of date."""
        if await self.get_meta("match_vocab_valid") != "1":
            return None
        async with self._conn.execute(
            "SELECT surfaces, tokens FROM match_vocab WHERE id = 1"
        ) as cur:
            row = await cur.fetchone()
        return (str(row[0]), str(row[1])) if row else None

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


def _row_to_audit(r: aiosqlite.Row) -> AuditRecord:
    return AuditRecord(
        id=r["id"],
        guild_id=r["guild_id"],
        actor_id=r["actor_id"],
        action=r["action"],
        kind=r["kind"],
        key=r["key"],
        old=json.loads(r["old_value"]) if r["old_value"] else None,
        new=json.loads(r["new_value"]) if r["new_value"] else None,
        created_at=r["created_at"],
    )


def _row_to_reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        guild_id=row["guild_id"],
        target=row["target"],
        user_id=row["user_id"],
        event_key=row["event_key"],
        event_starts_at=_utc(row["event_starts_at"]),
        lead_seconds=row["lead_seconds"],
        due_at=_utc(row["due_at"]),
        next_attempt_at=_utc(row["next_attempt_at"]),
        status=row["status"],
        attempts=row["attempts"],
        nonce=row["nonce"],
        claimed_by=row["claimed_by"],
        message_id=row["message_id"],
        last_error=row["last_error"],
        sent_at=parse_utc(row["sent_at"]),
    )


def _utc(value: str) -> dt.datetime:
    parsed = parse_utc(value)
    assert parsed is not None
    return parsed


def _shard_clause(shards: tuple[int, tuple[int, ...]] | None) -> tuple[str, list[Any]]:
    """SQL that keeps the servers a process holds: shard = (guild_id >> 22) % shard_count."""
    if shards is None:
        return "", []
    count, ids = shards
    marks = ", ".join("?" for _ in ids)
    return f" AND ((guild_id >> 22) % ?) IN ({marks})", [count, *ids]


class ReminderStore:
    """The reminder and subscription tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def _conn(self) -> aiosqlite.Connection:
        return self._db._conn

    async def apply_plan(
        self, guild_id: int, wanted: Sequence[PlannedReminder], now: dt.datetime
    ) -> tuple[int, int, int]:
        """Make a server's pending reminders equal `wanted`, in one transaction.

        A pending reminder whose event moved is moved (new date, new due time); one no longer
        wanted is cancelled; a missing one is added. Sent reminders are never touched.
        Returns (added, moved, cancelled).
        """
        added = moved = cancelled = 0
        stamp = format_utc(now)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM reminders WHERE guild_id = ? AND status = 'pending'", (guild_id,)
            ) as cur:
                pending = [_row_to_reminder(r) for r in await cur.fetchall()]
            by_slot = {(r.target, r.user_id, r.event_key, r.lead_seconds): r for r in pending}
            keep: set[int] = set()
            for plan in wanted:
                slot = (plan.target, plan.user_id, plan.event_key, plan.lead_seconds)
                current = by_slot.get(slot)
                if current is not None and current.event_starts_at == plan.event_starts_at:
                    keep.add(current.id)
                    continue
                if current is not None:
                    changed = await _run(
                        conn,
                        "UPDATE OR IGNORE reminders SET event_starts_at = ?, due_at = ?,"
                        " next_attempt_at = ?, attempts = 0, last_error = NULL, updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (
                            format_utc(plan.event_starts_at),
                            format_utc(plan.due_at),
                            format_utc(plan.due_at),
                            stamp,
                            current.id,
                        ),
                    )
                    if changed:
                        keep.add(current.id)
                        moved += 1
                        continue
                added += await _run(
                    conn,
                    # A slot cancelled earlier (a pause, an unset channel, a removed lead
                    # time) keeps its row: wanting it again makes it pending again.
                    "INSERT INTO reminders (guild_id, target, user_id, event_key,"
                    " event_starts_at, lead_seconds, due_at, next_attempt_at, nonce, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, target, user_id, event_key, event_starts_at,"
                    " lead_seconds) DO UPDATE SET status = 'pending', due_at = excluded.due_at,"
                    " next_attempt_at = excluded.next_attempt_at, attempts = 0,"
                    " last_error = NULL, claimed_by = NULL, claimed_until = NULL,"
                    " updated_at = excluded.updated_at WHERE reminders.status = 'cancelled'",
                    (
                        plan.guild_id,
                        plan.target,
                        plan.user_id,
                        plan.event_key,
                        format_utc(plan.event_starts_at),
                        plan.lead_seconds,
                        format_utc(plan.due_at),
                        format_utc(plan.due_at),
                        _new_nonce(),
                        stamp,
                        stamp,
                    ),
                )
            for reminder in pending:
                # Overdue rows are the scheduler's: it sends them late or records them missed.
                if reminder.id not in keep and reminder.due_at > now:
                    cancelled += await _run(
                        conn,
                        "UPDATE reminders SET status = 'cancelled', updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (stamp, reminder.id),
                    )
        return added, moved, cancelled

    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None:
        """When the earliest pending (or abandoned sending) reminder is due."""
        clause, params = _shard_clause(shards)
        sql = (
            "SELECT next_attempt_at FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
            f"{clause} ORDER BY next_attempt_at LIMIT 1"
        )
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return parse_utc(row[0]) if row else None

    async def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 20,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> list[tuple[Reminder, bool]]:
        """Claim due reminders for `owner` with a lease; (reminder, was it claimed before?).

        The claim is one write transaction, so two processes on the same database never claim
        the same row: the second sees it already leased. A row whose lease ran out (its claimer
        died) is claimed again; the flag tells the sender to look for its earlier message.
        """
        clause, params = _shard_clause(shards)
        lease = _lease_end(now, lease_seconds)
        claimed: list[tuple[Reminder, bool]] = []
        async with self._db.transaction() as conn:
            sql = (
                "SELECT * FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
                f" AND next_attempt_at <= ?{clause} ORDER BY next_attempt_at LIMIT ?"
            )
            async with conn.execute(sql, [format_utc(now), *params, limit]) as cur:
                rows = [_row_to_reminder(r) for r in await cur.fetchall()]
            for row in rows:
                await _run(
                    conn,
                    "UPDATE reminders SET status = 'sending', claimed_by = ?, claimed_until = ?,"
                    " next_attempt_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
                    (owner, lease, lease, format_utc(now), row.id),
                )
                claimed.append((row, row.status == "sending"))
        return claimed

    async def _finish(self, reminder_id: int, owner: str, sql: str, params: Sequence[Any]) -> bool:
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    sql + " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                    [*params, reminder_id, owner],
                )
                > 0
            )

    async def renew_claim(
        self, reminder_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool:
        """Extend `owner`'s lease on a claimed row just before sending it.

        Rows are claimed in batches; one slow delivery must not let the lease of the next run
        out while it waits. False when the claim was lost (another process took the row over
        after the lease ran out): the caller must not send it.
        """
        lease = _lease_end(now, lease_seconds)
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET claimed_until = ?, next_attempt_at = ?, updated_at = ?",
            (lease, lease, format_utc(now)),
        )

    async def mark_sent(
        self, reminder_id: int, owner: str, message_id: int | None, now: dt.datetime
    ) -> bool:
        """Record that Discord accepted the message."""
        stamp = format_utc(now)
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = 'sent', message_id = ?, sent_at = ?, updated_at = ?,"
            " claimed_until = NULL, last_error = NULL",
            (message_id, stamp, stamp),
        )

    async def mark_retry(
        self, reminder_id: int, owner: str, at: dt.datetime, error: str, now: dt.datetime
    ) -> bool:
        """Try again later (a temporary failure)."""
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = 'pending', next_attempt_at = ?, last_error = ?,"
            " claimed_until = NULL, updated_at = ?",
            (format_utc(at), error[:300], format_utc(now)),
        )

    async def mark_final(
        self, reminder_id: int, owner: str, status: str, error: str, now: dt.datetime
    ) -> bool:
        """Give up: `failed` (cannot be delivered), `missed` (too late to be useful) or
        `cancelled` (its event is gone or moved)."""
        assert status in ("failed", "missed", "cancelled")
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = ?, last_error = ?, claimed_until = NULL, updated_at = ?",
            (status, error[:300], format_utc(now)),
        )

    async def for_guild(
        self, guild_id: int, statuses: Sequence[str], limit: int = 10
    ) -> list[Reminder]:
        """A server's reminders in some states, soonest first."""
        marks = ", ".join("?" for _ in statuses)
        sql = (
            f"SELECT * FROM reminders WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608
            " ORDER BY due_at LIMIT ?"
        )
        async with self._conn.execute(sql, [guild_id, *statuses, limit]) as cur:
            return [_row_to_reminder(r) for r in await cur.fetchall()]

    async def count(self, status: str | None = None) -> int:
        """How many reminders (in one state)."""
        sql = "SELECT COUNT(*) FROM reminders"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def guild_ids(self, shards: tuple[int, tuple[int, ...]] | None = None) -> list[int]:
        """Servers that have a reminder channel, subscribers or reminders."""
        clause, params = _shard_clause(shards)
        sql = (
            "SELECT guild_id FROM guild_settings WHERE reminder_channel_id IS NOT NULL"  # noqa: S608 - placeholders only
            f"{clause} UNION SELECT guild_id FROM subscriptions WHERE 1 = 1{clause}"
            f" UNION SELECT guild_id FROM reminders WHERE status = 'pending'{clause}"
        )
        async with self._conn.execute(sql, params * 3) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def subscribe(
        self, guild_id: int, user_id: int, event_key: str, now: dt.datetime
    ) -> bool:
        """Add a fan's DM subscription; False when it already existed."""
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    "INSERT OR IGNORE INTO subscriptions (guild_id, user_id, event_key,"
                    " created_at) VALUES (?, ?, ?, ?)",
                    (guild_id, user_id, event_key, format_utc(now)),
                )
                > 0
            )

    async def unsubscribe(self, guild_id: int, user_id: int) -> int:
        """Remove every DM subscription of a fan in one server."""
        async with self._db.transaction() as conn:
            return await _run(
                conn,
                "DELETE FROM subscriptions WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )

    async def subscriptions(self, guild_id: int) -> list[tuple[int, str]]:
        """(user, event key or '') for every subscription in a server."""
        async with self._conn.execute(
            "SELECT user_id, event_key FROM subscriptions WHERE guild_id = ?", (guild_id,)
        ) as cur:
            return [(r[0], r[1]) for r in await cur.fetchall()]


def _lease_end(now: dt.datetime, lease_seconds: float) -> str:
    """The end of a lease, rounded up to the whole second it is stored with (never shorter)."""
    end = now + dt.timedelta(seconds=lease_seconds)
    if end.microsecond:
        end = end.replace(microsecond=0) + dt.timedelta(seconds=1)
    return format_utc(end) or ""


def _new_nonce() -> str:
    """A message nonce: Discord accepts up to 25 characters."""
    return secrets.token_hex(12)


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`; None in memory or when nothing is there."""
    if str(path) == ":memory:":
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _writable(path: Path) -> bool:
    """Whether this process may write the file and create its journal files next to it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


async def _connect_read_only(path: Path) -> aiosqlite.Connection:
    """A read-only connection; `immutable=1` when SQLite can't open the file otherwise.

    A WAL database whose `-shm` file is missing in a folder the bot may not write can't be
    opened with `mode=ro`; `immutable=1` reads it without those files (and without locking,
    which is safe because nobody who could write it is expected while the bot may not).
    """
    uri = _file_uri(path)
    for mode in ("mode=ro", "immutable=1"):
        conn = await aiosqlite.connect(f"{uri}?{mode}", uri=True, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await _run(conn, "SELECT COUNT(*) FROM sqlite_master")
        except sqlite3.OperationalError as exc:
            await conn.close()
            if mode == "immutable=1":
                raise
            log.info("Opening %s read-only with mode=ro failed (%s); trying immutable", path, exc)
            continue
        return conn
    raise AssertionError("unreachable")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no `;` or `--` in literals)."""
    lines = [re.sub(r"--.*$", "", line) for line in script.splitlines()]
    return "\n".join(lines).split(";")


# The fields the matcher's index is made from (beyond title, text, aliases and tags).
_MATCH_LABELS = ("speaker", "occasion", "section", "ceremony")


def _match_source_columns(kind: Kind) -> tuple[str, ...]:
    table = TABLES[kind]
    labels = tuple(c for c in table.extra if c in _MATCH_LABELS)
    return (table.title_column, table.text_column, "aliases", "tags", *labels)


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
