"""The database layer when its file fails: a lock held by another program, a read-only file,
errors SQLite itself reports — against real temporary SQLite files, in real time.

The simcord tests (tests/cogs/test_db_faults.py) show what members see; these show the
mechanics underneath: that a write waiting for a lock leaves the connection's one thread free
for reads, and how each SQLite failure is worded.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.models import Entry
from bot.errors import (
    DB_BUSY,
    DB_FAILING,
    DB_READ_ONLY,
    WriteRefused,
    database_unavailable,
    is_busy,
)
from bot.storage.sqlite.connection import BUSY_TIMEOUT_MS, _run
from bot.storage.sqlite.database import Database

OURS = Entry("fact", "ours", "Ours", "kept", "S", "https://e.org", guild_id=42)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "x.db")
    await opened.save_entry(OURS)
    try:
        yield opened
    finally:
        await opened.close()


async def busy_timeout(db: Database) -> int:
    async with db._conn.execute("PRAGMA busy_timeout") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_reads_are_served_while_a_write_waits_for_another_programs_lock(
    db: Database,
) -> None:
    other = sqlite3.connect(db.path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:

        async def write() -> None:
            async with db.transaction(wait=1.0) as conn:
                await db.save_entry(OURS, conn=conn)  # never reached

        started = time.perf_counter()
        writer = asyncio.create_task(write())
        slowest = 0.0
        while not writer.done():
            before = time.perf_counter()
            assert (await db.get_row("fact", "ours", 42)).text == "kept"  # type: ignore[union-attr]
            slowest = max(slowest, time.perf_counter() - before)
            await asyncio.sleep(0.02)
        with pytest.raises(sqlite3.OperationalError, match="database is locked") as caught:
            await writer
        waited = time.perf_counter() - started
    finally:
        other.rollback()
        other.close()
    assert 0.9 < waited < 3.0  # it waited for the lock as long as it was told, no longer
    # A busy wait inside the thread would hold every read for the whole second.
    assert slowest < 0.3
    assert is_busy(caught.value)
    assert database_unavailable(caught.value).message == DB_BUSY  # type: ignore[union-attr]
    assert not db._conn.in_transaction
    assert await busy_timeout(db) == BUSY_TIMEOUT_MS  # reads keep their patience
    async with db.transaction() as conn:  # and the next write goes through
        await db.save_entry(OURS, conn=conn)
    assert await db.integrity_check() == "ok"


async def test_a_transaction_sqlite_already_rolled_back_keeps_the_connection_usable(
    db: Database,
) -> None:
    with pytest.raises(ValueError, match="the body failed"):  # not "no transaction is active"
        async with db.transaction() as conn:
            await _run(conn, "ROLLBACK")  # as SQLite does itself after a full disk
            raise ValueError("the body failed")
    async with db.transaction() as conn:
        await db.save_entry(OURS, conn=conn)
    assert not db._conn.in_transaction


async def test_a_read_only_database_reads_and_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    writable = await Database.open(path)
    await writable.save_entry(OURS)
    await writable.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    db = await Database.open(path, read_only=True)
    try:
        assert db.read_only
        assert (await db.get_row("fact", "ours", 42)).text == "kept"  # type: ignore[union-attr]
        with pytest.raises(WriteRefused) as caught:  # before SQLite is even asked
            async with db.transaction():
                pass
        assert database_unavailable(caught.value).message == DB_READ_ONLY  # type: ignore[union-attr]
        with pytest.raises(sqlite3.OperationalError) as direct:  # a write past the guard
            await db.save_entry(OURS)
        assert database_unavailable(direct.value).message == DB_READ_ONLY  # type: ignore[union-attr]
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


async def test_a_read_only_database_that_needs_a_migration_is_refused_clearly(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    await (await Database.open(path)).close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_migrations WHERE version = 2")
    conn.commit()
    conn.close()
    with pytest.raises(RuntimeError, match="read-only and needs the migrations 0002_"):
        await Database.open(path, read_only=True)


def sqlite_error(sql: str, path: Path, uri: bool = False) -> sqlite3.Error:
    """The error SQLite itself raises for `sql` on `path`."""
    conn = sqlite3.connect(path, uri=uri, isolation_level=None, timeout=0)
    try:
        conn.executescript(sql)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError(f"{sql} did not fail")


def test_each_sqlite_failure_is_worded_or_left_to_the_apology(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.executescript("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY);")
    setup.execute("BEGIN IMMEDIATE")
    locked = sqlite_error("BEGIN IMMEDIATE", path)
    setup.rollback()
    setup.close()
    read_only = sqlite_error("INSERT INTO t VALUES (1)", Path(f"file:{path}?mode=ro"), uri=True)
    duplicate = sqlite_error("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);", path)
    missing_table = sqlite_error("SELECT * FROM nowhere", path)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database, just bytes" * 100)
    not_a_database = sqlite_error("SELECT * FROM sqlite_master", garbage)

    def worded(error: BaseException) -> str | None:
        found = database_unavailable(error)
        return found.message if found is not None else None

    assert worded(locked) == DB_BUSY
    assert worded(read_only) == DB_READ_ONLY
    assert worded(not_a_database) == DB_FAILING
    assert worded(sqlite3.OperationalError("disk I/O error")) == DB_FAILING  # no code: by text
    assert worded(sqlite3.OperationalError("database or disk is full")) == DB_FAILING
    # Our own mistakes are bugs: logged with a traceback, answered with the apology.
    assert worded(duplicate) is None
    assert worded(missing_table) is None
    assert worded(ValueError("database is locked")) is None
    for message in (DB_BUSY, DB_READ_ONLY, DB_FAILING):
        assert "nothing was changed" in message and len(message) < 200
