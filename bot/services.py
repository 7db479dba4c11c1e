"""The fact base service: what every command (Discord or console) calls.

Cogs and the console stay thin: they read input, call one method here, and render the plain
dataclasses it returns (convention 1 and 2 in STYLE.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import discord

from bot.constants import SUGGESTIONS_MAX
from bot.database import Database
from bot.errors import DatabaseUnavailable, NotFound
from bot.matching import Hit, Matcher, normalize
from bot.models import Answer, BaseStats, Entry, Kind, Match
from bot.pack import Pack, load_pack, shipped_pack_path
from bot.safety import clean_query

log = logging.getLogger(__name__)

AWARD_TAG = "award"


class FactBase:
    """Questions, look-ups and random picks over one database and its in-memory index."""

    def __init__(self, db: Database, matcher: Matcher | None = None) -> None:
        self.db = db
        self.matcher = matcher or Matcher()
        self.started_at = time.monotonic()
        self._rng = random.Random()

    # -- start-up ---------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, pack_path: Path | None = None) -> FactBase:
        """Open the database, load the shipped pack if it changed, and build the index."""
        db = await Database.open(path)
        try:
            service = cls(db)
            await service.load_shipped_pack(pack_path)
            await service.reindex()
        except BaseException:
            await db.close()
            raise
        return service

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()

    async def load_shipped_pack(self, pack_path: Path | None = None) -> bool:
        """Import the shipped pack when it differs from the one loaded; True if it did."""
        pack = load_pack(pack_path or shipped_pack_path())
        if await self.db.get_meta("pack_hash") == pack.digest:
            log.debug("Content pack %s already loaded", pack.pack_version)
            return False
        written, removed = await self.db.replace_pack(
            pack.entries, pack_version=pack.pack_version, pack_hash=pack.digest
        )
        log.info(
            "Loaded content pack %s: %d entries, %d removed", pack.pack_version, written, removed
        )
        return True

    async def reindex(self) -> None:
        """Rebuild the matcher's index from the database."""
        started = time.perf_counter()
        self.matcher.rebuild(await self.db.all_entries(), await self.db.all_hidden())
        log.info(
            "Indexed %d entries in %.0f ms",
            len(self.matcher),
            (time.perf_counter() - started) * 1000,
        )

    async def import_pack(self, pack: Pack, *, origin: str = "import") -> int:
        """Write a validated pack's entries (all or nothing) and index them."""
        count = await self.db.import_entries(pack.entries, origin=origin)
        for entry in pack.entries:
            self.matcher.upsert(entry)
        return count

    # -- look-ups ---------------------------------------------------------------------------

    async def _entry(self, hit: Hit, guild_id: int | None) -> Entry | None:
        try:
            return await self.db.get_row(hit.kind, hit.key, hit.guild_id)
        except sqlite3.Error as exc:
            log.warning("Database read failed: %s", exc)
            raise DatabaseUnavailable from exc

    async def _matches(self, hits: Iterable[Hit], guild_id: int | None) -> list[Match]:
        out: list[Match] = []
        for hit in hits:
            entry = await self._entry(hit, guild_id)
            if entry is not None:
                out.append(Match(entry, hit.score))
        return out

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
        best = await self._matches([result.best], guild_id) if result.best else []
        suggestions = await self._matches(result.suggestions, guild_id)
        kind_filter = kinds[0] if kinds and len(kinds) == 1 else None
        return Answer(text, best[0] if best else None, tuple(suggestions), kind_filter)

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
        return await self._entry(hit, guild_id) if hit else None

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

    async def themes(self, guild_id: int | None) -> Entry | None:
        """The themes section, when there is one."""
        for entry in await self.db.visible_entries("synopsis", guild_id):
            if entry.section == "themes":
                return entry
        return None

    async def awards_events(self, guild_id: int | None) -> list[Entry]:
        """Every awards event the server sees, dated ones by date, then those to be announced."""
        events = await self.db.visible_entries("awards", guild_id)
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(events, key=lambda e: (e.starts_at or far, e.title))

    async def next_event(
        self, guild_id: int | None, now: dt.datetime | None = None
    ) -> tuple[Entry | None, list[Entry]]:
        """The next dated event after `now`, and the events still to be announced."""
        now = now or discord.utils.utcnow()
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

    async def stats(self) -> BaseStats:
        """Counts for /about."""
        return await self.db.stats()

    @property
    def uptime_seconds(self) -> float:
        """Seconds since the service opened."""
        return time.monotonic() - self.started_at
