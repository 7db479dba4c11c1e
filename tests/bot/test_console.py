"""The offline console and the `lookback-bot` command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import Console, ConsoleInputError, parse_line, run_console
from bot.domain.factbase import FactBase
from tests import pgserver


@pytest.mark.parametrize(
    ("line", "command", "options"),
    [
        ("/quote search:hit or miss", "quote", {"search": "hit or miss"}),
        ("/quote hit or miss", "quote", {"search": "hit or miss"}),
        ("/quote search:luck speaker:Oshiyama", "quote", {"search": "luck", "speaker": "Oshiyama"}),
        ("/fact runtime", "fact", {"query": "runtime"}),
        ("/awards next", "awards next", {}),
        ("/AWARDS query when are the oscars", "awards query", {"question": "when are the oscars"}),
        ("/synopsis spoilers:true", "synopsis", {"spoilers": "true"}),
        ("who directed it", "ask", {"question": "who directed it"}),
    ],
)
def test_lines_parse_like_discord_options(line: str, command: str, options: dict[str, str]) -> None:
    parsed, values = parse_line(line)
    assert parsed.name == command
    assert values == options


@pytest.mark.parametrize("line", ["/nope", "/awards", "/awards dance", "/help me"])
def test_bad_lines_are_refused(line: str) -> None:
    with pytest.raises(ConsoleInputError):
        parse_line(line)


async def test_console_answers_the_same_commands(service: FactBase) -> None:
    console = Console(service)
    runtime = await console.answer("/fact runtime")
    assert "58" in runtime and "Source:" in runtime
    assert "hit or miss" in (await console.answer("/quote hit or miss")).lower()
    nxt = await console.answer("/awards next")
    assert "Next:" in nxt or "No dated awards event" in nxt
    assert "<t:" not in nxt  # times are rendered for a terminal
    assert "/awards record" in await console.answer("/help")
    assert "facts" in await console.answer("/about")
    full = await console.answer("/synopsis spoilers:true")
    assert "||" in full
    premise = await console.answer("/synopsis")
    assert "Spoiler-free" in premise
    unknown = await console.answer("/ask how tall is mount fuji")
    assert "I don't know" in unknown
    assert "Sorry" in await console.answer("/dance")
    assert "please keep it under" in await console.answer("/ask " + "x" * 400)


async def test_console_reads_piped_input(service: FactBase) -> None:
    out = io.StringIO()
    await run_console(service, io.StringIO("/fact runtime\n\nwho directed it\nquit\n/help\n"), out)
    text = out.getvalue()
    assert "58" in text and "Oshiyama" in text
    assert "commands" not in text.split("Oshiyama")[-1]  # stopped at quit


def test_cli_ask_json_and_stdin(db_location: Path | str) -> None:
    db = str(db_location)  # a SQLite file, then a postgresql:// URL
    out = io.StringIO()
    assert main(["--database", db, "ask", "--json", "who", "directed", "it"], stdout=out) == 0
    payload = json.loads(out.getvalue())
    assert payload["query"] == "who directed it"
    assert payload["answer"]["kind"] == "fact"
    assert set(payload["answer"]) == {"kind", "id", "title", "text", "score", "source"}
    assert "Oshiyama" in payload["answer"]["text"]
    out = io.StringIO()
    main(["--database", db, "ask", "-"], stdin=io.StringIO("runtime\nqwertyuiop\n\n"), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    assert lines[0]["answer"] is not None and lines[1]["answer"] is None
    out = io.StringIO()
    assert main(["--database", db, "ask", "--kind", "quote", "hit or miss"], stdout=out) == 0
    assert "Quote" in out.getvalue()


def test_cli_export_import_round_trip(tmp_path: Path, db_location: Path | str) -> None:
    db = str(db_location)
    exported = tmp_path / "export.json"
    assert main(["--database", db, "export", str(exported)], stdout=io.StringIO()) == 0
    doc = json.loads(exported.read_text("utf-8"))
    assert doc["facts"] and doc["quotes"]
    doc["facts"].append(
        {
            "id": "imported-fact",
            "title": "Imported",
            "answer": "Yes.",
            "aliases": ["zebra crossing question"],
            "source_name": "T",
            "source_url": "https://e.org",
        }
    )
    exported.write_text(json.dumps(doc), "utf-8")
    other = (
        str(tmp_path / "b.db")
        if isinstance(db_location, Path)
        else pgserver.server().new_database()
    )
    out = io.StringIO()
    assert main(["--database", other, "import", str(exported)], stdout=out) == 0
    assert "Imported" in out.getvalue()
    out = io.StringIO()
    main(["--database", other, "ask", "--json", "zebra crossing question"], stdout=out)
    assert json.loads(out.getvalue())["answer"]["id"] == "imported-fact"


def test_cli_import_refuses_a_bad_pack_and_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "lookback-pack",
                "format_version": 1,
                "pack_version": "x",
                "facts": [
                    {
                        "id": "new-one",
                        "title": "T",
                        "answer": "A",
                        "source_name": "S",
                        "source_url": "https://e.org",
                    },
                    {"id": "BAD", "title": "", "answer": "A"},
                ],
            }
        ),
        "utf-8",
    )
    out = io.StringIO()
    assert main(["--database", db, "import", str(bad)], stdout=out) == 2
    text = out.getvalue()
    assert "Nothing was imported" in text and "facts[1] (BAD)" in text
    out = io.StringIO()
    main(["--database", db, "ask", "--json", "new one"], stdout=out)
    answer = json.loads(out.getvalue())["answer"]
    assert answer is None or answer["id"] != "new-one"


def test_piped_console_process_and_python_m(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["DATABASE_PATH"] = str(tmp_path / "p.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="/fact runtime\n/awards next\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "58" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "offline console" in result.stdout and "/awards next" in result.stdout
