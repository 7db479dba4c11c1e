"""The fact base service: what every command (Discord or console) calls.

Cogs and the console stay thin: they read input, call one method here, and render the plain
dataclasses it returns (convention 1 and 2 in STYLE.md).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import random
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from bot.constants import KINDS, SUGGESTIONS_MAX
from bot.domain.models import Answer, BaseStats, Entry, Kind, Match
from bot.domain.pack import Pack, load_pack, pack_works, shipped_pack_path
from bot.domain.safety import clean_query
from bot.domain.timeutil import utcnow
from bot.errors import DatabaseUnavailable, NotFound, WriteRefused
from bot.matching.analysis import normalize
from bot.matching.index import Hit, Matcher
from bot.matching.named import use_named_things
from bot.matching.snapshot import SnapshotError
from bot.matching.stored import ANALYSIS_VERSION, IndexRow, index_row
from bot.storage import open_storage
from bot.storage.interface import Storage

log = logging.getLogger(__name__)

AWARD_TAG = "award"


def settle_memory() -> None:
    """Call once the fact base is loaded in a long-running process (the bot, a benchmark).

    The index lives as long as the process: moving it out of the garbage collector's generations
    means no full collection walks a hundred thousand entries in the middle of an answer.
    Not for short-lived or test processes: frozen objects are never collected.
    """
    gc.collect()
    gc.freeze()


class FactBase:
    """Questions, look-ups and random picks over one database and its in-memory index."""

    def __init__(self, db: Storage, matcher: Matcher | None = None) -> None:
        self.db = db
        self.matcher = matcher or Matcher()
        self.started_at = time.monotonic()
        self._rng = random.Random()

    # -- start-up ---------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, pack_path: Path | None = None) -> FactBase:
        """Open the database, load the shipped pack if it changed, and build the index."""
        db = await open_storage(path)
        try:
            service = cls(db)
            changed = await service.load_shipped_pack(pack_path)
            # The pack holds the works the analysis recognises: a new pack, a new analysis.
            await service.reindex(analyse_all=changed)
        except BaseException:
            await db.close()
            raise
        return service

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()

    async def load_shipped_pack(self, pack_path: Path | None = None) -> bool:
        """Import the shipped pack when it differs from the one loaded; True if it did.

        A pack whose files (and parser) are as they were when it was last loaded is not parsed
        again: only its works are read (meta 'pack_files': the files' digest, then the loaded
        pack's `digest`).
        """
        path = pack_path or shipped_pack_path()
        files = pack_works(path)
        loaded = await self.db.get_meta("pack_hash")
        remembered = await self.db.get_meta("pack_files")
        if files is not None and loaded is not None and remembered == f"{files[0]} {loaded}":
            use_named_things(files[1])
            log.debug("Content pack already loaded (its files are unchanged)")
            return False
        pack = load_pack(path)
        use_named_things(pack.works)
        changed = loaded != pack.digest
        if changed:
            written, removed = await self.db.replace_pack(
                pack.entries, pack_version=pack.pack_version, pack_hash=pack.digest
            )
            log.info(
                "Loaded content pack %s: %d entries, %d removed",
                pack.pack_version,
                written,
                removed,
            )
        else:
            log.debug("Content pack %s already loaded", pack.pack_version)
        # Remembered only when the files read before parsing are the files parsed.
        if files is not None and files == pack_works(path):
            try:
                await self.db.set_meta("pack_files", f"{files[0]} {pack.digest}")
            except sqlite3.Error as exc:
                log.debug("Could not remember the pack's files: %s", exc)
        return changed

    async def reindex(self, *, analyse_all: bool = False) -> None:
        """Load the matcher's index from the database.

        The stored snapshot of the whole index (bot/matching/snapshot.py) is read when it was
        made from the entries as they are now (the database's content generation, which every
        write to an entry table raises) with this analysis and pack: a few values instead of a
        row per entry. Otherwise each entry's stored index row (table `match_index`, written at
        import) is read as it is; an entry without one, or whose row no longer matches it
        (edited since, by a moderator or another process), is analysed again and its row
        stored; and the snapshot is made again. Rows made by another version of the analysis
        are all made again, and so are all rows when `analyse_all` (a new shipped pack: its
        `works` are part of the analysis).
        """
        started = time.perf_counter()
        hidden = await self.db.all_hidden()
        # Read before anything else: a write from now on makes the snapshot made below stale.
        generation = await self.db.content_generation()
        key = Matcher.snapshot_key(await self.db.get_meta("pack_hash"))
        how = "read as stored"
        if analyse_all or await self.db.get_meta("match_index_version") != ANALYSIS_VERSION:
            entries = await self.db.all_entries()
            rows = [index_row(entry) for entry in entries]
            self.matcher.load(rows, hidden)
            await self._store_index(entries, rows, replace_all=True)
            await self._store_vocabulary()
            analysed = len(rows)
        elif await self._load_snapshot(key, hidden):
            analysed, how = 0, "read from the snapshot"
        else:
            analysed = await self._load_index(hidden)
        if how != "read from the snapshot":
            await self._store_snapshot(generation, key)
        log.info(
            "Indexed %d entries in %.0f ms (%d analysed, the rest %s)",
            len(self.matcher),
            (time.perf_counter() - started) * 1000,
            analysed,
            how,
        )

    async def store_snapshot(self) -> None:
        """After a bulk write (an import): read the index again from the database, as the next
        start would, and store its snapshot, so that the next start reads that instead of the
        rows. A failure only leaves that work to the next start."""
        try:
            await self.reindex()
        except sqlite3.Error as exc:
            log.warning("Could not read the index again to store its snapshot: %s", exc)

    async def _load_snapshot(self, key: str, hidden: Sequence[tuple[int, str, str]]) -> bool:
        """Load the stored snapshot when it is up to date; False (the index empty) otherwise."""
        try:
            stored = await self.db.match_snapshot(key)
            if stored is None:
                return False
            self.matcher.load_snapshot(stored, hidden)
        except (SnapshotError, sqlite3.Error) as exc:
            log.warning("The stored snapshot of the index is unusable (%s): reading its rows", exc)
            return False
        return True

    async def _store_snapshot(self, generation: int, key: str) -> None:
        """Store the index as a snapshot for the next start; a failure costs only that start's
        time (it then reads the rows)."""
        try:
            saved = await self.db.save_match_snapshot(generation, key, self.matcher.snapshot())
        except WriteRefused as exc:  # a read-only file: expected, and said once already
            log.info("The snapshot of the matcher's index was not stored: %s", exc)
        except (SnapshotError, sqlite3.Error) as exc:
            log.warning("Could not store the snapshot of the matcher's index: %s", exc)
        else:
            if not saved:
                log.debug("Entries changed while the index loaded: no snapshot stored")

    async def _load_index(self, hidden: Sequence[tuple[int, str, str]]) -> int:
        """Stream the stored rows into the matcher; returns how many entries needed analysis."""
        matcher = self.matcher
        matcher.begin_load()
        loaded = 0
        redone: list[tuple[Entry, IndexRow]] = []
        for kind in KINDS:
            async for batch in self.db.match_index_batches(kind):
                done = 0
                while done < len(batch):
                    stale = matcher.add_stored(kind, batch, done)
                    loaded += stale - done
                    if stale == len(batch):
                        break
                    # No row, or one made from other content: analyse the entry again.
                    guild_id, key = batch[stale][0], batch[stale][1]
                    entry = await self.db.get_row(kind, key, guild_id)
                    if entry is not None:
                        row = index_row(entry)
                        matcher.add_row(row)
                        redone.append((entry, row))
                    done = stale + 1
        if redone:
            await self._store_index([e for e, _ in redone], [r for _, r in redone])
        if await self.db.match_index_count() > loaded + len(redone):
            await self._prune_index()
        vocabulary = await self.db.match_vocab()  # None once the rows changed since it was made
        if vocabulary is not None and not redone:
            matcher.set_vocabulary(*vocabulary)
            matcher.finish_load(hidden)
        else:
            await self._read_vocabulary()
            matcher.finish_load(hidden)
            await self._store_vocabulary()
        return len(redone)

    async def _read_vocabulary(self) -> None:
        """Read the typo vocabulary again from every stored row, in full-load order."""
        self.matcher.clear_vocabulary()
        for kind in KINDS:
            async for batch in self.db.match_index_surfaces(kind):
                for surfaces in batch:
                    self.matcher.add_surfaces(surfaces)

    async def _store_vocabulary(self) -> None:
        try:
            await self.db.save_match_vocab(*self.matcher.vocabulary())
        except sqlite3.Error as exc:
            log.warning("Could not store the matcher's vocabulary: %s", exc)

    async def _store_index(
        self, entries: Sequence[Entry], rows: Sequence[IndexRow], *, replace_all: bool = False
    ) -> bool:
        """Store index rows; a failure only costs analysis time at the next start-up."""
        try:
            await self.db.save_match_index(
                (
                    (
                        row.kind,
                        row.guild_id,
                        row.key,
                        self.db.match_source(entry),
                        row.title,
                        None if row.norm_title == row.title.lower() else row.norm_title,
                        row.key_tokens,
                        row.body_tokens,
                        row.forms,
                        row.long_forms,
                        row.surfaces,
                    )
                    for entry, row in zip(entries, rows, strict=True)
                ),
                version=ANALYSIS_VERSION,
                replace_all=replace_all,
            )
        except sqlite3.Error as exc:
            log.warning("Could not store the matcher's index rows: %s", exc)
            return False
        return True

    async def _prune_index(self) -> None:
        """Drop the stored rows of deleted entries (they are never read, only take space)."""
        try:
            removed = await self.db.prune_match_index()
        except sqlite3.Error as exc:
            log.warning("Could not prune the matcher's index rows: %s", exc)
        else:
            log.debug("Pruned %d index rows of deleted entries", removed)

    async def import_pack(self, pack: Pack, *, origin: str = "import") -> int:
        """Write a validated pack's entries (all or nothing), index them and store the index."""
        count = await self.db.import_entries(pack.entries, origin=origin)
        rows = [index_row(entry) for entry in pack.entries]
        self.matcher.add_rows(rows)
        if not await self._store_index(pack.entries, rows):
            return count
        # The vocabulary in the order the next start-up reads it (ties between corrections).
        scratch = Matcher()
        scratch.begin_load()
        for kind in KINDS:
            async for batch in self.db.match_index_surfaces(kind):
                for surfaces in batch:
                    scratch.add_surfaces(surfaces)
        self.matcher.replace_vocabulary(*scratch.vocabulary())
        await self._store_vocabulary()
        return count

    # -- changes made elsewhere ---------------------------------------------------------------

    async def refresh_entry(self, guild_id: int, kind: Kind, key: str) -> None:
        """Bring the matcher in line with the database for one entry of one server."""
        own = await self.db.get_row(kind, key, guild_id)
        if own is not None:
            self.matcher.upsert(own)
        else:
            self.matcher.remove(kind, key, guild_id)
        # `remove` forgets the mask too; the hidden flag in the database decides.
        self.matcher.set_hidden(guild_id, kind, key, await self.db.is_hidden(guild_id, kind, key))

    async def follow_changes(self) -> bool:
        """Keep the matcher in step with entries other processes change (a moderator's edit
        there is answered here within a second); False when the storage has no such notices
        (SQLite: one process per file)."""
        return await self.db.listen_changes(self._changed_elsewhere)

    async def _changed_elsewhere(self, guild_id: int, kind: str, key: str) -> None:
        try:
            if kind not in KINDS:  # "*": a bulk write, reload everything
                await self.reindex()
            else:
                await self.refresh_entry(guild_id, kind, key)  # type: ignore[arg-type]
        except Exception:
            log.exception("Could not follow a change of %s:%s in %s", kind, key, guild_id)
        else:
            log.debug("Followed a change of %s:%s in %s made elsewhere", kind, key, guild_id)

    # -- look-ups ---------------------------------------------------------------------------

    async def _matches(self, *groups: Sequence[Hit]) -> list[list[Match]]:
        """The stored entries behind each group of hits (read together), in the same order."""
        try:
            rows = await self.db.get_rows(
                (hit.kind, hit.key, hit.guild_id) for group in groups for hit in group
            )
        except sqlite3.Error as exc:
            log.warning("Database read failed: %s", exc)
            raise DatabaseUnavailable from exc
        return [
            [
                Match(entry, hit.score)
                for hit in group
                if (entry := rows.get((hit.kind, hit.key, hit.guild_id))) is not None
            ]
            for group in groups
        ]

    async def ask(
        self,
        question: str | None,
        *,
        guild_id: int | None = None,
        kinds: Sequence[Kind] | None = None,
    ) -> Answer:
        """Answer a question from the entries server `guild_id` sees."""
        text = clean_query(question)
        result = self.matcher.search(
            text, guild_id=guild_id, kinds=kinds, suggestions=SUGGESTIONS_MAX
        )
        best, suggestions = await self._matches(
            [result.best] if result.best else [], result.suggestions
        )
        kind_filter = kinds[0] if kinds and len(kinds) == 1 else None
        return Answer(
            text, best[0] if best else None, tuple(suggestions), kind_filter, note=result.note
        )

    async def get(self, kind: Kind, key: str, guild_id: int | None) -> Entry:
        """One entry by kind and id, as the server sees it."""
        entry = await self.db.get_entry(kind, key, guild_id)
        if entry is None:
            raise NotFound("That entry no longer exists here.")
        return entry

    async def lookup(self, kind: Kind, value: str, guild_id: int | None) -> Answer:
        """Resolve an autocomplete value (`kind:key`) or free text to an answer."""
        if value.startswith(f"{kind}:"):
            entry = await self.db.get_entry(kind, value.split(":", 1)[1], guild_id)
            if entry is not None:
                return Answer(entry.title, Match(entry, 1.0), (), kind)
        return await self.ask(value, guild_id=guild_id, kinds=[kind])

    async def random_entry(
        self, kind: Kind, guild_id: int | None, speaker: str | None = None
    ) -> Entry | None:
        """A random entry of `kind` the server sees (optionally by one speaker)."""
        if speaker:
            wanted = normalize(speaker)
            pool = [
                e
                for e in await self.db.visible_entries(kind, guild_id)
                if wanted in normalize(e.speaker)
            ]
            return self._rng.choice(pool) if pool else None
        hit = self.matcher.sample(guild_id=guild_id, kinds=[kind], rng=self._rng)
        if hit is None:
            return None
        [matches] = await self._matches([hit])
        return matches[0].entry if matches else None

    async def quote(self, search: str | None, speaker: str | None, guild_id: int | None) -> Answer:
        """A quote matching `search` (and `speaker`), or a random one."""
        search_text = clean_query(search, required=False, what="search")
        speaker_text = clean_query(speaker, required=False, what="speaker name")
        if not search_text:
            entry = await self.random_entry("quote", guild_id, speaker_text or None)
            label = speaker_text or "random quote"
            return Answer(label, Match(entry, 1.0) if entry else None, (), "quote")
        if search_text.startswith("quote:"):
            answer = await self.lookup("quote", search_text, guild_id)
        else:
            answer = await self.ask(search_text, guild_id=guild_id, kinds=["quote"])
        if (
            answer.match
            and speaker_text
            and (normalize(speaker_text) not in normalize(answer.match.entry.speaker))
        ):
            return Answer(search_text, None, answer.suggestions, "quote")
        return answer

    async def synopsis(self, *, spoilers: bool, guild_id: int | None) -> Entry:
        """The premise (default) or the full synopsis with spoilers."""
        sections = {e.section: e for e in await self.db.visible_entries("synopsis", guild_id)}
        entry = sections.get("full" if spoilers else "premise")
        if entry is None:
            raise NotFound("This server has no synopsis to show.")
        return entry

    async def awards_events(self, guild_id: int | None) -> list[Entry]:
        """Every awards event the server sees, dated ones by date, then those to be announced."""
        events = await self.db.visible_entries("awards", guild_id)
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(events, key=lambda e: (e.starts_at or far, e.title))

    async def next_event(
        self, guild_id: int | None, now: dt.datetime | None = None
    ) -> tuple[Entry | None, list[Entry]]:
        """The next dated event after `now`, and the events still to be announced."""
        now = now or utcnow()
        events = await self.awards_events(guild_id)
        upcoming = [e for e in events if e.starts_at and e.starts_at > now]
        undated = [e for e in events if e.starts_at is None]
        return (upcoming[0] if upcoming else None), undated

    async def award_record(self, guild_id: int | None) -> list[Entry]:
        """The film's awards and nominations (facts tagged `award`)."""
        facts = await self.db.visible_entries("fact", guild_id)
        return [f for f in facts if AWARD_TAG in f.tags]

    def complete(
        self, current: str, kinds: Sequence[Kind], guild_id: int | None, limit: int = 25
    ) -> list[Hit]:
        """Autocomplete choices, served from memory."""
        return self.matcher.complete(current[:200], guild_id=guild_id, kinds=kinds, limit=limit)

    async def titles_in(self, lang: str, hits: Sequence[Hit], guild_id: int | None) -> list[str]:
        """The hits' titles as a `lang` reader reads them (the Japanese title where written):
        the index holds the English titles, so a Japanese reader's few choices are looked up."""
        if lang != "ja":
            return [hit.title for hit in hits]
        titles = []
        for hit in hits:
            entry = await self.db.get_entry(hit.kind, hit.key, guild_id or 0)
            titles.append(entry.title_ja if entry is not None and entry.title_ja else hit.title)
        return titles

    async def stats(self) -> BaseStats:
        """Counts for /about."""
        return await self.db.stats()

    @property
    def uptime_seconds(self) -> float:
        """Seconds since the service opened."""
        return time.monotonic() - self.started_at
