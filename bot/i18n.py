"""Japanese names and descriptions for the slash commands (discord.py's translator)."""

from __future__ import annotations

from typing import Final

import discord
from discord import app_commands

JA: Final[dict[str, str]] = {
    # command and option names (lower case, no spaces: Discord's naming rules)
    "ask": "質問",
    "fact": "事実",
    "quote": "名言",
    "synopsis": "あらすじ",
    "awards": "賞",
    "next": "次",
    "list": "一覧",
    "record": "受賞歴",
    "query": "検索",
    "help": "ヘルプ",
    "about": "情報",
    "question": "質問",
    "search": "キーワード",
    "speaker": "話者",
    "spoilers": "ネタバレ",
    "subscribe": "通知登録",
    "unsubscribe": "通知解除",
    "Get a direct message before every awards event.": "授賞イベントの前にDMでお知らせ。",
    "Stop the awards direct messages from this server.": "このサーバーからの授賞DMを停止。",
    # descriptions
    "Ask anything about Look Back: facts, quotes, story, awards.": "ルックバックについて何でも質問：事実、名言、あらすじ、受賞。",
    "Your question, in your own words.": "あなたの質問。",
    "A fact about the film, or a random one.": "映画についての事実（空欄でランダム）。",
    "What to look up (leave empty for a random fact).": "調べたいこと（空欄でランダム）。",
    "A quote by the people behind the film, or a random one.": "制作者の名言（空欄でランダム）。",
    "Words from the quote or its topic.": "名言の言葉や話題。",
    "Only quotes by this person.": "この人の名言だけ。",
    "The premise, or the full story with spoilers hidden.": "導入、またはネタバレ付きの全あらすじ。",
    "Show the whole story (late events stay hidden behind spoiler tags).": "全体を表示（終盤はネタバレ表示で隠します）。",
    "Awards, nominations and Oscar dates.": "受賞・ノミネートとアカデミー賞の日程。",
    "The next awards date, with a countdown.": "次の授賞関連の日程とカウントダウン。",
    "Past and upcoming awards events and their outcomes.": "過去と今後の授賞イベントと結果。",
    "Every award and nomination the film has.": "映画の受賞とノミネートの一覧。",
    "Ask a question about awards and the Oscars.": "賞やアカデミー賞について質問。",
    "Every command, with what it does.": "すべてのコマンドの説明。",
    "Version, size of the fact base, uptime and sources.": "バージョン、データ量、稼働時間、出典。",
}


class JapaneseTranslator(app_commands.Translator):
    """Serves the `ja` locale from the table above; every other locale stays English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Japanese text for `string`, or None to keep the English."""
        if locale is not discord.Locale.japanese:
            return None
        return JA.get(string.message)
