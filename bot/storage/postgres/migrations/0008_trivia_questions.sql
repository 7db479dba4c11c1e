-- As SQLite's migration of the same number (see there for the columns' meaning).
-- Trivia questions of a server's own (issue 14), and the shipped ones a server hid.

CREATE TABLE IF NOT EXISTS trivia_questions (
    guild_id    BIGINT  NOT NULL,
    key         TEXT COLLATE "C"    NOT NULL,
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    wrong       TEXT    NOT NULL,
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    question_ja TEXT    NOT NULL DEFAULT '',
    answer_ja   TEXT    NOT NULL DEFAULT '',
    wrong_ja    TEXT    NOT NULL DEFAULT '[]',
    updated_by  BIGINT,
    updated_at  TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (guild_id, key)
);

CREATE TABLE IF NOT EXISTS trivia_hidden (
    guild_id   BIGINT  NOT NULL,
    key        TEXT COLLATE "C"    NOT NULL,
    hidden_by  BIGINT,
    hidden_at  TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (guild_id, key)
);
