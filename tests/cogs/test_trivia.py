"""Trivia on a virtual Discord with virtual time: a whole game, answers right, wrong, twice,
late and on a finished game, stop permissions, one game per channel, an idle game, the
leaderboard and stats, a restart mid-game, and spoiler questions left out by default."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.domain.models import TriviaQuestion
from bot.domain.trivia import REVEAL_SECONDS, ROUND_SECONDS
from tests.cogs.conftest import restart
from tests.cogs.helpers import seen
from tests.cogs.openapi_fixture import every_request_is_valid  # noqa: F401 - autouse

SHOW = bool(os.environ.get("SHOW_TRANSCRIPT"))


def question(n: int, *, spoiler: bool = False) -> TriviaQuestion:
    return TriviaQuestion(
        key=f"q-{n}",
        question=f"Test question {n}?",
        answer=f"Right {n}",
        wrong=(f"Wrong {n}a", f"Wrong {n}b", f"Wrong {n}c"),
        source_name=f"Source {n}",
        source_url=f"https://example.org/q{n}",
        spoiler=spoiler,
        question_ja=f"テスト問題 {n}？",
        answer_ja=f"正解 {n}",
        wrong_ja=(f"誤り {n}a", f"誤り {n}b", f"誤り {n}c"),
    )


QUESTIONS = [question(n) for n in range(6)] + [question(n, spoiler=True) for n in range(6, 9)]


@pytest.fixture
def trivia(simcord_env: Any) -> Any:
    service = simcord_env.bot.services.trivia
    service.questions = QUESTIONS
    service.rng = random.Random(7)
    return service


def bot_messages(channel: Any) -> list[discord.Message]:
    return sorted(
        (m for m in channel.history() if m.author.bot), key=lambda m: (m.created_at, m.id)
    )


def last_question(channel: Any) -> discord.Message:
    found = [
        m
        for m in bot_messages(channel)
        if m.embeds and (m.embeds[0].title or "").startswith("Trivia · question")
    ]
    return found[-1]


def the_question(message: discord.Message) -> int:
    """Which test question a message asks (its number)."""
    description = message.embeds[0].description or ""
    return int(description.split("Test question ", 1)[1].split("?", 1)[0])


async def answer(member: Any, message: discord.Message, right: bool) -> Any:
    n = the_question(message)
    return await member.click(message, label=f"Right {n}" if right else f"Wrong {n}a")


def transcript(channel: Any) -> str:
    lines = []
    for message in bot_messages(channel):
        if message.content:
            lines.append(f"[{message.created_at:%H:%M:%S}] {message.content}")
        for embed in message.embeds:
            lines.append(f"[{message.created_at:%H:%M:%S}] ## {embed.title}")
            if embed.description:
                lines.append("    " + embed.description.replace("\n", "\n    "))
            for name, value in ((f.name, f.value) for f in embed.fields):
                lines.append(f"    {name}: {value}")
        for row in message.components:
            labels = [getattr(c, "label", "") for c in getattr(row, "children", [])]
            if labels:
                lines.append("    buttons: " + " | ".join(labels))
    return "\n".join(lines)


async def test_a_whole_game(simcord_env, world, trivia, requests_follow_discords_rules) -> None:
    guild, channel, fan, mod = world
    alice = guild.add_member(simcord_env.create_user("alice"))
    started = await fan.slash(channel, "trivia start", rounds=3)
    assert not started.ephemeral
    assert "3 questions" in started.response.content
    await simcord_env.advance_time(0.1)
    log: list[str] = []

    q1 = last_question(channel)
    assert "<t:" in q1.embeds[0].description and ":R>" in q1.embeds[0].description
    first = await answer(alice, q1, right=True)
    assert first.ephemeral and "Locked in" in first.response.content
    await simcord_env.advance_time(5)
    wrong = await answer(fan, q1, right=False)
    assert wrong.ephemeral and "Locked in" in wrong.response.content
    await simcord_env.advance_time(1.5)
    twice = await answer(alice, q1, right=False)
    assert twice.ephemeral and "already answered" in twice.response.content
    log += [f"alice → {first.response.content}", f"fan → {wrong.response.content}",
            f"alice again → {twice.response.content}"]  # fmt: skip

    await simcord_env.advance_time(ROUND_SECONDS - 6.5 + 0.5)  # time is up: the answer shown
    reveal = bot_messages(channel)[-1]
    assert "The answer:" in reveal.embeds[0].description
    assert f"Right {the_question(q1)}" in reveal.embeds[0].description
    assert f"<@{alice.id}>" in reveal.embeds[0].description
    assert f"<@{fan.id}>" not in reveal.embeds[0].description
    assert any(f.value.endswith(f"(https://example.org/q{the_question(q1)})") or
               "example.org" in f.value for f in reveal.embeds[0].fields)  # fmt: skip
    late = await answer(fan, q1, right=True)
    assert late.ephemeral and "closed" in late.response.content
    log.append(f"fan, late → {late.response.content}")

    await simcord_env.advance_time(REVEAL_SECONDS)
    q2 = last_question(channel)
    assert q2.created_at > reveal.created_at
    assert q2.id != q1.id
    await simcord_env.advance_time(1.5)
    await answer(fan, q2, right=True)
    await simcord_env.advance_time(2)
    await answer(alice, q2, right=False)
    await simcord_env.advance_time(ROUND_SECONDS + REVEAL_SECONDS)
    q3 = last_question(channel)
    await answer(fan, q3, right=True)
    await simcord_env.advance_time(ROUND_SECONDS)

    summary = bot_messages(channel)[-1]
    assert summary.embeds[0].title == "Trivia · game over"
    text = summary.embeds[0].description
    assert "That was the last question." in text
    assert text.index(f"<@{fan.id}>") < text.index(f"<@{alice.id}>")  # fan has more points
    over = await answer(alice, q3, right=True)
    assert over.ephemeral and "game is over" in over.response.content
    log.append(f"alice, after the game → {over.response.content}")

    board = await fan.slash(channel, "trivia leaderboard")
    assert f"1. <@{fan.id}>" in seen(board) and f"2. <@{alice.id}>" in seen(board)
    month = await fan.slash(channel, "trivia leaderboard", period="month")
    assert f"<@{fan.id}>" in seen(month)
    stats = await fan.slash(channel, "trivia stats", member=alice)
    assert "1/2 (50%)" in seen(stats) and "15" in seen(stats)
    mine = await alice.slash(channel, "trivia stats")
    assert "#2" in seen(mine)
    # Nothing the bot sent can ping anyone.
    for request in simcord_env.http_requests:
        if request.method in ("POST", "PATCH") and isinstance(request.json, dict):
            data = request.json.get("data", request.json)
            if isinstance(data, dict) and "allowed_mentions" in data:
                assert data["allowed_mentions"]["parse"] == []
    if SHOW:
        print("\n--- the channel ---\n" + transcript(channel))
        print("--- ephemeral replies ---\n" + "\n".join(log))
        print("--- /trivia leaderboard ---\n" + seen(board))
        print("--- /trivia stats alice ---\n" + seen(stats))


async def test_one_game_per_channel_and_a_cooldown(simcord_env, world, trivia) -> None:
    guild, channel, fan, mod = world
    await fan.slash(channel, "trivia start")
    second = await mod.slash(channel, "trivia start")
    assert second.ephemeral and "already running" in second.response.content
    again = await fan.slash(channel, "trivia start")
    assert again.ephemeral and "try again" in again.response.content
    simcord_env.errors  # noqa: B018 - answered through the error path
    other = guild.create_text_channel("other")
    elsewhere = await mod.slash(other, "trivia start", rounds=1)
    assert not elsewhere.ephemeral


async def test_stop_by_the_starter_or_a_moderator_only(simcord_env, world, trivia) -> None:
    guild, channel, fan, mod = world
    bob = guild.add_member(simcord_env.create_user("bob"))
    await fan.slash(channel, "trivia start", rounds=5)
    await simcord_env.advance_time(0.1)
    refused = await bob.slash(channel, "trivia stop")
    assert refused.ephemeral and "Only the member who started" in refused.response.content
    simcord_env.errors  # noqa: B018
    stopped = await mod.slash(channel, "trivia stop")
    assert stopped.ephemeral
    summary = bot_messages(channel)[-1]
    assert summary.embeds[0].title == "Trivia · game over"
    assert "stopped" in summary.embeds[0].description
    await simcord_env.advance_time(5 * (ROUND_SECONDS + REVEAL_SECONDS))
    assert bot_messages(channel)[-1].id == summary.id  # nothing more after the stop
    none = await fan.slash(channel, "trivia stop")
    assert "No trivia game" in none.response.content
    simcord_env.errors  # noqa: B018
    # The starter may stop their own game.
    await simcord_env.advance_time(60)
    await fan.slash(channel, "trivia start", rounds=5)
    own = await fan.slash(channel, "trivia stop")
    assert own.ephemeral and "Stopping" in own.response.content


async def test_an_idle_game_ends_itself(simcord_env, world, trivia) -> None:
    guild, channel, fan, mod = world
    await fan.slash(channel, "trivia start", rounds=10)
    await simcord_env.advance_time(2 * (ROUND_SECONDS + REVEAL_SECONDS) + 1)
    summary = bot_messages(channel)[-1]
    assert summary.embeds[0].title == "Trivia · game over"
    assert "Nobody answered for a while" in summary.embeds[0].description
    questions = [m for m in bot_messages(channel)
                 if m.embeds and "question" in (m.embeds[0].title or "")]  # fmt: skip
    assert len(questions) == 2


async def test_a_restart_mid_game_ends_it_and_keeps_the_points(
    simcord_env, world, trivia, db_path: Path
) -> None:
    guild, channel, fan, mod = world
    await fan.slash(channel, "trivia start", rounds=5)
    await simcord_env.advance_time(0.1)
    q1 = last_question(channel)
    await answer(fan, q1, right=True)
    await restart(simcord_env, db_path)
    await simcord_env.advance_time(1)
    note = bot_messages(channel)[-1]
    assert note.embeds[0].title == "Trivia · game over"
    assert "restarted" in note.embeds[0].description
    assert f"<@{fan.id}>" in note.embeds[0].description
    await simcord_env.advance_time(1.5)
    old = await answer(fan, q1, right=True)
    assert old.ephemeral and "game is over" in old.response.content
    board = await fan.slash(channel, "trivia leaderboard")
    assert f"1. <@{fan.id}>" in seen(board)
    # A new game can start in that channel.
    simcord_env.bot.services.trivia.questions = QUESTIONS
    again = await mod.slash(channel, "trivia start", rounds=1)
    assert not again.ephemeral


async def test_spoiler_questions_only_when_asked_for(simcord_env, world, trivia) -> None:
    guild, channel, fan, mod = world
    await fan.slash(channel, "trivia start", rounds=20)
    game = trivia.games[channel.id]
    assert len(game.questions) == 6
    assert not any(q.spoiler for q in game.questions)
    await fan.slash(channel, "trivia stop")
    other = guild.create_text_channel("spoilers")
    result = await mod.slash(other, "trivia start", rounds=20, spoilers=True)
    assert "Spoiler questions are included" in result.response.content
    assert sum(q.spoiler for q in trivia.games[other.id].questions) == 3


async def test_japanese_players_get_the_game_in_japanese(
    simcord_env, world, trivia, locales
) -> None:
    guild, channel, fan, mod = world
    locales[fan.id] = "ja"
    started = await fan.slash(channel, "trivia start", rounds=1)
    assert "全1問" in started.response.content
    await simcord_env.advance_time(0.1)
    message = bot_messages(channel)[-1]
    assert "テスト問題" in message.embeds[0].description


async def test_a_game_with_the_shipped_questions(simcord_env, world) -> None:
    """The real question set (the pack's trivia.json): no spoiler asked by default, every
    answer on a button, the source shown with the right answer."""
    guild, channel, fan, mod = world
    service = simcord_env.bot.services.trivia
    service.rng = random.Random(14)
    assert len(service.questions) >= 100
    await fan.slash(channel, "trivia start", rounds=3)
    await simcord_env.advance_time(0.1)
    game = service.games[channel.id]
    assert not any(q.spoiler for q in game.questions)
    for turn in range(3):
        current = game.current
        asked = last_question(channel)
        assert [c.label for row in asked.components for c in row.children] == list(current.choices)
        pressed = await mod.click(asked, label=current.choices[current.right])
        assert "Locked in" in pressed.response.content
        if turn == 1:
            await fan.click(asked, label=current.choices[(current.right + 1) % 4])
        await simcord_env.advance_time(ROUND_SECONDS + REVEAL_SECONDS)
    summary = bot_messages(channel)[-1]
    assert summary.embeds[0].title == "Trivia · game over"
    assert f"1. <@{mod.id}>" in summary.embeds[0].description
    reveals = [m for m in bot_messages(channel)
               if m.embeds and "answer" in (m.embeds[0].title or "")]  # fmt: skip
    assert len(reveals) == 3 and all(m.embeds[0].fields for m in reveals)
    if SHOW:
        print("\n--- a game with the shipped questions ---\n" + transcript(channel))


async def test_presses_are_rate_limited(simcord_env, world, trivia) -> None:
    guild, channel, fan, mod = world
    await mod.slash(channel, "trivia start", rounds=2)
    await simcord_env.advance_time(0.1)
    asked = last_question(channel)
    first = await answer(fan, asked, right=True)
    assert "Locked in" in first.response.content
    quick = await answer(fan, asked, right=False)
    assert quick.ephemeral and "Slow down" in quick.response.content
    await simcord_env.advance_time(1.1)
    later = await answer(fan, asked, right=False)
    assert "already answered" in later.response.content
