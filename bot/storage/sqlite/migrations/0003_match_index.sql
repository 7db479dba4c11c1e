-- The matcher's index, stored beside the entries it was derived from (bot/matching.py,
-- `IndexRow`): written when entries are imported, so that start-up reads these rows instead
-- of analysing (normalising, stemming) every entry again.
-- `source` holds the entry's indexed fields as they were when the row was made (see
-- `match_source` in bot/database.py): a row whose entry changed since (an edit by a
-- moderator, another process) no longer equals it, and start-up analyses that entry again.
-- The analysis version the rows were made with is the meta value 'match_index_version'.
-- IF NOT EXISTS: a database rolled back to an older schema by hand may still hold the table.

CREATE TABLE IF NOT EXISTS match_index (
    kind        TEXT    NOT NULL,
    guild_id    INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    norm_title  TEXT,               -- the title folded (autocomplete); NULL: lower(title)
    key_tokens  TEXT    NOT NULL,   -- canonical words of the title, aliases, tags (space-separated)
    body_tokens TEXT    NOT NULL,   -- canonical words found only in the answer text
    forms       TEXT    NOT NULL,   -- one per line: the title's canonical words, then each name
    long_forms  TEXT    NOT NULL,   -- a quote's own words as canonical words ('' otherwise)
    surfaces    TEXT    NOT NULL,   -- words as written ('word' or 'word>canonical'), for typos
    PRIMARY KEY (kind, guild_id, key)
) WITHOUT ROWID
;

-- The typo vocabulary of every row above, words as written and their canonical tokens (two
-- space-separated lists, one row), in the order a full load meets them (which decides ties
-- between equally close corrections). Valid only while the meta value 'match_vocab_valid' is
-- '1': any write to match_index resets it, and the next start-up rebuilds it from `surfaces`.
CREATE TABLE IF NOT EXISTS match_vocab (
    id       INTEGER PRIMARY KEY,
    surfaces TEXT    NOT NULL,
    tokens   TEXT    NOT NULL
)
