"""Trivia: the questions (the pack's `trivia` section, and each server's own), a game's rounds
and points, and the scores kept in the database.

A server's questions are the shipped ones it did not hide, with its own (added by its
moderators: `bot.moderation.trivia`) — one of its own with a shipped question's id replaces
that question there. They are read from the database when a game starts, so every process
of a server asks the same questions.

A game is played in one channel: each round shows one question with four answers in a shuffled
order; each player answers once (the answer is stored at once, so the points survive a restart);
when the round's time is up the right answer is shown. Points: `BASE_POINTS` for a right answer
plus up to `SPEED_BONUS` for answering early. The game's timing and its messages are the
Discord side's (`cogs/trivia.py`); this module keeps the state and the rules.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from bot.domain.models import TriviaQuestion, TriviaScore
from bot.domain.timeutil import utcnow
from bot.errors import UserFacingError
from bot.storage.interface import Storage

log = logging.getLogger(__name__)

ROUND_SECONDS: Final = 20
REVEAL_SECONDS: Final = 6
BASE_POINTS: Final = 10
SPEED_BONUS: Final = 5
#: A game whose last this many rounds nobody answered ends itself.
IDLE_ROUNDS: Final = 2
DEFAULT_ROUNDS: Final = 5
MAX_ROUNDS: Final = 20

Answered = Literal["ok", "already", "closed", "over"]


def points_for(
    correct: bool, opened_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime
) -> int:
    """A right answer's points: the base, plus the speed bonus in proportion to the time left."""
    if not correct:
        return 0
    total = (closes_at - opened_at).total_seconds()
    left = max(0.0, (closes_at - now).total_seconds())
    return BASE_POINTS + (round(SPEED_BONUS * left / total) if total > 0 else 0)


@dataclass
class Round:
    """One question being asked (or asked)."""

    number: int
    question: TriviaQuestion  # in the game's language
    choices: tuple[str, ...]
    right: int
    opened_at: dt.datetime
    closes_at: dt.datetime
    answers: dict[int, tuple[int, bool, int]] = field(default_factory=dict)  # user: choice…
    closed: bool = False

    @property
    def winners(self) -> list[int]:
        """Who answered right, in the order they answered."""
        return [user for user, (_c, correct, _p) in self.answers.items() if correct]


