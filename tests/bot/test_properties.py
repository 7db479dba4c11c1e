"""Property-based tests (hypothesis): the content-pack parser and the matcher never crash.

- The parser, given any JSON-like value (wrong types, arbitrary Unicode including lone
  surrogates and control characters, empty and huge strings, near-valid documents), returns a
  valid pack or raises `PackError` listing problems — never any other exception; a pack it
  accepts keeps its own rules (ids, tags and dates match their patterns in full) and survives
  export and import again unchanged.
- The matcher and `FactBase.ask` / `lookup` / `quote` / `complete`, given any text, answer or
  raise `BadQuestion` (an empty or over-long question) — never any other exception.

Set PROP_EXAMPLES (e.g. 1500) to draw more examples for the parser properties than the default 60.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain.factbase import FactBase
from bot.domain.models import Answer, Kind
from bot.domain.pack import (
    FORMAT,
    PackError,
    dump_document,
    load_pack,
    parse_pack_document,
    round_trip_safe,
    to_document,
)
from bot.errors import BadQuestion
from bot.matching.analysis import analyse, normalize

SETTINGS = settings(
    max_examples=int(os.environ.get("PROP_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

#: Any character, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
HUGE = ["", " ", "\n", "x" * 100_000, "監督" * 20_000, "\u0000" * 50, "\ud800", "a\u0301" * 500]
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=ANY_CHAR, max_size=40),
    st.sampled_from(HUGE),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,70}\n?", fullmatch=True),  # almost an id
    st.sampled_from(["https://example.org/x", "http://", "javascript:alert(1)", "@everyone"]),
    st.sampled_from(["2024", "2024-06-28", "2024-13-99", "2024\n", "0001-01-01T00:00:00+01:00"]),
    st.sampled_from(["9999-12-31T23:59:59-01:00", "2026-03-15T23:00:00Z", "2026-03-15T23:00"]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "id",
    "title",
    "answer",
    "text",
    "speaker",
    "occasion",
    "said_on",
    "section",
    "name",
    "ceremony",
    "starts_at",
    "date_only",
    "outcome",
    "spoiler",
    "aliases",
    "tags",
    "source_name",
    "source_url",
]
VALUES = st.one_of(
    TEXT, SCALARS, st.lists(TEXT, max_size=4), st.sampled_from(["premise", "full", "themes"]), JSON
)
RAW_ENTRY = st.dictionaries(st.sampled_from(FIELDS) | TEXT, VALUES, max_size=12)
DOCUMENT = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "format": st.sampled_from([FORMAT, "other", None, 1]),
            "format_version": st.sampled_from([1, "1", 2, None, True, 1.0]),
            "pack_version": TEXT | SCALARS,
        },
        optional={
            "title": TEXT | SCALARS,
            "facts": st.lists(RAW_ENTRY, max_size=4) | JSON,
            "quotes": st.lists(RAW_ENTRY, max_size=4) | JSON,
            "synopsis": st.lists(RAW_ENTRY, max_size=4) | JSON,
            "awards": st.lists(RAW_ENTRY, max_size=4) | JSON,
            "server": JSON,
        },
    ),
)
ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
TAG = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def check_parsed(doc: Any) -> None:
    """A valid pack that keeps the pack's rules, or PackError with problems; nothing else."""
    try:
        pack = parse_pack_document(doc, "club.json", guild_id=7)
    except PackError as exc:
        problems = exc.problems
        assert problems and all(isinstance(p, str) and p for p in problems)
        return
    for entry in pack.entries:
        assert ID.fullmatch(entry.key), entry.key
        assert all(TAG.fullmatch(tag) for tag in entry.tags), entry.tags
        assert entry.said_on is None or DATE.fullmatch(entry.said_on), entry.said_on
        assert not any(ch.isspace() for ch in entry.source_url), entry.source_url
        assert entry.guild_id == 7
    # Export and import again: the same entries (what /admin export then import does).
    text = dump_document(to_document(pack)).encode("utf-8")
    again = parse_pack_document(json.loads(text), "export.json", guild_id=7)
    assert again.entries == tuple(round_trip_safe(e) for e in pack.entries)


def _with(section: str, **fields: Any) -> dict[str, Any]:
    entry = {"id": "a", "source_name": "s", "source_url": "https://example.org/x"} | fields
    return {"format": FORMAT, "format_version": 1, "pack_version": "t", section: [entry]}


