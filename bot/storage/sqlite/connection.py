"""The SQLite connection: opening, migrations, transactions, and faults of the file."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Final, Self

import aiosqlite

from bot.domain.timeutil import now_iso
from bot.errors import DB_MISSING, DB_READ_ONLY, WriteRefused, is_busy

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26

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


async def _run(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Execute one statement and close its cursor at once (an open cursor blocks COMMIT)."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        await cursor.close()


class DatabaseFileError(sqlite3.OperationalError):
    """The database file cannot be used as it is; `message` is one line for the operator
    saying what is wrong and what to do. `bad_setting`: DATABASE_PATH itself is wrong (exit
    2), else the machine is at fault (exit 1)."""

    def __init__(self, message: str, *, bad_setting: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bad_setting = bad_setting


def operator_message(error: BaseException, path: Path | str) -> str | None:
    """One line for the operator about a SQLite failure on the file at `path`; None when the
    error is not a fault of the file or the machine (then it is a bug)."""
    if isinstance(error, DatabaseFileError):
        return error.message
    if isinstance(error, WriteRefused):
        if error.message == DB_READ_ONLY:
            return (
                f"The database {path} is read-only (the file or its folder is not writable). "
                "Make both writable by the bot's user, or point DATABASE_PATH to a writable copy."
            )
        return (
            f"The database file {path} was removed or replaced while this command ran, so its "
            "changes were lost. Put the file back (or start over) and run the command again."
        )
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary in (_BUSY, _LOCKED) or "database is locked" in text:
        return (
            f"The database {path} is busy: another program is writing to it (waited "
            f"{WRITE_WAIT_SECONDS:.0f} s). Try again when it has finished."
        )
    if primary == _READONLY or "readonly database" in text:
        return (
            f"The database {path} is read-only (the file, its folder or the file system is "
            "not writable). Make it writable, or point DATABASE_PATH to a writable copy."
        )
    if primary == _FULL or "disk is full" in text:
        return f"The disk holding {path} is full. Free some space and try again."
    if primary == _NOTADB or "file is not a database" in text:
        return (
            f"The file {path} is not a SQLite database (or it is encrypted or overwritten). "
            "Restore it from a backup, or move it away so a new one is made."
        )
    if primary == _CORRUPT or "malformed" in text:
        return (
            f"The database {path} is damaged (SQLite: {str(error)[:80]}). Restore it from a "
            f"backup, or try `sqlite3 {path} .recover`."
        )
    if primary == _CANTOPEN or "unable to open database file" in text:
        return (
            f"The database {path} cannot be opened (SQLite: {str(error)[:80]}). Check that "
            "the file and its folder exist and that the bot's user may read and write them."
        )
    if primary == _IOERR or "disk i/o error" in text:
        return (
            f"Reading or writing the database {path} failed (SQLite: {str(error)[:80]}). "
            "Check the disk, then try again."
        )
    return None


def _check_location(path: Path) -> None:
    """Refuse a database path that can never work, before SQLite is asked (clear words)."""
    if path.is_dir():
        raise DatabaseFileError(
            f"DATABASE_PATH {path} is a folder; set it to a file, e.g. {path / 'lookback.db'}.",
            bad_setting=True,
        )
    if path.exists():
        if not os.access(path, os.R_OK):
            raise DatabaseFileError(
                f"The database {path} cannot be read (permission denied). Let the bot's user "
                "read and write it."
            )
        return
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DatabaseFileError(
            f"DATABASE_PATH {path} is inside {parent}, which is a file, not a folder.",
            bad_setting=True,
        ) from None
    except OSError as exc:
        raise DatabaseFileError(
            f"Cannot create the folder {parent} for the database ({exc.strerror or exc}). "
            "Create it, or set DATABASE_PATH to a writable place."
        ) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseFileError(
            f"Cannot create the database {path}: the folder {parent} is not writable. Make it "
            "writable by the bot's user, or set DATABASE_PATH to a writable place."
        )


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("bot.storage.sqlite") / "migrations"
    found: list[tuple[int, str, str]] = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    return found


class SQLiteConnection:
    """The SQLite connection: opening, migrations, transactions, and faults of the file."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._identity = _file_identity(path)
        self._tx_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, read_only: bool | None = None) -> Self:
        """Open (creating if needed) the database at `path` and apply pending migrations.

        An existing file the bot may not write (or whose folder it may not write) is opened
        read-only, as is any file when `read_only` is True; it must need no migration.
        """
        path = Path(path)
        in_memory = str(path) == ":memory:"
        if read_only is None:
            read_only = not in_memory and path.exists() and not _writable(path)
        if not in_memory:
            _check_location(path)
        if read_only:
            return await cls._open_read_only(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await _run(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _run(conn, "PRAGMA journal_mode = WAL")
            await _run(conn, "PRAGMA foreign_keys = ON")
            await _run(conn, "PRAGMA synchronous = NORMAL")
            await db.migrate()
        except BaseException as exc:
            await conn.close()
            message = operator_message(exc, path) if isinstance(exc, sqlite3.Error) else None
            if message is not None:
                raise DatabaseFileError(message) from exc
            raise
        db._identity = _file_identity(path)  # the file exists by now
        return db

    @classmethod
    async def _open_read_only(cls, path: Path) -> Self:
        try:
            conn = await _connect_read_only(path)
        except sqlite3.Error as exc:
            message = operator_message(exc, path)
            if message is None:
                raise
            raise DatabaseFileError(message) from exc
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
    async def transaction(
        self, wait: float | None = None, *, guild_id: int | None = None
    ) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all.

        `guild_id` names the server whose rows are read then written inside; SQLite's one
        write lock (BEGIN IMMEDIATE) already keeps every other writer out, server or not.

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
            self.check_kept()

    def check_kept(self) -> None:
        """After a commit: the file must still be the one that was opened.

        A file removed (or replaced) while a transaction ran takes the commit with it: SQLite
        wrote into the removed file, which nobody will ever open again. The change is lost, and
        the caller must be told so instead of reporting success.
        """
        if self._identity is not None and _file_identity(self.path) != self._identity:
            log.error(
                "The database file %s was removed or replaced during a write; that write is "
                "lost (restart the bot on the right file)",
                self.path,
            )
            raise WriteRefused(DB_MISSING)

    async def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk, an I/O error, a failed COMMIT);
        # the connection must leave the transaction either way, or no later write could start.
        if not self._conn.in_transaction:
            return
        try:
            await _run(self._conn, "ROLLBACK")
        except sqlite3.Error as exc:
            log.error("ROLLBACK failed: %s", exc)

    # -- several processes ------------------------------------------------------------------

    async def listen_changes(self, callback: Any) -> bool:
        """SQLite has no notices between processes: False (one process per file)."""
        return False

    async def identify_slot(self, bucket: int, interval: float) -> bool:
        """SQLite cannot pace several processes' logins: False (discord.py's own pacing)."""
        return False

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

    async def set_meta(self, name: str, value: str) -> None:
        """Store a value in the meta table (its own transaction)."""
        async with self.transaction() as conn:
            await self._set_meta(conn, name, value)

    async def _set_meta(self, conn: aiosqlite.Connection, name: str, value: str) -> None:
        await _run(
            conn,
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )


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


def _has_log(path: Path) -> bool:
    """True when a non-empty write-ahead log lies next to the database file."""
    try:
        return os.stat(f"{path}-wal").st_size > 0
    except OSError:
        return False


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
        if mode == "immutable=1" and _has_log(path):
            # `immutable` ignores the write-ahead log: it would serve the content from before
            # the last writes (an import the bot was killed after committing, say).
            raise DatabaseFileError(
                f"The database {path} is read-only and its write-ahead log {path.name}-wal "
                "holds changes that cannot be read without write access to the folder "
                f"{path.parent} (the last run did not close cleanly). Make the folder "
                "writable and start once, so SQLite folds the log into the file."
            )
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
        except BaseException:
            await conn.close()
            raise
        return conn
    raise AssertionError("unreachable")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no `;` or `--` in literals); a
    trigger's body (`BEGIN …; END`) stays in its statement."""
    lines = [re.sub(r"--.*$", "", line) for line in script.splitlines()]
    statements: list[str] = []
    pending = ""
    for piece in "\n".join(lines).split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            statements.append(pending[:-1])
            pending = ""
    return [*statements, pending.rstrip(";")]
