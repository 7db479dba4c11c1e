"""Japanese-speaking fans get Japanese answers (issue 17), seen as a fan sees them.

simcord sends every interaction with locale `en-US`; the `locales` fixture wraps its payload
builder so chosen members send `ja`. Every request is checked against Discord's rules
(`every_request_valid`: lengths, no pings, the OpenAPI shape where available).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import discord
import pytest

from bot import constants as c
from bot.domain.models import Answer, Entry, GuildSettings, Match
from tests.cogs.discord_rules import every_request_valid
from tests.cogs.helpers import seen

pytestmark = pytest.mark.usefixtures("every_request_valid")
__all__ = ["every_request_valid"]

DAY = 86400
#: A sentence of English: three or more Latin words in a row (proper names are one or two).
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){3,}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def ja_fan(world: Any, locales: dict[int, str]) -> Any:
    """The world's fan, reading Discord in Japanese."""
    _, _, fan, _ = world
    locales[fan.user.id] = "ja"
    return fan


def english_left(text: str) -> list[str]:
    """English sentences in a Japanese reply, once links, code, URLs and timestamps are out."""
    text = re.sub(r"https?://\S+|<t:[^>]+>|`[^`]*`|\[[^\]]*\]\([^)]*\)", " ", text)
    return ENGLISH_SENTENCE.findall(text)


async def _next_day(env: Any) -> None:
    await env.advance_time(c.PUBLIC_COOLDOWN_PER)


async def test_ask_answers_in_japanese_with_the_japanese_source(world, ja_fan, simcord_env) -> None:
    _, channel, _, _ = world
    result = await ja_fan.slash(channel, "ask", question="監督は誰")
    embed = result.response.embeds[0]
    assert embed.title == "監督"
    assert "押山清高" in (embed.description or "")
    assert embed.footer.text == "事実 · 確認済みの情報より"  # for a fan: no id, no score
    source = next(f for f in embed.fields if f.name == "出典")
    assert "news.yahoo.co.jp" in source.value
    assert not english_left(seen(result))


async def test_an_english_reader_in_the_same_server_still_gets_english(
    world, ja_fan, simcord_env
) -> None:
    _, channel, fan_en, mod = world
    result = await mod.slash(channel, "ask", question="who directed it")
    embed = result.response.embeds[0]
    assert embed.title == "Director" and "Kiyotaka Oshiyama" in (embed.description or "")
    assert embed.footer.text == "Fact · from the checked fact base"


async def test_i_dont_know_and_did_you_mean_in_japanese(world, ja_fan, simcord_env) -> None:
    _, channel, _, _ = world
    result = await ja_fan.slash(channel, "ask", question="xqzv blorp wuggle")
    embed = result.response.embeds[0]
    assert embed.title == "わかりません"
    assert "xqzv blorp wuggle" in (embed.description or "")
    assert JAPANESE.search(embed.footer.text or "")


