"""Property-based tests (hypothesis) of every text option through simcord's real command tree.

Arbitrary Unicode, empty and huge values (with @everyone, mentions, markdown and bidi controls
mixed in) go into /ask, /fact, /quote search and speaker, /awards query, their autocompletes,
and the /admin options that take text (reminders leads; event add name, date, time zone and
source; the fact form; entry and time-zone autocompletes). For every call:

- Discord itself refuses what breaks an option's declared length (simcord raises OptionError
  and nothing reaches the bot), or the bot answers — with a message or a form;
- every error the bot raised is an expected one (a short reason), never a bug, and no
  autocomplete failure was swallowed into the log;
- nothing shown can ping: no raw @everyone/@here or mention survives, and every request's
  `allowed_mentions` pings nobody (checked after each test, with the embed limits).

Examples are bounded (max_examples 20–30, no deadline); virtual time moves on between calls so the
per-member cooldown (5 per 20 s) never triggers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from discord import app_commands
from hypothesis import HealthCheck, Phase, event, example, given, reject, settings
from hypothesis import strategies as st
from simcord import Env, InteractionResult, MemberActor, OptionError, SetupError

from bot import constants as c
from bot.errors import UserFacingError
from tests.cogs.helpers import seen

World = tuple[Any, Any, MemberActor, MemberActor]

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # No shrinking: one simcord world holds every example, so shrinking is slow; the failing
    # example is reported as drawn.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
GAP = c.PUBLIC_COOLDOWN_PER / c.PUBLIC_COOLDOWN_RATE + 0.1
HOSTILE = [
    "@everyone",
    "@here",
    "<@1>",
    "<@&2>",
    "<#3>",
    "**bold**",
    "`code`",
    "||spoiler||",
    "[link](https://evil.example)",
    "\u202e",
    "\u200b",
    "\x00",
    "\n",
    "監督",
    "😀",
    "a\u0301\u0302\u0303",
    "fact:runtime",
    "7d 1d 1h 0",
    "2027-03-14 00:00",
    "Asia/Tokyo",
    "TBA",
    "https://example.org",
]
#: Text as Discord could deliver it: any valid Unicode, hostile fragments mixed in.
TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(st.text(max_size=8) | st.sampled_from(HOSTILE), max_size=8).map("".join),
    st.sampled_from(["", " ", "x" * 100, "x" * 101, "y" * 300, "z" * 301, "界" * 64]),
)
#: Text for a required option or form field (Discord refuses an empty one).
FILLED = st.one_of(
    st.text(min_size=1, max_size=30),
    st.lists(st.text(max_size=8) | st.sampled_from(HOSTILE), min_size=1, max_size=8).map(
        lambda parts: "".join(parts) or "x"
    ),
)
URL_OK = "https://example.org/x"
URL = st.sampled_from([URL_OK, "https://example.org/@everyone?<@1>"])
PUBLIC_OPTIONS = [
    ("ask", "question"),
    ("fact", "query"),
    ("quote", "search"),
    ("quote", "speaker"),
    ("awards query", "question"),
]
PING = re.compile(r"@everyone|@here|<@[!&]?\d+>")
#: A masked link's target: shown as a link, never as text (and embeds never ping).
LINK_TARGET = re.compile(r"\]\(https?://[^)\s]*\)")


pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


def check_answered(env: Env, cursor: int, result: InteractionResult, what: str) -> None:
    """Answered; only expected errors; nothing that pings."""
    assert result.acknowledged, f"{what}: no answer"
    assert result.response is not None or result.modal is not None, f"{what}: nothing shown"
    unexpected = [
        e
        for e in env.errors_since(cursor)
        if not isinstance(
            getattr(e, "original", e), UserFacingError | app_commands.CommandOnCooldown
        )
    ]
    assert unexpected == [], f"{what}: {unexpected!r}"
    shown = LINK_TARGET.sub("](…)", seen(result))
    assert not PING.search(shown), f"{what}: {PING.search(shown)!r} in {shown[:300]!r}"
    if result.ephemeral and result.response is not None and not result.response.embeds:
        assert 0 < len(result.response.content) < 2000, what


async def slash_safely(
    env: Env, member: MemberActor, channel: Any, command: str, **options: Any
) -> InteractionResult | None:
    """Run a command; None when Discord refused the options (nothing reached the bot)."""
    cursor = env.error_cursor
    before = len(env.http_requests)
    what = f"/{command} {options!r}"[:200]
    try:
        result = await member.slash(channel, command, **options)
    except OptionError:
        assert len(env.http_requests) == before, f"{what}: refused, yet the bot was called"
        event(f"/{command}: refused by Discord")
        return None
    finally:
        await env.advance_time(GAP)
    check_answered(env, cursor, result, what)
    event(f"/{command}: {'reason' if env.errors_since(cursor) else 'answered'}")
    return result


async def complete_safely(
    member: MemberActor,
    channel: Any,
    command: str,
    option: str,
    typed: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Autocomplete offers at most 25 choices within Discord's limits, and never fails."""
    caplog.clear()
    try:
        choices = await member.autocomplete(channel, command, option, typed)
    except OptionError:
        return
    assert len(choices) <= c.AUTOCOMPLETE_MAX_CHOICES
    for choice in choices:
        assert 1 <= len(choice["name"]) <= c.CHOICE_NAME_MAX
        assert len(str(choice["value"])) <= c.CHOICE_VALUE_MAX
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], f"/{command} {option}={typed!r}: {failures[0].getMessage()}"


