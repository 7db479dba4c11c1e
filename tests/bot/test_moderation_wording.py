"""The content pack's validation messages, read back for a moderator in their language."""

from __future__ import annotations

import pytest

from bot.domain import safejson
from bot.domain.pack import PackError, parse_pack_document
from bot.i18n import EN, messages
from bot.moderation.wording import pack_problem

JA = messages("ja")
SOURCE = {"source_name": "Source", "source_url": "https://example.org/a"}


def _problems(doc: dict[str, object]) -> list[str]:
    with pytest.raises(PackError) as caught:
        parse_pack_document(doc, "club.json")
    return list(caught.value.problems)


def test_every_validation_message_of_a_broken_file_reads_in_japanese() -> None:
    problems = _problems(
        {
            "format": "something-else",
            "format_version": 99,
            "pack_version": "",
            "facts": [
                {
                    "id": "Bad Id",
                    "title": "",
                    "answer": "x" * 2000,
                    "source_name": "Source",
                    "source_url": "ftp://example.org",
                    "aliases": ["ok", ""],
                    "spoiler": "yes",
                    "unknown": 1,
                    "answer_ja": "日本語の答え",
                    "source_name_ja": "ナタリー",
                },
                {"id": "twice", "title": "A", "answer": "a", **SOURCE},
                {"id": "twice", "title": "B", "answer": "b", "tags": "not a list", **SOURCE},
                "not an object",
            ],
            "quotes": [
                {"id": "q", "text": "t", "speaker": 3, "said_on": "someday", **SOURCE},
            ],
            "synopsis": [{"id": "s", "section": "middle", "title": "T", "text": "x", **SOURCE}],
            "awards": [
                {"id": "a", "name": "Gala", "starts_at": "2027-03-14T00:00:00", **SOURCE},
                {"id": "b", "name": "Gala", "starts_at": "soon", **SOURCE},
                {"id": "c", "name": "Gala", "starts_at": 5, **SOURCE},
            ],
        }
    )
    assert len(problems) >= 15
    untranslated = [p for p in problems if pack_problem(p, JA) == p]
    assert not untranslated, untranslated
    for problem in problems:
        assert pack_problem(problem, EN) == problem  # English stays the pack's own wording
        assert pack_problem(problem, JA).startswith(problem.split(": ")[0])  # where, as typed


@pytest.mark.parametrize(
    "data",
    [b"{oops", b"\xff\xfe{}", b"[" * 200 + b"]" * 200, b'{"n": ' + b"9" * 5000 + b"}"],
)
def test_a_file_that_is_not_json_is_explained_in_japanese(data: bytes) -> None:
    with pytest.raises(safejson.JsonProblem) as caught:
        safejson.loads(data, "club.json")
    message = caught.value.message
    assert pack_problem(message, JA) != message
    assert pack_problem(message, JA).startswith("club.json：")
