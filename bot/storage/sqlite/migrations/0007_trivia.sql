-- Trivia (issue 14): one row per game and one per answer, written as each answer is given, so
-- the points won are kept when the bot restarts mid-game (the game itself then ends).
-- trivia_games.status: running → finished | stopped | idle | interrupted.

CREATE TABLE IF NOT EXISTS trivia_games (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    starter_id  INTEGER NOT NULL,
    rounds      INTEGER NOT NULL,
    spoilers    INTEGER NOT NULL DEFAULT 0,
    lang        TEXT    NOT NULL DEFAULT 'en',
    status      TEXT    NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'finished', 'stopped', 'idle', 'interrupted')),
    started_at  TEXT    NOT NULL,
    ended_at    TEXT
);
CREATE INDEX IF NOT EXISTS trivia_games_running ON trivia_games (status) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS trivia_answers (
    game_id     INTEGER NOT NULL REFERENCES trivia_games (id),
    round       INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    question    TEXT    NOT NULL,                   -- the question's id in the pack
    choice      INTEGER NOT NULL,                   -- 0-3, the button pressed
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (game_id, round, user_id)           -- one answer per player and question
);
CREATE INDEX IF NOT EXISTS trivia_answers_board ON trivia_answers (guild_id, answered_at);
