"""What every card is made of: `Card` and `Pages`, Discord timestamps, clipping, chunking."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot import constants as c
from bot.domain.models import Entry

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


@dataclass(frozen=True)
class Pages:
    """A card split over pages (long synopsis, long lists)."""

    cards: tuple[Card, ...] = field(default_factory=tuple)


_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    """`items` in consecutive pieces of `size` (the last may be shorter): one per page."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def event_when(entry: Entry) -> str:
    """An awards event's date as time markers, or 'to be announced'."""
    if entry.starts_at is None:
        return "To be announced"
    if entry.date_only:
        relative = timestamp(entry.starts_at, "R")
        return f"{timestamp(entry.starts_at, 'D')} ({relative}; time of day not announced)"
    return f"{timestamp(entry.starts_at, 'F')} ({timestamp(entry.starts_at, 'R')})"
