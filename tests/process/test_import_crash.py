"""A moderator's import SIGKILLed half-way: after a restart it is all there or none of it.

A real Python process applies a large import (1,000 facts, half of what /admin import
accepts) through the code the Confirm button of /admin import runs — `AdminService.plan_import`,
then `AdminService.apply_import` — on a real database file, and is SIGKILLed at several points:
as it starts, half-way (after 500 of its audit records), right after the last audit record (so
at or around COMMIT), and at a timed delay. The child reports progress by counting its audit
records (a wrapper that only prints); nothing else differs from the bot.

After each kill the database is reopened as the bot opens it on start (`FactBase.open`:
migrations, content pack, index) and must hold the whole import with one audit record per entry,
or nothing of it and no audit record; `PRAGMA integrity_check` must be `ok`. Then the moderator
retries the import to completion on the same file (in two of the cases, to keep the test
short): still exactly one row and one audit record per entry, nothing doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.domain.factbase import FactBase

from .conftest import ROOT

pytestmark = pytest.mark.process

GUILD = 1_400_000_000_000_000_003
ACTOR = 1_400_000_000_000_000_777
ENTRIES = 1_000
#: The audit counts the child reports (printing every one would slow it down).
REPORTED = (1, 500, ENTRIES - 1, ENTRIES)
CHILD_TIMEOUT = 180.0  # 18 s alone; far longer on a loaded CI machine

#: The child: open the fact base as the bot does, plan the import, apply it.
CHILD = """
import asyncio, sys
from pathlib import Path
from bot.moderation.service import AdminService
from bot.domain.factbase import FactBase

async def main(db_path, file_path, guild, actor):
    facts = await FactBase.open(db_path)
    admin = AdminService(facts)
    plan = await admin.plan_import(guild, Path(file_path).read_bytes(), "club.json")
    assert plan.ok and len(plan.added) == len(plan.entries), plan.problems
    audits = 0
    real_add_audit = facts.db.add_audit

    async def add_audit(*args, **kwargs):
        nonlocal audits
        await real_add_audit(*args, **kwargs)
        audits += 1
        if audits in REPORTED:
            print(f"audit {audits}", flush=True)

    facts.db.add_audit = add_audit
    print("applying", flush=True)
    result = await admin.apply_import(guild, actor, plan)
    print(f"applied {result.added} {result.changed} {result.unchanged}", flush=True)
    await facts.close()

REPORTED = {int(n) for n in sys.argv[5].split(",")}
asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


def import_file(path: Path) -> Path:
    """A server export of ENTRIES facts, as a moderator would upload it."""
    facts = [
        {
            "id": f"club-fact-{n:04d}",
            "title": f"Club fact number {n}",
            "answer": f"Answer {n}: " + "the club watched it again. " * 8,
            "aliases": [f"club fact {n}"],
            "source_name": "Our club",
            "source_url": f"https://example.org/club/{n}",
        }
        for n in range(ENTRIES)
    ]
    doc = {"format": "lookback-pack", "format_version": 1, "pack_version": "t", "facts": facts}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


async def run_child(
    db_path: Path, file_path: Path, *, kill_at: str | None = None, kill_after: float = 0.0
) -> list[str]:
    """Run the child; SIGKILL it `kill_after` s after it prints `kill_at`. Its output lines."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(db_path),
        str(file_path),
        str(GUILD),
        str(ACTOR),
        ",".join(map(str, REPORTED)),
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []

    async def read() -> None:
        assert proc.stdout is not None
        while line := (await proc.stdout.readline()).decode().strip():
            lines.append(line)
            if line == kill_at:
                if kill_after:
                    await asyncio.sleep(kill_after)
                proc.kill()
                return

    try:
        await asyncio.wait_for(read(), CHILD_TIMEOUT)
        await asyncio.wait_for(proc.wait(), CHILD_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 5)
    err = (await proc.stderr.read()).decode(errors="replace")
    if kill_at is None:
        assert proc.returncode == 0, err[-2000:]
    else:
        assert proc.returncode == -9, f"not killed (rc {proc.returncode}): {err[-2000:]}"
    return lines


async def state_after_restart(db_path: Path) -> tuple[int, int, int, str]:
    """Reopen the database as the bot does on start: (server rows, audit records, distinct
    audited keys, integrity verdict)."""
    facts = await FactBase.open(db_path)
    try:
        db = facts.db
        rows = len(await db.guild_rows(GUILD))
        audits = await db.audit_count(GUILD)
        verdict = await db.integrity_check()
    finally:
        await facts.close()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        keys = conn.execute(
            "SELECT COUNT(DISTINCT key) FROM audit_log WHERE guild_id = ? AND actor_id = ?",
            (GUILD, ACTOR),
        ).fetchone()[0]
    finally:
        conn.close()
    return rows, audits, keys, verdict


KILLS = [
    pytest.param("applying", 0.0, False, id="as-it-starts"),
    pytest.param("audit 500", 0.0, True, id="half-way"),
    pytest.param(f"audit {ENTRIES}", 0.0, True, id="at-commit"),
    pytest.param("audit 1", 0.6, False, id="timed-0.6s"),
]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh bot database (migrated, content pack loaded) and the import file."""
    folder = tmp_path_factory.mktemp("import-crash")

    async def create() -> None:
        await (await FactBase.open(folder / "base.db")).close()

    asyncio.run(create())
    return folder / "base.db", import_file(folder / "club.json")


@pytest.mark.parametrize(("kill_at", "kill_after", "retry"), KILLS)
async def test_a_killed_import_is_all_or_nothing_after_a_restart(
    prepared: tuple[Path, Path], tmp_path: Path, kill_at: str, kill_after: float, retry: bool
) -> None:
    base, club = prepared
    db_path = tmp_path / "lookback.db"
    shutil.copy(base, db_path)

    lines = await run_child(db_path, club, kill_at=kill_at, kill_after=kill_after)
    assert lines[-1] != f"applied {ENTRIES} 0 0" or kill_at == f"audit {ENTRIES}", lines[-3:]
    rows, audits, keys, verdict = await state_after_restart(db_path)
    assert verdict == "ok"
    assert (rows, audits, keys) in ((0, 0, 0), (ENTRIES, ENTRIES, ENTRIES)), (rows, audits, keys)
    if kill_at in ("applying", "audit 500") and not kill_after:
        assert rows == 0  # killed inside the transaction: nothing of it is kept
    if not retry:
        return

    # The moderator imports the file again: complete, and nothing doubled.
    done = await run_child(db_path, club)
    expected = f"applied {ENTRIES} 0 0" if rows == 0 else f"applied 0 0 {ENTRIES}"
    assert done[-1] == expected
    assert await state_after_restart(db_path) == (ENTRIES, ENTRIES, ENTRIES, "ok")
