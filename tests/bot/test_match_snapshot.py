"""The snapshot of the whole match index (migration 0009, bot/matching/snapshot.py): start-up
reads it while the entries are as it was made from, makes it again after any write to them (an
import, a moderator's change, another program's), answers the same with it as without it, and
falls back to the stored rows when it is damaged — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.domain.factbase import FactBase
from bot.domain.models import Entry
from bot.domain.pack import load_pack
from bot.matching.index import Matcher
from bot.matching.snapshot import SnapshotError, decode_strings, encode_strings
from bot.matching.stored import ANALYSIS_VERSION
from bot.moderation.service import AdminService
from bot.storage.interface import Storage
from tests.conftest import fact, write_pack

A_SERVER = 1_000_000_000_000_001
MODERATOR = 42
QUESTIONS = [
    "who directed look back",
    "how long is the film",
    "what did fujino say",
    "who composed the music",
    "how long is the tram ride",
    "our tram lore",
    "streetcar story",
    "who directed it",
    "tram",
    "dir",
    "runtme",
    "監督は誰",
    "what is the meaning of life",
    "",
]


class Loads:
    """How each start-up of a test loaded its index: 'snapshot' or 'rows'."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        read_snapshot = FactBase._load_snapshot
        read_rows = FactBase._load_index

        async def snapshot(service: FactBase, *args: Any) -> bool:
            used = await read_snapshot(service, *args)
            if used:
                self.seen.append("snapshot")
            return used

        async def rows(service: FactBase, *args: Any) -> int:
            self.seen.append("rows")
            return await read_rows(service, *args)

        monkeypatch.setattr(FactBase, "_load_snapshot", snapshot)
        monkeypatch.setattr(FactBase, "_load_index", rows)

    def last(self) -> str:
        return self.seen[-1]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    return Loads(monkeypatch)


async def _fresh(service: FactBase) -> Matcher:
    """An index built from the entries themselves (no stored row, no snapshot)."""
    fresh = Matcher()
    fresh.rebuild(await service.db.all_entries(), await service.db.all_hidden())
    return fresh


def _assert_same_answers(loaded: Matcher, fresh: Matcher, guild_ids: list[int | None]) -> None:
    assert len(loaded) == len(fresh)
    assert loaded.vocabulary() == fresh.vocabulary()
    for guild_id in guild_ids:
        for question in QUESTIONS:
            assert loaded.search(question, guild_id=guild_id) == fresh.search(
                question, guild_id=guild_id
            ), (question, guild_id)
            for kinds in (None, ["fact"], ["quote"]):
                assert loaded.complete(question[:6], guild_id=guild_id, kinds=kinds) == (
                    fresh.complete(question[:6], guild_id=guild_id, kinds=kinds)
                ), (question, guild_id, kinds)


async def _sql(db: Storage, statement: str) -> None:
    """Run one statement on the test's database as another program would (no service)."""
    conn = getattr(db, "_conn", None)
    if conn is not None:  # SQLite: the connection commits each statement by itself
        await conn.execute(statement)
    else:
        await db._run(statement)  # type: ignore[attr-defined]


def _check_overlays(matcher: Matcher, lore_key: str) -> None:
    """A server's own, edited and hidden entries, answered for that server only."""
    hit = matcher.search("how long is the tram ride", guild_id=A_SERVER).best
    assert hit is not None and (hit.key, hit.guild_id) == ("runtime", A_SERVER)
    hit = matcher.search("how long is the tram ride", guild_id=7).best
    assert hit is None or hit.guild_id == 0
    hit = matcher.search("who directed it", guild_id=A_SERVER).best
    assert hit is None or hit.key != "director"  # hidden there
    hit = matcher.search("who directed it", guild_id=7).best
    assert hit is not None and hit.key == "director"
    hit = matcher.search("streetcar story", guild_id=A_SERVER).best
    assert hit is not None and hit.key == lore_key
    assert matcher.search("streetcar story", guild_id=7).best is None


