"""The shipped pack's Japanese text (issue 17): complete, sourced, spoiler-safe, round-tripped."""

from __future__ import annotations

import re

import pytest

from bot.domain.models import Entry
from bot.domain.pack import (
    PackError,
    dump_document,
    load_pack,
    parse_pack_document,
    shipped_pack_path,
    to_document,
)

SHIPPED = load_pack(shipped_pack_path())
ANSWERS = [e for e in SHIPPED.entries if e.kind != "quote"]


@pytest.mark.parametrize("entry", ANSWERS, ids=[e.uid for e in ANSWERS])
def test_every_fact_section_and_event_has_japanese_text(entry: Entry) -> None:
    assert entry.has_japanese, f"{entry.uid} has no Japanese text"
    assert entry.title_ja.strip()
    if entry.source_url_ja:
        assert entry.source_url_ja.startswith("https://")
        assert entry.source_name_ja.strip()


QUOTES = [e for e in SHIPPED.entries if e.kind == "quote"]


@pytest.mark.parametrize("entry", QUOTES, ids=[e.uid for e in QUOTES])
def test_every_quote_has_a_japanese_title_and_occasion(entry: Entry) -> None:
    assert entry.title_ja.strip()
    assert entry.occasion_ja.strip() or not entry.occasion


def test_the_japanese_reading_uses_the_japanese_text_and_source() -> None:
    entry = next(e for e in ANSWERS if e.source_url_ja)
    ja = entry.in_language("ja")
    assert (ja.title, ja.text or ja.outcome) == (
        entry.title_ja,
        entry.text_ja or entry.outcome_ja,
    )
    assert (ja.source_name, ja.source_url) == (entry.source_name_ja, entry.source_url_ja)
    assert entry.in_language("en") is entry


def test_a_japanese_reading_without_a_japanese_source_keeps_the_english_source() -> None:
    entry = next(e for e in ANSWERS if e.text_ja and not e.source_url_ja)
    ja = entry.in_language("ja")
    assert ja.text == entry.text_ja
    assert (ja.source_name, ja.source_url) == (entry.source_name, entry.source_url)


def test_the_full_synopsis_keeps_its_spoilers_behind_tags() -> None:
    full = next(e for e in SHIPPED.entries if e.kind == "synopsis" and e.section == "full")
    assert full.text_ja.count("||") == full.text.count("||") > 0
    visible = re.sub(r"\|\|.*?\|\|", "", full.text_ja, flags=re.S)
    assert not re.search(r"京本.{0,10}(死|殺)", visible)


def test_japanese_fields_survive_export_and_import() -> None:
    again = parse_pack_document(to_document(SHIPPED))
    assert [e.ja_fields for e in again.entries] == [e.ja_fields for e in SHIPPED.entries]
    assert "answer_ja" in dump_document(to_document(SHIPPED))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"answer_ja": "x" * 1501}, "answer_ja: is 1501 characters"),
        ({"answer_ja": 5}, "answer_ja: must be text"),
        ({"answer_ja": "本文"}, "title_ja: is needed"),
        ({"source_url_ja": "ftp://x"}, "source_url_ja: must be an http"),
        ({"source_name_ja": "名前"}, "source_name_ja and source_url_ja go together"),
        ({"name_ja": "x"}, "name_ja: is not a known field"),
    ],
)
def test_bad_japanese_fields_are_refused_with_the_field_named(
    fields: dict[str, object], problem: str
) -> None:
    fact = {
        "id": "a-fact",
        "title": "A fact",
        "answer": "Text.",
        "source_name": "Somewhere",
        "source_url": "https://example.org/",
    }
    doc = {"format": "lookback-pack", "format_version": 1, "pack_version": "t"}
    doc["facts"] = [fact | fields]
    with pytest.raises(PackError) as caught:
        parse_pack_document(doc)
    assert any(problem in p for p in caught.value.problems), caught.value.problems
