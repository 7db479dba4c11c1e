-- Awards-watch reminders: one row per message to send, durable across restarts.
-- status: pending → sending (claimed by one process, with a lease) → sent | failed | missed;
-- pending → cancelled when the event or the server's settings no longer want it.

CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    target          TEXT    NOT NULL CHECK (target IN ('channel', 'dm')),
    user_id         INTEGER NOT NULL DEFAULT 0,      -- the subscriber, for target = 'dm'
    event_key       TEXT    NOT NULL,
    event_starts_at TEXT    NOT NULL,                -- the event date this reminder is for
    lead_seconds    INTEGER NOT NULL,
    due_at          TEXT    NOT NULL,                -- UTC, ISO 8601
    next_attempt_at TEXT    NOT NULL,                -- due_at, or later after a failed try
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'missed',
                                      'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    nonce           TEXT    NOT NULL,                -- Discord message nonce (enforce_nonce)
    claimed_by      TEXT,
    claimed_until   TEXT,
    message_id      INTEGER,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (guild_id, target, user_id, event_key, event_starts_at, lead_seconds)
);
CREATE INDEX reminders_next ON reminders (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX reminders_guild ON reminders (guild_id, status);

-- Fans who asked for a direct message: event_key '' means every event.
CREATE TABLE subscriptions (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    event_key  TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, event_key)
);
