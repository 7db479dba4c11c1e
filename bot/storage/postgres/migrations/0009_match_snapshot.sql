-- A snapshot of the matcher's whole index, as SQLite's 0009_match_snapshot.sql (the tables
-- are explained there).
--
-- The generation goes up once per transaction that writes an entry table (a statement-level
-- trigger; a transaction-local setting remembers it was done), not once per row: an import
-- of 100,000 entries updates the one row once. BEFORE the statement, so the row is locked
-- before any entry row is: writers of entries queue on it (until they commit) in one order,
-- never in a deadlock. A statement that changes no row counts too (unhiding deletes a server's
-- own version, which may not exist): at worst, one more start reads the rows.

CREATE TABLE content_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO content_generation (id, generation) VALUES (1, 0);

CREATE TABLE match_snapshot (
    name       TEXT    COLLATE "C" NOT NULL,
    piece      INTEGER NOT NULL,
    generation BIGINT  NOT NULL,
    key        TEXT    NOT NULL,
    data       BYTEA   NOT NULL,
    PRIMARY KEY (name, piece)
);

CREATE FUNCTION bump_content_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('lookback.content_written', true) IS DISTINCT FROM 'on' THEN
        UPDATE content_generation SET generation = generation + 1;
        PERFORM set_config('lookback.content_written', 'on', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER facts_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON facts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER quotes_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON quotes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER synopsis_sections_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON synopsis_sections FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER awards_events_generation BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON awards_events FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
