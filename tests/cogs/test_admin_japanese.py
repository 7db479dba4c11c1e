"""/admin for a moderator whose Discord is in Japanese (issue 17): every command, button and form
answers in Japanese, no English sentence of /admin leaks, and an English moderator of the same
server still gets English.

simcord sends every interaction with the locale `en-US`; the `locales` fixture wraps its payload
builder (`simcord.interactions.base_payload`) so the users it names send `ja`.

The entry card under a saved entry, the page buttons and the error handler of the command tree
are the fan side's (translated there); these tests check the moderator's words around them.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
from simcord import Env, InteractionResult, MemberActor

from bot.domain.models import Entry
from bot.errors import UserFacingError
from bot.i18n import messages
from bot.i18n.extract import code_messages
from bot.moderation.types import MODAL_TITLE_MAX
from cogs.admin._views import (
    ConfirmView,
    FactForm,
    JapaneseForm,
    JapaneseTextView,
    QuoteForm,
    SynopsisForm,
)
from tests.cogs.helpers import seen, service_of
from tests.conftest import fact, pack_bytes

World = tuple[Any, Any, MemberActor, MemberActor]
JA = messages("ja")
FACT_FORM = {
    "title": "Our first screening",
    "answer": "We watched it together on 2024-06-28.",
    "aliases": "first screening",
    "source_url": "https://example.org/screening",
}
# Discord's limits for forms (modals) and buttons.
LABEL_MAX, DESCRIPTION_MAX, PLACEHOLDER_MAX, BUTTON_MAX = 45, 100, 100, 80

pytestmark = pytest.mark.usefixtures("requests_follow_discords_rules")


@pytest.fixture
def ja_mod(world: World, locales: dict[int, str]) -> MemberActor:
    """The server's moderator, reading Discord in Japanese."""
    mod = world[3]
    locales[mod.id] = "ja"
    return mod


# -- what must not leak -----------------------------------------------------------------------

_MINE = ("bot/cards/moderation.py", "bot/domain/factbase.py", "bot/moderation/", "cogs/admin/")


def _english_fragments() -> list[str]:
    """The English words of every /admin message (between its placeholders): none of these may
    appear in what a Japanese moderator reads."""
    fragments: set[str] = set()
    for key, where in code_messages().items():
        if not any(w.startswith(_MINE) for w in where):
            continue
        for text in key if isinstance(key, tuple) else (key,):
            translated = JA._(text)
            for piece in re.split(r"\{[^}]*\}|\n", text):
                piece = piece.strip(" .:;,()*`“”?!—·|-")
                words = len(re.findall(r"[A-Za-z]{2,}", piece))
                # (a piece kept in the translation, like a command path, is no leak)
                if len(piece) >= 14 and words >= 2 and piece not in translated:
                    fragments.add(piece)
    return sorted(fragments)


ENGLISH = _english_fragments()


def assert_japanese(text: str) -> None:
    """`text` is Japanese /admin wording: some Japanese, and no English sentence of /admin."""
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), text
    leaked = [fragment for fragment in ENGLISH if fragment in text]
    assert not leaked, (leaked, text)


def modal_text(result: InteractionResult) -> str:
    """A form's title, labels, hints and placeholders."""
    assert result.modal is not None, "no form was shown"
    parts = [result.modal["title"]]
    for label in result.modal["components"]:
        parts += [label.get("label", ""), label.get("description") or ""]
        parts.append(label["component"].get("placeholder") or "")
    return "\n".join(parts)


def labels(result: InteractionResult) -> dict[str, str]:
    """A form's labels by field id."""
    assert result.modal is not None, "no form was shown"
    return {c["component"]["custom_id"]: c["label"] for c in result.modal["components"]}


def reply(result: InteractionResult) -> Any:
    """The message that answered (a deferred command answers with a followup)."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, "no answer"
    return message


def buttons(message: Any) -> list[str]:
    """The labels of a message's buttons."""
    return [b.get("label", "") for row in message.components for b in row["components"]]


def defaults(result: InteractionResult) -> dict[str, Any]:
    """A form's pre-filled values by field id (unfilled ones left out)."""
    assert result.modal is not None
    values = {}
    for label in result.modal["components"]:
        field = label["component"]
        value = field.get("value", field.get("default"))
        if value is not None:
            values[field["custom_id"]] = value
    return values


