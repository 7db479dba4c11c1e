"""What every card is made of: `Card` and `Pages`, Discord timestamps, clipping, chunking."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

from bot import constants as c
from bot.domain.models import Entry
from bot.domain.text import clip
from bot.i18n import EN, N_, Lang, Messages

TIME_MARKER = re.compile(r"⟦t:(-?\d+):([tTdDfFR])⟧")


def timestamp(when: dt.datetime, style: str = "F") -> str:
    """A time marker (see module docstring)."""
    return f"⟦t:{int(when.timestamp())}:{style}⟧"


@dataclass(frozen=True)
class Card:
    """What one answer shows, independent of where it is shown."""

    title: str
    description: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    source_name: str = ""
    source_url: str = ""
    footer: str = ""
    colour: int = c.COLOUR_ANSWER
    suggestions: tuple[tuple[str, str], ...] = ()  # (label, "kind:key") for did-you-mean
    spoiler: bool = False
    lang: Lang = "en"  # the language it is written in (the renderers' own labels follow it)


@dataclass(frozen=True)
class Pages:
    """A card split over pages (long synopsis, long lists)."""

    cards: tuple[Card, ...] = field(default_factory=tuple)


_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    """`items` in consecutive pieces of `size` (the last may be shorter): one per page."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def event_when(entry: Entry, m: Messages = EN) -> str:
    """An awards event's date as time markers, or 'to be announced'."""
    if entry.starts_at is None:
        return m._("To be announced")
    relative = timestamp(entry.starts_at, "R")
    if entry.date_only:
        day = timestamp(entry.starts_at, "D")
        return m._("{day} ({relative}; time of day not announced)", day=day, relative=relative)
    return m._("{day} ({relative})", day=timestamp(entry.starts_at, "F"), relative=relative)


#: The line shown above spoiler-tagged text, so nobody opens one unaware.
SPOILER_WARNING: Final = N_("⚠️ **Spoiler warning:** the hidden text below reveals the story.")


def spoiler_tag(text: str) -> str:
    """`text` inside one Discord spoiler tag that nothing inside can close early.

    Every `|` inside is escaped (`\\|`), so no `||` but the tag's own can occur; a text ending
    in a backslash or an escaped bar gets a space before the closing tag, which would
    otherwise be read as escaped. Empty text stays empty (`||||` shows as four bars).
    """
    if not text.strip():
        return text
    inner = text.replace("|", "\\|")
    if inner.endswith("\\") or inner.endswith("|"):
        inner += " "
    return f"||{inner}||"


def spoiler_block(text: str, limit: int, m: Messages = EN) -> str:
    """The spoiler warning line, then `text` in a spoiler tag; `limit` characters in all
    (the text is cut inside the tag, so the cut never leaves the tag open)."""
    warning = m._(SPOILER_WARNING)
    room = limit - len(warning) - 1
    inner = text
    while len(spoiler_tag(inner)) > room:
        inner = clip(inner, max(1, len(inner) - (len(spoiler_tag(inner)) - room) - 1))
    return f"{warning}\n{spoiler_tag(inner)}"
