"""The fact base file failing under the running bot (simcord): locked, read-only, removed.

For each fault a member's write (/awards subscribe, /admin fact add through its form, /admin
reminders leads, the Confirm button of /admin import) gets a short ephemeral reason saying that
nothing was changed; /ask and /fact keep answering; nothing is half-written; the bot answers
writes again once the fault is gone; `PRAGMA integrity_check` stays `ok`.

How each fault is made, and why:

- *Locked*: a second SQLite connection on the same file holds `BEGIN IMMEDIATE` or
  `BEGIN EXCLUSIVE`, exactly as another program writing would.
- *Read-only, at start-up*: the file and its folder are made read-only and the bot restarted on
  them. Root ignores permission bits, so under root the bot's "may I write?" check is told what
  the kernel would tell the bot's ordinary service user; everything after that (SQLite's
  `mode=ro` connection, every read, every refused write) is real. Without root it is all real.
- *Read-only, while running*: `PRAGMA query_only` on the bot's own connection, so SQLite itself
  refuses the write with SQLITE_READONLY — what a file system remounted read-only under the bot
  reports. (A chmod does nothing to a process that has the file open already.)
- *Removed*: the file is unlinked under the running bot (a hard link elsewhere keeps its inode,
  so it can be put back, as an operator restoring it would).

Discord's 3-second window: every write is deferred before it starts waiting for the lock
(checked against the order of the bot's REST requests). simcord fires short asyncio sleeps in
real time, so these tests shorten the lock wait; that reads are served *while* a write waits
(the wait pauses asynchronously instead of blocking the database's one thread) is shown in
tests/bot/test_db_faults.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simcord import Env, InteractionResult, MemberActor

from bot.client import LookBackBot
from bot.errors import DB_BUSY, DB_MISSING, DB_READ_ONLY, database_unavailable
from bot.storage.sqlite import connection, database
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen, service_of

World = tuple[Any, Any, MemberActor, MemberActor]
FACT_FORM = {
    "title": "Our first screening",
    "answer": "We watched it together on 2024-06-28.",
    "aliases": "first screening",
    "source_url": "https://example.org/screening",
}
#: Real seconds a command may take while a write waits for the lock (a busy wait takes 5).
PROMPT = 2.5


pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def database_errors(env: Env) -> list[str]:
    """What members were told about each error the bot answered (reading acknowledges them);
    an error that is not a database fault fails the test."""
    told: list[str] = []
    for error in env.errors:
        problem = database_unavailable(getattr(error, "original", error))
        assert problem is not None, f"not a database fault: {error!r}"
        told.append(problem.message)
    return told


async def answered_promptly(member: MemberActor, channel: Any, command: str, **options: Any):  # type: ignore[no-untyped-def]
    """Run a command; it must be acknowledged within PROMPT real seconds."""
    started = time.perf_counter()
    result = await member.slash(channel, command, **options)
    assert time.perf_counter() - started < PROMPT, f"/{command} kept the member waiting"
    assert result.acknowledged, f"/{command} was not acknowledged"
    return result


async def reads_still_work(env: Env, channel: Any, member: MemberActor) -> None:
    """/ask and /fact answer from the fact base, promptly."""
    asked = await answered_promptly(member, channel, "ask", question="who directed it")
    assert asked.response is not None and asked.response.embeds[0].title == "Director"
    fact = await answered_promptly(member, channel, "fact", query="runtime")
    assert fact.response is not None and fact.response.embeds[0].title == "Runtime (58 minutes)"
    await env.advance_time(10)  # past the per-member cooldown


def other_writer(db_path: Path, how: str, **options: Any) -> sqlite3.Connection:
    """Another program's connection, holding the write lock (`BEGIN IMMEDIATE|EXCLUSIVE`)."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=0, **options)
    conn.execute(f"BEGIN {how}")
    conn.execute("INSERT INTO meta (name, value) VALUES ('other-program', 'was here')")
    return conn


async def integrity(env: Env) -> str:
    """`PRAGMA integrity_check` on the bot's own connection."""
    return await service_of(env).db.integrity_check()


