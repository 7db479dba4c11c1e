"""Fixtures shared by every layer of the tests."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.domain.factbase import FactBase
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LOOKBACK_SHARED", ROOT.parent / "shared"))


def shared_file(*parts: str) -> Path:
    """A file of ../shared (or `LOOKBACK_SHARED`); skip the test without it — fail it in CI.

    CI lays ../shared beside the clone, so a missing file there means a check that silently
    stopped running: `CI=true` turns the skip into a failure.
    """
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        message = f"{path} is not present (set LOOKBACK_SHARED to the shared folder)"
        if os.environ.get("CI"):
            pytest.fail(f"CI expects ../shared: {message}")
        pytest.skip(message)
    return path


def _database_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


@pytest.fixture(autouse=True)
def _databases_closed() -> Iterator[None]:
    """Every database connection a test opens is closed by the end of the test.

    An aiosqlite connection left open keeps a non-daemon thread alive, and the interpreter waits
    for it before exiting, so pytest would hang after the last test instead of failing here.
    """
    before = _database_threads()
    yield
    left = _database_threads() - before
    for thread in left:
        thread.join(timeout=2)  # a closed connection's thread is finishing its last item
    still_open = [t.name for t in left if t.is_alive()]
    if still_open:
        pytest.fail(f"the test left {len(still_open)} database connection(s) open", pytrace=False)


_LOADED_SQLITE: list[Path] = []


async def loaded_sqlite(path: Path) -> Path:
    """`path` made a copy of a SQLite file that has the shipped pack loaded, indexed and its
    index snapshot stored, made once per test process (as `_as_loaded` does for PostgreSQL):
    opening it then reads the snapshot instead of parsing and analysing the pack for every
    test. Tests of a first start open a path of their own."""
    if not _LOADED_SQLITE:
        folder = tempfile.mkdtemp(prefix="lookback-loaded-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = Path(folder) / "loaded.db"
        made = await FactBase.open(template)
        await made.close()
        _LOADED_SQLITE.append(template)
    shutil.copyfile(_LOADED_SQLITE[0], path)
    return path


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[FactBase]:
    """The fact base on a temporary SQLite file, loaded with the shipped pack."""
    fb = await FactBase.open(await loaded_sqlite(tmp_path / "lookback.db"))
    try:
        yield fb
    finally:
        await fb.close()


#: The storage backends the storage and service tests run on (`db_location`).
BACKENDS = ("sqlite", "postgres")


@pytest.fixture(params=BACKENDS)
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's database lives, once per backend: a fresh SQLite file, or a fresh
    database on this test process's PostgreSQL server (`tests/pgserver.py`)."""
    if request.param == "sqlite":
        return tmp_path / "lookback.db"
    return pgserver.server().new_database()


async def _as_loaded(url: str) -> None:
    """Make the (still unused) PostgreSQL database at `url` a copy of one that has the shipped
    pack loaded and indexed, made once per test process: opening it then takes a fifth of
    the time (the pack is not written and analysed again for every test)."""
    server = pgserver.server()
    template = "lookback_loaded"
    if not getattr(server, "has_loaded_template", False):
        server.psql(f"CREATE DATABASE {template}")
        made = await FactBase.open(server.url(template))
        await made.close()
        server.has_loaded_template = True  # type: ignore[attr-defined]
    name = url.rsplit("/", 1)[1]
    server.psql(f"DROP DATABASE {name}")
    server.psql(f"CREATE DATABASE {name} TEMPLATE {template}")


@pytest.fixture
async def any_service(db_location: Path | str) -> AsyncIterator[FactBase]:
    """The fact base loaded with the shipped pack, on each backend in turn."""
    if isinstance(db_location, str):
        await _as_loaded(db_location)
    else:
        await loaded_sqlite(db_location)
    fb = await FactBase.open(db_location)
    try:
        yield fb
    finally:
        await fb.close()


def pack_bytes(**sections: object) -> bytes:
    """A single-file pack document with the given sections, as a file or upload holds it."""
    doc: dict[str, object] = {
        "format": "lookback-pack",
        "format_version": 1,
        "pack_version": "test",
        "title": "test",
    }
    doc.update(sections)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def write_pack(path: Path, **sections: list[dict[str, object]]) -> Path:
    """Write a single-file pack with the given sections."""
    path.write_bytes(pack_bytes(**sections))
    return path


def fact(key: str, title: str, answer: str = "An answer.", **extra: object) -> dict[str, object]:
    """A raw fact entry for test packs."""
    raw: dict[str, object] = {
        "id": key,
        "title": title,
        "answer": answer,
        "source_name": "Test source",
        "source_url": "https://example.org/x",
    }
    raw.update(extra)
    return raw
