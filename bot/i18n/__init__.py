"""Languages: which one a reader gets, and every message of the bot in it.

The catalogue is gettext's: English is the source language and a message's id is its English
text with `{named}` placeholders (`m._("Page {page}/{pages}", page=1, pages=3)`), so English
needs no file and can never be missing. The Japanese text is in PO files,
`bot/i18n/locales/ja/LC_MESSAGES/*.po` (one per area, all loaded; edit them by hand, with Poedit,
or `pybabel update`), read with babel the first time a Japanese message is needed.
`tests/bot/test_i18n.py` extracts every message from the code with babel's extractor and fails
on one without Japanese text, or whose placeholders differ between the two languages.

How code marks a message:
- `m._("English text {name}", name=value)` where `m = messages(lang)` is the reader's language;
- `m.ngettext("{count} entry", "{count} entries", n)` for counts (`count` is filled in);
- `N_("…")` marks a message kept for later (a constant, an error raised deep inside the
  services): it returns the text unchanged, and whoever shows it translates it then;
- `Text(N_("… {x}"), x=…)` is such a message with its values, not yet in any language: what
  `UserFacingError` carries, rendered with `Text.render(m)` where the reader is known.

Which language: `lang_of(interaction.locale)` for a reply ("ja" → Japanese, anything else →
English); a server's `/admin language` for posts nobody asked for; the console's `--lang`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final, Literal, Self

Lang = Literal["en", "ja"]
LANGS: Final[tuple[Lang, ...]] = ("en", "ja")
#: How each language names itself (the /admin language choices, the console's --lang help).
LANGUAGE_NAMES: Final[dict[Lang, str]] = {"en": "English", "ja": "日本語"}


def lang_of(locale: object) -> Lang:
    """The language for a Discord locale (`discord.Locale` or its value) or a `LANG` value:
    Japanese for `ja` / `ja_JP.UTF-8` …, English for anything else (and for none)."""
    value = str(getattr(locale, "value", locale) or "").strip().lower()
    return "ja" if value == "ja" or value.startswith(("ja-", "ja_", "ja.")) else "en"


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now."""
    return message


class Text(str):
    """A message not yet in a language: an English template and its values.

    It is a `str` holding the English text (so logs, JSON and comparisons read English) that
    also remembers how it was made, to be rendered in another language: `render(m)`. Values
    may be `Text` themselves (rendered in the same language).
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Self:
        english = _fill(template, values) if values else template
        made = super().__new__(cls, english)
        made.template = template
        made.values = values
        return made

    def render(self, m: Messages) -> str:
        """The message in `m`'s language."""
        values = {k: v.render(m) if isinstance(v, Text) else v for k, v in self.values.items()}
        return m._(self.template, **values)

    def __repr__(self) -> str:
        return f"Text({self.template!r}, **{self.values!r})"


def _fill(template: str, values: Mapping[str, object]) -> str:
    return template.format_map(values) if values else template


class Messages:
    """The bot's messages, dates and numbers in one language."""

    def __init__(self, lang: Lang, catalogue: Mapping[str | tuple[str, str], Any]) -> None:
        self.lang: Lang = lang
        self._catalogue = catalogue

    def _(self, message: str, /, **values: object) -> str:
        """`message` (its English text) in this language, placeholders filled in."""
        found = self._catalogue.get(message)
        return _fill(found if isinstance(found, str) and found else message, values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The singular or plural message for `count` (`{count}` is filled in too)."""
        found = self._catalogue.get((singular, plural))
        english = singular if count == 1 else plural
        template = found if isinstance(found, str) and found else english  # ja: one form
        return _fill(template, {"count": count, **values})

    def date(self, when: dt.date) -> str:
        """A calendar day: "March 14, 2027" / "2027年3月14日"."""
        if self.lang == "ja":
            return f"{when.year}年{when.month}月{when.day}日"
        return f"{when:%B} {when.day}, {when.year}"

    def yen(self, amount: float) -> str:
        """An amount of yen: "¥2.04B" / "20.4億円" (babel's compact Japanese form)."""
        if self.lang == "ja":
            from babel.numbers import format_compact_decimal

            return f"{format_compact_decimal(amount, locale='ja', fraction_digits=1)}円"
        if amount >= 1e9:
            return f"¥{amount / 1e9:.2f}B"
        if amount >= 1e6:
            return f"¥{amount / 1e6:.1f}M"
        return f"¥{amount:,.0f}"

    def minutes(self, count: int) -> str:
        """A length in minutes: "58 minutes" / "58分"."""
        return self.ngettext("{count} minute", "{count} minutes", count)


_LOCALES: Final = "locales"


def _read_catalogue(lang: Lang) -> dict[str | tuple[str, str], str]:
    """Every translated, non-fuzzy message of every PO file of `lang`."""
    if lang == "en":
        return {}
    from babel.messages.pofile import read_po

    folder = resources.files("bot.i18n") / _LOCALES / lang / "LC_MESSAGES"
    found: dict[str | tuple[str, str], str] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".po"):
            continue
        with item.open("rb") as handle:
            catalogue = read_po(handle, locale=lang)
        for message in catalogue:
            if not message.id or message.fuzzy:
                continue
            string = message.string
            if isinstance(message.id, tuple):
                first = string[0] if isinstance(string, tuple | list) and string else ""
                if first:
                    found[(message.id[0], message.id[1])] = first
            elif isinstance(message.id, str) and isinstance(string, str) and string:
                found[message.id] = string
    return found


@cache
def messages(lang: Lang) -> Messages:
    """The messages of `lang` (read once, then shared)."""
    return Messages(lang, _read_catalogue(lang))


def messages_for(locale: object) -> Messages:
    """The messages for a Discord locale or `LANG` value (see `lang_of`)."""
    return messages(lang_of(locale))


EN: Final = Messages("en", {})

__all__ = [
    "EN",
    "LANGS",
    "LANGUAGE_NAMES",
    "N_",
    "Lang",
    "Messages",
    "Text",
    "lang_of",
    "messages",
    "messages_for",
]
