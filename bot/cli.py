"""The `lookback-bot` command line: run, console, ask, import, export, sync, copy-database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from bot import __version__
from bot.config import Settings, SettingsError
from bot.constants import KINDS
from bot.domain.models import Kind
from bot.domain.pack import PackError, dump_document, load_pack, to_document
from bot.errors import UserFacingError
from bot.logsetup import setup_logging
from bot.storage.sqlite.connection import DatabaseFileError, operator_message

log = logging.getLogger(__name__)

#: Exit codes: bad input or settings (the operator must change something) and a fault of the
#: machine (disk, permissions, network: the same command may work later).
EXIT_BAD_INPUT: Final = 2
EXIT_FAULT: Final = 1
#: Pack problems printed at once, and the characters shown of each.
PROBLEMS_SHOWN: Final = 20
PROBLEM_CHARS: Final = 200


class CliFailure(Exception):
    """A command that cannot go on: one line for the operator, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAULT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _cut(text: str, limit: int = PROBLEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pack_problems_text(exc: PackError) -> str:
    """A refused pack: how many problems, then at most PROBLEMS_SHOWN of them, each cut."""
    problems = exc.problems
    lines = [f"Nothing was imported: {len(problems)} problem(s) in the content pack."]
    lines += [f"  - {_cut(p)}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"  … and {len(problems) - PROBLEMS_SHOWN} more; fix these and run again.")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lookback-bot",
        description="Look Back community bot. With no command: Discord when DISCORD_TOKEN is "
        "set, else the offline console.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--database",
        help="SQLite file or postgresql:// URL (default: DATABASE_URL, else DATABASE_PATH)",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run on Discord when a token is set, else the console")
    parser.add_argument(
        "--lang", choices=("en", "ja"), help="the console's language (default: from LANG)"
    )
    console = sub.add_parser("console", help="the offline console: slash commands in a terminal")
    console.add_argument(
        "--lang",
        choices=("en", "ja"),
        default=argparse.SUPPRESS,  # keeps `lookback-bot --lang ja console` working too
        help="the console's language (default: from LANG)",
    )
    ask = sub.add_parser("ask", help="answer one question ('-' reads one per line from stdin)")
    ask.add_argument("--kind", choices=KINDS, help="only this kind of entry")
    ask.add_argument("--json", action="store_true", help="print a JSON object")
    ask.add_argument("question", nargs="+", help="the question, or '-'")
    imp = sub.add_parser("import", help="validate and import a content pack file or folder")
    imp.add_argument("file", type=Path)
    exp = sub.add_parser("export", help="write the shipped and imported content as a pack file")
    exp.add_argument("file", type=Path)
    copy = sub.add_parser(
        "copy-database",
        help="copy everything into another database (SQLite file or postgresql:// URL), checked",
    )
    copy.add_argument("--from", dest="source", required=True, help="SQLite file or URL")
    copy.add_argument("--to", dest="target", required=True, help="SQLite file or URL")
    copy.add_argument(
        "--force", action="store_true", help="replace everything in a target that holds rows"
    )
    sync = sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, help="sync to one guild only (instant)")
    return parser


async def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.domain.factbase import FactBase

    return await FactBase.open(settings.database)


async def _ask(settings: Settings, args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from bot.cards.answers import answer_card
    from bot.cards.text import render_card

    service = await _open(settings)
    kinds: list[Kind] | None = [args.kind] if args.kind else None
    try:
        if args.question == ["-"]:
            for line in stdin:
                question = line.rstrip("\n")
                if not question.strip():
                    continue
                try:
                    answer = await service.ask(question, kinds=kinds)
                    payload = answer.to_json()
                except UserFacingError as exc:
                    payload = {
                        "query": question,
                        "answer": None,
                        "suggestions": [],
                        "error": exc.message,
                    }
                stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            return 0
        question = " ".join(args.question)
        try:
            answer = await service.ask(question, kinds=kinds)
        except UserFacingError as exc:
            if args.json:
                stdout.write(
                    json.dumps(
                        {
                            "query": question,
                            "answer": None,
                            "suggestions": [],
                            "error": exc.message,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            else:
                stdout.write(exc.message + "\n")
            return 2
        if args.json:
            stdout.write(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            stdout.write(render_card(answer_card(answer)) + "\n")
        return 0 if answer.found else 1
    finally:
        await service.close()


class _Progress:
    """What `import` shows on a terminal (nothing when stderr is piped): stages and a bar."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream)
        self._bar: Any = None
        self._done = 0
        self._total = 0

    def say(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text + "\n")
            self.stream.flush()

    @contextlib.contextmanager
    def writing(self, total: int) -> Iterator[Callable[[int], None] | None]:
        """A callback for `write_progress` while `total` entries are written (a tqdm bar)."""
        if not self.enabled:
            yield None
            return
        from tqdm import tqdm

        self._total, self._done = total, 0
        with tqdm(
            total=total,
            desc="Writing",
            unit=" entries",
            file=self.stream,
            ncols=_columns(self.stream),
            nrows=24,  # a pseudo-terminal reporting no size would hide the bar
            leave=True,
        ) as bar:
            self._bar = bar

            def advance(count: int) -> None:
                bar.update(count)
                self._done += count
                if self._done >= self._total:
                    bar.close()
                    self.say("Indexing the new entries …")

            yield advance
        self._bar = None


def _columns(stream: TextIO) -> int:
    """The terminal's width (80 when it reports none, as a fresh pseudo-terminal does)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


async def _import(settings: Settings, path: Path, stdout: TextIO) -> int:
    from bot.storage.sqlite.content import write_progress

    progress = _Progress()
    progress.say(f"Checking {path} …")
    try:
        pack = load_pack(path)
    except PackError as exc:
        stdout.write(pack_problems_text(exc))
        return EXIT_BAD_INPUT
    service = await _open(settings)
    db = service.db
    try:
        if db.read_only:
            raise CliFailure("Nothing was imported. " + _db_message(settings, _READ_ONLY))
        await _require_healthy(service, "Nothing was imported.")
        with progress.writing(len(pack.entries)) as advance:
            token = write_progress.set(advance)
            try:
                count = await service.import_pack(pack)
            except sqlite3.Error as exc:
                raise CliFailure("Nothing was imported. " + _db_message(settings, exc)) from exc
            finally:
                write_progress.reset(token)
        db.check_kept()  # removed while the index was stored: the import went with it
        progress.say("Storing the index for the next start …")
        await service.store_snapshot()
    except sqlite3.Error as exc:
        raise CliFailure(
            "The import is lost. " + _db_message(settings, exc) + " Run the import again."
        ) from exc
    finally:
        await service.close()
    try:
        db.check_kept()  # closing folds the log into the file: it must still be there
    except sqlite3.Error as exc:
        raise CliFailure(
            "The import is lost. " + _db_message(settings, exc) + " Run the import again."
        ) from exc
    counts = ", ".join(f"{pack.count(k)} {k}" for k in KINDS)
    stdout.write(f"Imported {count} entries ({counts}) from {path}.\n")
    return 0


_READ_ONLY = object()


def _db_message(settings: Settings, error: object) -> str:
    """The operator's line for a database failure."""
    from bot.errors import DB_READ_ONLY, WriteRefused

    if error is _READ_ONLY:
        error = WriteRefused(DB_READ_ONLY)
    assert isinstance(error, BaseException)
    return operator_message(error, settings.database_path) or (
        f"The database {settings.database_path} failed: {_cut(str(error), 120)}."
    )


async def _require_healthy(service: Any, nothing: str) -> None:
    """Refuse to write into (or export from) a damaged file: SQLite's integrity check first
    (a tenth of a second for 100,000 entries)."""
    verdict = await service.db.integrity_check()
    if verdict != "ok":
        raise CliFailure(
            f"{nothing} The database {service.db.path} is damaged (SQLite: "
            f"{_cut(verdict, 80)}). Restore it from a backup, or try "
            f"`sqlite3 {service.db.path} .recover`."
        )


def _check_export_target(path: Path) -> None:
    """Refuse an export file that can't be written, before anything is read."""
    if path.is_dir():
        raise CliFailure(
            f"Nothing was exported: {path} is a folder. Name a file, e.g. "
            f"{path / 'lookback-export.json'}.",
            EXIT_BAD_INPUT,
        )
    folder = path.parent
    if not folder.exists():
        raise CliFailure(
            f"Nothing was exported: the folder {folder} does not exist. Create it, or name a "
            "file in an existing folder.",
            EXIT_BAD_INPUT,
        )
    if not folder.is_dir():
        raise CliFailure(f"Nothing was exported: {folder} is a file, not a folder.", EXIT_BAD_INPUT)
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliFailure(
            f"Nothing was exported: {path} cannot be written (permission denied). Choose a "
            "writable place, or make it writable."
        )


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file next to `path`, then rename it over `path`: a failure
    (a full disk, say) leaves any earlier file as it was."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise CliFailure(
            f"Nothing was exported: writing {path} failed ({exc.strerror or exc}). "
            "Free some space or choose another place, then try again."
        ) from None


async def _export(settings: Settings, path: Path, stdout: TextIO) -> int:
    _check_export_target(path)
    service = await _open(settings)
    try:
        await _require_healthy(service, "Nothing was exported.")
        entries = await service.db.all_entries()
        version = await service.db.get_meta("pack_version") or "export"
    finally:
        await service.close()
    shipped = [e for e in entries if e.guild_id == 0]
    doc = to_document(entries=shipped, pack_version=version, title="Look Back fact base export")
    await asyncio.to_thread(_write_atomically, path, dump_document(doc))
    stdout.write(f"Exported {len(shipped)} entries to {path}.\n")
    return 0


def _location(text: str) -> Path | str:
    """A `--from`/`--to` value: a URL as it is, anything else a file path."""
    return text if "://" in text else Path(text).expanduser()


async def _copy_database(args: argparse.Namespace, stdout: TextIO) -> int:
    from bot.storage import open_storage
    from bot.storage.copy import CopyRefused, copy_database
    from bot.storage.postgres.connection import redact

    source_at, target_at = _location(args.source), _location(args.target)
    if str(source_at) == str(target_at):
        raise CliFailure("Nothing was copied: --from and --to are the same.", EXIT_BAD_INPUT)
    if isinstance(source_at, Path) and not source_at.is_file():
        raise CliFailure(f"Nothing was copied: {source_at} does not exist.", EXIT_BAD_INPUT)
    shown = {
        "from": redact(str(source_at)),
        "to": redact(str(target_at)),
    }
    progress = _Progress()
    source = await open_storage(source_at)
    try:
        target = await open_storage(target_at)
        try:
            counted: dict[str, int] = {}

            def advance(table: str, rows: int) -> None:
                counted[table] = counted.get(table, 0) + rows
                progress.say(f"  {table}: {counted[table]} rows")

            started = time.perf_counter()
            try:
                checks = await copy_database(
                    source,  # type: ignore[arg-type]
                    target,  # type: ignore[arg-type]
                    force=args.force,
                    progress=advance,
                )
            except CopyRefused as exc:
                raise CliFailure(f"Nothing was copied: {exc}.", EXIT_BAD_INPUT) from None
            took = time.perf_counter() - started
        finally:
            await target.close()
    finally:
        await source.close()
    stdout.write(f"Copied {shown['from']} to {shown['to']} in {took:.1f} s:\n")
    width = max(len(c.table) for c in checks)
    for check in checks:
        verdict = "same" if check.ok else "DIFFERENT"
        stdout.write(
            f"  {check.table:<{width}}  {check.source_rows:>8} → {check.target_rows:>8} rows"
            f"  sha256 {check.source_hash[:16]}  {verdict}\n"
        )
    bad = [c.table for c in checks if not c.ok]
    if bad:
        raise CliFailure(f"The copy differs from the source in {', '.join(bad)}.")
    stdout.write(f"Every table checked: {sum(c.target_rows for c in checks)} rows, same content.\n")
    return 0


async def _console(settings: Settings, lang: str | None = None) -> int:
    from bot.console import run_console
    from bot.i18n import messages_for

    service = await _open(settings)
    try:
        return await run_console(service, m=messages_for(lang or os.environ.get("LANG")))
    finally:
        await service.close()


def _discord_failure(exc: BaseException) -> CliFailure | None:
    """One line for a failure to reach or use Discord; None when it is something else."""
    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure):
        return CliFailure("Discord refused the token: check DISCORD_TOKEN.", EXIT_BAD_INPUT)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return CliFailure(
            "Discord refused the connection: the bot asks for an intent its application "
            "does not have (Developer Portal → Bot → Privileged Gateway Intents).",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, discord.ConnectionClosed):
        code = exc.code
        if code in (4010, 4011):
            return CliFailure(
                f"Discord closed the connection (code {code}: "
                f"{'invalid shard' if code == 4010 else 'sharding required'}): check "
                "SHARD_COUNT and SHARD_IDS.",
                EXIT_BAD_INPUT,
            )
        if code == 4004:
            return CliFailure("Discord refused the token: check DISCORD_TOKEN.", EXIT_BAD_INPUT)
        return CliFailure(
            f"Discord closed the connection (code {code}: {_cut(exc.reason or '', 80)}); "
            "try again later."
        )
    if isinstance(exc, discord.GatewayNotFound):
        return CliFailure("Discord's gateway could not be found; try again in a few minutes.")
    if isinstance(exc, discord.DiscordServerError):
        return CliFailure(
            f"Discord answered with an error (HTTP {exc.status}); try again in a few minutes."
        )
    if isinstance(exc, discord.HTTPException):
        return CliFailure(
            f"Discord refused the request (HTTP {exc.status}: {_cut(exc.text or '', 100)})."
        )
    if isinstance(exc, aiohttp.ClientError | ConnectionError | TimeoutError):
        reason = _cut(str(exc) or type(exc).__name__, 160)
        return CliFailure(
            f"Could not reach Discord ({reason}). Check the network connection (and "
            "DISCORD_API_BASE / DISCORD_GATEWAY_URL if set), then try again."
        )
    return None


def _run_discord(settings: Settings) -> int:
    from bot.client import run_bot

    try:
        return run_bot(settings)
    except Exception as exc:
        failure = _discord_failure(exc)
        if failure is None:
            raise
        raise failure from exc


def _sync(settings: Settings, guild: int | None, stdout: TextIO) -> int:
    from bot.client import sync_commands

    if not settings.has_token:
        stdout.write("lookback-bot sync needs DISCORD_TOKEN (in the environment or .env).\n")
        return 2
    try:
        names = asyncio.run(sync_commands(settings, guild))
    except Exception as exc:
        failure = _discord_failure(exc)
        if failure is None:
            raise
        raise CliFailure("No command was registered. " + failure.message, failure.code) from exc
    where = f"guild {guild}" if guild else "every server (global; may take up to an hour)"
    stdout.write(f"Registered {len(names)} commands for {where}: {', '.join(names)}\n")
    return 0


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Entry point of the `lookback-bot` console script."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.database is not None:
            settings = settings.with_database(args.database)
    except SettingsError as exc:
        sys.stderr.write(f"Configuration problem: {exc}\n")
        return 2
    console = args.command == "console" or (
        args.command in (None, "run") and not settings.has_token
    )
    # The console keeps log lines out of the conversation (LOG_FILE has them all).
    setup_logging(settings, interactive=console)
    if args.command != "run" and args.command is not None:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    command = args.command or "run"
    try:
        return _dispatch(command, settings, args, stdin, stdout)
    except CliFailure as exc:
        _say(exc.message)
        return exc.code
    except DatabaseFileError as exc:
        _say(exc.message)
        return EXIT_BAD_INPUT if exc.bad_setting else EXIT_FAULT
    except sqlite3.Error as exc:
        _say(_db_message(settings, exc))
        _details(settings)
        return EXIT_FAULT
    except PackError as exc:
        sys.stderr.write(pack_problems_text(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        _say(
            f"{command} failed unexpectedly ({type(exc).__name__}: {_cut(str(exc), 160)}). "
            "Run it again with LOG_LEVEL=DEBUG for the details."
        )
        _details(settings)
        return EXIT_FAULT


def _dispatch(
    command: str, settings: Settings, args: argparse.Namespace, stdin: TextIO, stdout: TextIO
) -> int:
    if command == "ask":
        return asyncio.run(_ask(settings, args, stdin, stdout))
    if command == "run":
        if settings.has_token:
            return _run_discord(settings)
        stdout.write("No DISCORD_TOKEN configured: starting the offline console.\n")
        return asyncio.run(_console(settings, args.lang))
    if command == "console":
        return asyncio.run(_console(settings, args.lang))
    if command == "import":
        return asyncio.run(_import(settings, args.file, stdout))
    if command == "export":
        return asyncio.run(_export(settings, args.file, stdout))
    if command == "sync":
        return _sync(settings, args.guild, stdout)
    if command == "copy-database":
        return asyncio.run(_copy_database(args, stdout))
    return EXIT_BAD_INPUT


def _say(message: str) -> None:
    """One line on stderr for the operator (flushed: it is the last thing the process says)."""
    sys.stderr.write(f"lookback-bot: {message}\n")
    sys.stderr.flush()


def _details(settings: Settings) -> None:
    """The traceback too, when the operator asked for details (LOG_LEVEL=DEBUG)."""
    if settings.log_level == "DEBUG":
        traceback.print_exc(file=sys.stderr)
