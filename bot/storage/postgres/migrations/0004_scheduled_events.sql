-- Discord scheduled events and calendar versions, as SQLite's 0004_scheduled_events.sql.

CREATE TABLE event_sync_guilds (
    guild_id      BIGINT  PRIMARY KEY,
    enabled       INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_error_at TEXT    COLLATE "C",
    last_ok_at    TEXT    COLLATE "C",
    updated_at    TEXT    COLLATE "C" NOT NULL
);

CREATE TABLE event_sync_links (
    guild_id        BIGINT  NOT NULL,
    event_key       TEXT    COLLATE "C" NOT NULL,
    discord_id      BIGINT,
    starts_at       TEXT    COLLATE "C" NOT NULL,
    deleted_by_hand INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, event_key)
);

CREATE TABLE calendar_versions (
    guild_id   BIGINT  NOT NULL,
    event_key  TEXT    COLLATE "C" NOT NULL,
    starts_at  TEXT    COLLATE "C",
    date_only  INTEGER NOT NULL DEFAULT 0,
    sequence   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, event_key)
);
