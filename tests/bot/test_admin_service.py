"""The admin service against a real temporary SQLite file: permissions, scoping, audit and undo,
events and reminder settings, export and import (all or nothing)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

import pytest

from bot.domain.factbase import FactBase
from bot.domain.models import GuildSettings
from bot.errors import DatabaseUnavailable, NotFound, UserFacingError
from bot.moderation.parsing import (
    format_leads,
    parse_aliases,
    parse_leads,
    parse_when,
    zone_choices,
)
from bot.moderation.service import AdminService, _server_state
from bot.moderation.types import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ENTRIES,
    Actor,
    NotModerator,
    SettingsChange,
)
from bot.storage.sqlite.rows import entry_snapshot
from tests.conftest import fact, pack_bytes

A = 1_000_000_000_000_001  # two servers
B = 1_000_000_000_000_002
MOD = 42
OWNER = 7
FACT = {
    "title": "Server lore",
    "answer": "We watched it together in 2024.",
    "aliases": ["our lore"],
    "source_url": "https://example.org/lore",
    "spoiler": False,
}


@pytest.fixture
def rescheduled() -> list[int]:
    """Servers whose reminders were re-planned."""
    return []


@pytest.fixture
def admin(service: FactBase, rescheduled: list[int]) -> AdminService:
    """The admin service on the test fact base; rescheduling is recorded."""

    async def reschedule(guild_id: int) -> None:
        rescheduled.append(guild_id)

    return AdminService(service, owner_ids={OWNER}, reschedule=reschedule)


def found(service: FactBase, question: str, guild_id: int) -> str | None:
    """The key the matcher answers `question` with in one server (or None)."""
    result = service.matcher.search(question, guild_id=guild_id, kinds=["fact"])
    return result.best.key if result.best else None


# -- who may moderate --------------------------------------------------------------------------


async def test_moderators_are_manage_server_the_moderator_role_or_owners(
    admin: AdminService,
) -> None:
    helper_role = 555
    assert await admin.is_moderator(A, Actor(MOD, manage_guild=True))
    assert await admin.is_moderator(A, Actor(OWNER))
    assert not await admin.is_moderator(A, Actor(MOD, frozenset({helper_role})))
    await admin.set_moderator_role(A, Actor(MOD, manage_guild=True), helper_role)
    assert await admin.is_moderator(A, Actor(MOD, frozenset({helper_role})))
    assert not await admin.is_moderator(B, Actor(MOD, frozenset({helper_role})))  # A's role only
    assert not await admin.is_moderator(None, Actor(MOD, manage_guild=True))  # never in DMs
    with pytest.raises(NotModerator, match="Manage Server or this server's moderator role"):
        await admin.require_moderator(B, Actor(MOD, frozenset({helper_role})))


async def test_only_manage_server_chooses_the_moderator_role(admin: AdminService) -> None:
    await admin.set_moderator_role(A, Actor(MOD, manage_guild=True), 555)
    with pytest.raises(NotModerator, match="Only members with Manage Server"):
        await admin.set_moderator_role(A, Actor(MOD, frozenset({555})), 666)
    with pytest.raises(UserFacingError, match="@everyone"):
        await admin.set_moderator_role(A, Actor(MOD, manage_guild=True), A)
    assert (await admin.db.guild_settings(A)).moderator_role_id == 555


# -- entries -----------------------------------------------------------------------------------


async def test_an_added_fact_is_this_servers_only_and_audited(
    admin: AdminService, service: FactBase
) -> None:
    change = await admin.add_entry(A, MOD, "fact", FACT)
    assert change.action == "add" and change.key == "server-lore"
    stored = await service.db.get_row("fact", "server-lore", A)
    assert stored is not None and stored.aliases == ("our lore",)
    assert stored.source_name == "example.org"
    assert await service.db.get_entry("fact", "server-lore", B) is None
    assert found(service, "server lore", A) == "server-lore"
    assert found(service, "server lore", B) is None
    [record] = await admin.history(A)
    assert (record.action, record.actor_id, record.old) == ("add", MOD, None)
    assert record.new is not None and record.new["answer"] == FACT["answer"]
    assert await admin.history(B) == []


async def test_text_is_stored_as_typed(admin: AdminService, service: FactBase) -> None:
    typed = "@everyone <@&123> '); DROP TABLE facts; -- **bold**"
    await admin.add_entry(A, MOD, "fact", FACT | {"answer": typed})
    stored = await service.db.get_row("fact", "server-lore", A)
    assert stored is not None and stored.text == typed
    assert await service.db.count_rows("fact", 0) > 50  # the table is still there


async def test_an_edit_of_a_shipped_fact_is_this_servers_version(
    admin: AdminService, service: FactBase
) -> None:
    shipped = await service.db.get_row("fact", "runtime", 0)
    assert shipped is not None
    change = await admin.edit_entry(
        A, MOD, "fact", "runtime", {"answer": "Fifty-eight minutes (server note)."}
    )
    assert change.action == "edit" and entry_snapshot(change.before) == entry_snapshot(shipped)
    assert (await service.db.get_entry("fact", "runtime", A)).text.endswith("(server note).")  # type: ignore[union-attr]
    assert await service.db.get_entry("fact", "runtime", B) == shipped
    assert await service.db.get_row("fact", "runtime", 0) == shipped
    a_answer = await service.ask("how long is the movie", guild_id=A)
    b_answer = await service.ask("how long is the movie", guild_id=B)
    assert a_answer.match is not None and a_answer.match.entry.guild_id == A
    assert b_answer.match is not None and b_answer.match.entry.guild_id == 0
    [record] = await admin.history(A, "fact:runtime")
    assert record.old is not None and record.old["scope"] == "shipped"
    assert record.old["answer"] == shipped.text
    assert record.new is not None and record.new["answer"] == "Fifty-eight minutes (server note)."


async def test_an_unchanged_edit_writes_nothing(admin: AdminService) -> None:
    await admin.add_entry(A, MOD, "fact", FACT)
    change = await admin.edit_entry(A, MOD, "fact", "server-lore", {"title": FACT["title"]})
    assert not change.changed
    assert len(await admin.history(A)) == 1


async def test_invalid_fields_are_refused_with_reasons(admin: AdminService) -> None:
    with pytest.raises(UserFacingError) as caught:
        await admin.add_entry(A, MOD, "fact", FACT | {"source_url": "ftp://x", "title": " "})
    assert "Fact › Source URL: must be an http:// or https:// URL" in caught.value.message
    assert "Fact › title: is empty" in caught.value.message
    assert await admin.history(A) == []


async def test_remove_hide_unhide(admin: AdminService, service: FactBase) -> None:
    await admin.add_entry(A, MOD, "fact", FACT)
    with pytest.raises(UserFacingError, match="shipped content"):
        await admin.remove_entry(A, MOD, "fact", "runtime")
    with pytest.raises(NotFound):
        await admin.remove_entry(B, MOD, "fact", "server-lore")  # another server's entry
    await admin.remove_entry(A, MOD, "fact", "server-lore")
    assert await service.db.get_row("fact", "server-lore", A) is None
    assert found(service, "server lore", A) is None

    await admin.hide_entry(A, MOD, "fact", "runtime")
    assert await service.db.get_entry("fact", "runtime", A) is None
    assert await service.db.get_entry("fact", "runtime", B) is not None
    # Hidden here: never this entry (another fact on how the runtime was chosen may answer).
    assert found(service, "runtime", A) != "runtime"
    assert found(service, "runtime", B) == "runtime"
    with pytest.raises(UserFacingError, match="already hidden"):
        await admin.hide_entry(A, MOD, "fact", "runtime")
    await admin.unhide_entry(A, MOD, "fact", "runtime")
    assert found(service, "runtime", A) == "runtime"


async def test_removing_this_servers_version_brings_back_the_shipped_one(
    admin: AdminService, service: FactBase
) -> None:
    await admin.edit_entry(A, MOD, "fact", "runtime", {"answer": "Ours."})
    change = await admin.remove_entry(A, MOD, "fact", "runtime")
    assert change.after is not None and change.after.is_shipped
    assert await service.db.get_row("fact", "runtime", A) is None
    assert await service.db.get_entry("fact", "runtime", A) == await service.db.get_row(
        "fact", "runtime", 0
    )


async def test_undo_restores_the_state_before_the_last_change(
    admin: AdminService, service: FactBase
) -> None:
    actor = Actor(MOD, manage_guild=True)
    shipped = await service.db.get_row("fact", "runtime", 0)
    await admin.edit_entry(A, MOD, "fact", "runtime", {"answer": "First."})
    await admin.edit_entry(A, MOD, "fact", "runtime", {"answer": "Second."})
    await admin.undo(A, actor, "fact:runtime")
    assert (await service.db.get_entry("fact", "runtime", A)).text == "First."  # type: ignore[union-attr]
    await admin.undo(A, actor, "fact:runtime")  # undoes the undo
    assert (await service.db.get_entry("fact", "runtime", A)).text == "Second."  # type: ignore[union-attr]

    await admin.hide_entry(A, MOD, "fact", "runtime")
    await admin.undo(A, actor, "fact:runtime")
    assert (await service.db.get_entry("fact", "runtime", A)).text == "Second."  # type: ignore[union-attr]

    await admin.add_entry(A, MOD, "fact", FACT)
    await admin.undo(A, actor, "fact:server-lore")
    assert await service.db.get_row("fact", "server-lore", A) is None
    assert found(service, "server lore", A) is None
    actions = [r.action for r in await admin.history(A)]
    assert actions == ["undo", "add", "undo", "hide", "undo", "undo", "edit", "edit"]
    with pytest.raises(NotFound):
        await admin.undo(B, actor, "fact:runtime")  # B changed nothing
    assert await service.db.get_entry("fact", "runtime", B) == shipped


async def test_a_change_made_meanwhile_is_not_overwritten_blindly(admin: AdminService) -> None:
    await admin.add_entry(A, MOD, "fact", FACT)
    draft = await admin.draft(A, "fact", "server-lore", {"answer": "Mine."})
    old = await admin._state("fact", "server-lore", A)
    await admin.edit_entry(A, MOD, "fact", "server-lore", {"answer": "Theirs."})
    new = _server_state(draft.after)
    with pytest.raises(UserFacingError, match="Someone changed that entry"):
        await admin._commit(A, MOD, "edit", "fact", "server-lore", old, new)


async def test_choices_are_scoped_to_the_server(admin: AdminService) -> None:
    await admin.add_entry(B, MOD, "fact", FACT | {"title": "B secret"})
    # (a one-letter word also begins shipped titles such as a review's "B+": ask for both words)
    assert [k for _, k in await admin.entry_choices(A, "fact", "b secret", "visible")
            if k.endswith("b-secret")] == []  # fmt: skip
    assert await admin.entry_choices(A, "fact", "", "own") == []
    assert await admin.change_choices(A, "") == []
    labels = [label for label, _ in await admin.entry_choices(B, "fact", "b secret", "own")]
    assert labels == ["B secret · b-secret · this server"]
    long = await admin.entry_choices(A, "fact", "", "visible")
    assert 0 < len(long) <= 25 and all(len(label) <= 100 for label, _ in long)
    assert all(key for _, key in await admin.entry_choices(A, "fact", "runtime", "shipped"))


# -- awards events and reminders -----------------------------------------------------------------


def test_dates_are_read_in_clear_forms() -> None:
    tokyo = parse_when("2027-03-14 00:00", "Asia/Tokyo")
    assert tokyo.starts_at == dt.datetime(2027, 3, 13, 15, tzinfo=dt.UTC)
    assert parse_when("2027-03-14 00:00 Asia/Tokyo").starts_at == tokyo.starts_at
    assert parse_when("2027-03-14T00:00:00+09:00").starts_at == tokyo.starts_at
    assert parse_when("2027-03-14T00:00Z").starts_at == dt.datetime(2027, 3, 14, tzinfo=dt.UTC)
    assert parse_when("2027-03-14 09:00", "+09:00").starts_at == dt.datetime(
        2027, 3, 14, tzinfo=dt.UTC
    )
    day = parse_when("2027-03-14")
    assert day.date_only and day.starts_at == dt.datetime(2027, 3, 14, 12, tzinfo=dt.UTC)
    assert parse_when("TBA").starts_at is None
    with pytest.raises(UserFacingError, match="Which time zone"):
        parse_when("2027-03-14 00:00")
    with pytest.raises(UserFacingError, match="don't know that time zone"):
        parse_when("2027-03-14 00:00", "Mars/Olympus")
    with pytest.raises(UserFacingError, match="couldn't read"):
        parse_when("next tuesday")
    assert "Asia/Tokyo" in zone_choices("tok")
    assert zone_choices("")[0] == "UTC"


def test_lead_times() -> None:
    assert parse_leads("7d 1d 1h 0") == (604_800, 86_400, 3_600, 0)
    assert parse_leads("1h, 2w 1d12h 30m") == (1_209_600, 129_600, 3_600, 1_800)
    assert format_leads((604_800, 86_400, 3_600, 0)) == "1w 1d 1h 0"
    for bad in ("", "7x", "soon", "61d", "1d 2d 3d 4d 5d 6d 7d 8d 9d"):
        with pytest.raises(UserFacingError):
            parse_leads(bad)


def test_aliases_one_per_line() -> None:
    assert parse_aliases("a\n b \n\nc, d; a") == ["a", "b", "c", "d"]
    assert parse_aliases("688,253") == ["688,253"]


async def test_events_are_drafted_then_saved_and_reschedule(
    admin: AdminService, service: FactBase, rescheduled: list[int]
) -> None:
    preview = await admin.draft_event(
        A,
        None,
        name="Fan screening",
        date="2027-03-14 19:00",
        zone="Asia/Tokyo",
        source_url="https://example.org/screening",
    )
    assert preview.draft.is_new and preview.when is not None
    assert await service.db.guild_rows(A, ["awards"]) == []  # a draft writes nothing
    change = await admin.save(A, MOD, preview.draft)
    assert change.after is not None
    assert change.after.starts_at == dt.datetime(2027, 3, 14, 10, tzinfo=dt.UTC)
    assert rescheduled == [A]
    moved = await admin.draft_event(A, change.key, date="2027-03-15 19:00", zone="Asia/Tokyo")
    await admin.save(A, MOD, moved.draft)
    assert rescheduled == [A, A]
    stored = await service.db.get_row("awards", change.key, A)
    assert stored is not None and stored.starts_at == dt.datetime(2027, 3, 15, 10, tzinfo=dt.UTC)
    with pytest.raises(UserFacingError, match="Nothing to change"):
        await admin.draft_event(A, change.key)


async def test_reminder_settings_are_audited_and_undone(
    admin: AdminService, rescheduled: list[int]
) -> None:
    change = await admin.update_reminders(A, MOD, reminder_channel_id=10, lead_times=(3600, 0))
    assert change.changed and rescheduled == [A]
    await admin.update_reminders(A, MOD, reminders_paused=True)
    with pytest.raises(UserFacingError, match="@everyone"):
        await admin.update_reminders(A, MOD, reminder_role_id=A)
    result = await admin.undo(A, Actor(MOD, manage_guild=True), "settings:reminders")
    assert isinstance(result, SettingsChange)
    settings = await admin.db.guild_settings(A)
    assert settings == GuildSettings(A, reminder_channel_id=10, lead_times=(3600, 0))
    assert (await admin.db.guild_settings(B)) == GuildSettings(B)
    [last, *_] = await admin.history(A)
    assert last.action == "undo" and last.old == {
        "reminder_channel_id": 10,
        "reminder_role_id": None,
        "lead_times": [3600, 0],
        "reminders_paused": True,
        "language": None,
    }


# -- export and import -----------------------------------------------------------------------


async def test_an_export_imports_into_another_server(admin: AdminService) -> None:
    await admin.add_entry(A, MOD, "fact", FACT)
    await admin.edit_entry(A, MOD, "fact", "runtime", {"answer": "Ours."})
    await admin.hide_entry(A, MOD, "fact", "director")
    await admin.update_reminders(A, MOD, reminder_channel_id=10, lead_times=(3600,))
    name, data, count = await admin.export_document(A, "Server A")
    assert name.endswith(".json") and count == 2
    doc = json.loads(data)
    assert [f["id"] for f in doc["facts"]] == ["runtime", "server-lore"]
    assert doc["server"]["hidden"] == [{"kind": "fact", "id": "director"}]

    plan = await admin.plan_import(B, data, name, channel_ids={20}, role_ids=set())
    assert plan.ok, plan.problems
    assert (len(plan.added), len(plan.changed), plan.unchanged) == (1, 1, 0)
    assert plan.hide == (("fact", "director"),)
    assert any("Kept the reminder channel" in str(n) for n in plan.notes)  # 10 is A's channel
    assert plan.reminder_settings is not None and plan.reminder_settings.lead_times == (3600,)
    result = await admin.apply_import(B, MOD, plan)
    assert (result.added, result.changed, result.hidden) == (1, 1, 1)
    assert result.settings_changed
    assert (await admin.db.get_entry("fact", "runtime", B)).text == "Ours."  # type: ignore[union-attr]
    assert await admin.db.get_entry("fact", "director", B) is None
    assert (await admin.db.guild_settings(B)).reminder_channel_id is None
    again = await admin.plan_import(B, data, name, channel_ids={20})
    assert (len(again.added), len(again.changed), again.unchanged) == (0, 0, 2)
    assert not again.has_changes


async def test_an_import_with_errors_changes_nothing_and_names_them(
    admin: AdminService, service: FactBase
) -> None:
    bad = pack_bytes(
        facts=[
            fact("good-one", "Good"),
            fact("BAD ID", "Bad id"),
            fact("no-url", "No URL") | {"source_url": "javascript:alert(1)"},
            fact("good-one", "Duplicate"),
        ],
        synopsis=[
            {
                "id": "my-premise",
                "section": "premise",
                "title": "P",
                "text": "T",
                "source_name": "S",
                "source_url": "https://example.org",
            }
        ],
    )
    plan = await admin.plan_import(A, bad, "bad.json")
    assert not plan.ok
    text = "\n".join(map(str, plan.problems))
    assert "BAD ID" in text and "source_url" in text and "used 2 times" in text
    assert "premise section has the id 'premise'" in text  # found with the other problems
    with pytest.raises(UserFacingError):
        await admin.apply_import(A, MOD, plan)
    assert await service.db.guild_rows(A) == [] and await admin.history(A) == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b"{not json", "not valid JSON", id="json"),
        pytest.param(b"\xff\xfe", "not UTF-8", id="utf8"),
        pytest.param(b"[]", "must hold a JSON object", id="array"),
        pytest.param(b" " * (MAX_IMPORT_BYTES + 1), "at most 1,000,000", id="size"),
        pytest.param(
            pack_bytes(facts=[fact(f"f-{i}", f"F {i}") for i in range(MAX_IMPORT_ENTRIES + 1)]),
            "at most 2,000",
            id="count",
        ),
        pytest.param(pack_bytes(server={"hidden": "all"}), "hidden: must be a list", id="server"),
    ],
)
async def test_unreadable_files_are_refused(admin: AdminService, data: bytes, problem: str) -> None:
    plan = await admin.plan_import(A, data, "x.json")
    assert not plan.ok
    assert any(problem in str(p) for p in plan.problems)


async def test_an_import_is_all_or_nothing(
    admin: AdminService, service: FactBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    await admin.add_entry(A, MOD, "fact", FACT)
    before_rows = await service.db.guild_rows(A)
    before_history = await admin.history(A)
    names = ("alpha", "bravo", "charlie", "delta", "echo")
    data = pack_bytes(
        facts=[fact(f"new-{n}", f"Imported fact {n}") for n in names]
        + [fact("server-lore", "Server lore", "Replaced.")]
    )
    plan = await admin.plan_import(A, data, "ok.json")
    assert plan.ok and len(plan.added) == 5 and len(plan.changed) == 1

    calls = 0
    real_save = service.db.save_entry

    async def failing_save(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise sqlite3.OperationalError("disk I/O error")
        await real_save(*args, **kwargs)

    monkeypatch.setattr(service.db, "save_entry", failing_save)
    with pytest.raises(DatabaseUnavailable, match="nothing was changed"):
        await admin.apply_import(A, MOD, plan)
    assert calls == 3
    assert await service.db.guild_rows(A) == before_rows
    assert await admin.history(A) == before_history
    assert found(service, "imported fact bravo", A) is None

    monkeypatch.setattr(service.db, "save_entry", real_save)
    result = await admin.apply_import(A, MOD, plan)
    assert (result.added, result.changed) == (5, 1)
    assert found(service, "imported fact bravo", A) == "new-bravo"
    assert found(service, "imported fact bravo", B) is None
    assert len(await admin.history(A)) == len(before_history) + 6
