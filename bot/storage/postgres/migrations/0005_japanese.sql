-- Japanese text of an entry, as SQLite's 0005_japanese.sql: one JSON object per row with the
-- fields that are written; '{}' = English only.

ALTER TABLE facts ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quotes ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE synopsis_sections ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards_events ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';

-- The language of posts nobody asked for (reminders, scheduled posts) in a server:
-- 'en', 'ja', or NULL = the server's preferred locale.
ALTER TABLE guild_settings ADD COLUMN language TEXT;

-- The language a fan's direct-message reminders are written in ('en' or 'ja').
ALTER TABLE subscriptions ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
