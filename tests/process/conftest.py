"""The real bot process (`python -m bot`, i.e. `lookback-bot`) against FakeDiscord on 127.0.0.1.

Everything here is bounded: every wait has a timeout and a started process is killed in a
`finally` block if it is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fakediscord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

APP_ID = 1_400_000_000_000_000_001
BOT_ID = 1_400_000_000_000_000_002
GUILD_ID = 1_400_000_000_000_000_003

#: A long token unique to this test session, so finding it in any output can only be a leak.
FAKE_TOKEN = "LookBackProcessTest." + secrets.token_urlsafe(48)

#: The commands `lookback-bot sync` registers.
COMMAND_NAMES = frozenset(
    {
        "ask",
        "fact",
        "quote",
        "synopsis",
        "awards",
        "help",
        "about",
        "admin",
        "trivia",
        "Ask Look Back",
    }
)

#: Settings the bot reads; none of them may leak in from the developer's environment.
_BOT_SETTINGS = (
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

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 20.0
#: Discord's window for the first response to an interaction.
DISCORD_WINDOW = 3.0


def bot_env(fake: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The bot's environment: the fake's endpoints, a temporary database, DEBUG logging."""
    env = {k: v for k, v in os.environ.items() if k not in _BOT_SETTINGS}
    env.update(
        {
            "DISCORD_TOKEN": FAKE_TOKEN,
            "DATABASE_PATH": str(tmp_path / "lookback.db"),
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "LOG_LEVEL": "DEBUG",
            "PYTHONUNBUFFERED": "1",
            # The checkout under test, whatever is installed in the venv.
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
        }
    )
    env.update(extra)
    return env


@dataclass
class CliResult:
    """A finished `python -m bot ...` command."""

    returncode: int
    stdout: str
    stderr: str


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> CliResult:
    """Run `python -m bot ARGS` to completion (killed after CLI_TIMEOUT seconds)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), CLI_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 5)
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


@dataclass
class BotProcess:
    """`python -m bot run` as a child process; its output is drained continuously."""

    proc: asyncio.subprocess.Process
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, env: dict[str, str], cwd: Path) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        bot = cls(proc)
        assert proc.stdout is not None and proc.stderr is not None
        bot._readers = [
            asyncio.create_task(bot._drain(proc.stdout, bot.stdout_lines)),
            asyncio.create_task(bot._drain(proc.stderr, bot.stderr_lines)),
        ]
        return bot

    async def _drain(self, stream: asyncio.StreamReader, into: list[str]) -> None:
        # Drained all the time: at DEBUG the bot writes a lot, and a full pipe would block it.
        while True:
            line = await stream.readline()
            if not line:
                break
            into.append(line.decode(errors="replace"))
            self._changed.set()

    @property
    def stdout(self) -> str:
        return "".join(self.stdout_lines)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def tail(self, lines: int = 40) -> str:
        """The last lines of stderr, for assertion messages."""
        return "".join(self.stderr_lines[-lines:])

    async def wait_for_log(self, pattern: str, timeout: float = START_TIMEOUT) -> str:
        """Wait until a line of stderr matches `pattern`; return it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.stderr_lines[seen:]:
                if regex.search(line):
                    return line
            seen = len(self.stderr_lines)
            if self.proc.returncode is not None:
                raise AssertionError(
                    f"the bot exited ({self.proc.returncode}) before logging {pattern!r}:\n"
                    + self.tail()
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no log line {pattern!r} within {timeout}s:\n" + self.tail())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))

    async def terminate(self, timeout: float = STOP_TIMEOUT) -> tuple[int, float]:
        """Send SIGTERM; return the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not exit within {timeout}s of SIGTERM:\n" + self.tail()
            ) from None
        elapsed = time.monotonic() - started
        await self._finish_readers()
        return code, elapsed

    async def _finish_readers(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._readers, return_exceptions=True), 5)
        for task in self._readers:
            task.cancel()

    async def kill(self) -> None:
        """Kill the process if it is still running (used in `finally`)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)
        await self._finish_readers()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord on 127.0.0.1 (ephemeral port); it insists on FAKE_TOKEN."""
    async with FakeDiscord(APP_ID, BOT_ID, [GUILD_ID], token=FAKE_TOKEN) as server:
        yield server


@pytest.fixture
async def strict_fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord, also refusing callbacks later than Discord's 3 s (error 10062)."""
    async with FakeDiscord(
        APP_ID, BOT_ID, [GUILD_ID], token=FAKE_TOKEN, callback_window=DISCORD_WINDOW
    ) as server:
        yield server


@contextlib.asynccontextmanager
async def running_bot(env: dict[str, str], cwd: Path) -> AsyncIterator[BotProcess]:
    """Start `python -m bot run`; kill it on the way out if it is still running."""
    bot = await BotProcess.start(env, cwd)
    try:
        yield bot
    finally:
        await bot.kill()
