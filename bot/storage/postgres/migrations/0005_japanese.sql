-- Japanese text of an entry, as SQLite's 0005_japanese.sql: one JSON object per row with the
-- fields that are written; '{}' = English only.

ALTER TABLE facts ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quotes ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE synopsis_sections ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards_events ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