async def add_fact(mod: MemberActor, channel: Any, **changes: Any) -> InteractionResult:
    form = await mod.slash(channel, "admin fact add")
    return await mod.submit_modal(form, FACT_FORM | changes)


# -- the catalogue's side: Discord's limits for the Japanese forms and buttons -----------------


def _entry(kind: Any, **fields: Any) -> Entry:
    title = "長いタイトル" * 20  # longer than any form title may be
    return Entry(kind, "k", title, "text", "Source", "https://example.org", **fields)


async def test_every_japanese_form_and_button_keeps_discords_limits() -> None:
    forms = [
        FactForm(None, None, JA),  # type: ignore[arg-type]
        FactForm(None, _entry("fact"), JA),  # type: ignore[arg-type]
        QuoteForm(None, None, JA),  # type: ignore[arg-type]
        QuoteForm(None, _entry("quote"), JA),  # type: ignore[arg-type]
        SynopsisForm(None, _entry("synopsis", section="premise"), JA),  # type: ignore[arg-type]
    ]
    forms += [JapaneseForm(None, _entry(k), JA) for k in ("fact", "quote", "synopsis", "awards")]  # type: ignore[arg-type]
    for form in forms:
        assert len(form.title) <= MODAL_TITLE_MAX, form.title
        assert len(form.children) <= 5, form.title  # Discord's most per form
        for label in form.children:
            assert isinstance(label, discord.ui.Label)
            assert 1 <= len(label.text) <= LABEL_MAX, label.text
            assert len(label.description or "") <= DESCRIPTION_MAX, label.description
            placeholder = getattr(label.component, "placeholder", None) or ""
            assert len(placeholder) <= PLACEHOLDER_MAX, placeholder
            assert_japanese(label.text)
    views = [
        ConfirmView(None, 1, None, m=JA),  # type: ignore[arg-type]
        ConfirmView(None, 1, None, "Save mine anyway", JA),  # type: ignore[arg-type]
        ConfirmView(None, 1, None, "Confirm", JA),  # type: ignore[arg-type]
        JapaneseTextView(None, 1, _entry("fact"), JA),  # type: ignore[arg-type]
    ]
    for view in views:
        for item in view.children:
            assert isinstance(item, discord.ui.Button) and item.label
            assert len(item.label) <= BUTTON_MAX
            assert_japanese(item.label)


def test_the_leak_check_knows_the_english_of_admin() -> None:
    assert "Nothing changed: that is already how it is saved" in ENGLISH
    assert "Other servers still see the shipped version" in ENGLISH
    with pytest.raises(AssertionError):
        assert_japanese("保存しました。Other servers still see the shipped version.")


# -- facts, quotes, synopsis --------------------------------------------------------------------


async def test_fact_forms_and_replies_are_japanese(world: World, ja_mod: MemberActor) -> None:
    guild, channel, fan, _ = world
    form = await ja_mod.slash(channel, "admin fact add")
    assert_japanese(modal_text(form))
    assert form.modal is not None and form.modal["title"] == "事実を追加"
    assert labels(form)["title"] == "タイトル" and labels(form)["answer"] == "答え"
    added = await ja_mod.submit_modal(form, FACT_FORM)
    assert added.ephemeral
    text = seen(added)
    assert "**Our first screening** (事実 `our-first-screening`) を追加しました。" in text
    assert "`/admin undo` で元に戻せます" in text
    assert_japanese(reply(added).content)
    assert buttons(reply(added)) == ["日本語テキストを追加・編集"]

    edit = await ja_mod.slash(channel, "admin fact edit", entry="runtime")
    assert edit.modal is not None and edit.modal["title"].startswith("事実を編集：")
    assert_japanese(modal_text(edit))
    values = defaults(edit) | {"answer": "Our server counts 58 minutes."}
    saved = await ja_mod.submit_modal(edit, values)
    assert "このサーバー版を保存しました" in seen(saved)
    assert "ほかのサーバーでは引き続き標準版が表示されます。" in seen(saved)
    assert_japanese(reply(saved).content)

    removed = await ja_mod.slash(channel, "admin fact remove", entry="our-first-screening")
    assert "を削除しました。" in seen(removed)
    assert_japanese(seen(removed))
    hidden = await ja_mod.slash(channel, "admin fact hide", entry="director")
    assert "をこのサーバーで非表示にしました。" in seen(hidden)
    shown = await ja_mod.slash(channel, "admin fact unhide", entry="director")
    assert "をこのサーバーで再表示しました。" in seen(shown)
    for result in (hidden, shown):
        assert_japanese(reply(result).content)


