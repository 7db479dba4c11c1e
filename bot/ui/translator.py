"""Japanese names and descriptions for the slash commands (discord.py's translator).

They are in the one message catalogue (`bot/i18n/locales/ja/LC_MESSAGES/commands.po`)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import messages


class JapaneseTranslator(app_commands.Translator):
    """Serves the `ja` locale from the catalogue; every other locale stays English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Japanese text for `string`, or None to keep the English."""
        if locale is not discord.Locale.japanese:
            return None
        translated = messages("ja")._(string.message)
        return translated if translated != string.message else None