def fresh_integrity(db_path: Path) -> str:
    """`PRAGMA integrity_check` on a new connection to the file."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# -- locked by another program ----------------------------------------------------------------


@pytest.fixture
def write_waits(simcord_env: Env, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A short lock wait (simcord runs short sleeps in real time), and for each write that
    started waiting, how many REST requests the bot had made by then."""
    monkeypatch.setattr(connection, "WRITE_WAIT_SECONDS", 0.4)
    starts: list[int] = []
    real_begin = database.Database._begin

    async def begin(self: database.Database, wait: float) -> None:
        starts.append(len(simcord_env.http_requests))
        await real_begin(self, wait)

    monkeypatch.setattr(database.Database, "_begin", begin)
    return starts


def deferred_before_waiting(env: Env, result: InteractionResult, requests_then: int) -> bool:
    """Whether the interaction's deferral was among the first `requests_then` REST requests,
    i.e. sent before its write began to wait (Discord's 3 s cannot run out meanwhile)."""
    token = f"/{result._interaction.token}/callback"  # simcord's record
    early = env.http_requests[:requests_then]
    return any(r.path.endswith(token) and (r.json or {}).get("type") in (5, 6) for r in early)


@pytest.mark.parametrize("how", ["IMMEDIATE", "EXCLUSIVE"])
async def test_a_locked_fact_base_refuses_writes_cleanly_and_keeps_answering(
    world: World,
    simcord_env: Env,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
    write_waits: list[int],
    how: str,
) -> None:
    guild, channel, fan, mod = world
    db = service_of(simcord_env).db
    preview = await mod.slash(
        channel,
        "admin import",
        file=("club.json", _pack(facts=[_raw_fact(f"club-{n}", f"Club fact {n}") for n in "abc"])),
    )
    assert "**3** added" in seen(preview)
    form = await mod.slash(channel, "admin fact add")
    blocker = other_writer(db_path, how)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.ui.errors"):
            subscribed = await answered_promptly(fan, channel, "awards subscribe")
            unsubscribed = await answered_promptly(fan, channel, "awards unsubscribe")
            leads = await answered_promptly(mod, channel, "admin reminders leads", times="2d 1h")
            added = await mod.submit_modal(form, FACT_FORM)
            assert preview.response is not None
            imported = await mod.click(preview.response, label="Confirm")
        await reads_still_work(simcord_env, channel, fan)
        replies = (subscribed, unsubscribed, leads, added)
        assert len(write_waits) == 5
        for result, requests_then in zip((*replies, imported), write_waits, strict=True):
            assert deferred_before_waiting(simcord_env, result, requests_then)
        assert all(r.ephemeral for r in replies)
        assert [seen(r) for r in replies] == [DB_BUSY] * 4
        # The preview stays, with its buttons; the moderator is told below it.
        assert "nothing was changed" in imported.followups[-1].content
        told = database_errors(simcord_env)
        assert told[:4] == [DB_BUSY] * 4 and told[4].startswith("The import could not be written")
        assert any("The fact base failed" in r.getMessage() for r in caplog.records)
        assert not any(r.levelno >= logging.ERROR for r in caplog.records)  # no apology
        # Nothing of any of them is written.
        assert await db.reminders.subscriptions(guild.id) == []
        assert (await db.guild_settings(guild.id)).lead_times != (172_800, 3_600)
        assert await db.guild_rows(guild.id) == []
        assert await db.audit_count(guild.id) == 0
    finally:
        blocker.rollback()
        blocker.close()

    # The lock is gone: the same commands work, the import's buttons are still there.
    again = await fan.slash(channel, "awards subscribe")
    assert "You're subscribed" in seen(again)
    imported = await mod.click(preview.response, label="Confirm")
    assert "**3** added" in seen(imported)
    assert len(await db.guild_rows(guild.id)) == 3
    assert await db.audit_count(guild.id) == 3
    assert await db.get_meta("other-program") is None  # its write was rolled back
    assert await integrity(simcord_env) == "ok"
    assert fresh_integrity(db_path) == "ok"