async def test_an_edit_conflict_and_its_overwrite_button_are_japanese(
    world: World, ja_mod: MemberActor, simcord_env: Env, locales: dict[int, str]
) -> None:
    guild, channel, fan, _ = world
    second = guild.add_member(simcord_env.create_user("second-mod"), roles=[guild.roles["Mods"]])
    locales[second.id] = "ja"
    first_form = await ja_mod.slash(channel, "admin fact edit", entry="runtime")
    second_form = await second.slash(channel, "admin fact edit", entry="runtime")
    await ja_mod.submit_modal(first_form, defaults(first_form) | {"answer": "58 minutes."})
    caught = await second.submit_modal(second_form, defaults(second_form) | {"answer": "58分。"})
    text = seen(caught)
    assert "その間にほかの人が変更しました" in text
    assert "(事実 `runtime`) が変更されたため、何も保存していません。" in text
    assert "**答え**: " in text and "→ 58 minutes." in text
    assert_japanese(text)
    message = reply(caught)
    assert buttons(message) == ["自分の版で上書き保存", "キャンセル"]
    overwrite = await second.click(message, label="自分の版で上書き保存")
    assert "このサーバー版を保存しました" in seen(overwrite)
    row = await service_of(simcord_env).db.get_row("fact", "runtime", guild.id)
    assert row is not None and row.text == "58分。"


async def test_autocomplete_labels_are_japanese(world: World, ja_mod: MemberActor) -> None:
    guild, channel, fan, _ = world
    await add_fact(ja_mod, channel)
    own = await ja_mod.autocomplete(channel, "admin fact remove", "entry", "")
    assert [c["name"] for c in own] == ["Our first screening · our-first-screening · このサーバー"]
    changes = await ja_mod.autocomplete(channel, "admin undo", "entry", "")
    assert changes[0]["name"] == "事実: Our first screening · 最後：追加"
    assert all(len(c["name"]) <= 100 for c in own + changes)