@SETTINGS
@given(DOCUMENT)
# What hypothesis found (each crashed the parser or let a broken entry through):
@example(_with("awards", name="A", starts_at="0001-01-01T00:00:00+01:00"))  # OverflowError
@example(_with("facts", id="a\n", title="A", answer="x"))  # `$` matches before a newline
@example(_with("facts", title="A", answer="x", tags=["x\n"]))
@example(_with("quotes", text="A", speaker="x", said_on="2024\n"))
@example(_with("facts", title="A", answer="x", source_url="https://example.org\n"))
@example(_with("facts", title="A\ud800", answer="x"))  # can't be stored or sent as UTF-8
@example(_with("facts", title="A", answer="x", aliases=["\udfff"]))
@example({"format": FORMAT, "format_version": 1, "pack_version": "t\ud800"})
def test_the_pack_parser_accepts_or_lists_problems_for_any_document(doc: Any) -> None:
    check_parsed(doc)


@SETTINGS
@given(st.lists(RAW_ENTRY, min_size=1, max_size=3), st.sampled_from(["facts", "quotes"]))
def test_the_pack_parser_on_near_valid_entries(entries: list[dict[str, Any]], section: str) -> None:
    base = {
        "id": "club-entry",
        "title": "A title",
        "answer": "An answer.",
        "text": "Words.",
        "speaker": "Someone",
        "source_name": "Us",
        "source_url": "https://example.org/x",
    }
    if section == "facts":
        base.pop("text")
        base.pop("speaker")
    else:
        base.pop("answer")
    doc = {
        "format": FORMAT,
        "format_version": 1,
        "pack_version": "t",
        section: [base | {k: v for k, v in e.items() if k in FIELDS} for e in entries],
    }
    check_parsed(doc)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_loading_any_file_as_a_pack_gives_a_pack_or_problems(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.json"
        path.write_bytes(data)
        problems = ["none"]
        try:
            load_pack(path)
        except PackError as exc:
            problems = exc.problems
        assert problems


# -- the matcher and the fact base ----------------------------------------------------------

QUESTION = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=ANY_CHAR, max_size=60),
    st.sampled_from(HUGE),
    st.sampled_from(["fact:runtime", "quote:", "fact:", "quote:nope", "who directed it"]),
)
KINDS = st.sampled_from([None, ["fact"], ["quote"], ["awards", "fact"], ["synopsis"]])
GUILDS = st.sampled_from([None, 0, 7, 2**63 - 1])


async def answer_or_reason(call: Awaitable[Answer]) -> Answer | None:
    """The answer, or None when the question was refused with a short reason."""
    try:
        answer = await call
    except BadQuestion as exc:
        reason = exc.message
        assert reason and len(reason) < 200
        return None
    assert isinstance(answer, Answer)
    return answer


@settings(max_examples=60, deadline=None)
@given(QUESTION)
def test_normalising_any_text_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert all(isinstance(token, str) for token in analyse(text))


@SETTINGS
@given(QUESTION, KINDS, GUILDS)
async def test_asking_anything_answers_or_says_why_not(
    service: FactBase, text: str, kinds: list[Kind] | None, guild_id: int | None
) -> None:
    answer = await answer_or_reason(service.ask(text, guild_id=guild_id, kinds=kinds))
    assert answer is None or len(answer.suggestions) <= 3


@SETTINGS
@given(QUESTION, QUESTION | st.none(), GUILDS)
async def test_lookup_quote_and_complete_with_anything(
    service: FactBase, text: str, speaker: str | None, guild_id: int | None
) -> None:
    for call in (
        lambda: service.lookup("fact", text, guild_id),
        lambda: service.quote(text, speaker, guild_id),
    ):
        await answer_or_reason(call())
    hits = service.complete(text, ["fact", "quote"], guild_id)
    assert len(hits) <= 25


@pytest.mark.parametrize("text", ["x" * 100_000, "", " \u200b\t"])
async def test_empty_and_huge_questions_are_refused_with_a_reason(
    service: FactBase, text: str
) -> None:
    with pytest.raises(BadQuestion):
        await service.ask(text)
    assert isinstance(service.complete(text, ["fact"], None), list)
