"""Calendar files (RFC 5545, written by the `icalendar` library) and "Add to Google Calendar"
links for the awards dates.

- One `VEVENT` per upcoming **dated** event; events still to be announced are left out.
- `UID` is stable per event (`<key>@awards.lookback-bot`), so a calendar app that imports the
  file again updates the event instead of adding a second one.
- `SEQUENCE` rises each time the event's date moved since the previous file (the dates are
  remembered per server: `Storage.calendar_sequences`).
- A day-only event (the day is known, the time is not) is an all-day event (`VALUE=DATE`); a
  timed one lasts `TIMED_WINDOW`, the same window as its Discord scheduled event.
- The library writes CRLF line ends and folds lines over 75 octets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import urlencode

import icalendar

from bot.domain.event_sync import TIMED_WINDOW
from bot.domain.models import Entry

PRODID: Final = "-//Look Back community bot//Awards calendar//EN"
UID_DOMAIN: Final = "awards.lookback-bot"
#: Discord's limit for a link button's URL.
URL_MAX: Final = 512


def uid_of(entry: Entry) -> str:
    """The event's stable UID."""
    return f"{entry.key}@{UID_DOMAIN}"


def upcoming_dated(events: Sequence[Entry], now: dt.datetime) -> list[Entry]:
    """The events a calendar file holds: dated, not over yet (a day-only event until its day
    ends), soonest first."""
    out = []
    for event in events:
        if event.starts_at is None:
            continue
        end = _end(event)
        if end > now:
            out.append(event)
    return sorted(out, key=lambda e: (e.starts_at, e.title))


def _day(entry: Entry) -> dt.date:
    assert entry.starts_at is not None
    return entry.starts_at.astimezone(dt.UTC).date()


def _end(entry: Entry) -> dt.datetime:
    assert entry.starts_at is not None
    if entry.date_only:
        day = _day(entry)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    return entry.starts_at + TIMED_WINDOW


def _details(entry: Entry) -> str:
    lines = [entry.ceremony] if entry.ceremony else []
    if entry.date_only:
        lines.append("The time of day is not announced yet.")
    if entry.source_url:
        lines.append(f"Source: {entry.source_name or entry.source_url} {entry.source_url}".strip())
    return "\n".join(lines)


def build_calendar(
    events: Sequence[Entry],
    sequences: Mapping[str, int],
    now: dt.datetime,
    name: str = "Look Back awards dates",
) -> bytes:
    """The .ics file of `events` (already filtered with `upcoming_dated`)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    for entry in events:
        if entry.starts_at is None:
            continue
        event = icalendar.Event()
        event.add("uid", uid_of(entry))
        event.add("dtstamp", stamp)
        event.add("sequence", sequences.get(entry.key, 0))
        event.add("summary", entry.title)
        if entry.date_only:
            day = _day(entry)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
        else:
            event.add("dtstart", entry.starts_at.astimezone(dt.UTC))
            event.add("dtend", _end(entry).astimezone(dt.UTC))
        details = _details(entry)
        if details:
            event.add("description", details)
        if entry.source_url:
            event.add("url", entry.source_url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


def google_calendar_url(entry: Entry) -> str | None:
    """An "Add to Google Calendar" link for a dated event (None while to be announced)."""
    if entry.starts_at is None:
        return None
    if entry.date_only:
        day = _day(entry)
        dates = f"{day:%Y%m%d}/{day + dt.timedelta(days=1):%Y%m%d}"
    else:
        start = entry.starts_at.astimezone(dt.UTC)
        dates = f"{start:%Y%m%dT%H%M%SZ}/{_end(entry).astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    base = "https://calendar.google.com/calendar/render?"
    params = {"action": "TEMPLATE", "text": entry.title[:200], "dates": dates}
    details = _details(entry)
    url = base + urlencode({**params, "details": details}) if details else base + urlencode(params)
    if len(url) > URL_MAX:
        url = base + urlencode(params)
    return url if len(url) <= URL_MAX else None
