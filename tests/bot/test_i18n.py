"""The message catalogue: every message of the code exists in both languages, with the same
placeholders; the language follows the reader's locale; dates and numbers the Japanese way."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from bot.errors import UserFacingError
from bot.i18n import EN, N_, Text, _read_catalogue, lang_of, messages
from bot.i18n.extract import KEYWORDS, ROOT, SOURCES, code_messages, placeholders

CODE = code_messages()
JA = _read_catalogue("ja")


def test_the_code_marks_messages_and_the_catalogue_reads() -> None:
    assert len(CODE) > 100
    assert len(JA) > 100


def test_every_message_of_the_code_has_japanese_text() -> None:
    missing = {k: v for k, v in CODE.items() if k not in JA}
    assert not missing, "no Japanese text (run python -m bot.i18n.extract):\n" + "\n".join(
        f"{where[0]}: {key!r}" for key, where in list(missing.items())[:30]
    )


def test_placeholders_match_in_both_languages() -> None:
    wrong = []
    for key in CODE.keys() & JA.keys():
        english = placeholders(key[1] if isinstance(key, tuple) else key)
        if isinstance(key, tuple):
            english |= placeholders(key[0])
        if placeholders(JA[key]) != english:
            wrong.append(f"{key!r} → {JA[key]!r}")
    assert not wrong, "\n".join(wrong)


def test_the_catalogue_holds_nothing_the_code_no_longer_says() -> None:
    # Option names (one lower-case word) are asked for by discord.py from the parameters'
    # names, not marked in the code; tests/cogs/test_commands.py checks each has its Japanese.
    unused = sorted(
        str(k) for k in JA.keys() - CODE.keys() if not (isinstance(k, str) and k.isidentifier()
                                                        and k.islower())
    )  # fmt: skip
    assert not unused, unused[:30]


def test_japanese_command_names_follow_discords_rules() -> None:
    names = [k for k in CODE if isinstance(k, str) and k.islower() and " " not in k]
    for name in names:
        if name in JA and len(name) <= 32 and name.replace("-", "").isalnum():
            ja = JA[name]
            assert 1 <= len(ja) <= 32 and " " not in ja and ja == ja.lower(), (name, ja)


_ERRORS = {name for name in KEYWORDS if name[0].isupper() and name != "Text"}


def _calls_with_unmarked_messages(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in _ERRORS | {"_", "Text", "N_"}:
            first = node.args[0]
            if isinstance(first, ast.JoinedStr | ast.BinOp):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_message_is_built_before_translation() -> None:
    # An f-string (or +) as a message id can't be in the catalogue: the reader would get English.
    files = [p for folder in SOURCES for p in (ROOT / folder).rglob("*.py")]
    offenders = [line for path in files for line in _calls_with_unmarked_messages(path)]
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("ja", "ja"), ("ja_JP.UTF-8", "ja"), ("en-US", "en"), ("en-GB", "en"), ("ko", "en"),
     ("", "en"), (None, "en"), ("jam", "en")],
)  # fmt: skip
def test_the_language_follows_the_locale(locale: str | None, lang: str) -> None:
    assert lang_of(locale) == lang


def test_a_discord_locale_object_is_read_by_its_value() -> None:
    import discord

    assert lang_of(discord.Locale.japanese) == "ja"
    assert lang_of(discord.Locale.american_english) == "en"


def test_dates_and_amounts_the_japanese_way() -> None:
    ja = messages("ja")
    assert ja.date(dt.date(2027, 3, 14)) == "2027年3月14日"
    assert EN.date(dt.date(2027, 3, 14)) == "March 14, 2027"
    assert ja.minutes(58) == "58分"
    assert EN.minutes(58) == "58 minutes" and EN.minutes(1) == "1 minute"
    assert ja.yen(2.04e9) == "20.4億円"
    assert EN.yen(2.04e9) == "¥2.04B"


def test_an_error_renders_in_the_readers_language_and_logs_in_english() -> None:
    template = N_("The fact base is busy or unavailable right now. "
                  "Nothing was changed; please try again in a moment.")  # fmt: skip
    error = UserFacingError(template)
    assert error.message == template
    assert error.render(messages("ja")) == JA[template]
    nested = Text("{count} minute", count=3)
    assert str(nested) == "3 minute"


def test_an_unknown_message_falls_back_to_english() -> None:
    assert messages("ja")._("Not in any catalogue {x}", x=1) == "Not in any catalogue 1"
