-- Japanese text of an entry (issue 17): one JSON object per row with the fields that are
-- written — {"title": …, "text": …, "outcome": …, "source_name": …, "source_url": …}.
-- '{}' = English only (the reader then sees the English text with a one-line note).

ALTER TABLE facts ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE quotes ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE synopsis_sections ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards_events ADD COLUMN ja TEXT NOT NULL DEFAULT '{}';