async def test_a_write_waiting_for_a_lock_goes_through_when_it_is_released(
    world: World, simcord_env: Env, db_path: Path
) -> None:
    guild, channel, fan, _ = world
    blocker = other_writer(db_path, "IMMEDIATE", check_same_thread=False)
    # The other program finishes its write 0.3 s later (real time: the wait is real).
    finish = threading.Timer(0.3, lambda: (blocker.commit(), blocker.close()))
    finish.start()
    try:
        started = time.perf_counter()
        subscribed = await fan.slash(channel, "awards subscribe")
        waited = time.perf_counter() - started
    finally:
        finish.join()
    assert 0.25 < waited < PROMPT  # it did wait for the lock, and not for long
    assert deferred_before_waiting(simcord_env, subscribed, len(simcord_env.http_requests))
    assert "You're subscribed" in seen(subscribed)
    db = service_of(simcord_env).db
    assert await db.reminders.subscriptions(guild.id) == [(fan.id, "")]
    assert await db.get_meta("other-program") == "was here"  # both writes kept
    assert simcord_env.errors == []
    assert await integrity(simcord_env) == "ok"


async def test_a_saved_subscription_is_confirmed_even_if_planning_its_reminders_fails(
    world: World,
    simcord_env: Env,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The subscription is committed before the reminders are planned: the fan must not be told
    "nothing was changed" about a change that was kept (start-up plans them again)."""
    guild, channel, fan, _ = world
    bot = simcord_env.bot
    assert isinstance(bot, LookBackBot) and bot.awards_watch is not None

    async def locked(guild_id: int) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(bot.awards_watch, "reconcile", locked)
    with caplog.at_level(logging.ERROR, logger="cogs.awards"):
        subscribed = await fan.slash(channel, "awards subscribe")
    assert "You're subscribed" in seen(subscribed)
    assert await service_of(simcord_env).db.reminders.subscriptions(guild.id) == [(fan.id, "")]
    assert any("Re-planning the reminders" in r.getMessage() for r in caplog.records)
    assert simcord_env.errors == []


# -- read-only ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def read_only_files(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The database and its folder read-only (see the module docstring for root)."""
    folder = db_path.parent
    files = [p for p in folder.iterdir() if p.name.startswith(db_path.name)]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [*files, folder]}
    for p in files:
        p.chmod(0o444)
    folder.chmod(0o555)
    with monkeypatch.context() as patch:
        if os.geteuid() == 0:
            patch.setattr(connection, "_writable", lambda path: False)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


