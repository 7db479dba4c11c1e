-- The matcher's stored index and typo vocabulary, as SQLite's 0003_match_index.sql (the
-- columns are explained there).

CREATE TABLE match_index (
    kind        TEXT   COLLATE "C" NOT NULL,
    guild_id    BIGINT NOT NULL,
    key         TEXT   COLLATE "C" NOT NULL,
    source      TEXT   NOT NULL,
    title       TEXT   NOT NULL,
    norm_title  TEXT,
    key_tokens  TEXT   NOT NULL,
    body_tokens TEXT   NOT NULL,
    forms       TEXT   NOT NULL,
    long_forms  TEXT   NOT NULL,
    surfaces    TEXT   NOT NULL,
    PRIMARY KEY (kind, guild_id, key)
);

CREATE TABLE match_vocab (
    id       INTEGER PRIMARY KEY,
    surfaces TEXT    NOT NULL,
    tokens   TEXT    NOT NULL
);
