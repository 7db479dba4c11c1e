"""The fact base against a real temporary SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.domain.factbase import FactBase
from bot.domain.models import Entry
from bot.domain.pack import load_pack, shipped_pack_path
from bot.storage.sqlite.database import Database
from tests.conftest import fact, write_pack


async def test_new_database_is_wal_with_foreign_keys_and_all_migrations(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "x.db")
    try:
        assert await db.schema_version() >= 1
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "facts",
        "quotes",
        "synopsis_sections",
        "awards_events",
        "guild_settings",
        "audit_log",
        "guild_hidden",
        "schema_migrations",
    } <= tables


async def test_migrations_upgrade_an_existing_database_and_keep_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    # A database as the first release left it: only migration 1 applied, one server fact.
    db = await Database.open(path)
    await db.save_entry(Entry("fact", "ours", "Ours", "kept", "S", "https://e.org", guild_id=42))
    await db.close()
    # Turn it back into a first-release database: undo migrations 2 and 5.
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE reminders; DROP TABLE subscriptions;"
        " ALTER TABLE facts DROP COLUMN ja; ALTER TABLE quotes DROP COLUMN ja;"
        " ALTER TABLE synopsis_sections DROP COLUMN ja; ALTER TABLE awards_events DROP COLUMN ja;"
        " ALTER TABLE guild_settings DROP COLUMN language;"
        " DELETE FROM schema_migrations WHERE version > 1;"
    )
    conn.close()
    db = await Database.open(path)  # applies migration 2 on top, keeps the rows
    try:
        assert await db.schema_version() >= 2
        assert (await db.get_row("fact", "ours", 42)).text == "kept"  # type: ignore[union-attr]
        assert await db.reminders.count() == 0
        assert await db.migrate() == []  # nothing applied twice
    finally:
        await db.close()


async def test_shipped_pack_loads_once_and_reimports_idempotently(tmp_path: Path) -> None:
    path = tmp_path / "lb.db"
    fb = await FactBase.open(path)
    first = await fb.db.stats()
    assert first.facts == load_pack(shipped_pack_path()).count("fact")
    assert await fb.load_shipped_pack() is False  # unchanged pack: nothing to do
    await fb.close()
    fb = await FactBase.open(path)
    try:
        assert await fb.db.stats() == first
    finally:
        await fb.close()


async def test_pack_upgrade_replaces_shipped_rows_but_not_servers_or_imports(
    tmp_path: Path,
) -> None:
    v1 = write_pack(tmp_path / "v1.json", facts=[fact("a", "A", "one"), fact("b", "B", "two")])
    v2 = write_pack(tmp_path / "v2.json", facts=[fact("a", "A", "uno")])
    db = await Database.open(tmp_path / "u.db")
    fb = FactBase(db)
    try:
        await fb.load_shipped_pack(v1)
        await db.save_entry(
            Entry("fact", "b", "B", "server copy", "S", "https://e.org", guild_id=7)
        )
        await fb.load_shipped_pack(v2)
        assert (await db.get_row("fact", "a", 0)).text == "uno"  # type: ignore[union-attr]
        assert await db.get_row("fact", "b", 0) is None
        assert (await db.get_row("fact", "b", 7)).text == "server copy"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_server_versions_and_hidden_entries_stay_in_their_server(service: FactBase) -> None:
    db = service.db
    shipped = await db.get_entry("fact", "runtime", None)
    assert shipped is not None
    await db.save_entry(shipped.with_changes(guild_id=1, text="Server one's wording"))
    await db.set_hidden(2, "fact", "runtime", True)
    assert (await db.get_entry("fact", "runtime", 1)).text == "Server one's wording"  # type: ignore[union-attr]
    assert await db.get_entry("fact", "runtime", 2) is None
    assert (await db.get_entry("fact", "runtime", 3)).text == shipped.text  # type: ignore[union-attr]
    assert (await db.get_entry("fact", "runtime", None)).text == shipped.text  # type: ignore[union-attr]
    keys_2 = {e.key for e in await db.visible_entries("fact", 2)}
    assert "runtime" not in keys_2


async def test_rows_read_together_each_come_from_their_own_scope(service: FactBase) -> None:
    db = service.db
    shipped = await db.get_row("fact", "runtime", 0)
    quote = (await db.visible_entries("quote", None))[0]
    assert shipped is not None
    await db.save_entry(shipped.with_changes(guild_id=1, text="Server one's wording"))
    rows = await db.get_rows(
        [
            ("fact", "runtime", 1),
            ("fact", "runtime", 0),
            ("quote", quote.key, 0),
            ("fact", "runtime", 2),  # server 2 has no row of its own
            ("fact", "no-such-entry", 0),
            ("quote", "x' OR 1=1 --", 0),
            ("fact", "runtime", 1),  # asked twice, read once
        ]
    )
    assert set(rows) == {("fact", "runtime", 1), ("fact", "runtime", 0), ("quote", quote.key, 0)}
    assert rows[("fact", "runtime", 1)].text == "Server one's wording"
    assert rows[("fact", "runtime", 0)].text == shipped.text
    assert rows[("quote", quote.key, 0)] == quote
    assert await db.get_rows([]) == {}


async def test_text_is_stored_as_typed_never_as_sql(service: FactBase) -> None:
    nasty = "x'); DROP TABLE facts; -- @everyone <@&123>"
    await service.db.save_entry(
        Entry("fact", "nasty", nasty, nasty, nasty, "https://e.org", guild_id=5)
    )
    row = await service.db.get_row("fact", "nasty", 5)
    assert row is not None and row.text == nasty
    assert (await service.db.stats()).facts > 0
    assert await service.db.integrity_check() == "ok"


async def test_a_failed_transaction_changes_nothing(service: FactBase) -> None:
    before = await service.db.count_rows("fact", 9)
    with pytest.raises(RuntimeError):
        async with service.db.transaction() as conn:
            await service.db.save_entry(
                Entry("fact", "half", "Half", "x", "S", "https://e.org", guild_id=9), conn=conn
            )
            raise RuntimeError("boom")
    assert await service.db.count_rows("fact", 9) == before


async def test_japanese_fields_are_stored_and_read_back(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "ja.db")
    try:
        entry = Entry(
            "fact", "ours", "Ours", "kept", "S", "https://e.org", guild_id=42,
            title_ja="私たちの", text_ja="保存されます", source_name_ja="出典",
            source_url_ja="https://example.jp/",
        )  # fmt: skip
        await db.save_entry(entry)
        back = await db.get_row("fact", "ours", 42)
        assert back is not None
        assert back.ja_fields == entry.ja_fields
        assert back.in_language("ja").text == "保存されます"
        await db.save_entry(entry.with_changes(text_ja="", title_ja="", source_name_ja="",
                                               source_url_ja=""))  # fmt: skip
        cleared = await db.get_row("fact", "ours", 42)
        assert cleared is not None and cleared.ja_fields == {}
    finally:
        await db.close()
