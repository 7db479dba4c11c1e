"""Cards as terminal text, for the offline console and `lookback-bot ask`."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

from bot.cards.base import TIME_MARKER, Card
from bot.domain.safety import strip_invisible
from bot.domain.timeutil import utcnow
from bot.i18n import EN, Messages, messages

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def _relative(when: dt.datetime, now: dt.datetime, m: Messages = EN) -> str:
    seconds = int((when - now).total_seconds())
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds >= 31_536_000:
        count = seconds // 31_536_000
        if future:
            return m.ngettext("in {count} year", "in {count} years", count)
        return m.ngettext("{count} year ago", "{count} years ago", count)
    if seconds >= 2_592_000:
        count = seconds // 2_592_000
        if future:
            return m.ngettext("in {count} month", "in {count} months", count)
        return m.ngettext("{count} month ago", "{count} months ago", count)
    if seconds >= 86_400:
        count = seconds // 86_400
        if future:
            return m.ngettext("in {count} day", "in {count} days", count)
        return m.ngettext("{count} day ago", "{count} days ago", count)
    if seconds >= 3_600:
        count = seconds // 3_600
        if future:
            return m.ngettext("in {count} hour", "in {count} hours", count)
        return m.ngettext("{count} hour ago", "{count} hours ago", count)
    if seconds >= 60:
        count = seconds // 60
        if future:
            return m.ngettext("in {count} minute", "in {count} minutes", count)
        return m.ngettext("{count} minute ago", "{count} minutes ago", count)
    return m._("now")


def render_times(text: str, now: dt.datetime | None = None, m: Messages = EN) -> str:
    """Replace time markers with UTC dates (the console has no viewer time zone)."""
    now = now or utcnow()

    def repl(match: re.Match[str]) -> str:
        when = dt.datetime.fromtimestamp(int(match.group(1)), tz=dt.UTC)
        style = match.group(2)
        if style == "R":
            return _relative(when, now, m)
        if style in "dD":
            return m.date(when)
        return m._("{day} {time} UTC", day=m.date(when), time=f"{when:%H:%M}")

    return TIME_MARKER.sub(repl, text)


def _plain(text: str, now: dt.datetime | None, m: Messages = EN) -> str:
    text = render_times(strip_invisible(text), now, m)
    text = _EMPHASIS.sub(r"\2", text)  # a terminal shows no bold or italics
    return _LINK.sub(r"\1 <\2>", text)


def render_card(card: Card, *, width: int = 88, now: dt.datetime | None = None) -> str:
    """A card as wrapped terminal text."""
    m = messages(card.lang)
    lines = [_plain(card.title, now, m), "=" * min(width, max(8, len(card.title)))]
    if card.description:
        for paragraph in _plain(card.description, now, m).split("\n"):
            lines.extend(textwrap.wrap(paragraph, width) or [""])
    for name, value in card.fields:
        lines.append("")
        lines.append(f"{_plain(name, now, m)}:")
        for paragraph in _plain(value, now, m).split("\n"):
            lines.extend("  " + w for w in (textwrap.wrap(paragraph, width - 2) or [""]))
    if card.suggestions:
        lines.append("")
        lines.append(m._("Did you mean (ask again with one of these):"))
        lines.extend(f"  - {label}" for label, _ in card.suggestions)
    if card.source_name:
        lines.append("")
        lines.append(m._("Source: {name} <{url}>", name=card.source_name, url=card.source_url))
    if card.footer:
        lines.append(f"[{_plain(card.footer, now, m)}]")
    return "\n".join(lines)