async def test_start_up_reads_the_snapshot_while_nothing_changed(
    db_location: Path | str, loads: Loads
) -> None:
    first = await FactBase.open(db_location)  # a new database: made from the rows, then stored
    await first.close()
    assert loads.seen == ["rows"] or loads.seen == []  # [] when the pack was analysed in full
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "snapshot"
        key = Matcher.snapshot_key(await service.db.get_meta("pack_hash"))
        assert await service.db.match_snapshot(key) is not None
        assert await service.db.match_snapshot(key + "-other") is None
        _assert_same_answers(service.matcher, await _fresh(service), [None, 7])
        answer = await service.ask("who directed look back")
        assert answer.match is not None and answer.match.entry.key == "director"
    finally:
        await service.close()


async def test_an_import_makes_the_snapshot_stale_and_the_next_start_remakes_it(
    tmp_path: Path, db_location: Path | str, loads: Loads
) -> None:
    pack = load_pack(
        write_pack(
            tmp_path / "tram.json",
            facts=[fact("tram", "Tram museum", "Kyoto's tram museum.", aliases=["our tram lore"])],
        )
    )
    service = await FactBase.open(db_location)
    try:
        before = await service.db.content_generation()
        await service.import_pack(pack)
        assert await service.db.content_generation() > before
    finally:
        await service.close()
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "rows"  # the snapshot was of the entries before the import
        hit = service.matcher.search("our tram lore").best
        assert hit is not None and hit.key == "tram"
    finally:
        await service.close()
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "snapshot"  # made again by the start before
        hit = service.matcher.search("our tram lore").best
        assert hit is not None and hit.key == "tram"
        _assert_same_answers(service.matcher, await _fresh(service), [None])
    finally:
        await service.close()


async def test_a_moderators_changes_are_answered_after_a_restart_from_the_snapshot(
    db_location: Path | str, loads: Loads
) -> None:
    service = await FactBase.open(db_location)
    try:
        admin = AdminService(service)
        await admin.edit_entry(
            A_SERVER, MODERATOR, "fact", "runtime", {"aliases": ["how long is the tram ride"]}
        )
        await admin.hide_entry(A_SERVER, MODERATOR, "fact", "director")
        lore = await admin.add_entry(
            A_SERVER,
            MODERATOR,
            "fact",
            {"title": "Tram lore", "answer": "We rode it.", "source_url": "https://example.org"},
        )
        await admin.edit_entry(
            A_SERVER, MODERATOR, "fact", lore.key, {"aliases": ["streetcar story"]}
        )
        _check_overlays(service.matcher, lore.key)  # at once, in memory
    finally:
        await service.close()
    for expected in ("rows", "snapshot"):  # the edits made it stale; that start made it again
        service = await FactBase.open(db_location)
        try:
            assert loads.last() == expected
            _check_overlays(service.matcher, lore.key)
            _assert_same_answers(service.matcher, await _fresh(service), [None, A_SERVER, 7])
        finally:
            await service.close()
    # Showing it again writes no entry (hidden entries are not in the snapshot: start-up reads
    # them apart). PostgreSQL counts the statement that would delete the server's own version
    # even when there is none (its trigger is per statement), so it reads the rows once more.
    service = await FactBase.open(db_location)
    try:
        await AdminService(service).unhide_entry(A_SERVER, MODERATOR, "fact", "director")
    finally:
        await service.close()
    service = await FactBase.open(db_location)
    try:
        if not isinstance(db_location, str):
            assert loads.last() == "snapshot"
        hit = service.matcher.search("who directed it", guild_id=A_SERVER).best
        assert hit is not None and hit.key == "director"
    finally:
        await service.close()


