-- The daily fact or quote (issue 14): a server's settings, one row per planned post (the same
-- durable, exactly-once scheme as `reminders`), and the per-server rotation.
-- daily_posts.status: pending → sending (claimed, with a lease) → sent | failed | missed;
-- pending → cancelled when the server's settings no longer want it.

CREATE TABLE IF NOT EXISTS daily_settings (
    guild_id      INTEGER PRIMARY KEY,
    enabled       INTEGER NOT NULL DEFAULT 0,
    channel_id    INTEGER,
    time_of_day   TEXT    NOT NULL DEFAULT '09:00',  -- HH:MM, local time in `zone`
    zone          TEXT    NOT NULL DEFAULT 'UTC',    -- an IANA name
    kinds         TEXT    NOT NULL DEFAULT 'both' CHECK (kinds IN ('facts', 'quotes', 'both')),
    spoilers      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,                              -- the last failed post, for moderators
    last_error_at TEXT,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS daily_posts (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    local_date      TEXT    NOT NULL,                -- the server's calendar day (YYYY-MM-DD)
    due_at          TEXT    NOT NULL,                -- UTC, ISO 8601
    next_attempt_at TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'missed',
                                      'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    nonce           TEXT    NOT NULL,                -- Discord message nonce (enforce_nonce)
    claimed_by      TEXT,
    claimed_until   TEXT,
    entry_uid       TEXT,                            -- kind:key, chosen at the first attempt
    message_id      INTEGER,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (guild_id, local_date)
);
CREATE INDEX IF NOT EXISTS daily_posts_next ON daily_posts (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX IF NOT EXISTS daily_posts_guild ON daily_posts (guild_id, status);

-- The rotation: a shuffled order per server and cycle (seeded), and what a cycle posted.
CREATE TABLE IF NOT EXISTS daily_rotation (
    guild_id INTEGER PRIMARY KEY,
    seed     INTEGER NOT NULL,
    cycle    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS daily_posted (
    guild_id  INTEGER NOT NULL,
    cycle     INTEGER NOT NULL,
    entry_uid TEXT    NOT NULL,
    posted_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, cycle, entry_uid)
);
