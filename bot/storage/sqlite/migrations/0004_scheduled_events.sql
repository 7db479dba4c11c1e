-- Discord scheduled events kept in step with the awards events (bot/domain/event_sync.py),
-- and the calendar file's memory of each event's date (bot/domain/calendar.py).

-- One row per server that turned the events on or off (`/admin reminders events`), with the
-- last failure moderators see in `/admin reminders status` (a missing permission, the limit).
CREATE TABLE IF NOT EXISTS event_sync_guilds (
    guild_id      INTEGER PRIMARY KEY,
    enabled       INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,                -- NULL once a round went through
    last_error_at TEXT,
    last_ok_at    TEXT,
    updated_at    TEXT    NOT NULL
);

-- The one Discord event per (server, awards event). `starts_at` is the date it was made for.
-- `deleted_by_hand` = 1: a moderator deleted or cancelled it; not recreated until the date
-- changes (then the row is replaced).
CREATE TABLE IF NOT EXISTS event_sync_links (
    guild_id        INTEGER NOT NULL,
    event_key       TEXT    NOT NULL,
    discord_id      INTEGER,
    starts_at       TEXT    NOT NULL,
    deleted_by_hand INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (guild_id, event_key)
);

-- The calendar file: the date each event had when last exported, and its SEQUENCE
-- (RFC 5545: raised when the date moves). guild_id 0 = the shipped view (direct messages).
CREATE TABLE IF NOT EXISTS calendar_versions (
    guild_id   INTEGER NOT NULL,
    event_key  TEXT    NOT NULL,
    starts_at  TEXT,
    date_only  INTEGER NOT NULL DEFAULT 0,
    sequence   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, event_key)
);
