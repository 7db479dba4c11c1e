-- Japanese text of an entry (issue 17): one JSON object per row with the fields that are
-- written — {"title": …, "text": …, "outcome": …, "source_name": …, "source_url": …}.
-- '{}' = English only (the reader then sees the English text with a one-line note).

ALTER TABLE facts ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quotes ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE synopsis_sections ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards_events ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';

-- The language of posts nobody asked for (reminders, scheduled posts) in a server:
-- 'en', 'ja', or NULL = the server's preferred locale (issue 17's /admin language).
ALTER TABLE guild_settings ADD COLUMN language TEXT;

-- The language a fan's direct-message reminders are written in: their Discord locale when
-- they subscribed ('en' or 'ja').
ALTER TABLE subscriptions ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
