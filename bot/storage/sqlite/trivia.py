"""The trivia tables: games and answers (points)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import aiosqlite

from bot.domain.models import TriviaGame, TriviaScore
from bot.domain.timeutil import format_utc, parse_utc
from bot.storage.sqlite.connection import _run

if TYPE_CHECKING:
    from bot.storage.sqlite.connection import SQLiteConnection

_SCORE = (
    "SELECT user_id, SUM(points), SUM(correct), COUNT(*), COUNT(DISTINCT game_id)"
    " FROM trivia_answers WHERE guild_id = ?"
)


def _row_to_game(row: aiosqlite.Row) -> TriviaGame:
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


class TriviaStore:
    """The trivia tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: SQLiteConnection) -> None:
        self._db = db

    @property
    def _conn(self) -> aiosqlite.Connection:
        return self._db._conn

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
        """A new running game; None when the channel already has one running."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM trivia_games WHERE channel_id = ? AND status = 'running'",
                (channel_id,),
            ) as cur:
                if await cur.fetchone() is not None:
                    return None
            cursor = await conn.execute(
                "INSERT INTO trivia_games (guild_id, channel_id, starter_id, rounds, spoilers,"
                " lang, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, channel_id, starter_id, rounds, int(spoilers), lang, format_utc(now)),
            )
            game_id = cursor.lastrowid
            await cursor.close()
        assert game_id is not None
        return game_id

    async def end_game(self, game_id: int, status: str, now: dt.datetime) -> bool:
        """End a running game (`finished`, `stopped`, `idle` or `interrupted`)."""
        assert status in ("finished", "stopped", "idle", "interrupted")
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    "UPDATE trivia_games SET status = ?, ended_at = ?"
                    " WHERE id = ? AND status = 'running'",
                    (status, format_utc(now), game_id),
                )
                > 0
            )

    async def running_games(self) -> list[TriviaGame]:
        """Games still marked running (after a restart: their process is gone)."""
        async with self._conn.execute("SELECT * FROM trivia_games WHERE status = 'running'") as cur:
            return [_row_to_game(r) for r in await cur.fetchall()]

    async def game(self, game_id: int) -> TriviaGame | None:
        """One game."""
        async with self._conn.execute("SELECT * FROM trivia_games WHERE id = ?", (game_id,)) as cur:
            row = await cur.fetchone()
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
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    "INSERT OR IGNORE INTO trivia_answers (game_id, round, guild_id, user_id,"
                    " question, choice, correct, points, answered_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                > 0
            )

    async def game_scores(self, game_id: int) -> list[TriviaScore]:
        """Every player's points in one game, best first."""
        async with self._conn.execute(
            "SELECT user_id, SUM(points), SUM(correct), COUNT(*), 1 FROM trivia_answers"
            " WHERE game_id = ? GROUP BY user_id ORDER BY SUM(points) DESC, user_id",
            (game_id,),
        ) as cur:
            return [TriviaScore(*r) for r in await cur.fetchall()]

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
        async with self._conn.execute(sql, params) as cur:
            return [TriviaScore(*r) for r in await cur.fetchall()]

    async def player(self, guild_id: int, user_id: int) -> TriviaScore:
        """One member's totals in a server (zeros when they never played)."""
        async with self._conn.execute(
            _SCORE + " AND user_id = ? GROUP BY user_id", (guild_id, user_id)
        ) as cur:
            row = await cur.fetchone()
        return TriviaScore(*row) if row else TriviaScore(user_id, 0, 0, 0, 0)

    async def rank(self, guild_id: int, points: int) -> int:
        """1 + how many members of a server have more points than `points`."""
        async with self._conn.execute(
            "SELECT COUNT(*) FROM (SELECT SUM(points) AS p FROM trivia_answers WHERE guild_id = ?"
            " GROUP BY user_id) WHERE p > ?",
            (guild_id, points),
        ) as cur:
            row = await cur.fetchone()
        return 1 + (int(row[0]) if row else 0)
