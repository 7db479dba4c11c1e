"""The content pack: the shipped pack's content, validation, and the export/import round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.domain.pack import PackError, dump_document, load_pack, shipped_pack_path, to_document
from tests.conftest import fact, write_pack


def test_shipped_pack_is_valid_and_sourced() -> None:
    pack = load_pack(shipped_pack_path())
    assert pack.count("fact") >= 40
    assert pack.count("quote") >= 10
    assert {e.section for e in pack.entries if e.kind == "synopsis"} == {
        "premise",
        "full",
        "themes",
    }
    for entry in pack.entries:
        assert entry.source_name.strip(), entry.key
        assert re.match(r"^https?://", entry.source_url), entry.key


def _text(pack_entries: object) -> str:
    return " ".join(f"{e.title} {e.text} {e.outcome}" for e in pack_entries)  # type: ignore[attr-defined]


def test_shipped_pack_uses_the_checked_values() -> None:
    pack = load_pack(shipped_pack_path())
    facts = {e.key: e for e in pack.entries if e.kind == "fact"}
    everything = _text(pack.entries)
    assert "haruka nakamura" in everything
    assert "58" in everything
    assert "Shueisha" in everything
    # The wrong claims appear only as corrections, never as the answer.
    for entry in facts.values():
        if "Kensuke Ushio" in entry.text:
            assert re.search(r"not|wrong|incorrect|mistak", entry.text, re.I), entry.key
        if "75" in entry.text and "minute" in entry.text:
            assert "58" in entry.text, entry.key


QUOTE_SOURCES = Path(__file__).resolve().parents[1] / "data" / "quote_sources.json"


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_shipped_quotes_are_verbatim_from_their_checked_pages() -> None:
    """Every quote is word for word in the page it is credited to, as that page was checked.

    This replaces the earlier check against ../shared/seeds: the seeds' quotes are not verbatim
    (facts.md, "Corrections of 2026-12-02": seed 000 splices Deadline's sentences and seed 001 is a
    re-translation), so matching them proved nothing. tests/data/quote_sources.json records, for
    each quote, the URL it was checked against and the excerpt of that page that contains it. A
    quote edited away from its source's wording, re-credited to another page, or added without a
    recorded excerpt fails here (only runs of white space are treated as equal, since stored copies
    break lines differently).
    """
    sources = json.loads(QUOTE_SOURCES.read_text(encoding="utf-8"))["quotes"]
    quotes = [e for e in load_pack(shipped_pack_path()).entries if e.kind == "quote"]
    assert quotes
    problems = []
    for quote in quotes:
        checked = sources.get(quote.key)
        if checked is None:
            problems.append(f"{quote.key}: no checked excerpt in quote_sources.json")
            continue
        if quote.source_url != checked["source_url"]:
            problems.append(
                f"{quote.key}: credited to {quote.source_url}, checked against "
                f"{checked['source_url']}"
            )
        if _spaces(quote.text) not in _spaces(checked["excerpt"]):
            problems.append(f"{quote.key}: text is not in the checked excerpt of its page")
    assert not problems, "\n".join(problems)
    assert set(sources) == {q.key for q in quotes}, "quote_sources.json lists quotes not shipped"


def test_invalid_pack_reports_every_problem_with_file_entry_and_field(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path / "bad.json",
        facts=[
            fact("ok", "Fine", "Fine."),
            fact("Bad Id", "", "x", source_url="ftp://nope"),
            fact("ok", "Duplicate", "x"),
            {"id": "no-source", "title": "t", "answer": "a"},
            fact("extra", "t", "a", colour="red"),
        ],
        awards=[
            {
                "id": "when",
                "name": "x",
                "starts_at": "2027-03-14 00:00",
                "source_name": "s",
                "source_url": "https://e.org",
            }
        ],
    )
    with pytest.raises(PackError) as info:
        load_pack(path)
    problems = "\n".join(info.value.problems)
    assert "bad.json › facts[1] (Bad Id) › id" in problems
    assert "facts[1] (Bad Id) › title: is empty" in problems
    assert "facts[1] (Bad Id) › source_url" in problems
    assert "facts[3] (no-source) › source_name: is missing" in problems
    assert "facts[4] (extra) › colour: is not a known field" in problems
    assert "awards[0] (when) › starts_at" in problems and "time zone" in problems
    assert "'ok'" in problems and "used 2 times" in problems


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must hold a JSON object"),
        ('{"format": "other", "format_version": 9}', "format"),
    ],
)
def test_unreadable_packs_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PackError, match=message):
        load_pack(path)


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    pack = load_pack(shipped_pack_path())
    out = tmp_path / "export.json"
    out.write_text(dump_document(to_document(pack)), encoding="utf-8")
    again = load_pack(out)
    assert again.entries == pack.entries
    assert again.digest == pack.digest
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "lookback-pack"
