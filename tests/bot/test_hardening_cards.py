"""Fans: spoiler text that can't be un-hidden from inside, and no invisible or direction-changing
characters in what is shown (embeds and the console)."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards.answers import answer_card, entry_card, synopsis_pages
from bot.cards.base import SPOILER_WARNING, Card
from bot.cards.embed import card_embed
from bot.cards.text import render_card
from bot.domain.models import Answer, Entry
from bot.domain.safety import clean_query

SECRET = "Kyomoto dies"


def visible_lazy(text: str) -> str:
    """What a reader sees before clicking, read as Discord's spoiler rule matches:
    `||`, then the shortest text up to the next `||`."""
    return re.sub(r"\|\|.+?\|\|", "", text, flags=re.DOTALL)


def visible_escaped(text: str) -> str:
    """The same, for a reader that honours backslash escapes before looking for `||`."""
    out: list[str] = []
    hidden = False
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if not hidden:
                out.append(text[i + 1])
            i += 2
            continue
        if text.startswith("||", i):
            hidden = not hidden
            i += 2
            continue
        if not hidden:
            out.append(text[i])
        i += 1
    assert not hidden, "a spoiler tag is left open: everything after it shows"
    return "".join(out)


def fact(text: str, spoiler: bool = True, **extra: object) -> Entry:
    return Entry("fact", "twist", "The twist", text, "S", "https://e.org", spoiler=spoiler, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        f"The twist: || {SECRET} || and more",
        f"{SECRET} |",
        f"{SECRET} \\",
        f"`||` {SECRET} `||`",
        f"||{SECRET}||",
        f"a ||| {SECRET} |||| b",
        f"{SECRET} " + "x" * 5000,  # longer than an embed: cut inside the tag
    ],
)
def test_a_spoiler_fact_cannot_break_out_of_its_tag(text: str) -> None:
    description = entry_card(fact(text)).description
    assert description.startswith(SPOILER_WARNING + "\n")  # the warning, one line, above
    for visible in (visible_lazy(description), visible_escaped(description)):
        assert visible.strip() == visible_escaped(SPOILER_WARNING).strip() or visible.strip() == (
            SPOILER_WARNING
        ), visible
        assert "Kyomoto" not in visible
    assert len(card_embed(entry_card(fact(text))).description or "") <= 4096


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("|\\`*_~ ab\n"), min_size=1, max_size=40))
def test_no_text_escapes_a_spoiler_tag(noise: str) -> None:
    description = entry_card(fact(f"{noise}{SECRET}{noise}")).description
    assert "Kyomoto" not in visible_lazy(description)
    assert "Kyomoto" not in visible_escaped(description)


def test_a_synopsis_section_marked_spoiler_is_shown_inside_tags() -> None:
    section = Entry(
        "synopsis",
        "themes",
        "Themes",
        f"First paragraph about {SECRET}.\n\nSecond one. " + "Long. " * 500,
        "S",
        "https://e.org",
        guild_id=5,
        section="themes",
        spoiler=True,
    )
    pages = synopsis_pages(section).cards
    assert len(pages) >= 2
    for page in pages:
        assert page.description.startswith(SPOILER_WARNING)
        for visible in (visible_lazy(page.description), visible_escaped(page.description)):
            assert "Kyomoto" not in visible and "Long." not in visible


def test_a_paragraph_with_a_spoiler_tag_is_hidden_whole() -> None:
    section = Entry(
        "synopsis",
        "full",
        "Full",
        f"Set-up, readable.\n\nThen ||{SECRET}|| and the rest | of it.",
        "S",
        "https://e.org",
        section="full",
        spoiler=True,
    )
    (page,) = synopsis_pages(section).cards
    visible = visible_escaped(page.description)
    assert "Set-up, readable." in visible
    assert "Kyomoto" not in visible and "the rest" not in visible


# -- invisible and direction-changing characters ------------------------------------------------

HOSTILE = (
    "\u202eevil\u202c \u2066iso\u2069 zero\u200bwidth jo\u200diner \ufeffbom \u2067\u2068 @everyone"
)


def shown_strings(card: Card) -> list[str]:
    embed = card_embed(card).to_dict()
    return [json.dumps(embed, ensure_ascii=False), render_card(card)]


def test_stored_text_reaches_no_embed_or_terminal_with_invisible_characters() -> None:
    entry = Entry(
        "quote",
        "q",
        f"Title {HOSTILE}",
        f"Text {HOSTILE}",
        f"Source {HOSTILE}",
        "https://e.org",
        speaker=f"Speaker {HOSTILE}",
        occasion=HOSTILE,
    )
    for card in (entry_card(entry), entry_card(fact(HOSTILE, spoiler=False))):
        for shown in shown_strings(card):
            bad = [
                f"U+{ord(ch):04X}"
                for ch in shown
                if (unicodedata.category(ch) == "Cf" and ch != "\u200b") or ch in "\u2028\u2029"
            ]
            assert bad == [], bad
            assert "evil" in shown and "@\u200beveryone" in shown  # the text itself stays


def test_typed_text_is_shown_without_them() -> None:
    query = clean_query(f"who {HOSTILE}")
    card = answer_card(Answer(query, None, (), None))
    for shown in shown_strings(card):
        assert not any(unicodedata.category(ch) == "Cf" and ch != "\u200b" for ch in shown)
