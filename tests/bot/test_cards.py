"""Awards cards: an outcome (what happened) only once the event has happened."""

from __future__ import annotations

import datetime as dt

from bot.cards.answers import entry_card, events_pages, next_event_card
from bot.domain import timeutil
from bot.domain.models import Entry

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _event(key: str, starts_at: dt.datetime | None, outcome: str) -> Entry:
    return Entry(
        "awards",
        key,
        f"Gala {key}",
        "",
        "Test source",
        "https://example.org/gala",
        starts_at=starts_at,
        outcome=outcome,
    )


def test_events_list_shows_outcomes_of_past_events_only() -> None:
    past = _event("past", NOW - dt.timedelta(days=3), "The winner was announced.")
    ahead = _event("ahead", NOW + dt.timedelta(days=3), "Nominations were announced.")
    fields = dict(events_pages([past, ahead], NOW).cards[0].fields)
    assert "The winner was announced." in fields["Gala past"]
    assert "past" in fields["Gala past"]
    assert "Nominations were announced." not in fields["Gala ahead"]
    assert "upcoming" in fields["Gala ahead"]


def test_next_event_card_shows_no_outcome() -> None:
    ahead = _event("ahead", NOW + dt.timedelta(days=3), "Nominations were announced.")
    card = next_event_card(ahead, [])
    assert "Nominations were announced." not in str(card)
    assert "Gala ahead" in card.title


def test_entry_card_of_a_future_event_says_not_held_yet(monkeypatch) -> None:
    monkeypatch.setattr(timeutil, "_clock", lambda: NOW)
    ahead = entry_card(_event("ahead", NOW + dt.timedelta(days=3), "It was a great night."))
    past = entry_card(_event("past", NOW - dt.timedelta(days=3), "It was a great night."))
    assert ahead.description == "Not held yet."
    assert past.description == "It was a great night."
