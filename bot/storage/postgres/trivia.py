"""The trivia tables on PostgreSQL: games and answers (points), a server's own questions and
the shipped ones it hid; as `bot.storage.sqlite.trivia`."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from bot.domain.models import TriviaGame, TriviaQuestion, TriviaScore
from bot.domain.timeutil import format_utc, now_iso, parse_utc

if TYPE_CHECKING:
    from bot.storage.postgres.connection import PostgresConnection

_SCORE = (
    "SELECT user_id, SUM(points), SUM(correct), COUNT(*), COUNT(DISTINCT game_id)"
    " FROM trivia_answers WHERE guild_id = ?"
)


def _row_to_game(row: Any) -> TriviaGame:
    started = parse_utc(row["started_at"])
    assert started is not None
    return TriviaGame(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        starter_id=row["starter_id"],
        rounds=row["rounds"],
        spoilers=bool(row["spoilers"]),
        lang=row["lang"],
        status=row["status"],
        started_at=started,
    )


def _score(row: Any) -> TriviaScore:
    return TriviaScore(*(int(v) for v in row))


def _row_to_question(row: Any) -> TriviaQuestion:
    wrong = tuple(json.loads(row["wrong"]))
    return TriviaQuestion(
        key=row["key"],
        question=row["question"],
        answer=row["answer"],
        wrong=(wrong[0], wrong[1], wrong[2]),
        source_name=row["source_name"],
        source_url=row["source_url"],
        spoiler=bool(row["spoiler"]),
        question_ja=row["question_ja"],
        answer_ja=row["answer_ja"],
        wrong_ja=tuple(json.loads(row["wrong_ja"])),
    )


_SAVE_QUESTION = (
    "INSERT INTO trivia_questions (guild_id, key, question, answer, wrong, spoiler, source_name,"
    " source_url, question_ja, answer_ja, wrong_ja, updated_by, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id, key) DO UPDATE SET question = excluded.question,"
    " answer = excluded.answer, wrong = excluded.wrong, spoiler = excluded.spoiler,"
    " source_name = excluded.source_name, source_url = excluded.source_url,"
    " question_ja = excluded.question_ja, answer_ja = excluded.answer_ja,"
    " wrong_ja = excluded.wrong_ja, updated_by = excluded.updated_by,"
    " updated_at = excluded.updated_at"
)


class TriviaStore:
    """The trivia tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: PostgresConnection) -> None:
        self._db = db

    async def start_game(
        self,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        rounds: int,
        spoilers: bool,
        lang: str,
        now: dt.datetime,
    ) -> int | None:
        """A new running game; None when the channel already has one running (the server's
        lock held: two processes never start two)."""
        db = self._db
        async with db.transaction(guild_id=guild_id) as conn:
            running = await db._fetchrow(
                "SELECT 1 FROM trivia_games WHERE channel_id = ? AND status = 'running'",
                (channel_id,),
                conn,
            )
            if running is not None:
                return None
            game_id = await db._fetchval(
                "INSERT INTO trivia_games (guild_id, channel_id, starter_id, rounds, spoilers,"
                " lang, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, channel_id, starter_id, rounds, int(spoilers), lang, format_utc(now)),
                conn,
            )
        return int(game_id)

    async def end_game(self, game_id: int, status: str, now: dt.datetime) -> bool:
        """End a running game (`finished`, `stopped`, `idle` or `interrupted`)."""
        assert status in ("finished", "stopped", "idle", "interrupted")
        changed = await self._db._run(
            "UPDATE trivia_games SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
            (status, format_utc(now), game_id),
        )
        return changed > 0

    async def running_games(self) -> list[TriviaGame]:
        """Games still marked running (after a restart: their process is gone)."""
        rows = await self._db._fetch("SELECT * FROM trivia_games WHERE status = 'running'")
        return [_row_to_game(r) for r in rows]

    async def game(self, game_id: int) -> TriviaGame | None:
        """One game."""
        row = await self._db._fetchrow("SELECT * FROM trivia_games WHERE id = ?", (game_id,))
        return _row_to_game(row) if row else None

    async def record_answer(
        self,
        game_id: int,
        round_number: int,
        guild_id: int,
        user_id: int,
        question: str,
        choice: int,
        correct: bool,
        points: int,
        now: dt.datetime,
    ) -> bool:
        """Store a player's answer; False when they had already answered this question."""
        changed = await self._db._run(
            "INSERT INTO trivia_answers (game_id, round, guild_id, user_id, question, choice,"
            " correct, points, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                game_id,
                round_number,
                guild_id,
                user_id,
                question,
                choice,
                int(correct),
                points,
                format_utc(now),
            ),
        )
        return changed > 0

    async def game_scores(self, game_id: int) -> list[TriviaScore]:
        """Every player's points in one game, best first."""
        rows = await self._db._fetch(
            "SELECT user_id, SUM(points), SUM(correct), COUNT(*), 1 FROM trivia_answers"
            " WHERE game_id = ? GROUP BY user_id ORDER BY SUM(points) DESC, user_id",
            (game_id,),
        )
        return [_score(r) for r in rows]

    async def leaderboard(
        self, guild_id: int, since: dt.datetime | None = None, limit: int = 10
    ) -> list[TriviaScore]:
        """A server's best players (all time, or since a moment), best first."""
        params: list[object] = [guild_id]
        sql = _SCORE
        if since is not None:
            sql += " AND answered_at >= ?"
            params.append(format_utc(since))
        sql += " GROUP BY user_id ORDER BY SUM(points) DESC, SUM(correct) DESC, user_id LIMIT ?"
        params.append(limit)
        return [_score(r) for r in await self._db._fetch(sql, params)]

    async def player(self, guild_id: int, user_id: int) -> TriviaScore:
        """One member's totals in a server (zeros when they never played)."""
        row = await self._db._fetchrow(
            _SCORE + " AND user_id = ? GROUP BY user_id", (guild_id, user_id)
        )
        return _score(row) if row else TriviaScore(user_id, 0, 0, 0, 0)

    async def rank(self, guild_id: int, points: int) -> int:
        """1 + how many members of a server have more points than `points`."""
        value = await self._db._fetchval(
            "SELECT COUNT(*) FROM (SELECT SUM(points) AS p FROM trivia_answers WHERE guild_id = ?"
            " GROUP BY user_id) AS totals WHERE p > ?",
            (guild_id, points),
        )
        return 1 + int(value or 0)

    # -- a server's own questions, and the shipped ones it hid --------------------------------

    async def guild_questions(self, guild_id: int) -> list[TriviaQuestion]:
        """A server's own questions, by key."""
        rows = await self._db._fetch(
            "SELECT * FROM trivia_questions WHERE guild_id = ? ORDER BY key", (guild_id,)
        )
        return [_row_to_question(r) for r in rows]

    async def guild_question(self, guild_id: int, key: str) -> TriviaQuestion | None:
        """One of a server's own questions."""
        row = await self._db._fetchrow(
            "SELECT * FROM trivia_questions WHERE guild_id = ? AND key = ?", (guild_id, key)
        )
        return _row_to_question(row) if row else None

    async def count_questions(self, guild_id: int) -> int:
        """How many questions of its own a server has."""
        value = await self._db._fetchval(
            "SELECT COUNT(*) FROM trivia_questions WHERE guild_id = ?", (guild_id,)
        )
        return int(value or 0)

    async def save_question(
        self, guild_id: int, question: TriviaQuestion, actor: int | None = None, conn: Any = None
    ) -> None:
        """Add or replace one of a server's own questions (inside `conn`'s transaction)."""
        values = (
            guild_id,
            question.key,
            question.question,
            question.answer,
            json.dumps(list(question.wrong), ensure_ascii=False),
            int(question.spoiler),
            question.source_name,
            question.source_url,
            question.question_ja,
            question.answer_ja,
            json.dumps(list(question.wrong_ja), ensure_ascii=False),
            actor,
            now_iso(),
        )
        await self._db._run(_SAVE_QUESTION, values, conn)

    async def delete_question(self, guild_id: int, key: str, conn: Any = None) -> bool:
        """Delete one of a server's own questions; False when there was none."""
        changed = await self._db._run(
            "DELETE FROM trivia_questions WHERE guild_id = ? AND key = ?", (guild_id, key), conn
        )
        return changed > 0

    async def hidden_questions(self, guild_id: int) -> list[str]:
        """The keys of the shipped questions a server hid, sorted."""
        rows = await self._db._fetch(
            "SELECT key FROM trivia_hidden WHERE guild_id = ? ORDER BY key", (guild_id,)
        )
        return [r[0] for r in rows]

    async def set_question_hidden(
        self,
        guild_id: int,
        key: str,
        hidden: bool,
        actor: int | None = None,
        conn: Any = None,
    ) -> None:
        """Hide or show a shipped question in one server."""
        if hidden:
            await self._db._run(
                "INSERT INTO trivia_hidden (guild_id, key, hidden_by, hidden_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, key, actor, now_iso()),
                conn,
            )
        else:
            await self._db._run(
                "DELETE FROM trivia_hidden WHERE guild_id = ? AND key = ?", (guild_id, key), conn
            )
