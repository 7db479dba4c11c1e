"""Parsing what moderators type: dates and time zones, lead times, aliases, slugs."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from functools import lru_cache
from typing import Final
from urllib.parse import urlparse

from bot import constants as c
from bot.domain.safety import neutralise_mentions
from bot.errors import UserFacingError
from bot.i18n import N_, Text
from bot.moderation.rules import event_date_problem
from bot.moderation.types import MAX_LEAD_SECONDS, MAX_LEADS, When

log = logging.getLogger(__name__)


# -- parsing what moderators type -------------------------------------------------------------

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEAD_TOKEN = re.compile(r"(\d+)\s*([wdhm])")
_LEAD_UNITS: Final = {"w": 7 * 86_400, "d": 86_400, "h": 3_600, "m": 60}
_NO_DATE: Final = frozenset({"tba", "tbd", "none", "unknown", "-"})
_ALIAS_SPLIT = re.compile(r"\n|,\s+|;")
DATE_HELP: Final = N_(
    "Type the date as `2027-03-14 00:00` with a time zone (the `timezone` option, e.g. "
    "`Asia/Tokyo`, `America/Los_Angeles`, `UTC`, `+09:00`), as ISO 8601 "
    "(`2027-03-14T00:00:00-07:00`), as a day alone (`2027-03-14`) or `TBA`."
)
COMMON_ZONES: Final = (
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Australia/Sydney",
    "Asia/Seoul",
    "Asia/Shanghai",
    "America/Sao_Paulo",
)


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA time zone name this machine knows, by its lower-case form."""
    try:
        names = zoneinfo.available_timezones()
    except Exception:  # no time zone database at all: offsets and UTC still work
        log.warning("No time zone database found; only UTC and offsets are understood")
        names = set()
    return {name.lower(): name for name in sorted(names)}


def parse_zone(text: str) -> dt.tzinfo | None:
    """A time zone from an IANA name, `UTC` or an offset like `+09:00`; None if unknown."""
    text = text.strip()
    if text.lower() in ("utc", "z", "gmt"):
        return dt.UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60:
            return None
        delta = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-delta if sign == "-" else delta)
    name = _zone_names().get(text.lower())
    if name is None:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_choices(current: str, limit: int = c.AUTOCOMPLETE_MAX_CHOICES) -> list[str]:
    """Time zone names for autocomplete: common ones first, then names containing the text."""
    typed = current.strip().lower()
    if not typed:
        return [z for z in COMMON_ZONES if z.lower() in _zone_names() or z == "UTC"][:limit]
    names = list(_zone_names().values())
    starts = [n for n in names if n.lower().startswith(typed)]
    parts = [n for n in names if typed in n.lower() and n not in starts]
    found = starts + parts
    if "utc".startswith(typed) and "UTC" not in found:
        found.insert(0, "UTC")
    return found[:limit]


def parse_when(text: str, zone: str | None = None) -> When:
    """Read an awards date as typed; raise UserFacingError with the accepted forms."""
    text = " ".join(text.split())
    if text.lower() in _NO_DATE:
        return When(None, False, Text(N_("to be announced")))
    parts = text.split(" ")
    if zone is None and len(parts) >= 2 and parse_zone(parts[-1]) is not None:
        zone, text = parts[-1], " ".join(parts[:-1])
    if _DATE_ONLY.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise UserFacingError(
                "`{text}` is not a real day. {help}", text=_typed(text), help=Text(DATE_HELP)
            ) from None
        # A day without a time of day is stored at noon UTC (the pack format's rule).
        starts = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        understood = Text(N_("{day} (a day; time not announced)"), day=day.isoformat())
        return When(_check_year(starts), True, understood)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserFacingError("I couldn't read that date. {help}", help=Text(DATE_HELP)) from None
    if parsed.tzinfo is not None:
        understood = Text(N_("{typed} (offset as typed)"), typed=text)
        return When(_check_year(parsed.astimezone(dt.UTC)), False, understood)
    if zone is None:
        raise UserFacingError(
            "Which time zone is that in? Add the `timezone` option (e.g. `Asia/Tokyo`, "
            "`America/Los_Angeles`, `UTC`) or write the offset (`2027-03-14T00:00-07:00`)."
        )
    tz = parse_zone(zone)
    if tz is None:
        raise UserFacingError(
            "I don't know that time zone. Use a name such as `Asia/Tokyo` or "
            "`America/Los_Angeles`, `UTC`, or an offset such as `+09:00`."
        )
    local = parsed.replace(tzinfo=tz)
    return When(_check_year(local.astimezone(dt.UTC)), False, f"{text} {zone.strip()}")


def _typed(text: str) -> str:
    """What a moderator typed, to show inside `code` (no backticks, no pings, short)."""
    return neutralise_mentions(text.replace("`", "'")[:40])


def _check_year(when: dt.datetime) -> dt.datetime:
    problem = event_date_problem(when)  # the one date rule (imports use it too)
    if problem is not None:
        raise UserFacingError(problem)
    return when


def parse_leads(text: str) -> tuple[int, ...]:
    """Read lead times such as `7d 1d 1h 0` (w, d, h, m; 0 = at the start), longest first."""
    tokens = [t for t in re.split(r"[\s,]+", text.strip().lower()) if t]
    if not tokens:
        raise UserFacingError("Type at least one lead time, e.g. `7d 1d 1h 0`.")
    leads: set[int] = set()
    for token in tokens:
        if token in ("0", "now", "start"):
            leads.add(0)
            continue
        pieces = _LEAD_TOKEN.findall(token)
        if not pieces or "".join(f"{n}{u}" for n, u in pieces) != token:
            raise UserFacingError(
                "I couldn't read `{token}`. Use numbers with w, d, h or m (weeks, days, hours, "
                "minutes) and 0 for the start: `7d 1d 1h 0`.",
                token=neutralise_mentions(token[:20]),
            )
        leads.add(sum(int(n) * _LEAD_UNITS[u] for n, u in pieces))
    if len(leads) > MAX_LEADS:
        raise UserFacingError("At most {count} lead times, please.", count=MAX_LEADS)
    if max(leads) > MAX_LEAD_SECONDS:
        raise UserFacingError("A lead time can be at most 60 days.")
    return tuple(sorted(leads, reverse=True))


def format_leads(leads: Iterable[int]) -> str:
    """`7d 1d 1h 0` for (604800, 86400, 3600, 0)."""
    words: list[str] = []
    for lead in leads:
        if lead == 0:
            words.append("0")
            continue
        for unit, size in (("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60)):
            if lead % size == 0:
                words.append(f"{lead // size}{unit}")
                break
        else:
            words.append(f"{lead // 60}m")
    return " ".join(words) or "none"


def parse_aliases(text: str) -> list[str]:
    """Aliases as typed: one per line (or separated by `, ` or `;`), blanks dropped."""
    seen: dict[str, None] = {}
    for piece in _ALIAS_SPLIT.split(text or ""):
        alias = " ".join(piece.split())
        if alias:
            seen.setdefault(alias, None)
    return list(seen)


def source_name_for(url: str) -> str:
    """A source's name from its address (`en.wikipedia.org`)."""
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.") or "Source"


def slug(text: str, fallback: str) -> str:
    """A key from a title: lower-case ASCII letters, digits and '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return base or fallback
