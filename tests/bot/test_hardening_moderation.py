"""Moderators' imports obey the rules the commands obey; two moderators editing at once.

Against the real admin service on a temporary SQLite file: what the moderator is told, and
that nothing was changed when a change is refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.cards.moderation import edit_conflict_card, import_plan_card
from bot.domain.factbase import FactBase
from bot.errors import UserFacingError
from bot.moderation import rules
from bot.moderation.rules import ChannelFacts, RoleFacts
from bot.moderation.service import AdminService
from bot.moderation.types import EditConflict
from tests.conftest import fact, pack_bytes

GUILD = 1_000_000_000_000_001
MOD, OTHER_MOD = 42, 43
TEXT, VOICE, CATEGORY, MUTED = 20, 21, 22, 23
PINGABLE, SILENT = 30, 31
FACT = {
    "title": "Server lore",
    "answer": "We watched it together in 2024.",
    "aliases": ["our lore"],
    "source_url": "https://example.org/lore",
    "spoiler": False,
}

CHANNELS = {
    TEXT: ChannelFacts(TEXT, "text", mention_everyone=False),
    VOICE: ChannelFacts(VOICE, "voice"),
    CATEGORY: ChannelFacts(CATEGORY, "category"),
    MUTED: ChannelFacts(MUTED, "text", missing=("Send Messages",)),
}
ROLES = {
    GUILD: RoleFacts(GUILD),  # @everyone has the server's id
    PINGABLE: RoleFacts(PINGABLE, mentionable=True),
    SILENT: RoleFacts(SILENT, mentionable=False),
}


@pytest.fixture
def admin(service: FactBase) -> AdminService:
    return AdminService(service)


def server_block(**settings: Any) -> bytes:
    return pack_bytes(server={"settings": settings, "hidden": []})


async def plan(admin: AdminService, data: bytes) -> Any:
    return await admin.plan_import(
        GUILD,
        data,
        "club.json",
        channel_ids=set(CHANNELS),
        role_ids=set(ROLES),
        channel_facts=CHANNELS.get,
        role_facts=ROLES.get,
    )


# -- the reminder role and channel: one rule for /admin reminders and for imports ---------------


async def test_an_import_cannot_make_everyone_the_reminder_role(admin: AdminService) -> None:
    before = await admin.settings(GUILD)
    for facts in (True, False):  # with the cog's facts, and with the bare ids of old callers
        if facts:
            refused = await plan(admin, server_block(reminder_role_id=GUILD))
        else:
            refused = await admin.plan_import(
                GUILD, server_block(reminder_role_id=GUILD), "club.json", role_ids={GUILD}
            )
        assert not refused.ok
        assert any("@everyone can't be the reminder role" in str(p) for p in refused.problems)
    with pytest.raises(UserFacingError, match="@everyone can't be the reminder role"):
        await admin.update_reminders(GUILD, MOD, reminder_role_id=GUILD)
    assert await admin.settings(GUILD) == before


@pytest.mark.parametrize("channel", [VOICE, CATEGORY])
async def test_an_import_cannot_make_a_voice_or_category_channel_the_reminder_channel(
    admin: AdminService, channel: int
) -> None:
    before = await admin.settings(GUILD)
    refused = await plan(admin, server_block(reminder_channel_id=channel))
    assert not refused.ok
    assert any("reminders can only be posted in a text" in str(p) for p in refused.problems)
    with pytest.raises(UserFacingError, match="reminders can only be posted in a text"):
        await admin.update_reminders(
            GUILD, MOD, reminder_channel_id=channel, channel=CHANNELS[channel]
        )
    assert await admin.settings(GUILD) == before


async def test_a_role_that_cannot_be_pinged_and_a_channel_without_posting_are_in_the_preview(
    admin: AdminService,
) -> None:
    preview = await plan(admin, server_block(reminder_channel_id=MUTED, reminder_role_id=SILENT))
    assert preview.ok
    assert preview.reminder_settings is not None
    assert preview.reminder_settings.reminder_channel_id == MUTED
    assert any("missing Send Messages" in str(n) for n in preview.notes)
    assert any("not mentionable" in str(n) for n in preview.notes)
    change = await admin.update_reminders(
        GUILD, MOD, reminder_role_id=SILENT, role=ROLES[SILENT], channel=CHANNELS[TEXT]
    )
    assert any("not mentionable" in str(w) for w in change.warnings)


def test_the_rules_take_plain_facts() -> None:
    assert rules.reminder_role_check(GUILD, RoleFacts(GUILD)).refusal
    assert rules.reminder_role_check(GUILD, RoleFacts(PINGABLE)).refusal is None
    assert rules.reminder_channel_check(ChannelFacts(1, "news")).refusal is None
    assert rules.reminder_channel_check(ChannelFacts(1, "stage_voice")).refusal
    silent_but_allowed = ChannelFacts(1, "text", mention_everyone=True)
    assert rules.reminder_role_check(GUILD, RoleFacts(SILENT, False), silent_but_allowed) == (
        rules.RuleCheck()
    )


# -- one date rule ------------------------------------------------------------------------------


def event(key: str, starts_at: str) -> dict[str, Any]:
    return {
        "id": key,
        "name": f"Gala {key}",
        "starts_at": starts_at,
        "source_name": "S",
        "source_url": "https://example.org/gala",
    }


@pytest.mark.parametrize("starts_at", ["0001-01-01T12:00:00Z", "9999-12-31T12:00:00Z"])
async def test_imported_events_obey_the_date_rule_of_admin_event(
    admin: AdminService, service: FactBase, starts_at: str
) -> None:
    refused = await plan(admin, pack_bytes(awards=[event("far-gala", starts_at)]))
    assert not refused.ok
    assert any("use a year between 2000 and 2100" in str(p) for p in refused.problems)
    with pytest.raises(UserFacingError, match="use a year between 2000 and 2100"):
        await admin.draft_event(
            GUILD, None, name="Far gala", date=starts_at, source_url="https://example.org/g"
        )
    assert await service.db.guild_rows(GUILD, ["awards"]) == []
    ok = await plan(admin, pack_bytes(awards=[event("near-gala", "2027-03-14T12:00:00Z")]))
    assert ok.ok, ok.problems


# -- a per-server limit -------------------------------------------------------------------------


async def test_a_server_cannot_grow_without_bound(
    admin: AdminService, service: FactBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "MAX_SERVER_ENTRIES", 3)
    first = await plan(admin, pack_bytes(facts=[fact(f"club-{n}", f"Club {n}") for n in range(2)]))
    assert first.ok and first.usage_after[0] == 2
    shown = dict(import_plan_card(first, await admin.settings(GUILD)).fields)
    assert shown["This server afterwards"].startswith("2 of 3 own entries")
    await admin.apply_import(GUILD, MOD, first)
    await admin.add_entry(GUILD, MOD, "fact", FACT)  # the third: still allowed
    with pytest.raises(UserFacingError, match="at most 3"):
        await admin.add_entry(GUILD, MOD, "fact", FACT | {"title": "One too many"})
    again = await plan(admin, pack_bytes(facts=[fact("club-9", "Club 9")]))
    assert not again.ok
    assert any("would have 4 entries of its own; at most 3" in str(p) for p in again.problems)
    assert len(await service.db.guild_rows(GUILD)) == 3
    # Editing what is there (not growing) is still allowed at the limit.
    await admin.edit_entry(GUILD, MOD, "fact", "server-lore", {"answer": "Shorter."})


async def test_the_limit_counts_bytes_too(
    admin: AdminService, service: FactBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "MAX_SERVER_BYTES", 400)
    big = plan(admin, pack_bytes(facts=[fact("club-big", "Big", "x" * 500)]))
    refused = await big
    assert not refused.ok
    assert any("MB of text" in str(p) for p in refused.problems)
    assert await service.db.guild_rows(GUILD) == []


# -- hostile uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nests arrays or objects too deeply"),
        (b'{"format_version": ' + b"9" * 5000 + b"}", "has a number 5,000 digits long"),
        (b"\xef\xbb\xbf" + pack_bytes(facts=[fact("club-bom", "Bom")]), None),
    ],
)
async def test_nested_json_and_huge_numbers_get_a_clear_refusal(
    admin: AdminService, data: bytes, said: str | None
) -> None:
    result = await plan(admin, data)
    if said is None:
        assert result.ok, result.problems
        return
    assert not result.ok
    assert len(result.problems) == 1
    assert str(result.problems[0]).startswith(f"club.json: {said}")
    assert len(str(result.problems[0])) < 200


# -- two moderators at once ---------------------------------------------------------------------


async def test_the_later_of_two_edits_is_refused_with_what_changed(
    admin: AdminService, service: FactBase
) -> None:
    await admin.add_entry(GUILD, MOD, "fact", FACT)
    seen = await admin.visible("fact", "server-lore", GUILD)  # both open the form
    await admin.edit_entry(
        GUILD, OTHER_MOD, "fact", "server-lore", {"answer": "Theirs."}, seen=seen
    )
    with pytest.raises(EditConflict) as caught:
        await admin.edit_entry(GUILD, MOD, "fact", "server-lore", {"answer": "Mine."}, seen=seen)
    conflict = caught.value
    assert "Someone else changed the answer" in conflict.message
    assert "saved nothing" in conflict.message
    assert conflict.fields == ("answer",)
    assert conflict.current is not None and conflict.current.text == "Theirs."
    assert (await admin.visible("fact", "server-lore", GUILD)).text == "Theirs."
    card = edit_conflict_card(conflict)  # what the cog shows the second moderator
    assert "nothing was saved" in card.description
    assert "We watched it together in 2024. → Theirs." in card.description
    # Confirmed knowingly: the moderator's version replaces theirs.
    change = await admin.save(GUILD, MOD, conflict.confirmed)
    assert change.after is not None and change.after.text == "Mine."


async def test_an_event_preview_saved_after_someone_else_moved_it_is_refused(
    admin: AdminService,
) -> None:
    added = await admin.draft_event(
        GUILD, None, name="Screening", date="2027-03-14", source_url="https://example.org/s"
    )
    key = (await admin.save(GUILD, MOD, added.draft)).key
    mine = await admin.draft_event(GUILD, key, name="Screening (sold out)")
    theirs = await admin.draft_event(GUILD, key, date="2027-03-20")
    await admin.save(GUILD, OTHER_MOD, theirs.draft)
    with pytest.raises(EditConflict, match="changed the date"):
        await admin.save(GUILD, MOD, mine.draft)
    now = await admin.visible("awards", key, GUILD)
    assert now.title == "Screening" and now.starts_at is not None and now.starts_at.day == 20