async def test_a_read_only_fact_base_answers_and_refuses_every_change(
    world: World,
    simcord_env: Env,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    guild, channel, fan, mod = world
    with read_only_files(db_path, monkeypatch):
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            bot = await restart(simcord_env, db_path)
        assert bot.service.db.read_only
        assert any("opened read-only" in r.getMessage() for r in caplog.records)
        assert bot.failed_extensions == {}  # every command is there
        before = _digest(db_path)

        await reads_still_work(simcord_env, channel, fan)
        subscribed = await answered_promptly(fan, channel, "awards subscribe")
        leads = await answered_promptly(mod, channel, "admin reminders leads", times="2d")
        added = await mod.submit_modal(await mod.slash(channel, "admin fact add"), FACT_FORM)
        for result in (subscribed, leads, added):
            assert result.ephemeral and seen(result) == DB_READ_ONLY
        assert database_errors(simcord_env) == [DB_READ_ONLY] * 3
        assert _digest(db_path) == before  # not one byte written
        assert await integrity(simcord_env) == "ok"

    await restart(simcord_env, db_path)  # writable again (the operator fixed it)
    assert not service_of(simcord_env).db.read_only
    await simcord_env.advance_time(20)
    assert "You're subscribed" in seen(await fan.slash(channel, "awards subscribe"))
    assert await integrity(simcord_env) == "ok"


async def test_sqlite_refusing_a_write_while_running_is_answered_and_nothing_is_kept(
    world: World, simcord_env: Env, db_path: Path
) -> None:
    guild, channel, fan, mod = world
    db = service_of(simcord_env).db
    await db._conn.execute("PRAGMA query_only = ON")  # the fault being injected
    try:
        subscribed = await answered_promptly(fan, channel, "awards subscribe")
        added = await mod.submit_modal(await mod.slash(channel, "admin fact add"), FACT_FORM)
        await reads_still_work(simcord_env, channel, fan)
        assert seen(subscribed) == DB_READ_ONLY and seen(added) == DB_READ_ONLY
        assert database_errors(simcord_env) == [DB_READ_ONLY] * 2
        assert await db.reminders.subscriptions(guild.id) == []
        assert await db.guild_rows(guild.id) == [] and await db.audit_count(guild.id) == 0
    finally:
        await db._conn.execute("PRAGMA query_only = OFF")

    await simcord_env.advance_time(20)
    assert "You're subscribed" in seen(await fan.slash(channel, "awards subscribe"))
    added = await mod.submit_modal(await mod.slash(channel, "admin fact add"), FACT_FORM)
    assert "Our first screening" in seen(added)
    assert await db.audit_count(guild.id) == 1
    assert await integrity(simcord_env) == "ok"


# -- removed under the running bot ------------------------------------------------------------


async def test_a_removed_fact_base_file_refuses_writes_instead_of_losing_them(
    world: World,
    simcord_env: Env,
    db_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    guild, channel, fan, mod = world
    db = service_of(simcord_env).db
    kept = tmp_path / "kept-inode.db"
    os.link(db_path, kept)
    db_path.unlink()
    try:
        with caplog.at_level(logging.ERROR, logger="bot.storage"):
            subscribed = await answered_promptly(fan, channel, "awards subscribe")
            leads = await answered_promptly(mod, channel, "admin reminders leads", times="2d")
            added = await mod.submit_modal(await mod.slash(channel, "admin fact add"), FACT_FORM)
        await reads_still_work(simcord_env, channel, fan)  # the open file still reads
        for result in (subscribed, leads, added):
            assert result.ephemeral and seen(result) == DB_MISSING
        assert database_errors(simcord_env) == [DB_MISSING] * 3
        logged = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert logged and all("removed or replaced" in r.getMessage() for r in logged)
        assert await db.reminders.subscriptions(guild.id) == []
        assert await db.audit_count(guild.id) == 0
    finally:
        os.link(kept, db_path)  # put back: the same file again

    await simcord_env.advance_time(20)
    assert "You're subscribed" in seen(await fan.slash(channel, "awards subscribe"))
    assert await db.reminders.subscriptions(guild.id) == [(fan.id, "")]
    assert await integrity(simcord_env) == "ok"
    assert fresh_integrity(db_path) == "ok"


async def test_a_file_replaced_under_the_bot_is_not_written_until_a_restart(
    world: World, simcord_env: Env, db_path: Path
) -> None:
    guild, channel, fan, _ = world
    copy = db_path.with_name("copy.db")
    source = sqlite3.connect(db_path)
    target = sqlite3.connect(copy)
    source.backup(target)  # a backup, restored over the live file by an operator
    source.close()
    target.close()
    copy.replace(db_path)
    subscribed = await fan.slash(channel, "awards subscribe")
    assert seen(subscribed) == DB_MISSING
    assert database_errors(simcord_env) == [DB_MISSING]

    await restart(simcord_env, db_path)
    await simcord_env.advance_time(20)
    assert "You're subscribed" in seen(await fan.slash(channel, "awards subscribe"))
    assert await service_of(simcord_env).db.reminders.subscriptions(guild.id) == [(fan.id, "")]
    assert fresh_integrity(db_path) == "ok"


def _pack(**sections: Any) -> bytes:
    doc: dict[str, Any] = {"format": "lookback-pack", "format_version": 1, "pack_version": "t"}
    return json.dumps(doc | sections).encode()


def _raw_fact(key: str, title: str) -> dict[str, Any]:
    return {
        "id": key,
        "title": title,
        "answer": "An answer.",
        "source_name": "Test",
        "source_url": "https://example.org/x",
    }
