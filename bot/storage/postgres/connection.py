"""The PostgreSQL connection pool: opening, migrations, transactions, locks and notices.

Every statement is written with `?` placeholders, as the SQLite backend's are, and numbered
(`$1`, `$2`, …) by `_sql` before asyncpg sees it: every value is a bound parameter.

A task inside `transaction()` reads and writes through that transaction's connection (a
context variable holds it), so a service that reads a server's rows and then writes them inside
one transaction sees exactly what it is about to change, as on SQLite's single connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Self
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.domain.timeutil import now_iso
from bot.errors import DB_BUSY, DB_FAILING, DB_READ_ONLY, WriteRefused
from bot.storage.sqlite.connection import DatabaseFileError

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

#: The bot's own advisory locks use the two-key form (`namespace, n`), whose keys never meet the
#: one-key locks of servers (`pg_advisory_xact_lock(guild_id)`).
LOCK_NAMESPACE: Final = 0x4C42
#: Held while migrations run: two processes starting at once apply each migration once.
MIGRATION_LOCK: Final = 1
#: Held by a process while it identifies with Discord, one per bucket (see `identify_slot`).
IDENTIFY_LOCK: Final = 2
#: The channel a committed change of a server's entries is announced on (`NOTIFY`).
CHANGES_CHANNEL: Final = "lookback_entries"
#: Connections per process: answers read in parallel, writes take one each.
POOL_MAX: Final = 10
#: How long connecting may take before the server counts as unreachable.
CONNECT_TIMEOUT: Final = 10.0
#: How long a statement may wait for a lock (a server's advisory lock, a row) before failing.
LOCK_TIMEOUT_MS: Final = 5000

#: The guild id of a notice that every entry may have changed (kind and key "*").
ALL_GUILDS: Final = -1
#: Called with (guild_id, kind, key) when another process changed a server's entry.
ChangeListener = Callable[[int, str, str], Coroutine[Any, Any, None]]


def redact(url: str) -> str:
    """The URL without its password (for logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


@lru_cache(maxsize=512)
def _sql(statement: str) -> str:
    """`?` placeholders numbered as PostgreSQL's `$1`, `$2`, … (our SQL has no `?` in text)."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, statement)


class ServerUnavailable(WriteRefused):
    """PostgreSQL cannot be used right now (unreachable, restarting, a lock waited for too long,
    read-only, out of space): to the services a storage fault like SQLite's, and `message` is
    what a user is told (nothing was changed)."""


_BUSY_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.TooManyConnectionsError,
    TimeoutError,
)
_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.InterfaceError,
    OSError,
)


def _fault(exc: BaseException) -> ServerUnavailable | None:
    """The storage fault an asyncpg failure is, or None when it is a bug (a constraint, SQL)."""
    if isinstance(exc, ServerUnavailable):
        return None
    if isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
        return ServerUnavailable(DB_READ_ONLY)
    if isinstance(exc, _BUSY_ERRORS):
        return ServerUnavailable(DB_BUSY)
    if isinstance(exc, _DOWN_ERRORS):
        return ServerUnavailable(DB_FAILING)
    return None


@contextlib.contextmanager
def _faults() -> Iterator[None]:
    """Raise a failure of the server or the network as `ServerUnavailable`."""
    try:
        yield
    except Exception as exc:
        fault = _fault(exc)
        if fault is None:
            raise
        log.warning("PostgreSQL failed: %s: %s", type(exc).__name__, exc)
        raise fault from exc


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("bot.storage.postgres") / "migrations"
    found: list[tuple[int, str, str]] = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    return found


def record(row: asyncpg.Record) -> Any:
    """A row as a plain dict, the shape the shared row converters read (`sqlite.rows`)."""
    return dict(row.items())


class PostgresConnection:
    """A pool of connections to one PostgreSQL database, with numbered migrations."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.url = url
        self.path = Path(redact(url))
        self.read_only = False
        self._tx: ContextVar[asyncpg.Connection | None] = ContextVar("pg_tx", default=None)
        self._listener: asyncpg.Connection | None = None
        self._on_change: list[ChangeListener] = []
        self._origin = secrets.token_hex(8)  # this process's notices, ignored when heard back
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, url: str, *, pool_max: int = POOL_MAX) -> Self:
        """Connect to the database at `url` and apply pending migrations."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_max,
                timeout=CONNECT_TIMEOUT,
                server_settings={"lock_timeout": str(LOCK_TIMEOUT_MS), "timezone": "UTC"},
            )
        except (asyncpg.exceptions.InvalidAuthorizationSpecificationError,
                asyncpg.exceptions.InvalidPasswordError,
                asyncpg.exceptions.InvalidCatalogNameError) as exc:  # fmt: skip
            raise DatabaseFileError(
                f"PostgreSQL at {redact(url)} refused the connection ({exc}). Check the user, "
                "password and database name in DATABASE_URL.",
                bad_setting=True,
            ) from None
        except (OSError, TimeoutError, asyncpg.exceptions.PostgresError) as exc:
            raise DatabaseFileError(
                f"Cannot reach PostgreSQL at {redact(url)} ({type(exc).__name__}: "
                f"{str(exc)[:120]}). Check that the server runs and DATABASE_URL names it."
            ) from None
        db = cls(pool, url)
        try:
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        """Stop listening and close every connection."""
        for task in list(self._pending):
            task.cancel()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None
        await self._pool.close()

    def check_kept(self) -> None:
        """A database server keeps what it committed: nothing to check (see SQLite's)."""

    async def integrity_check(self) -> str:
        """`ok` when the server answers (PostgreSQL checks its pages itself)."""
        await self._fetchval("SELECT 1")
        return "ok"

    # -- statements ---------------------------------------------------------------------------

    def _current(self) -> asyncpg.Connection | asyncpg.Pool:
        return self._tx.get() or self._pool

    async def _fetch(
        self, statement: str, params: Sequence[Any] = (), conn: Any = None
    ) -> list[asyncpg.Record]:
        with _faults():
            return list(await (conn or self._current()).fetch(_sql(statement), *params))

    async def _fetchrow(
        self, statement: str, params: Sequence[Any] = (), conn: Any = None
    ) -> asyncpg.Record | None:
        with _faults():
            return await (conn or self._current()).fetchrow(_sql(statement), *params)

    async def _fetchval(self, statement: str, params: Sequence[Any] = (), conn: Any = None) -> Any:
        with _faults():
            return await (conn or self._current()).fetchval(_sql(statement), *params)

    async def _run(self, statement: str, params: Sequence[Any] = (), conn: Any = None) -> int:
        """Execute one statement; the number of rows it changed."""
        with _faults():
            status = await (conn or self._current()).execute(_sql(statement), *params)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def _many(self, statement: str, rows: Sequence[Sequence[Any]], conn: Any) -> None:
        if rows:
            with _faults():
                await conn.executemany(_sql(statement), rows)

    # -- transactions -------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(
        self, wait: float | None = None, *, guild_id: int | None = None
    ) -> AsyncIterator[asyncpg.Connection]:
        """One write transaction: everything inside commits together or not at all.

        `guild_id`: the server whose rows are read and then written inside; its advisory lock
        (`pg_advisory_xact_lock`) keeps every other process's such write out until the commit.
        `wait` is SQLite's; PostgreSQL waits for locks up to `LOCK_TIMEOUT_MS`.
        """
        outer = self._tx.get()
        if outer is not None:  # nested: a savepoint on the same connection
            async with outer.transaction():
                if guild_id is not None:
                    await self.lock_guild(outer, guild_id)
                yield outer
            return
        with _faults():
            async with self._pool.acquire() as conn, conn.transaction():
                token = self._tx.set(conn)
                try:
                    if guild_id is not None:
                        await self.lock_guild(conn, guild_id)
                    yield conn
                finally:
                    self._tx.reset(token)

    async def lock_guild(self, conn: asyncpg.Connection, guild_id: int) -> None:
        """Hold server `guild_id`'s lock until the transaction ends."""
        await conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", guild_id)

    # -- migrations ---------------------------------------------------------------------------

    async def migrate(self) -> list[int]:
        """Apply every numbered migration not applied yet; returns the versions applied."""
        applied: list[int] = []
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = 0")  # another process may be migrating
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1::int, $2::int)", LOCK_NAMESPACE, MIGRATION_LOCK
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, name, sql in _migration_files():
                if version in done:
                    continue
                log.info("Applying PostgreSQL migration %s", name)
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    version,
                    name,
                    now_iso(),
                )
                applied.append(version)
        return applied

    async def schema_version(self) -> int:
        """The highest migration applied."""
        return int(await self._fetchval("SELECT MAX(version) FROM schema_migrations") or 0)

    # -- meta ---------------------------------------------------------------------------------

    async def get_meta(self, name: str) -> str | None:
        """A value from the meta table."""
        value = await self._fetchval("SELECT value FROM meta WHERE name = ?", (name,))
        return str(value) if value is not None else None

    async def set_meta(self, name: str, value: str) -> None:
        """Store a value in the meta table (its own transaction)."""
        async with self.transaction() as conn:
            await self._set_meta(conn, name, value)

    async def _set_meta(self, conn: Any, name: str, value: str) -> None:
        await self._run(
            "INSERT INTO meta (name, value) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
            conn,
        )

    # -- changes between processes (LISTEN / NOTIFY) ------------------------------------------

    async def _notify_change(self, conn: Any, guild_id: int, kind: str, key: str) -> None:
        """Announce a change of one server's entry; sent when (and only if) it commits."""
        payload = f"{self._origin}\x1f{guild_id}\x1f{kind}\x1f{key}"
        await conn.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, payload)

    async def listen_changes(self, callback: ChangeListener) -> bool:
        """Call `callback(guild_id, kind, key)` for every entry another process changes
        (one extra connection, LISTENing)."""
        self._on_change.append(callback)
        if self._listener is None:
            self._listener = await asyncpg.connect(self.url)
            await self._listener.add_listener(CHANGES_CHANNEL, self._heard)
        return True

    async def identify_slot(self, bucket: int, interval: float) -> bool:
        """Wait until no process of this database identified in `bucket` for `interval`
        seconds, then take the turn: an advisory lock on its own connection, released
        `interval` seconds later (Discord's identify rate, across processes)."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(
                "SELECT pg_advisory_lock($1::int, $2::int)", LOCK_NAMESPACE, IDENTIFY_LOCK + bucket
            )
        except BaseException:
            await conn.close()
            raise

        async def release() -> None:
            try:
                await asyncio.sleep(interval)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()  # ends the session: its advisory lock goes with it

        task = asyncio.get_running_loop().create_task(release())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return True

    def _heard(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            origin, guild, kind, key = payload.split("\x1f", 3)
            guild_id = int(guild)
        except ValueError:
            log.warning("Ignoring a malformed change notice %r", payload[:80])
            return
        if origin == self._origin:
            return
        for callback in self._on_change:
            task = asyncio.get_running_loop().create_task(callback(guild_id, kind, key))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
