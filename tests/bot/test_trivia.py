"""Trivia below Discord: the pack's `trivia` section (shipped and refused), points, and the
scores on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bot.domain.pack import (
    PackError,
    load_pack,
    parse_pack_document,
    shipped_pack_path,
    to_document,
)
from bot.domain.trivia import BASE_POINTS, SPEED_BONUS, points_for
from bot.storage.sqlite import Database


def doc(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"format": "lookback-pack", "format_version": 1, "pack_version": "t",
            "trivia": list(questions)}  # fmt: skip


def raw(**changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": "q-one", "question": "Who draws the four-panel strips?", "answer": "Fujino",
        "wrong": ["Kyomoto", "A teacher", "Fujino's sister"], "spoiler": False,
        "source_name": "Wikipedia", "source_url": "https://en.wikipedia.org/wiki/Look_Back",
    }  # fmt: skip
    value.update(changes)
    return value


def test_the_shipped_pack_has_at_least_100_checked_questions() -> None:
    pack = load_pack(shipped_pack_path())
    assert len(pack.trivia) >= 100
    keys = {e.key for e in pack.entries}
    assert all(q.fact in keys for q in pack.trivia if q.fact)
    assert sum(not q.spoiler for q in pack.trivia) >= 20
    assert all(len({q.answer, *q.wrong}) == 4 for q in pack.trivia)
    # Every question cites a source the fact base itself was checked against.
    sources = {e.source_url for e in pack.entries} | {e.source_url_ja for e in pack.entries}
    assert [q.key for q in pack.trivia if q.source_url not in sources] == []


def test_a_valid_question_round_trips() -> None:
    pack = parse_pack_document(doc(raw(question_ja="質問？", answer_ja="藤野",
                                       wrong_ja=["京本", "先生", "姉"])))  # fmt: skip
    [question] = pack.trivia
    assert question.in_language("ja").question == "質問？"
    assert question.in_language("en").answer == "Fujino"
    again = parse_pack_document(json.loads(json.dumps(to_document(pack))))
    assert again.trivia == pack.trivia


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"wrong": ["Kyomoto", "A teacher"]}, "exactly 3"),
        ({"wrong": ["Kyomoto", "fujino", "X"]}, "must differ"),
        ({"id": "Bad Id"}, "lower-case"),
        ({"source_url": "ftp://x"}, "source_url"),
        ({"question_ja": "質問？"}, "needs answer_ja"),
        ({"answer": "x" * 81}, "at most 80"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_question_is_refused_with_its_place(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(PackError) as refused:
        parse_pack_document(doc(raw(**changes)))
    assert any("trivia[0]" in p and problem in p for p in refused.value.problems), refused.value


def test_a_question_must_name_an_existing_entry(tmp_path: Path) -> None:
    shipped = json.loads((shipped_pack_path() / "manifest.json").read_text("utf-8"))
    for name in shipped["files"]:
        (tmp_path / name).write_text((shipped_pack_path() / name).read_text("utf-8"), "utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(shipped), "utf-8")
    (tmp_path / "trivia.json").write_text(json.dumps(doc(raw(fact="no-such-entry"))), "utf-8")
    with pytest.raises(PackError) as refused:
        load_pack(tmp_path)
    assert any("no entry has the id 'no-such-entry'" in p for p in refused.value.problems)


def test_points_reward_right_and_fast_answers() -> None:
    opened = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    closes = opened + dt.timedelta(seconds=20)
    assert points_for(True, opened, closes, opened) == BASE_POINTS + SPEED_BONUS
    assert points_for(True, opened, closes, closes) == BASE_POINTS
    assert points_for(False, opened, closes, opened) == 0


async def test_one_answer_per_question_and_the_leaderboards(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.db")
    try:
        store = db.trivia
        march = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
        game = await store.start_game(1, 10, 5, 3, False, "en", march)
        assert game is not None
        assert await store.start_game(1, 10, 6, 3, False, "en", march) is None  # one per channel
        assert await store.record_answer(game, 0, 1, 5, "q", 0, True, 15, march)
        assert not await store.record_answer(game, 0, 1, 5, "q", 1, False, 0, march)  # twice
        assert await store.record_answer(game, 0, 1, 6, "q", 1, False, 0, march)
        april = march + dt.timedelta(days=25)
        assert await store.record_answer(game, 1, 1, 6, "r", 2, True, 12, april)
        board = await store.leaderboard(1)
        assert [(s.user_id, s.points) for s in board] == [(5, 15), (6, 12)]
        month = await store.leaderboard(1, dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
        assert [(s.user_id, s.points) for s in month] == [(6, 12)]
        assert await store.rank(1, 12) == 2
        assert [g.id for g in await store.running_games()] == [game]
        assert await store.end_game(game, "interrupted", april)
        assert await store.running_games() == []
        assert (await store.player(1, 6)).answered == 2
    finally:
        await db.close()