async def test_another_programs_write_to_an_entry_makes_the_snapshot_stale(
    db_location: Path | str, loads: Loads
) -> None:
    service = await FactBase.open(db_location)
    await service.close()
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "snapshot"
        before = await service.db.content_generation()
        await _sql(
            service.db,
            "UPDATE facts SET aliases = '[\"the streetcar question\"]' WHERE key = 'runtime'",
        )
        assert await service.db.content_generation() > before
    finally:
        await service.close()
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "rows"
        hit = service.matcher.search("the streetcar question").best
        assert hit is not None and hit.key == "runtime"
    finally:
        await service.close()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE match_snapshot SET data = substr(data, 1, length(data) / 2) WHERE name = 'forms'",
        "DELETE FROM match_snapshot WHERE name = 'key_positions'",
        "UPDATE match_snapshot SET data = X'00' WHERE name = 'header'",
        "UPDATE match_snapshot SET data = X'7b7d' WHERE name = 'header'",  # {}
        "flip",  # one byte changed, the length kept
    ],
)
async def test_a_damaged_snapshot_is_refused_and_start_up_reads_the_rows(
    db_location: Path | str,
    loads: Loads,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = await FactBase.open(db_location)
    await service.close()
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "snapshot"
        if damage == "flip":
            key = Matcher.snapshot_key(await service.db.get_meta("pack_hash"))
            stored = await service.db.match_snapshot(key)
            assert stored is not None
            data = bytearray(stored["titles"])
            data[len(data) // 2] ^= 0x01
            hexed = data.hex()
            damage = f"UPDATE match_snapshot SET data = X'{hexed}' WHERE name = 'titles'"
        if isinstance(db_location, str):  # PostgreSQL's words for the same
            damage = damage.replace("substr(", "substring(").replace("X'", "'\\x")
            damage = damage.replace("'\\x00'", "'\\x00'::bytea")
        await _sql(service.db, damage)
    finally:
        await service.close()
    caplog.set_level(logging.WARNING, logger="bot.domain.factbase")
    service = await FactBase.open(db_location)
    try:
        assert loads.last() == "rows"
        assert "snapshot of the index is unusable" in caplog.text
        assert "Traceback" not in caplog.text
        answer = await service.ask("who directed look back")
        assert answer.match is not None and answer.match.entry.key == "director"
        _assert_same_answers(service.matcher, await _fresh(service), [None])
    finally:
        await service.close()
    service = await FactBase.open(db_location)  # the start before stored a whole one again
    try:
        assert loads.last() == "snapshot"
    finally:
        await service.close()


async def test_a_postgresql_transaction_raises_the_generation_once(tmp_path: Path) -> None:
    from tests import pgserver

    service = await FactBase.open(pgserver.server().new_database())
    try:
        db: Any = service.db
        before = await db.content_generation()
        async with db.transaction() as conn:
            for key in ("a", "b", "c"):
                await db._run(
                    "UPDATE facts SET aliases = ? WHERE key = ?", (json.dumps([key]), key), conn
                )
            await db._run("DELETE FROM quotes WHERE key = 'none'", (), conn)
        assert await db.content_generation() == before + 1
        await db._run("UPDATE facts SET aliases = '[]' WHERE key = 'director'")
        assert await db.content_generation() == before + 2
        await db._run("UPDATE guild_settings SET language = NULL")  # not an entry table
        assert await db.content_generation() == before + 2
    finally:
        await service.close()


async def test_a_sqlite_write_to_each_entry_table_raises_the_generation(tmp_path: Path) -> None:
    path = tmp_path / "lookback.db"
    service = await FactBase.open(path)
    await service.close()
    conn = sqlite3.connect(path)
    try:

        def generation() -> int:
            return int(conn.execute("SELECT generation FROM content_generation").fetchone()[0])

        for table in ("facts", "quotes", "synopsis_sections", "awards_events"):
            before = generation()
            with conn:
                conn.execute(
                    f"UPDATE {table} SET tags = tags WHERE rowid = (SELECT MIN(rowid) FROM {table})"
                )
            assert generation() == before + 1, table
            with conn:
                conn.execute(f"DELETE FROM {table} WHERE key = 'nothing-has-this-key'")
            assert generation() == before + 1, table  # no row deleted
        before = generation()
        with conn:
            conn.execute("INSERT INTO meta (name, value) VALUES ('x', 'y')")
        assert generation() == before
    finally:
        conn.close()


def test_a_snapshot_round_trip_keeps_every_part_of_the_index() -> None:
    entries = [
        Entry(
            "fact",
            f"k{i}",
            f"Title {i} ÉTÉ",
            f"Answer {i} about trams and ルックバック.",
            "S",
            "https://e.org",
            aliases=(f"alias {i}",),
        )
        for i in range(50)
    ]
    entries.append(Entry("fact", "own", "Our own", "Ours.", "S", "https://e.org", guild_id=9))
    entries.append(
        Entry("quote", "q", "A quote", "hit or miss", "S", "https://e.org", speaker="Fujino")
    )
    built = Matcher()
    built.rebuild(entries, [(9, "fact", "k3")])
    parts = dict(built.snapshot())
    loaded = Matcher()
    loaded.load_snapshot(dict(parts), [(9, "fact", "k3")])
    for name in vars(built):
        assert getattr(loaded, name) == getattr(built, name), name
    # Missing, cut or extra parts: refused, and the index left empty.
    for broken in (
        {k: v for k, v in parts.items() if k != "keys"},
        {**parts, "keys": parts["keys"][:-3]},
        {**parts, "extra": b""},
        {},
    ):
        with pytest.raises(SnapshotError):
            loaded.load_snapshot(broken)
        assert len(loaded) == 0 and loaded.search("title 3").best is None


def test_strings_with_nul_are_not_put_in_a_snapshot() -> None:
    assert decode_strings(encode_strings(["a", "", "ü"]), 3) == ["a", "", "ü"]
    assert decode_strings(encode_strings([]), 0) == []
    with pytest.raises(SnapshotError):
        encode_strings(["a\x00b"])
    with pytest.raises(SnapshotError):
        decode_strings(encode_strings(["a", "b"]), 3)


async def test_an_unchanged_shipped_pack_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from bot.domain import factbase
    from bot.domain.pack import shipped_pack_path
    from bot.matching.named import gazetteer, use_named_things

    pack = tmp_path / "pack"
    shutil.copytree(shipped_pack_path(), pack)
    path = tmp_path / "lookback.db"
    service = await FactBase.open(path, pack)
    await service.close()
    parsed: list[Path] = []
    real_load_pack = factbase.load_pack

    def recording(where: Path | str, guild_id: int = 0) -> Any:
        parsed.append(Path(where))
        return real_load_pack(where, guild_id)

    monkeypatch.setattr(factbase, "load_pack", recording)
    use_named_things(())  # forgotten, as in a new process
    service = await FactBase.open(path, pack)
    try:
        assert parsed == []  # its files are as they were: only the works were read
        assert gazetteer().find("who directed chainsaw man").works  # the works are in use
        answer = await service.ask("who directed look back")
        assert answer.match is not None and answer.match.entry.key == "director"
    finally:
        await service.close()
    facts = pack / "facts.json"
    facts.write_text(
        facts.read_text("utf-8").replace("directed *Look Back*", "directed the film *Look Back*"),
        "utf-8",
    )
    service = await FactBase.open(path, pack)
    try:
        assert len(parsed) == 1  # a file changed: parsed, and the changed entry loaded
        answer = await service.ask("who directed look back")
        assert answer.match is not None and "directed the film" in answer.match.entry.text
    finally:
        await service.close()
    service = await FactBase.open(path, pack)
    try:
        assert len(parsed) == 1
    finally:
        await service.close()


async def test_lookback_bot_import_stores_the_snapshot_for_the_next_start(
    tmp_path: Path, loads: Loads
) -> None:
    from bot.cli import main

    path = tmp_path / "lookback.db"
    service = await FactBase.open(path)
    await service.close()
    pack = write_pack(
        tmp_path / "tram.json",
        facts=[fact("tram", "Tram museum", "Kyoto's tram museum.", aliases=["our tram lore"])],
    )
    code = await asyncio.to_thread(main, ["--database", str(path), "import", str(pack)])
    assert code == 0
    loads.seen.clear()
    service = await FactBase.open(path)
    try:
        assert loads.seen == ["snapshot"]  # the import read the index again and stored it
        hit = service.matcher.search("our tram lore").best
        assert hit is not None and hit.key == "tram"
        _assert_same_answers(service.matcher, await _fresh(service), [None])
    finally:
        await service.close()


def test_the_analysis_version_is_the_same_in_every_process() -> None:
    """The stored index is read only when its analysis version matches this process's: a
    version that differs from one process to the next (say, a function's address in the hashed
    word tables) would make every start analyse every entry again."""
    code = "from bot.matching.stored import ANALYSIS_VERSION; print(ANALYSIS_VERSION)"
    versions = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert versions == {ANALYSIS_VERSION}
