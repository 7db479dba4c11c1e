-- The fact base. guild_id 0 is the shipped content; any other guild_id is that server's own
-- version of an entry (same key = an edit of the shipped entry, new key = its own entry).
-- origin: 'pack' (shipped, replaced on upgrade), 'import' (lookback-bot import), 'guild'.

CREATE TABLE facts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    aliases     TEXT    NOT NULL DEFAULT '[]',
    tags        TEXT    NOT NULL DEFAULT '[]',
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    origin      TEXT    NOT NULL DEFAULT 'pack',
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL,
    UNIQUE (guild_id, key)
);

CREATE TABLE quotes (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    speaker     TEXT    NOT NULL,
    occasion    TEXT    NOT NULL DEFAULT '',
    said_on     TEXT,
    aliases     TEXT    NOT NULL DEFAULT '[]',
    tags        TEXT    NOT NULL DEFAULT '[]',
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    origin      TEXT    NOT NULL DEFAULT 'pack',
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL,
    UNIQUE (guild_id, key)
);

CREATE TABLE synopsis_sections (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    section     TEXT    NOT NULL CHECK (section IN ('premise', 'full', 'themes')),
    title       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    aliases     TEXT    NOT NULL DEFAULT '[]',
    tags        TEXT    NOT NULL DEFAULT '[]',
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    origin      TEXT    NOT NULL DEFAULT 'pack',
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL,
    UNIQUE (guild_id, key)
);

CREATE TABLE awards_events (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    ceremony    TEXT    NOT NULL DEFAULT '',
    starts_at   TEXT,               -- ISO 8601 in UTC; NULL = to be announced
    date_only   INTEGER NOT NULL DEFAULT 0 CHECK (date_only IN (0, 1)), -- time of day unknown
    outcome     TEXT    NOT NULL DEFAULT '',
    aliases     TEXT    NOT NULL DEFAULT '[]',
    tags        TEXT    NOT NULL DEFAULT '[]',
    source_name TEXT    NOT NULL,
    source_url  TEXT    NOT NULL,
    origin      TEXT    NOT NULL DEFAULT 'pack',
    updated_by  INTEGER,
    updated_at  TEXT    NOT NULL,
    UNIQUE (guild_id, key)
);

-- A server hiding a shipped entry for itself only.
CREATE TABLE guild_hidden (
    guild_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    hidden_by  INTEGER,
    hidden_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, kind, key)
);

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    reminder_channel_id INTEGER,
    reminder_role_id    INTEGER,
    lead_times          TEXT    NOT NULL DEFAULT '[604800, 86400, 3600, 0]',
    reminders_paused    INTEGER NOT NULL DEFAULT 0,
    moderator_role_id   INTEGER,
    updated_at          TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    created_at TEXT    NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, id DESC);
CREATE INDEX audit_log_entry ON audit_log (guild_id, kind, key, id DESC);

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
