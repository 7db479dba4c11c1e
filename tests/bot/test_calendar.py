"""Calendar files and Google Calendar links: parsed back with `icalendar` (what a calendar app
reads), stable UIDs, SEQUENCE rising when a date moves, all-day events for day-only dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar

from bot.domain.calendar import build_calendar, google_calendar_url, uid_of, upcoming_dated
from bot.domain.models import Entry
from bot.storage import open_storage

NOW = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


def event(key: str, starts_at: dt.datetime | None, *, date_only: bool = False) -> Entry:
    return Entry(
        "awards",
        key,
        key.replace("-", " ").title(),
        "",
        "Academy",
        "https://www.oscars.org/oscars/ceremonies/2027",
        ceremony="99th Academy Awards",
        starts_at=starts_at,
        date_only=date_only,
    )


TIMED = event("ceremony", dt.datetime(2027, 3, 14, 23, 0, tzinfo=dt.UTC))
DAY_ONLY = event("nominations", dt.datetime(2027, 1, 21, 12, 0, tzinfo=dt.UTC), date_only=True)
TBA = event("luncheon", None)
PAST = event("shortlist", dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC))


def parsed(data: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def test_the_file_holds_upcoming_dated_events_only() -> None:
    events = upcoming_dated([TBA, PAST, TIMED, DAY_ONLY], NOW)
    assert [e.key for e in events] == ["nominations", "ceremony"]
    vevents = parsed(build_calendar(events, {}, NOW))
    assert [str(v["uid"]) for v in vevents] == [uid_of(DAY_ONLY), uid_of(TIMED)]


def test_timed_and_day_only_events() -> None:
    data = build_calendar([DAY_ONLY, TIMED], {}, NOW)
    day, timed = parsed(data)
    assert day["dtstart"].dt == dt.date(2027, 1, 21)
    assert day["dtend"].dt == dt.date(2027, 1, 22)
    assert b"DTSTART;VALUE=DATE:20270121" in data
    assert timed["dtstart"].dt == dt.datetime(2027, 3, 14, 23, 0, tzinfo=dt.UTC)
    assert timed["dtend"].dt == dt.datetime(2027, 3, 15, 2, 0, tzinfo=dt.UTC)
    assert b"DTSTART:20270314T230000Z" in data
    assert str(timed["summary"]) == "Ceremony"
    assert "https://www.oscars.org" in str(timed["description"])


def test_rfc5545_crlf_and_folding() -> None:
    long = event("x" * 10, TIMED.starts_at).with_changes(title="A very long name " * 10)
    data = build_calendar([long], {}, NOW)
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # a folded line
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"VERSION:2.0" in data and b"PRODID:" in data


async def test_sequence_rises_only_when_the_date_moves(db_location: Path | str) -> None:
    db = await open_storage(db_location)
    try:
        start = TIMED.starts_at
        assert start is not None
        first = await db.calendar_sequences(5, [("ceremony", start, False)])
        again = await db.calendar_sequences(5, [("ceremony", start, False)])
        moved_at = dt.datetime(2027, 3, 21, 23, 0, tzinfo=dt.UTC)
        moved = await db.calendar_sequences(5, [("ceremony", moved_at, False)])
        day_only = await db.calendar_sequences(5, [("ceremony", moved_at, True)])
        other_server = await db.calendar_sequences(6, [("ceremony", moved_at, False)])
    finally:
        await db.close()
    assert (first, again, moved, day_only) == (
        {"ceremony": 0},
        {"ceremony": 0},
        {"ceremony": 1},
        {"ceremony": 2},
    )
    assert other_server == {"ceremony": 0}
    vevent = parsed(build_calendar([TIMED], moved, NOW))[0]
    assert vevent["sequence"] == 1
    assert str(vevent["uid"]) == uid_of(TIMED)  # the same event, updated


def test_google_calendar_links() -> None:
    timed = google_calendar_url(TIMED)
    assert timed is not None and len(timed) <= 512
    query = parse_qs(urlsplit(timed).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == ["20270314T230000Z/20270315T020000Z"]
    assert query["text"] == ["Ceremony"]
    day = parse_qs(urlsplit(google_calendar_url(DAY_ONLY) or "").query)
    assert day["dates"] == ["20270121/20270122"]
    assert google_calendar_url(TBA) is None
