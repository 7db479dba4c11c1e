-- A snapshot of the matcher's whole in-memory index (issue 16: start-up), so that start-up
-- reads a few large values instead of a hundred thousand `match_index` rows and checks one
-- number instead of comparing every entry with its row.
--
-- content_generation: one row whose number goes up with every write to an entry table (the
-- triggers below, so a write by any program counts: an /admin edit, an import, a copy, the
-- sqlite3 shell). match_snapshot: the parts of the snapshot (bot/matching/snapshot.py), each
-- tagged with the generation it was made at and its key (format, analysis version, pack):
-- start-up uses it only when both still hold, and makes it again otherwise. Neither table is
-- copied by `copy-database`: each database keeps its own count, and the snapshot is remade.

CREATE TABLE IF NOT EXISTS content_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT OR IGNORE INTO content_generation (id, generation) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS match_snapshot (
    name       TEXT    NOT NULL,
    piece      INTEGER NOT NULL,   -- a part is stored in pieces of at most a mebibyte
    generation INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    PRIMARY KEY (name, piece)
);

CREATE TRIGGER IF NOT EXISTS facts_generation_insert AFTER INSERT ON facts
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS facts_generation_update AFTER UPDATE ON facts
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS facts_generation_delete AFTER DELETE ON facts
BEGIN UPDATE content_generation SET generation = generation + 1; END;

CREATE TRIGGER IF NOT EXISTS quotes_generation_insert AFTER INSERT ON quotes
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS quotes_generation_update AFTER UPDATE ON quotes
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS quotes_generation_delete AFTER DELETE ON quotes
BEGIN UPDATE content_generation SET generation = generation + 1; END;

CREATE TRIGGER IF NOT EXISTS synopsis_sections_generation_insert AFTER INSERT ON synopsis_sections
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS synopsis_sections_generation_update AFTER UPDATE ON synopsis_sections
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS synopsis_sections_generation_delete AFTER DELETE ON synopsis_sections
BEGIN UPDATE content_generation SET generation = generation + 1; END;

CREATE TRIGGER IF NOT EXISTS awards_events_generation_insert AFTER INSERT ON awards_events
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS awards_events_generation_update AFTER UPDATE ON awards_events
BEGIN UPDATE content_generation SET generation = generation + 1; END;
CREATE TRIGGER IF NOT EXISTS awards_events_generation_delete AFTER DELETE ON awards_events
BEGIN UPDATE content_generation SET generation = generation + 1; END;
