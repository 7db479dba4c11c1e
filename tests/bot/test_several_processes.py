"""Several bot processes on one PostgreSQL database: what one changes, the others answer with;
logins take turns. Each "process" here is its own fact base with its own connection pool."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.factbase import FactBase
from bot.domain.pack import load_pack
from bot.errors import database_unavailable
from bot.moderation.service import AdminService
from tests import pgserver
from tests.conftest import fact, write_pack

GUILD = 1_000_000_000_000_001
MOD = 42


async def _within(seconds: float, condition: Callable[[], bool]) -> float:
    """How long `condition` took to hold (fails after `seconds`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def _best(service: FactBase, question: str) -> str | None:
    hit = service.matcher.search(question, guild_id=GUILD).best
    return f"{hit.key}@{hit.guild_id}" if hit else None


async def test_a_moderators_edit_in_one_process_is_answered_by_the_other_within_a_second(
    tmp_path: Path,
) -> None:
    url = pgserver.server().new_database()
    first = await FactBase.open(url)
    second = await FactBase.open(url)
    try:
        assert await second.follow_changes() is True
        assert _best(second, "how long is the tram ride") != f"runtime@{GUILD}"

        await AdminService(first).edit_entry(
            GUILD, MOD, "fact", "runtime", {"aliases": ["how long is the tram ride"]}
        )
        await _within(1.0, lambda: _best(second, "how long is the tram ride") == f"runtime@{GUILD}")

        await AdminService(first).hide_entry(GUILD, MOD, "fact", "director")
        await _within(
            1.0, lambda: (_best(second, "who directed it") or "").split("@")[0] != "director"
        )
        # Another server is untouched.
        hit = second.matcher.search("who directed it", guild_id=7).best
        assert hit is not None and hit.key == "director"

        # A bulk import there: the other process reloads its whole index.
        pack = load_pack(
            write_pack(
                tmp_path / "p.json", facts=[fact(f"bulk-{n}", f"Bulk {n}") for n in range(60)]
            )
        )
        await first.import_pack(pack)
        await _within(3.0, lambda: (second.matcher.search("bulk 42").best or None) is not None)
        best = second.matcher.search("bulk 42").best
        assert best is not None and best.key == "bulk-42"
    finally:
        await first.close()
        await second.close()


async def test_a_sqlite_fact_base_has_no_notices_to_follow(tmp_path: Path) -> None:
    service = await FactBase.open(tmp_path / "one.db")
    try:
        assert await service.follow_changes() is False
        assert await service.db.identify_slot(0, 0.1) is False
    finally:
        await service.close()


async def test_logins_of_two_processes_take_turns() -> None:
    url = pgserver.server().new_database()
    first, second = await FactBase.open(url), await FactBase.open(url)
    try:
        started = time.monotonic()
        assert await first.db.identify_slot(0, 0.6) is True
        assert await second.db.identify_slot(0, 0.6) is True  # waits for the first's turn
        waited = time.monotonic() - started
        assert 0.5 <= waited < 3.0
        started = time.monotonic()
        assert await second.db.identify_slot(1, 0.6) is True  # another bucket: no wait
        assert time.monotonic() - started < 0.5
    finally:
        await first.close()
        await second.close()


async def test_a_lost_connection_is_a_storage_fault_and_the_next_try_works() -> None:
    server = pgserver.server()
    url = server.new_database()
    service = await FactBase.open(url)
    try:
        admin = AdminService(service)
        name = url.rsplit("/", 1)[1]
        server.psql(  # the server drops this database's connections (a restart, a failover)
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        with pytest.raises(sqlite3.Error) as failed:  # the storage faults the bot words
            await admin.edit_entry(GUILD, MOD, "fact", "runtime", {"aliases": ["first try"]})
        told = database_unavailable(failed.value)  # what bot/ui/errors.py tells the user
        assert told is not None and "nothing was changed" in told.message
        await admin.edit_entry(GUILD, MOD, "fact", "runtime", {"aliases": ["second try"]})
        assert _best(service, "second try") == f"runtime@{GUILD}"
    finally:
        await service.close()


def test_an_unreachable_or_wrong_database_is_one_line_for_the_operator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = pgserver.server()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    assert main(["--database", f"postgresql://u:pw@127.0.0.1:{port}/x", "ask", "hi"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach PostgreSQL" in err and "pw" not in err
    assert main(["--database", server.url("no_such_database"), "ask", "hi"]) == 2
    assert "refused the connection" in capsys.readouterr().err
