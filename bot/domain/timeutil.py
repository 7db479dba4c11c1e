"""Timestamps: the one clock the bot reads, and UTC parsing/formatting for storage.

The domain, storage and cards read "now" through `utcnow()` only. The clock defaults to the
system's; the Discord bot points it at discord.py's `utcnow` (`use_clock`), which simcord's
virtual time drives, so tests move every layer's "now" together. Keeping the clock here keeps
discord.py out of the layers below the Discord surface (and out of the command-line paths).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def _system_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_clock: Clock = _system_now


def use_clock(clock: Clock) -> None:
    """Read "now" through `clock` from here on (the Discord bot passes discord.py's)."""
    global _clock
    _clock = clock


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, from the clock in use."""
    return _clock()


def now_iso() -> str:
    """The current UTC time as ISO 8601."""
    return utcnow().isoformat(timespec="seconds")


def parse_utc(value: str | None) -> dt.datetime | None:
    """Parse a stored UTC timestamp."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_utc(value: dt.datetime | None) -> str | None:
    """Format a timestamp for storage, always in UTC."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
