"""`lookback-bot copy-database`: SQLite → PostgreSQL and back, everything kept and checked."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

from bot.cli import main
from bot.domain.factbase import FactBase
from bot.domain.models import DailySettings, Entry, GuildSettings
from bot.domain.reminders import plan_guild
from bot.moderation.service import AdminService
from bot.storage import open_storage
from bot.storage.copy import TABLES, table_digest
from bot.storage.interface import EventLink
from tests import pgserver

GUILD = 1_000_000_000_000_001
MOD = 42
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def _fill(location: Path | str) -> None:
    """Every kind of row: content, an overlay, a hidden entry, settings, audit, reminders in
    several states, a subscription, event links, calendar versions and the match index."""
    fb = await FactBase.open(location)
    try:
        admin = AdminService(fb)
        await admin.add_entry(
            GUILD,
            MOD,
            "fact",
            {"title": "Tram lore", "answer": "We rode it.", "source_url": "https://e.org"},
        )
        await admin.edit_entry(GUILD, MOD, "fact", "runtime", {"aliases": ["tram ride length"]})
        await admin.hide_entry(GUILD, MOD, "fact", "director")
        await admin.update_reminders(GUILD, MOD, reminder_channel_id=10, lead_times=(3600, 0))
        db = fb.db
        gala = Entry(
            "awards",
            "gala",
            "Gala",
            "",
            "S",
            "https://e.org",
            guild_id=GUILD,
            starts_at=NOW + dt.timedelta(days=3),
        )
        settings = GuildSettings(GUILD, reminder_channel_id=10, lead_times=(3600, 0))
        plan = plan_guild(GUILD, [gala], settings, [], NOW)
        await db.reminders.apply_plan(GUILD, plan, NOW)
        await db.reminders.subscribe(GUILD, 99, "", NOW)
        later = NOW + dt.timedelta(days=5)
        [(claimed, _), *_] = await db.reminders.claim_due(later, "a", 30, limit=1)
        await db.reminders.mark_sent(claimed.id, "a", 555, later)
        await db.set_event_sync(GUILD, True, NOW)
        await db.save_event_link(EventLink(GUILD, "gala", 777, NOW), NOW)
        await db.calendar_sequences(GUILD, [("gala", NOW, False)])
        await db.daily.save_settings(DailySettings(GUILD, True, 5, "09:00", "UTC", "facts"), NOW)
        game = await db.trivia.start_game(GUILD, 5, MOD, 3, False, "en", NOW)
        assert game is not None
        await db.trivia.record_answer(game, 1, GUILD, 99, "q1", 2, True, 10, NOW)
    finally:
        await fb.close()


async def _digests(location: Path | str) -> dict[str, tuple[int, str]]:
    db = await open_storage(location)
    try:
        return {t: await table_digest(db, t) for t in TABLES}  # type: ignore[arg-type]
    finally:
        await db.close()


async def _copy(*args: str) -> tuple[int, str]:
    """The command as an operator runs it (in a thread: it runs its own event loop)."""
    out = io.StringIO()
    code = await asyncio.to_thread(main, ["copy-database", *args], None, out)
    return code, out.getvalue()


async def test_sqlite_to_postgresql_and_back_keeps_everything(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    await _fill(source)
    url = pgserver.server().new_database()

    code, text = await _copy("--from", str(source), "--to", url)
    assert code == 0, text
    assert "Every table checked" in text and "DIFFERENT" not in text
    before = await _digests(source)
    assert before["reminders"][0] == 2 and before["audit_log"][0] == 4
    assert before["trivia_answers"][0] == 1 and before["daily_settings"][0] == 1
    assert await _digests(url) == before

    # The copy is a working database: the overlay answers, the history and reminders are kept,
    # and new rows get new ids after the copied ones.
    fb = await FactBase.open(url)
    try:
        hit = fb.matcher.search("tram ride length", guild_id=GUILD).best
        assert hit is not None and (hit.key, hit.guild_id) == ("runtime", GUILD)
        assert fb.matcher.search("who directed it", guild_id=GUILD).best is None or (
            fb.matcher.search("who directed it", guild_id=GUILD).best.key != "director"  # type: ignore[union-attr]
        )
        history = await fb.db.audit_history(GUILD, limit=10)
        assert len(history) == 4
        sent = await fb.db.reminders.for_guild(GUILD, ["sent"])
        assert [r.message_id for r in sent] == [555]
        await AdminService(fb).edit_entry(GUILD, MOD, "fact", "runtime", {"aliases": ["again"]})
        assert (await fb.db.audit_history(GUILD, limit=1))[0].id > max(r.id for r in history)
    finally:
        await fb.close()

    back = tmp_path / "back.db"
    code, text = await _copy("--from", url, "--to", str(back))
    assert code == 0, text
    assert await _digests(back) == await _digests(url)


async def test_a_target_with_rows_is_refused_unless_forced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "bot.db"
    await _fill(source)
    url = pgserver.server().new_database()
    filled = await FactBase.open(url)  # the shipped pack: the target holds rows
    await filled.close()
    before = await _digests(url)

    code, text = await _copy("--from", str(source), "--to", url)
    assert code == 2
    assert "not empty" in capsys.readouterr().err
    assert await _digests(url) == before  # nothing written

    code, text = await _copy("--from", str(source), "--to", url, "--force")
    assert code == 0, text
    assert await _digests(url) == await _digests(source)


async def test_a_missing_source_or_the_same_place_twice_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _ = await _copy("--from", str(tmp_path / "none.db"), "--to", str(tmp_path / "x.db"))
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
    code, _ = await _copy("--from", str(tmp_path / "a.db"), "--to", str(tmp_path / "a.db"))
    assert code == 2
    assert "the same" in capsys.readouterr().err