@dataclass
class Game:
    """A running game's state."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    lang: str
    questions: list[TriviaQuestion]
    rounds: list[Round] = field(default_factory=list)
    ended: str | None = None
    idle: int = 0

    @property
    def current(self) -> Round | None:
        """The round being asked, or the last one asked."""
        return self.rounds[-1] if self.rounds else None

    def open_round(self, now: dt.datetime, rng: random.Random) -> Round:
        """Ask the next question: its four answers in a shuffled order."""
        question = self.questions[len(self.rounds)].in_language(self.lang)
        choices = [question.answer, *question.wrong]
        rng.shuffle(choices)
        opened = Round(
            number=len(self.rounds),
            question=question,
            choices=tuple(choices),
            right=choices.index(question.answer),
            opened_at=now,
            closes_at=now + dt.timedelta(seconds=ROUND_SECONDS),
        )
        self.rounds.append(opened)
        return opened

    def close_round(self) -> Round | None:
        """Time is up: no more answers; counts a round nobody answered."""
        current = self.current
        if current is None or current.closed:
            return None
        current.closed = True
        self.idle = 0 if current.answers else self.idle + 1
        return current

    @property
    def is_idle(self) -> bool:
        """True when nobody answered the last `IDLE_ROUNDS` rounds."""
        return self.idle >= IDLE_ROUNDS

    @property
    def has_more(self) -> bool:
        """True while questions are left."""
        return len(self.rounds) < len(self.questions)


class TriviaService:
    """The questions, the games running in this process, and the stored scores."""

    def __init__(
        self,
        db: Storage,
        questions: Callable[[], Sequence[TriviaQuestion]],
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self._load = questions
        self._questions: tuple[TriviaQuestion, ...] | None = None
        self.clock = clock
        self.rng = rng or random.Random()
        self.games: dict[int, Game] = {}  # by channel

    @property
    def questions(self) -> tuple[TriviaQuestion, ...]:
        """Every question (read from the pack the first time)."""
        if self._questions is None:
            self._questions = tuple(self._load())
        return self._questions

    @questions.setter
    def questions(self, value: Sequence[TriviaQuestion]) -> None:
        self._questions = tuple(value)

    def shipped(self, key: str) -> TriviaQuestion | None:
        """The shipped question with this id."""
        return next((q for q in self.questions if q.key == key), None)

    async def pool(self, guild_id: int) -> list[TriviaQuestion]:
        """The questions a game in this server may ask: the shipped ones it did not hide,
        its own in place of a shipped one of the same id, then the rest of its own."""
        own = {q.key: q for q in await self.db.trivia.guild_questions(guild_id)}
        hidden = set(await self.db.trivia.hidden_questions(guild_id))
        pool = [own.pop(q.key, q) for q in self.questions if q.key not in hidden]
        return pool + list(own.values())

    def game_by_id(self, game_id: int) -> Game | None:
        """A game running in this process."""
        return next((g for g in self.games.values() if g.id == game_id), None)

    async def start(
        self,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        rounds: int,
        spoilers: bool,
        lang: str,
    ) -> Game:
        """A new game in a channel (one at a time), with `rounds` questions chosen at random;
        spoiler questions only when asked for."""
        if channel_id in self.games:
            raise UserFacingError("A trivia game is already running in this channel.")
        pool = [q for q in await self.pool(guild_id) if spoilers or not q.spoiler]
        if not pool:
            raise UserFacingError("There are no trivia questions to ask yet.")
        chosen = self.rng.sample(pool, min(rounds, len(pool)))
        game_id = await self.db.trivia.start_game(
            guild_id, channel_id, starter_id, len(chosen), spoilers, lang, self.clock()
        )
        if game_id is None:
            raise UserFacingError("A trivia game is already running in this channel.")
        game = Game(game_id, guild_id, channel_id, starter_id, lang, chosen)
        self.games[channel_id] = game
        return game

    def open_round(self, game: Game) -> Round:
        """Ask the game's next question."""
        return game.open_round(self.clock(), self.rng)

    async def answer(
        self, game_id: int, round_number: int, user_id: int, choice: int
    ) -> tuple[Answered, Round | None]:
        """A player's answer: stored at once (`ok`), or refused: `already` answered this
        question, the question is `closed`, or the game is `over`."""
        game = self.game_by_id(game_id)
        if game is None or game.ended is not None:
            return "over", None
        current = game.current
        if current is None or current.number != round_number or current.closed:
            return "closed", current
        if user_id in current.answers:
            return "already", current
        now = self.clock()
        if now >= current.closes_at:
            return "closed", current
        correct = choice == current.right
        points = points_for(correct, current.opened_at, current.closes_at, now)
        current.answers[user_id] = (choice, correct, points)  # before the write: no double
        stored = await self.db.trivia.record_answer(
            game.id, current.number, game.guild_id, user_id, current.question.key, choice,
            correct, points, now,
        )  # fmt: skip
        if not stored:
            return "already", current
        return "ok", current

    async def end(self, game: Game, status: str) -> list[TriviaScore]:
        """End a game (`finished`, `stopped`, `idle`); its players' points, best first."""
        if game.ended is None:
            game.ended = status
            await self.db.trivia.end_game(game.id, status, self.clock())
        if self.games.get(game.channel_id) is game:
            del self.games[game.channel_id]
        return await self.db.trivia.game_scores(game.id)

    async def end_interrupted(self) -> list[tuple[int, int, list[TriviaScore]]]:
        """At start-up: games left running by a previous process end as `interrupted` (their
        points are kept); (channel, game, scores) of each, to tell the channel."""
        ended = []
        for game in await self.db.trivia.running_games():
            if await self.db.trivia.end_game(game.id, "interrupted", self.clock()):
                ended.append((game.channel_id, game.id, await self.db.trivia.game_scores(game.id)))
        return ended

    async def leaderboard(self, guild_id: int, month: bool) -> list[TriviaScore]:
        """A server's best players, all time or this month (UTC)."""
        since = None
        if month:
            now = self.clock()
            since = dt.datetime(now.year, now.month, 1, tzinfo=dt.UTC)
        return await self.db.trivia.leaderboard(guild_id, since)

    async def stats(self, guild_id: int, user_id: int) -> tuple[TriviaScore, int]:
        """A member's totals in a server and their rank."""
        score = await self.db.trivia.player(guild_id, user_id)
        return score, await self.db.trivia.rank(guild_id, score.points)