async def test_did_you_mean_buttons_are_japanese_titles_and_answer_in_japanese(
    world, ja_fan, simcord_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, channel, _, _ = world
    service = simcord_env.bot.service
    entries = [await service.get("fact", key, None) for key in ("director", "runtime")]

    async def unsure(question: str | None, **_: Any) -> Answer:
        return Answer(question or "", None, tuple(Match(e, 0.45) for e in entries))

    monkeypatch.setattr(service, "ask", unsure)
    result = await ja_fan.slash(channel, "ask", question="監督と上映時間")
    labels = [b["label"] for row in result.response.components for b in row["components"]]
    assert labels and all(JAPANESE.search(label) for label in labels), labels
    clicked = await ja_fan.click(result.response, label=labels[0])
    assert JAPANESE.search(seen(clicked))


async def test_fact_quote_synopsis_and_pages_in_japanese(world, ja_fan, simcord_env) -> None:
    _, channel, _, _ = world
    fact = await ja_fan.slash(channel, "fact", query="fact:runtime")
    assert fact.response.embeds[0].title == "上映時間（58分）"
    await _next_day(simcord_env)
    quote = await ja_fan.slash(channel, "quote")
    embed = quote.response.embeds[0]
    body = embed.description or ""
    # A quote without Oshiyama's Japanese words is the outlet's English, labelled as such;
    # when and where it was said is in Japanese.
    assert embed.fields[0].name == "発言"
    assert JAPANESE.search(embed.fields[0].value) and not english_left(embed.fields[0].value)
    assert "英語のまま引用" in body or not english_left(body)
    await _next_day(simcord_env)
    story = await ja_fan.slash(channel, "synopsis", spoilers=True)
    first = story.response.embeds[0]
    assert "ネタバレ" in (first.footer.text or "")
    labels = [b["label"] for row in story.response.components for b in row["components"]]
    if labels:
        assert labels == ["前へ", "次へ"]
        turned = await ja_fan.click(story.response, label="次へ")
        assert "ページ" in (turned.response.embeds[0].footer.text or "")
    assert "||" in "".join(e.description or "" for e in story.response.embeds)


async def test_awards_commands_in_japanese(world, ja_fan, simcord_env) -> None:
    guild, channel, _, _ = world
    db = simcord_env.bot.service.db
    event = Entry(
        "awards", "test-gala", "Test Gala", "", "Test source", "https://example.org/gala",
        guild_id=guild.id, starts_at=discord.utils.utcnow() + dt.timedelta(days=3),
        title_ja="テスト授賞式", outcome="", ceremony="Gala",
    )  # fmt: skip
    await db.save_entry(event)
    nxt = await ja_fan.slash(channel, "awards next")
    embed = nxt.response.embeds[0]
    assert embed.title.startswith("次の予定：")
    assert "あなたのタイムゾーン" in (embed.footer.text or "")
    labels = [b["label"] for row in nxt.response.components for b in row["components"]]
    assert "通知を受け取る" in labels and "Googleカレンダーに追加" in labels
    await _next_day(simcord_env)
    listed = await ja_fan.slash(channel, "awards list")
    assert listed.response.embeds[0].title == "授賞イベント"
    await _next_day(simcord_env)
    record = await ja_fan.slash(channel, "awards record")
    assert record.response.embeds[0].title == "ルックバック：受賞とノミネート"
    assert not english_left(record.response.embeds[0].footer.text or "")
    await _next_day(simcord_env)
    calendar = await ja_fan.slash(channel, "awards calendar")
    assert "カレンダーファイル" in (calendar.response.content or "")


async def test_help_and_about_in_japanese_with_japanese_command_names(
    world, ja_fan, simcord_env
) -> None:
    _, channel, _, _ = world
    shown = seen(await ja_fan.slash(channel, "help"))
    assert "コマンド一覧" in shown and "/質問 質問" in shown and "/賞 次" in shown
    await _next_day(simcord_env)
    about = seen(await ja_fan.slash(channel, "about"))
    assert "バージョン" in about and "稼働時間" in about
    assert not english_left(about.replace("Anime News Network", "").replace("ComicBook.com", ""))


async def test_errors_and_cooldowns_in_japanese(world, ja_fan, simcord_env) -> None:
    _, channel, _, _ = world
    for _ in range(c.PUBLIC_COOLDOWN_RATE):
        await ja_fan.slash(channel, "ask", question="監督は誰")
    refused = await ja_fan.slash(channel, "ask", question="監督は誰")
    assert refused.ephemeral
    assert "秒後にもう一度" in (refused.response.content or "")
    await simcord_env.advance_time(c.PUBLIC_COOLDOWN_PER + 1)
    blank = await ja_fan.slash(channel, "ask", question="   ")
    assert blank.ephemeral and "入力してください" in seen(blank)
    raised = {type(getattr(e, "original", e)).__name__ for e in simcord_env.errors}
    assert raised == {"CommandOnCooldown", "BadQuestion"}


async def test_someone_elses_buttons_are_refused_in_the_clickers_language(
    world, ja_fan, simcord_env
) -> None:
    _, channel, _, mod = world
    record = await mod.slash(channel, "awards record")
    assert record.response.components, "the awards record should take several pages"
    refused = await ja_fan.click(record.response, label="Next")
    assert refused.ephemeral and "質問した人専用" in seen(refused)
    await _next_day(simcord_env)
    mine = await ja_fan.slash(channel, "awards record")
    labels = [b["label"] for row in mine.response.components for b in row["components"]]
    assert labels == ["前へ", "次へ"]
    turned = await ja_fan.click(mine.response, label="次へ")
    assert (turned.response.embeds[0].footer.text or "").startswith("2/")


async def test_ask_look_back_menu_answers_in_japanese(world, ja_fan, simcord_env) -> None:
    _, channel, _, mod = world
    asked = await mod.send(channel, "上映時間は？")
    result = await ja_fan.context_menu(channel, "Ask Look Back", asked)
    labels = [b["label"] for row in result.response.components for b in row["components"]]
    assert labels == ["回答を投稿"]
    posted = await ja_fan.click(result.response, label="回答を投稿")
    assert "への回答" in (posted.response.content or "")


async def _server_event(env: Any, guild: Any, channel: Any, settings: GuildSettings) -> None:
    bot = env.bot
    db = bot.service.db
    for shipped in await db.visible_entries("awards", guild.id):
        await db.set_hidden(guild.id, "awards", shipped.key, True)
    await db.save_entry(
        Entry(
            "awards",
            "test-gala",
            "Test Gala",
            "",
            "Test source",
            "https://example.org/gala",
            guild_id=guild.id,
            starts_at=discord.utils.utcnow() + dt.timedelta(days=3),
            title_ja="テスト授賞式",
        ),
    )
    await db.save_guild_settings(settings)
    await bot.awards_watch.reconcile(guild.id)


def _posts(channel: Any) -> list[discord.Message]:
    return [m for m in channel.history() if m.embeds and m.author.bot]


async def test_a_japanese_server_gets_japanese_reminder_posts(simcord_env, locales) -> None:
    await simcord_env.bot.tree.sync()
    guild = simcord_env.create_guild(name="ルックバック", preferred_locale="ja")
    channel = guild.create_text_channel("general")
    await _server_event(simcord_env, guild, channel, GuildSettings(guild.id, channel.id))
    await simcord_env.advance_time(2 * DAY + 60)  # the 1-day reminder
    post = _posts(channel)[-1].embeds[0]
    assert post.title == "賞レース：テスト授賞式"
    assert (post.footer.text or "").startswith("リマインダー #")
    assert "日後" in (post.description or "") or "日時" in (post.description or "")


async def test_the_server_language_setting_wins_over_its_locale(simcord_env, locales) -> None:
    await simcord_env.bot.tree.sync()
    guild = simcord_env.create_guild(name="Fans", preferred_locale="ja")
    channel = guild.create_text_channel("general")
    settings = GuildSettings(guild.id, channel.id, language="en")
    await _server_event(simcord_env, guild, channel, settings)
    await simcord_env.advance_time(2 * DAY + 60)
    assert _posts(channel)[-1].embeds[0].title == "Awards watch: Test Gala"


async def test_a_japanese_subscriber_gets_japanese_dms_and_an_english_one_english(
    world, ja_fan, simcord_env
) -> None:
    guild, channel, _, mod = world
    await _server_event(simcord_env, guild, channel, GuildSettings(guild.id, channel.id))
    subscribed = await ja_fan.slash(channel, "awards subscribe")
    assert "登録しました" in seen(subscribed)
    await mod.slash(channel, "awards subscribe")
    await simcord_env.advance_time(2 * DAY + 60)
    ja_dm = _posts(ja_fan.user.dm_channel)[-1]
    en_dm = _posts(mod.user.dm_channel)[-1]
    assert ja_dm.embeds[0].title == "賞レース：テスト授賞式"
    assert [b.label for row in ja_dm.components for b in row.children] == ["このDMを停止"]
    assert en_dm.embeds[0].title == "Awards watch: Test Gala"
    # The server's own channel post follows the server (English here).
    assert _posts(channel)[-1].embeds[0].title == "Awards watch: Test Gala"


async def test_autocomplete_shows_japanese_titles_to_a_japanese_reader(world, ja_fan) -> None:
    _, channel, _, mod = world
    ja = await ja_fan.autocomplete(channel, "fact", "query", "runt")
    en = await mod.autocomplete(channel, "fact", "query", "runt")
    ja_runtime = next(c for c in ja if c["value"] == "fact:runtime")
    en_runtime = next(c for c in en if c["value"] == "fact:runtime")
    assert ja_runtime["name"] == "上映時間（58分）"
    assert en_runtime["name"].startswith("Runtime")
    assert all(len(c["name"]) <= 100 for c in ja)
