"""The `lookback-bot` command line: run, console, ask, import, export, sync."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.config import Settings, SettingsError, setup_logging
from bot.constants import KINDS
from bot.domain.models import Kind
from bot.domain.pack import PackError, dump_document, load_pack, to_document
from bot.errors import UserFacingError

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lookback-bot",
        description="Look Back community bot. With no command: Discord when DISCORD_TOKEN is "
        "set, else the offline console.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--database", type=Path, help="SQLite file (default: DATABASE_PATH)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run on Discord when a token is set, else the console")
    sub.add_parser("console", help="the offline console: slash commands in a terminal")
    ask = sub.add_parser("ask", help="answer one question ('-' reads one per line from stdin)")
    ask.add_argument("--kind", choices=KINDS, help="only this kind of entry")
    ask.add_argument("--json", action="store_true", help="print a JSON object")
    ask.add_argument("question", nargs="+", help="the question, or '-'")
    imp = sub.add_parser("import", help="validate and import a content pack file or folder")
    imp.add_argument("file", type=Path)
    exp = sub.add_parser("export", help="write the shipped and imported content as a pack file")
    exp.add_argument("file", type=Path)
    sync = sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, help="sync to one guild only (instant)")
    return parser


async def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.domain.factbase import FactBase

    return await FactBase.open(settings.database_path)


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


async def _import(settings: Settings, path: Path, stdout: TextIO) -> int:
    try:
        pack = load_pack(path)
    except PackError as exc:
        stdout.write(f"Nothing was imported. {exc}\n")
        return 2
    service = await _open(settings)
    try:
        count = await service.import_pack(pack)
    finally:
        await service.close()
    counts = ", ".join(f"{pack.count(k)} {k}" for k in KINDS)
    stdout.write(f"Imported {count} entries ({counts}) from {path}.\n")
    return 0


async def _export(settings: Settings, path: Path, stdout: TextIO) -> int:
    service = await _open(settings)
    try:
        entries = await service.db.all_entries()
        version = await service.db.get_meta("pack_version") or "export"
    finally:
        await service.close()
    shipped = [e for e in entries if e.guild_id == 0]
    doc = to_document(entries=shipped, pack_version=version, title="Look Back fact base export")
    await asyncio.to_thread(path.write_text, dump_document(doc), encoding="utf-8")
    stdout.write(f"Exported {len(shipped)} entries to {path}.\n")
    return 0


async def _console(settings: Settings) -> int:
    from bot.console import run_console

    service = await _open(settings)
    try:
        return await run_console(service)
    finally:
        await service.close()


def _run_discord(settings: Settings) -> int:
    from bot.client import run_bot

    return run_bot(settings)


def _sync(settings: Settings, guild: int | None, stdout: TextIO) -> int:
    from bot.client import sync_commands

    if not settings.has_token:
        stdout.write("lookback-bot sync needs DISCORD_TOKEN (in the environment or .env).\n")
        return 2
    names = asyncio.run(sync_commands(settings, guild))
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
    except SettingsError as exc:
        sys.stderr.write(f"Configuration problem: {exc}\n")
        return 2
    if args.database is not None:
        settings = Settings(**{**settings.__dict__, "database_path": args.database})
    setup_logging(settings)
    if args.command != "run" and args.command is not None:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    command = args.command or "run"
    try:
        if command == "run":
            if settings.has_token:
                return _run_discord(settings)
            stdout.write("No DISCORD_TOKEN configured: starting the offline console.\n")
            return asyncio.run(_console(settings))
        if command == "console":
            return asyncio.run(_console(settings))
        if command == "ask":
            return asyncio.run(_ask(settings, args, stdin, stdout))
        if command == "import":
            return asyncio.run(_import(settings, args.file, stdout))
        if command == "export":
            return asyncio.run(_export(settings, args.file, stdout))
        if command == "sync":
            return _sync(settings, args.guild, stdout)
    except PackError as exc:
        sys.stderr.write(f"The content pack is invalid: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    return 2
