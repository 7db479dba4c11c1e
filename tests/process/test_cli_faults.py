"""`lookback-bot` (as `python -m bot`) when the operator's input or machine is at fault.

Each case runs the real command in a child process on temporary folders and checks what the
operator sees — one line naming the problem and what to do, exit 2 for bad input or settings
and 1 for a fault of the machine, never a traceback — and that nothing changed: the database
file is byte for byte the same (or was never created), no export file appeared.

Permissions: root ignores them, so under root the commands whose case is a permission run as
the unprivileged user `nobody` (uid 65534) on folders it owns; without root they run as the
current user, for whom the permission bits are real already. A full disk is a file-size limit
(RLIMIT_FSIZE) on the child: SQLite sees the same short writes (SQLITE_FULL) as on a full disk,
without needing a mount.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pty
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.process

NOBODY = 65534
TIMEOUT = 90
#: Settings the bot reads; none may leak in from the developer's environment.
_SETTINGS = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "LOG_LEVEL",
    "DEV_GUILD_ID",
    "OWNER_IDS",
    "SHARD_COUNT",
    "SHARD_IDS",
    "REMINDER_GRACE_SECONDS",
)
AS_ROOT = os.geteuid() == 0


def env_for(db: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if db is not None:
        env["DATABASE_PATH"] = str(db)
    env.update(extra)
    return env


def cli(
    *args: str,
    db: Path | None,
    cwd: Path,
    unprivileged: bool = False,
    preexec: Callable[[], None] | None = None,
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS`, as `nobody` under root when `unprivileged`."""
    command = [sys.executable, "-m", "bot", *args]
    if unprivileged:
        command = unprivileged_command(command)
    return subprocess.run(
        command,
        env=env_for(db, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec,
        check=False,
    )


def unprivileged_command(command: list[str]) -> list[str]:
    """`command` run as `nobody` under root (setpriv: util-linux), as is otherwise."""
    if not AS_ROOT:
        return command
    setpriv = shutil.which("setpriv")
    assert setpriv, "under root these tests need setpriv (util-linux) to drop to nobody"
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


def one_clear_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """The command failed with `code`, saying so in one line that holds `words`; no traceback."""
    said = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert said, "nothing was said"
    last = said[-1]
    for word in words:
        assert word.lower() in last.lower(), (word, last)
    assert len(last) < 400
    assert "Imported" not in result.stdout and "Exported" not in result.stdout
    return last


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack_doc(facts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "lookback-pack", "format_version": 1, "pack_version": "t", "facts": facts}


def fact(n: int, **extra: Any) -> dict[str, Any]:
    raw = {
        "id": f"club-fact-{n:06d}",
        "title": f"Club fact {n}",
        "answer": f"Answer {n}: the club watched it again.",
        "aliases": [f"club alias {n}"],
        "source_name": "Club",
        "source_url": f"https://example.org/{n}",
    }
    raw.update(extra)
    return raw


def write_pack(path: Path, count: int = 3) -> Path:
    path.write_text(json.dumps(pack_doc([fact(n) for n in range(count)])), encoding="utf-8")
    return path


def facts_in(db: Path) -> int:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def made_db(tmp_path: Path) -> Path:
    """A database made by the bot (shipped pack loaded, index stored), then closed."""
    db = tmp_path / "lookback.db"
    result = cli("ask", "who directed it", db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def own_folder() -> Iterator[Path]:
    """A folder the unprivileged child owns (its permissions are then real for it)."""
    folder = Path(tempfile.mkdtemp(prefix="lookback-cli-"))
    if AS_ROOT:
        os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            with contextlib.suppress(OSError):
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(folder, ignore_errors=True)


def as_child_owner(*paths: Path) -> None:
    if AS_ROOT:
        for path in paths:
            os.chown(path, NOBODY, NOBODY)


# -- packs --------------------------------------------------------------------------------------


def test_a_deeply_nested_pack_is_refused_in_words(tmp_path: Path) -> None:
    pack = tmp_path / "deep.json"
    pack.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = cli("import", str(pack), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Nothing was imported" in result.stdout
    assert "deep.json: nests arrays or objects too deeply" in result.stdout
    assert not (tmp_path / "x.db").exists()


def test_a_five_thousand_digit_number_is_refused_in_words(tmp_path: Path) -> None:
    pack = tmp_path / "number.json"
    doc = json.dumps(pack_doc([fact(1)])).replace('"format_version": 1', '"format_version": 7')
    pack.write_text(doc.replace(": 7", ": " + "7" * 5000, 1), encoding="utf-8")
    result = cli("import", str(pack), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "has a number 5,000 digits long" in result.stdout
    assert not (tmp_path / "x.db").exists()


def test_a_pack_with_a_byte_order_mark_is_imported_like_admin_import_does(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "bom.json"
    pack.write_bytes(b"\xef\xbb\xbf" + json.dumps(pack_doc([fact(1)])).encode("utf-8"))
    result = cli("import", str(pack), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Imported 1 entries" in result.stdout


def test_a_manifest_naming_a_folder_is_refused_in_words(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    (folder / "more").mkdir(parents=True)
    manifest = {"format": "lookback-pack", "format_version": 1, "pack_version": "t"}
    (folder / "manifest.json").write_text(json.dumps(manifest | {"files": ["more"]}), "utf-8")
    result = cli("import", str(folder), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "more: is a folder, not a file" in result.stdout


def test_an_unreadable_pack_file_is_refused_in_words(own_folder: Path) -> None:
    pack = write_pack(own_folder / "secret.json")
    as_child_owner(pack)
    pack.chmod(0o000)
    result = cli("import", str(pack), db=own_folder / "x.db", cwd=own_folder, unprivileged=True)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "secret.json: cannot be read (permission denied)" in result.stdout
    assert not (own_folder / "x.db").exists()


def test_a_twenty_megabyte_id_is_not_echoed(tmp_path: Path) -> None:
    pack = tmp_path / "long.json"
    huge = "x" * 20_000_000
    pack.write_text(json.dumps(pack_doc([fact(1, id=huge, title=huge)])), encoding="utf-8")
    result = cli("import", str(pack), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Nothing was imported" in result.stdout
    assert len(result.stdout) + len(result.stderr) < 20_000
    assert not (tmp_path / "x.db").exists()


def test_an_entry_without_a_source_url_is_refused(tmp_path: Path) -> None:
    pack = tmp_path / "unsourced.json"
    raw = fact(1)
    del raw["source_url"]
    pack.write_text(json.dumps(pack_doc([raw])), encoding="utf-8")
    result = cli("import", str(pack), db=tmp_path / "x.db", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "source_url: is missing" in result.stdout


# -- export -------------------------------------------------------------------------------------


def test_export_into_a_missing_folder(made_db: Path, tmp_path: Path) -> None:
    before = digest(made_db)
    result = cli("export", str(tmp_path / "nope" / "x.json"), db=made_db, cwd=tmp_path)
    one_clear_line(result, 2, "nothing was exported", "does not exist")
    assert not (tmp_path / "nope").exists()
    assert digest(made_db) == before


def test_export_onto_a_folder(made_db: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    result = cli("export", str(tmp_path / "out"), db=made_db, cwd=tmp_path)
    one_clear_line(result, 2, "is a folder")
    assert list((tmp_path / "out").iterdir()) == []


def test_export_into_an_unwritable_folder(own_folder: Path) -> None:
    db = own_folder / "lookback.db"
    assert cli("ask", "runtime", db=db, cwd=own_folder, unprivileged=True).returncode == 0
    locked = own_folder / "locked"
    locked.mkdir()
    as_child_owner(locked)
    locked.chmod(0o555)
    result = cli("export", str(locked / "x.json"), db=db, cwd=own_folder, unprivileged=True)
    one_clear_line(result, 1, "permission denied")
    assert list(locked.iterdir()) == []


def test_export_that_fails_half_way_leaves_the_earlier_file(made_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("the earlier export", encoding="utf-8")
    result = cli(
        "export", str(target), db=made_db, cwd=tmp_path, preexec=_file_size_limit(64 * 1024)
    )
    one_clear_line(result, 1, "nothing was exported")
    assert target.read_text(encoding="utf-8") == "the earlier export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


# -- the database file --------------------------------------------------------------------------


def test_database_path_that_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for how in (["--database", str(folder)], []):
        result = cli(*how, "ask", "runtime", db=folder, cwd=tmp_path)
        one_clear_line(result, 2, "folder")
        assert list(folder.iterdir()) == []


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "lookback.db"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    for args in (["ask", "runtime"], ["import", str(write_pack(tmp_path / "p.json"))]):
        result = cli(*args, db=db, cwd=tmp_path)
        one_clear_line(result, 1, "not a sqlite database", "backup")
    assert digest(db) == before


def test_a_database_with_a_damaged_page(made_db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(made_db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'facts'").fetchone()[0]
    conn.close()
    with made_db.open("r+b") as handle:  # the facts table's first page: garbage
        handle.seek((root - 1) * page_size)
        handle.write(b"\xa5" * page_size)
    before = digest(made_db)
    result = cli("import", str(write_pack(tmp_path / "p.json")), db=made_db, cwd=tmp_path)
    one_clear_line(result, 1, "damaged", "backup")
    assert digest(made_db) == before


def test_a_new_database_in_an_unwritable_folder(own_folder: Path) -> None:
    locked = own_folder / "locked"
    locked.mkdir()
    as_child_owner(locked)
    locked.chmod(0o555)
    result = cli("ask", "runtime", db=locked / "x.db", cwd=own_folder, unprivileged=True)
    one_clear_line(result, 1, "not writable")
    assert list(locked.iterdir()) == []


def test_an_import_into_a_read_only_database(own_folder: Path) -> None:
    db = own_folder / "lookback.db"
    assert cli("ask", "runtime", db=db, cwd=own_folder, unprivileged=True).returncode == 0
    pack = write_pack(own_folder / "p.json")
    as_child_owner(pack)
    db.chmod(0o444)
    own_folder.chmod(0o555)
    before = digest(db)
    result = cli("import", str(pack), db=db, cwd=own_folder, unprivileged=True)
    one_clear_line(result, 1, "nothing was imported", "read-only")
    assert digest(db) == before


def test_an_import_while_another_program_holds_the_write_lock(
    made_db: Path, tmp_path: Path
) -> None:
    before = facts_in(made_db)
    other = sqlite3.connect(made_db, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = cli("import", str(write_pack(tmp_path / "p.json")), db=made_db, cwd=tmp_path)
        waited = time.monotonic() - started
    finally:
        other.rollback()
        other.close()
    one_clear_line(result, 1, "nothing was imported", "busy", "try again")
    assert waited < 30
    assert facts_in(made_db) == before


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a short write, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_an_import_onto_a_full_disk(made_db: Path, tmp_path: Path) -> None:
    before = facts_in(made_db)
    pack = tmp_path / "big.json"
    pack.write_text(json.dumps(pack_doc([fact(n) for n in range(5_000)])), encoding="utf-8")
    limit = 64 * 1024  # the write-ahead log can't grow past it
    result = cli("import", str(pack), db=made_db, cwd=tmp_path, preexec=_file_size_limit(limit))
    one_clear_line(result, 1, "nothing was imported", "full")
    assert facts_in(made_db) == before
    conn = sqlite3.connect(made_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_the_database_file_deleted_while_import_writes(made_db: Path, tmp_path: Path) -> None:
    """The issue's false success: the import must fail and say so, not print "Imported"."""
    pack = tmp_path / "big.json"
    pack.write_text(json.dumps(pack_doc([fact(n) for n in range(30_000)])), encoding="utf-8")
    wal = Path(f"{made_db}-wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", str(pack)],
        env=env_for(made_db),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > 0:  # the import's first write
                made_db.unlink()
                break
            time.sleep(0.002)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not made_db.exists() or facts_in(made_db) == 0, "the file was not deleted in time"
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    line = one_clear_line(result, 1, "nothing was imported", "removed or replaced", "run the")
    assert "Imported" not in out, out
    assert "lost" in line


def test_a_read_only_folder_whose_log_cannot_be_read_is_refused(own_folder: Path) -> None:
    """After a crash the newest content lies in the write-ahead log; without write access to
    the folder SQLite can't read it, and serving the older content silently is refused."""
    db = own_folder / "lookback.db"
    assert cli("ask", "runtime", db=db, cwd=own_folder, unprivileged=True).returncode == 0
    crash = (
        "import sqlite3, os, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute(\"UPDATE facts SET answer = 'after the crash' WHERE key = 'runtime'\")\n"
        "os._exit(0)\n"
    )
    subprocess.run(
        unprivileged_command([sys.executable, "-c", crash, str(db)]), check=True, timeout=30
    )
    assert Path(f"{db}-wal").stat().st_size > 0
    Path(f"{db}-shm").unlink()  # as after a reboot, when it lived in memory
    for path in own_folder.iterdir():
        path.chmod(0o444)
    own_folder.chmod(0o555)
    before = digest(db)
    result = cli("ask", "--json", "runtime", db=db, cwd=own_folder, unprivileged=True)
    one_clear_line(result, 1, "write-ahead log", "writable")
    assert "58" not in result.stdout  # the content from before the crash was not served
    assert digest(db) == before


def test_a_read_only_folder_with_a_readable_log_serves_the_newest_content(
    own_folder: Path,
) -> None:
    db = own_folder / "lookback.db"
    assert cli("ask", "runtime", db=db, cwd=own_folder, unprivileged=True).returncode == 0
    crash = (
        "import sqlite3, os, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute(\"UPDATE facts SET answer = 'after the crash' WHERE key = 'runtime'\")\n"
        "os._exit(0)\n"
    )
    subprocess.run(
        unprivileged_command([sys.executable, "-c", crash, str(db)]), check=True, timeout=30
    )
    own_folder.chmod(0o555)
    result = cli("ask", "--json", "runtime", db=db, cwd=own_folder, unprivileged=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answer"]["text"] == "after the crash"


# -- Discord out of reach -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["sync", "run"])
def test_discord_out_of_reach(command: str, tmp_path: Path) -> None:
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    result = cli(
        command,
        db=tmp_path / "x.db",
        cwd=tmp_path,
        DISCORD_TOKEN="LookBackCliFaults.not-a-real-token-0123456789",
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/",
    )
    one_clear_line(result, 1, "could not reach discord", "try again")
    assert "not-a-real-token" not in result.stderr + result.stdout


# -- progress -----------------------------------------------------------------------------------


def test_import_shows_progress_on_a_terminal_and_nothing_when_piped(tmp_path: Path) -> None:
    pack = tmp_path / "p.json"
    pack.write_text(json.dumps(pack_doc([fact(n) for n in range(3_000)])), encoding="utf-8")
    piped = cli("import", str(pack), db=tmp_path / "piped.db", cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("Imported 3000 entries")
    assert piped.stderr == ""

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "import", str(pack)],
            env=env_for(tmp_path / "tty.db"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        os.close(leader)
    terminal = seen.decode(errors="replace")
    assert proc.returncode == 0, terminal
    assert "Writing" in terminal and "3000/3000" in terminal
    assert out.startswith("Imported 3000 entries")
