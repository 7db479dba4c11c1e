"""A server's own trivia questions below Discord, on SQLite and PostgreSQL: the tables, the
questions a game may ask, the moderator service (validation, limits, undo) and export/import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.factbase import FactBase
from bot.domain.models import TriviaQuestion
from bot.domain.trivia import TriviaService
from bot.errors import UserFacingError
from bot.i18n import EN
from bot.moderation import trivia as trivia_moderation
from bot.moderation.service import AdminService
from bot.moderation.trivia import form_fields
from bot.moderation.types import Actor
from bot.storage import open_storage
from bot.storage.copy import TABLES

GUILD, OTHER, MOD = 111, 222, 7


def question(key: str, text: str = "", **changes: object) -> TriviaQuestion:
    values: dict[str, object] = {
        "key": key,
        "question": text or f"Question {key}?",
        "answer": f"Right {key}",
        "wrong": (f"Wrong {key} a", f"Wrong {key} b", f"Wrong {key} c"),
        "source_name": "Example",
        "source_url": f"https://example.org/{key}",
    }
    values.update(changes)
    return TriviaQuestion(**values)  # type: ignore[arg-type]


SHIPPED = [question("shipped-a"), question("shipped-b", spoiler=True)]


def fields(text: str = "Where did the club first meet?", **changes: object) -> dict[str, object]:
    typed = {
        "question": text,
        "answer": "Café Kyomoto",
        "wrong": "Café Fujino\nThe library\nThe station",
        "source": "https://example.org/club\nClub history",
        "spoiler": False,
    } | changes
    return form_fields(**typed)  # type: ignore[arg-type]


@pytest.fixture
def admin(any_service: FactBase) -> AdminService:
    """The moderator service on each backend, with two shipped questions."""
    return AdminService(any_service, trivia=TriviaService(any_service.db, lambda: SHIPPED))


async def test_the_tables_keep_each_servers_questions_apart(db_location: Path | str) -> None:
    db = await open_storage(db_location)
    try:
        store = db.trivia
        own = question("club-q", question_ja="質問？", answer_ja="答え", wrong_ja=("a", "b", "c"))
        await store.save_question(GUILD, own, MOD)
        await store.save_question(OTHER, question("their-q"))
        assert await store.guild_questions(GUILD) == [own]
        assert await store.guild_question(GUILD, "their-q") is None
        assert await store.count_questions(OTHER) == 1
        edited = question("club-q", "Edited?", spoiler=True)
        await store.save_question(GUILD, edited, MOD)
        assert await store.guild_questions(GUILD) == [edited]
        await store.set_question_hidden(GUILD, "shipped-a", True, MOD)
        await store.set_question_hidden(GUILD, "shipped-a", True, MOD)  # once
        assert await store.hidden_questions(GUILD) == ["shipped-a"]
        assert await store.hidden_questions(OTHER) == []
        await store.set_question_hidden(GUILD, "shipped-a", False)
        assert await store.hidden_questions(GUILD) == []
        assert await store.delete_question(GUILD, "club-q")
        assert not await store.delete_question(GUILD, "club-q")
        assert await store.guild_questions(GUILD) == []
    finally:
        await db.close()
    assert {"trivia_questions", "trivia_hidden"} <= set(TABLES)


async def test_a_game_asks_the_shipped_questions_not_hidden_and_the_servers_own(
    admin: AdminService,
) -> None:
    service = admin.trivia.service
    added = await admin.trivia.add(GUILD, MOD, fields())
    await admin.trivia.hide(GUILD, MOD, "shipped-a")
    pool = await service.pool(GUILD)
    assert [q.key for q in pool] == ["shipped-b", added.key]
    assert [q.key for q in await service.pool(OTHER)] == ["shipped-a", "shipped-b"]
    game = await service.start(GUILD, 5, MOD, 20, False, "en")  # spoilers left out
    assert sorted(q.key for q in game.questions) == [added.key]
    # One of its own with a shipped id replaces that question in this server only.
    await service.db.trivia.save_question(GUILD, question("shipped-b", "Ours instead?"))
    assert (await service.pool(GUILD))[0].question == "Ours instead?"
    assert (await service.pool(OTHER))[1].question == "Question shipped-b?"


async def test_the_form_is_validated_like_the_pack(admin: AdminService) -> None:
    bad = [
        fields(wrong="Café Kyomoto\nThe library\nThe station"),
        fields(wrong="One\nTwo"),
        fields(source="http://example.org"),
        fields(answer="x" * 81),
        fields("Ping <@&123> please?"),
    ]
    for typed in bad:
        with pytest.raises(UserFacingError):
            await admin.trivia.add(GUILD, MOD, typed)
    assert await admin.trivia.own(GUILD) == []
    added = await admin.trivia.add(GUILD, MOD, fields(source="https://example.org/x"))
    assert added.after is not None and added.after.source_name == "example.org"


async def test_edit_remove_undo_and_the_history(admin: AdminService) -> None:
    added = await admin.trivia.add(GUILD, MOD, fields())
    assert added.after is not None
    seen = added.after
    edited = await admin.trivia.edit(GUILD, MOD, added.key, fields(answer="Café K"), seen)
    assert edited.after is not None and edited.after.answer == "Café K"
    with pytest.raises(UserFacingError):  # the form showed the old version
        await admin.trivia.edit(GUILD, MOD, added.key, fields(answer="Late"), seen)
    same = await admin.trivia.edit(GUILD, MOD, added.key, fields(answer="Café K"))
    assert not same.changed
    await admin.trivia.remove(GUILD, MOD, added.key)
    assert await admin.trivia.own(GUILD) == []
    with pytest.raises(UserFacingError):
        await admin.trivia.remove(OTHER, MOD, added.key)  # another server's: not there
    await admin.undo(GUILD, Actor(MOD, manage_guild=True), f"trivia:{added.key}")
    [back] = await admin.trivia.own(GUILD)
    assert back.answer == "Café K"
    actions = [r.action for r in await admin.history(GUILD)]
    assert actions == ["undo", "remove", "edit", "add"]


async def test_a_server_may_have_only_so_many_questions(
    admin: AdminService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trivia_moderation, "MAX_SERVER_TRIVIA", 1)
    await admin.trivia.add(GUILD, MOD, fields())
    with pytest.raises(UserFacingError) as refused:
        await admin.trivia.add(GUILD, MOD, fields("Another one?"))
    assert "the most it may have" in refused.value.render(EN)
    assert len(await admin.trivia.own(GUILD)) == 1


async def test_export_then_import_into_another_server(admin: AdminService) -> None:
    await admin.trivia.add(GUILD, MOD, fields())
    await admin.trivia.add(GUILD, MOD, fields("Who sat at the back?", answer="Our treasurer"))
    await admin.trivia.hide(GUILD, MOD, "shipped-a")
    _name, data, count = await admin.export_document(GUILD, "Club")
    doc = json.loads(data)
    assert count == 2 and len(doc["trivia"]) == 2
    assert doc["server"]["hidden_trivia"] == ["shipped-a"]

    plan = await admin.plan_import(OTHER, data, "club.json")
    assert plan.ok, plan.problems
    assert (len(plan.trivia.added), len(plan.trivia.hide)) == (2, 1)
    result = await admin.apply_import(OTHER, MOD, plan)
    assert (result.trivia_added, result.trivia_changed, result.trivia_hidden) == (2, 0, 1)
    assert await admin.trivia.own(OTHER) == await admin.trivia.own(GUILD)
    assert await admin.trivia.hidden(OTHER) == ["shipped-a"]
    again = await admin.plan_import(OTHER, data, "club.json")
    assert not again.has_changes and again.trivia.unchanged == 2

    doc["trivia"][0]["answer"] = "Changed"
    doc["server"]["hidden_trivia"] = ["no-such-question"]
    changed = await admin.plan_import(OTHER, json.dumps(doc).encode(), "club.json")
    assert len(changed.trivia.changed) == 1 and changed.trivia.hide == ()
    assert any("no such shipped question" in str(n) for n in changed.notes)
