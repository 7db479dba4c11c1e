-- Trivia questions of a server's own (issue 14): moderators add them with /admin trivia or an
-- import; a game in that server asks them with the shipped ones (the pack's `trivia` section).
-- A row whose key is a shipped question's id replaces that question in this server.
-- `wrong` and `wrong_ja` are JSON lists of text (three each, or none for `wrong_ja`).

CREATE TABLE IF NOT EXISTS trivia_questions (
    guild_id    INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    wrong       TEXT    NOT NULL,
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    question_ja TEXT    NOT NULL DEFAULT '',
    answer_ja   TEXT    NOT NULL DEFAULT '',
    wrong_ja    TEXT    NOT NULL DEFAULT '[]',
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, key)
);

-- A server hiding a shipped trivia question for itself only (kept apart from `guild_hidden`,
-- which the matcher's index reads: trivia questions are not in the index).
CREATE TABLE IF NOT EXISTS trivia_hidden (
    guild_id   INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    hidden_by  INTEGER,
    hidden_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, key)
);
