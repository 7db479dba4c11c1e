"""Cards as terminal text, for the offline console and `lookback-bot ask`."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

from bot.cards.base import TIME_MARKER, Card
from bot.domain.safety import strip_invisible
from bot.domain.timeutil import utcnow

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def _relative(when: dt.datetime, now: dt.datetime) -> str:
    seconds = int((when - now).total_seconds())
    future = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            label = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return "now"


def render_times(text: str, now: dt.datetime | None = None) -> str:
    """Replace time markers with UTC dates (the console has no viewer time zone)."""
    now = now or utcnow()

    def repl(match: re.Match[str]) -> str:
        when = dt.datetime.fromtimestamp(int(match.group(1)), tz=dt.UTC)
        style = match.group(2)
        if style == "R":
            return _relative(when, now)
        if style in "dD":
            return when.strftime("%B %d, %Y").replace(" 0", " ")
        return when.strftime("%A, %B %d, %Y %H:%M UTC").replace(" 0", " ")

    return TIME_MARKER.sub(repl, text)


def _plain(text: str, now: dt.datetime | None) -> str:
    text = render_times(strip_invisible(text), now)
    text = _EMPHASIS.sub(r"\2", text)  # a terminal shows no bold or italics
    return _LINK.sub(r"\1 <\2>", text)


def render_card(card: Card, *, width: int = 88, now: dt.datetime | None = None) -> str:
    """A card as wrapped terminal text."""
    lines = [_plain(card.title, now), "=" * min(width, max(8, len(card.title)))]
    if card.description:
        for paragraph in _plain(card.description, now).split("\n"):
            lines.extend(textwrap.wrap(paragraph, width) or [""])
    for name, value in card.fields:
        lines.append("")
        lines.append(f"{_plain(name, now)}:")
        for paragraph in _plain(value, now).split("\n"):
            lines.extend("  " + w for w in (textwrap.wrap(paragraph, width - 2) or [""]))
    if card.suggestions:
        lines.append("")
        lines.append("Did you mean (ask again with one of these):")
        lines.extend(f"  - {label}" for label, _ in card.suggestions)
    if card.source_name:
        lines.append("")
        lines.append(f"Source: {card.source_name} <{card.source_url}>")
    if card.footer:
        lines.append(f"[{_plain(card.footer, now)}]")
    return "\n".join(lines)