@SETTINGS
@given(option=st.sampled_from(PUBLIC_OPTIONS), text=TEXT)
async def test_public_text_options_take_anything(
    world: World, simcord_env: Env, option: tuple[str, str], text: str
) -> None:
    _, channel, fan, _ = world
    command, name = option
    await slash_safely(simcord_env, fan, channel, command, **{name: text})
    assert isinstance(simcord_env.errors, list)  # acknowledged: expected ones only (above)


@SETTINGS
@given(search=TEXT, speaker=TEXT)
async def test_quote_search_and_speaker_together(
    world: World, simcord_env: Env, search: str, speaker: str
) -> None:
    _, channel, fan, _ = world
    await slash_safely(simcord_env, fan, channel, "quote", search=search, speaker=speaker)
    assert isinstance(simcord_env.errors, list)


@settings(SETTINGS, max_examples=20)  # five autocompletes per example
@given(typed=TEXT)
async def test_every_autocomplete_takes_anything(
    world: World, simcord_env: Env, caplog: pytest.LogCaptureFixture, typed: str
) -> None:
    _, channel, fan, mod = world
    with caplog.at_level(logging.ERROR):
        await complete_safely(fan, channel, "fact", "query", typed, caplog)
        await complete_safely(fan, channel, "quote", "search", typed, caplog)
        await complete_safely(mod, channel, "admin fact edit", "entry", typed, caplog)
        await complete_safely(mod, channel, "admin undo", "entry", typed, caplog)
        await complete_safely(mod, channel, "admin event add", "timezone", typed, caplog)
    assert simcord_env.errors == []


@SETTINGS
@given(times=TEXT | st.sampled_from(["7d 1d 1h 0", "1h", "0", "2w 3d", "61d", "1d 1d"]))
async def test_reminder_lead_times_take_anything(
    world: World, simcord_env: Env, times: str
) -> None:
    _, channel, _, mod = world
    await slash_safely(simcord_env, mod, channel, "admin reminders leads", times=times)
    assert isinstance(simcord_env.errors, list)


DATES = st.sampled_from(
    ["2027-03-14 00:00", "2027-03-14", "TBA", "2027-03-14T09:00:00+09:00", "1999-01-01", "24:00"]
)


@SETTINGS
@given(
    name=st.sampled_from(["98th Academy Awards", "Club night @everyone <@1>"]) | FILLED,
    date=DATES | FILLED,
    zone=st.none() | st.sampled_from(["Asia/Tokyo", "UTC", "tokyo", "Mars/Base"]) | FILLED,
    source=URL | FILLED,
)
@example(name="98th Academy Awards", date="2027-03-14 00:00", zone="Asia/Tokyo", source=URL_OK)
async def test_event_add_takes_anything(
    world: World, simcord_env: Env, name: str, date: str, zone: str | None, source: str
) -> None:
    _, channel, _, mod = world
    options: dict[str, Any] = {"name": name, "date": date, "source_url": source}
    if zone is not None:
        options["timezone"] = zone
    preview = await slash_safely(simcord_env, mod, channel, "admin event add", **options)
    if preview is not None and preview.response is not None and preview.response.components:
        cursor = simcord_env.error_cursor
        saved = await mod.click(preview.response, label="Save")
        check_answered(simcord_env, cursor, saved, f"Save {options!r}")
        event("event saved")
    assert isinstance(simcord_env.errors, list)


@SETTINGS
@given(title=FILLED, answer=FILLED, aliases=TEXT, source=URL | FILLED)
async def test_the_fact_form_takes_anything(
    world: World, simcord_env: Env, title: str, answer: str, aliases: str, source: str
) -> None:
    _, channel, _, mod = world
    form = await slash_safely(simcord_env, mod, channel, "admin fact add")
    assert form is not None and form.modal is not None
    values = {"title": title, "answer": answer, "aliases": aliases, "source_url": source}
    cursor = simcord_env.error_cursor
    try:
        saved = await mod.submit_modal(form, values)
    except (OptionError, SetupError):
        # Discord refuses a form with an empty required field or one too long: nothing was
        # tested, so hypothesis discards the example (and fails if it must discard them all).
        reject()
    check_answered(simcord_env, cursor, saved, f"fact form {values!r}")
    event("form: " + ("reason" if simcord_env.errors_since(cursor) else "saved"))
    assert isinstance(simcord_env.errors, list)