async def test_quote_and_synopsis_forms_are_japanese(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    form = await ja_mod.slash(channel, "admin quote add")
    assert_japanese(modal_text(form))
    assert labels(form)["speaker"] == "話者" and labels(form)["said_on"] == "発言日"
    added = await ja_mod.submit_modal(
        form,
        {
            "text": "Drawing is the only thing I never got tired of.",
            "speaker": "A fan of the film",
            "source_url": "https://example.org/meetup",
        },
    )
    assert "を追加しました。" in seen(added) and "(名言 `" in seen(added)
    [quote] = await service_of(simcord_env).db.guild_rows(guild.id, ["quote"])
    japanese_form = await ja_mod.click(reply(added), label="日本語テキストを追加・編集")
    assert labels(japanese_form)["occasion_ja"] == "日本語の場面"
    assert len(labels(japanese_form)) == 5
    await ja_mod.submit_modal(
        japanese_form,
        {
            "title_ja": "描くこと",
            "text_ja": "描くことだけは飽きなかった。",
            "occasion_ja": "上映会",
        },
    )
    [quote] = await service_of(simcord_env).db.guild_rows(guild.id, ["quote"])
    assert (quote.text_ja, quote.occasion_ja) == ("描くことだけは飽きなかった。", "上映会")
    edit = await ja_mod.slash(channel, "admin quote edit", entry=quote.key)
    assert_japanese(modal_text(edit))
    edited = await ja_mod.submit_modal(edit, defaults(edit) | {"speaker": "Another fan"})
    assert_japanese(reply(edited).content)
    assert "を削除しました。" in seen(
        await ja_mod.slash(channel, "admin quote remove", entry=quote.key)
    )
    hidden = await ja_mod.slash(channel, "admin quote hide", entry="consume-anime")
    assert "非表示にしました" in seen(hidden)
    shown = await ja_mod.slash(channel, "admin quote unhide", entry="consume-anime")
    assert "再表示しました" in seen(shown)

    synopsis = await ja_mod.slash(channel, "admin synopsis edit", section="premise")
    assert synopsis.modal is not None and synopsis.modal["title"] == "あらすじを編集：premise"
    assert labels(synopsis)["text_more"] == "本文（続き）"
    assert_japanese(modal_text(synopsis))
    values = defaults(synopsis) | {"text": "A short premise written by this server."}
    values.pop("text_more", None)
    saved = await ja_mod.submit_modal(synopsis, values)
    assert "このサーバー版を保存しました" in seen(saved)


async def test_the_japanese_text_form_saves_the_japanese_fields(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    added = await add_fact(ja_mod, channel)
    form = await ja_mod.click(reply(added), label="日本語テキストを追加・編集")
    assert form.modal is not None and form.modal["title"] == "日本語テキスト：Our first screening"
    assert labels(form) == {
        "title_ja": "日本語タイトル",
        "text_ja": "日本語の答え",
        "source_name_ja": "日本語の出典",
        "source_url_ja": "日本語の出典URL",
    }
    assert_japanese(modal_text(form))
    saved = await ja_mod.submit_modal(
        form,
        {
            "title_ja": "最初の上映会",
            "text_ja": "2024年6月28日にみんなで観ました。",
            "source_url_ja": "https://natalie.mu/eiga/news/1",
        },
    )
    assert "このサーバー版を保存しました" in seen(saved)
    stored = await service_of(simcord_env).db.get_row("fact", "our-first-screening", guild.id)
    assert stored is not None
    assert (stored.title_ja, stored.text_ja) == (
        "最初の上映会",
        "2024年6月28日にみんなで観ました。",
    )
    assert (stored.source_name_ja, stored.source_url_ja) == (
        "natalie.mu",
        "https://natalie.mu/eiga/news/1",
    )
    assert stored.text == FACT_FORM["answer"]  # the English text is left as it was

    again = await ja_mod.click(reply(saved), label="日本語テキストを追加・編集")
    assert defaults(again)["title_ja"] == "最初の上映会"  # the form shows what is saved
    history = seen(await ja_mod.slash(channel, "admin history"))
    assert "**日本語タイトル**: — → 最初の上映会" in history
    assert_japanese(history)

    premise = await ja_mod.slash(channel, "admin synopsis edit", section="premise")
    values = defaults(premise)
    values.pop("text_more", None)
    saved_premise = await ja_mod.submit_modal(premise, values)
    synopsis_form = await ja_mod.click(reply(saved_premise), label="日本語テキストを追加・編集")
    assert set(labels(synopsis_form)) == {
        "title_ja",
        "text_ja",
        "text_ja_more",
        "source_name_ja",
        "source_url_ja",
    }


# -- awards events ------------------------------------------------------------------------------


async def test_event_preview_buttons_and_confirmation_are_japanese(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    options = {
        "name": "Fan screening",
        "date": "2027-03-14 19:00",
        "timezone": "Asia/Tokyo",
        "source_url": "https://example.org/screening",
    }
    preview = await ja_mod.slash(channel, "admin event add", **options)
    assert preview.response is not None
    text = seen(preview)
    assert "「Fan screening」を追加しますか？" in text and "読み取った内容" in text
    assert "2027-03-14 19:00 Asia/Tokyo → 2027-03-14 10:00 UTC" in text
    assert "**保存** を押すまで何も保存されません" in text
    assert_japanese(text)
    assert buttons(preview.response) == ["保存", "キャンセル"]
    cancelled = await ja_mod.click(preview.response, label="キャンセル")
    assert cancelled.response is not None
    assert preview.response.content == "キャンセルしました。何も変更していません。"
    assert buttons(preview.response) == []

    day_only = await ja_mod.slash(
        channel, "admin event add", name="Gala", date="2027-03-14", source_url="https://e.org/g"
    )
    assert "2027-03-14（日付のみ。時刻は未発表）" in seen(day_only)
    tba = await ja_mod.slash(
        channel, "admin event add", name="Gala", date="TBA", source_url="https://e.org/g"
    )
    assert "「Gala」を追加しますか？" in seen(tba)

    again = await ja_mod.slash(channel, "admin event add", **options)
    await ja_mod.click(again.response, label="保存")  # type: ignore[arg-type]
    done = seen(again)
    assert "(賞イベント `fan-screening`) を追加しました。" in done
    assert "リマインダーを再設定しました。" in done
    assert again.response is not None and buttons(again.response) == ["日本語テキストを追加・編集"]
    form = await ja_mod.click(again.response, label="日本語テキストを追加・編集")
    assert labels(form)["title_ja"] == "日本語の名称" and labels(form)["text_ja"] == "日本語の結果"

    edit = await ja_mod.slash(
        channel, "admin event edit", entry="fan-screening", date="2027-03-20 00:00", timezone="UTC"
    )
    text = seen(edit)
    assert "「Fan screening」の変更を保存しますか？" in text and "**日時**:" in text
    assert "変更点" in text
    assert_japanese(text)
    removed = await ja_mod.slash(channel, "admin event remove", entry="fan-screening")
    assert "を削除しました。" in seen(removed)
    hidden = await ja_mod.slash(channel, "admin event hide", entry="oscars-98-ceremony")
    assert "非表示にしました" in seen(hidden)
    shown = await ja_mod.slash(channel, "admin event unhide", entry="oscars-98-ceremony")
    assert "再表示しました" in seen(shown)


# -- reminders ----------------------------------------------------------------------------------


async def test_reminder_settings_status_and_test_are_japanese(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    fans = guild.create_role("Oscar fans", mentionable=True)
    set_channel = await ja_mod.slash(channel, "admin reminders channel", channel=channel)
    text = seen(set_channel)
    assert "リマインダーの設定を保存し、リマインダーを再設定しました。" in text
    assert "賞レースのリマインダー：設定" in text and "メンションするロール" in text
    assert_japanese(text)
    role = await ja_mod.slash(channel, "admin reminders role", role=fans)
    assert f"<@&{fans.id}>" in seen(role)
    leads = await ja_mod.slash(channel, "admin reminders leads", times="3d 2h 0")
    assert "各イベントの `3d 2h 0` 前" in seen(leads)
    paused = await ja_mod.slash(channel, "admin reminders pause")
    assert "一時停止" in seen(paused)
    resumed = await ja_mod.slash(channel, "admin reminders resume")
    assert "有効" in seen(resumed)
    same = await ja_mod.slash(channel, "admin reminders resume")
    assert "変更はありません。設定はすでにその内容です。" in seen(same)

    status = await ja_mod.slash(channel, "admin reminders status")
    text = seen(status)
    assert "賞レースのリマインダー：状況" in text and "次のリマインダー" in text
    assert "📅 イベントタブ：オフ" in text and "DM の購読者" in text
    assert_japanese(text)

    test = await ja_mod.slash(channel, "admin reminders test")
    assert f"✅ {channel.mention} にテストのリマインダーを投稿しました" in seen(test)
    assert_japanese(seen(test))
    posted = channel.last_message
    # The post reads like the real reminders: in the server's language (here English).
    assert posted is not None and "Awards watch (test)" in (posted.embeds[0].title or "")

    locked = guild.create_text_channel(
        "locked",
        overwrites={guild.default_role: discord.PermissionOverwrite(send_messages=False)},
    )
    set_locked = await ja_mod.slash(channel, "admin reminders channel", channel=locked)
    assert "で「メッセージを送信、埋め込みリンク」の権限がありません。" in seen(set_locked)
    failed = await ja_mod.slash(channel, "admin reminders test")
    text = seen(failed)
    assert "❌ テストのリマインダーを投稿できませんでした。" in text
    assert "チャンネルを見る、メッセージを送信、埋め込みリンク" in text
    assert_japanese(text)


async def test_scheduled_events_switch_is_japanese(world: World, ja_mod: MemberActor) -> None:
    guild, channel, fan, _ = world
    on = await ja_mod.slash(channel, "admin reminders events", state="on")
    assert "イベント機能をオンにしました。" in seen(on)
    assert_japanese(seen(on))
    again = await ja_mod.slash(channel, "admin reminders events", state="on")
    assert "イベント機能はすでにオンです。" in seen(again)
    off = await ja_mod.slash(channel, "admin reminders events", state="off")
    assert "イベント機能をオフにしました。" in seen(off) and "📅 イベントタブ：オフ" in seen(off)
    assert_japanese(seen(off))


async def test_the_language_of_posts_is_chosen_with_admin_language(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    await ja_mod.slash(channel, "admin reminders channel", channel=channel)
    chosen = await ja_mod.slash(channel, "admin language", language="ja")
    text = seen(chosen)
    assert "今後は日本語で書きます。" in text and "投稿の言語\n日本語" in text
    assert_japanese(text)
    assert (await service_of(simcord_env).db.guild_settings(guild.id)).language == "ja"
    await ja_mod.slash(channel, "admin reminders test")
    posted = channel.last_message
    assert posted is not None and "賞レース情報（テスト）" in (posted.embeds[0].title or "")

    history = seen(await ja_mod.slash(channel, "admin history"))
    assert "**投稿の言語**: このサーバーの Discord での言語 → 日本語" in history
    exported = await ja_mod.slash(channel, "admin export")
    assert exported.response is not None
    assert b'"language": "ja"' in await exported.response.attachments[0].read()
    undone = await ja_mod.slash(channel, "admin undo", entry="settings:reminders")
    assert "元に戻しました" in seen(undone)
    assert (await service_of(simcord_env).db.guild_settings(guild.id)).language is None

    wrong = pack_bytes(server={"settings": {"language": "fr"}})
    refused = await ja_mod.slash(channel, "admin import", file=("fr.json", wrong))
    assert '"en"、"ja"、null のいずれかにしてください' in seen(refused)
    await ja_mod.slash(channel, "admin language", language="en")
    back = await ja_mod.slash(channel, "admin language", language="server")
    assert "今後はこのサーバーの Discord での言語で書きます。" in seen(back)


# -- history, undo, moderator role ---------------------------------------------------------------


async def test_history_and_undo_are_japanese(world: World, ja_mod: MemberActor) -> None:
    guild, channel, fan, _ = world
    empty = await ja_mod.slash(channel, "admin history")
    assert "このサーバーではまだ変更がありません。" in seen(empty)
    await add_fact(ja_mod, channel)
    for n in range(5):
        form = await ja_mod.slash(channel, "admin fact edit", entry="our-first-screening")
        await ja_mod.submit_modal(form, defaults(form) | {"answer": f"Edit number {n}."})
    await ja_mod.slash(channel, "admin reminders leads", times="1h")
    history = await ja_mod.slash(channel, "admin history")
    text = seen(history)
    assert "モデレーション履歴" in text and "1/2ページ · 7件の変更 · 新しい順" in text
    assert "事実 `our-first-screening`を編集" in text and "**答え**: Edit number 3. → " in text
    assert "リマインダーの設定を変更" in text and "**通知タイミング**:" in text
    assert_japanese(text)
    assert history.response is not None
    await ja_mod.click(
        history.response, custom_id=history.response.components[0]["components"][1]["custom_id"]
    )
    second = seen(history)
    assert "2/2ページ" in second and "**追加**: Our first screening" in second

    undone = await ja_mod.slash(channel, "admin undo", entry="fact:our-first-screening")
    assert "の最後の変更を元に戻しました。" in seen(undone)
    settings = await ja_mod.slash(channel, "admin undo", entry="settings:reminders")
    assert "元に戻しました：リマインダーの設定を保存し" in seen(settings)
    assert_japanese(seen(settings))


async def test_moderator_role_replies_are_japanese(world: World, ja_mod: MemberActor) -> None:
    guild, channel, fan, _ = world
    helpers = guild.create_role("Helpers")
    granted = await ja_mod.slash(channel, "admin moderator-role", role=helpers)
    assert "のメンバーがこのサーバーで /admin を使えるようになりました。" in seen(granted)
    assert "サーバー設定 → 連携サービス" in seen(granted)
    cleared = await ja_mod.slash(channel, "admin moderator-role")
    assert "モデレーターロールを解除しました。" in seen(cleared)
    assert_japanese(seen(cleared))


# -- export and import ------------------------------------------------------------------------


async def test_export_and_import_are_japanese(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    await add_fact(ja_mod, channel)
    exported = await ja_mod.slash(channel, "admin export")
    assert "このサーバー独自の項目 1 件" in seen(exported)
    assert_japanese(seen(exported))

    broken = pack_bytes(facts=[fact("Not An Id", "Bad id")], server={"hidden": "all"})
    refused = await ja_mod.slash(channel, "admin import", file=("broken.json", broken))
    text = seen(refused)
    assert "インポートできません：問題が 2 件あります" in text
    assert "broken.json › server › hidden：リストにしてください" in text
    assert "'Not An Id' は英小文字、数字、'-' だけにしてください" in text  # the pack's own check
    assert "形式はコンテンツパック形式です" in text

    data = pack_bytes(
        facts=[fact("club-alpha", "Club fact alpha")],
        server={"hidden": [{"kind": "fact", "id": "director"}, {"kind": "fact", "id": "nope"}]},
    )
    preview = await ja_mod.slash(channel, "admin import", file=("club.json", data))
    text = seen(preview)
    assert "インポートのプレビュー：club.json" in text and "追加 **1**" in text
    assert "事実 `nope` は非表示にしませんでした。" in text
    assert "独自の項目 2/5,000 件" in text
    assert_japanese(text)
    assert preview.response is not None and buttons(preview.response) == ["確定", "キャンセル"]
    await ja_mod.click(preview.response, label="確定")
    applied = seen(preview)
    assert "インポートしました" in applied and "非表示 **1**" in applied
    assert_japanese(applied)
    await simcord_env.advance_time(61)  # two imports a minute
    same = await ja_mod.slash(channel, "admin import", file=("club.json", data))
    assert "インポートするものはありません" in seen(same)


# -- errors -------------------------------------------------------------------------------------


async def test_errors_are_japanese(
    world: World, ja_mod: MemberActor, locales: dict[int, str], simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    cases = [
        (("admin reminders leads",), {"times": "soon"}, "`soon` を読み取れませんでした"),
        (("admin reminders role",), {"role": guild.default_role}, "@everyone はリマインダー"),
        (("admin fact remove",), {"entry": "runtime"}, "`/admin fact hide` を使ってください"),
        (("admin fact edit",), {"entry": "no such thing"}, "が見つかりませんでした"),
        (("admin undo",), {"entry": "fact:runtime"}, "元に戻せる変更がありません"),
        (("admin reminders test",), {}, "リマインダーのチャンネルがまだ設定されていません"),
        (
            ("admin event add",),
            {"name": "Gala", "date": "2027-03-14 00:00", "source_url": "https://e.org/g"},
            "どのタイムゾーンの日時ですか",
        ),
        (
            ("admin event add",),
            {"name": "Gala", "date": "1999-01-01", "source_url": "https://e.org/g"},
            "2000年から2100年までの年",
        ),
    ]
    for (name,), options, expected in cases:
        result = await ja_mod.slash(channel, name, **options)
        assert result.ephemeral, name
        assert expected in seen(result), (name, seen(result))
        assert_japanese(seen(result))
    bad_form = await add_fact(ja_mod, channel, source_url="not a url")
    assert "次の点を直してください：" in seen(bad_form)
    assert "事実 › 出典URL：http:// または https:// で始まる URL にしてください" in seen(bad_form)
    # A member without the moderator role, granted the command, is refused in Japanese.
    locales[fan.id] = "ja"
    command = next(c for c in await simcord_env.bot.tree.fetch_commands() if c.name == "admin")
    guild.set_command_permissions(command, {guild.default_role: True})
    refused = await fan.slash(channel, "admin history")
    assert seen(refused) == JA._(
        "You need Manage Server or this server's moderator role to use /admin."
    )
    answered = [getattr(e, "original", e) for e in simcord_env.errors]  # acknowledged
    assert answered and all(isinstance(e, UserFacingError) for e in answered), answered


# -- one server, two languages ----------------------------------------------------------------


async def test_an_english_moderator_in_the_same_server_still_gets_english(
    world: World, ja_mod: MemberActor, simcord_env: Env
) -> None:
    guild, channel, fan, _ = world
    english = guild.add_member(simcord_env.create_user("en-mod"), roles=[guild.roles["Mods"]])
    ja_form = await ja_mod.slash(channel, "admin fact add")
    en_form = await english.slash(channel, "admin fact add")
    assert labels(ja_form)["title"] == "タイトル" and labels(en_form)["title"] == "Title"
    assert en_form.modal is not None and en_form.modal["title"] == "Add a fact"
    added = await english.submit_modal(en_form, FACT_FORM)
    assert "Added **Our first screening** (fact `our-first-screening`)." in seen(added)
    assert buttons(reply(added)) == ["Add or edit the Japanese text"]
    status = seen(await english.slash(channel, "admin reminders status"))
    assert "Awards reminders: status" in status and "Next reminders" in status
    assert not re.search(r"[\u3040-\u30ff]", status)
    history = seen(await ja_mod.slash(channel, "admin history"))
    assert "事実 `our-first-screening`を追加" in history  # the same record, in Japanese
    preview = await english.slash(
        channel, "admin event add", name="Gala", date="TBA", source_url="https://e.org/g"
    )
    assert preview.response is not None and buttons(preview.response) == ["Save", "Cancel"]
    assert "Add “Gala”?" in seen(preview)
    chosen = await english.slash(channel, "admin language", language="ja")
    assert "Reminders and other posts nobody asked for are now in 日本語." in seen(chosen)
