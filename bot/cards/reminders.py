"""The card of an awards reminder (drawn by `bot.render_discord` like every other card)."""

from __future__ import annotations

from bot import constants as c
from bot.cards.base import Card, event_when, timestamp
from bot.domain.models import Entry, Reminder
from bot.domain.safety import safe_display


def lead_words(seconds: int) -> str:
    """'in 7 days', 'in 1 hour', 'now' — the lead time in words."""
    if seconds <= 0:
        return "now"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    return f"in {seconds // 60} minutes"


def reminder_card(event: Entry, reminder: Reminder, *, late: bool) -> Card:
    """The reminder message: the event, its date for every reader's time zone, a countdown."""
    assert event.starts_at is not None
    if event.date_only:
        headline = f"{safe_display(event.title)} is on {timestamp(event.starts_at, 'D')}."
    elif reminder.lead_seconds <= 0:
        headline = f"{safe_display(event.title)} is starting now."
    else:
        headline = f"{safe_display(event.title)} starts {lead_words(reminder.lead_seconds)}."
    lines = [headline, "", f"**When:** {event_when(event)}"]
    # No outcome: a reminder comes before the event, and an outcome tells what happened.
    if late:
        lines += ["", "*Sent late: the bot was offline when this reminder was due. Sorry!*"]
    return Card(
        title=f"Awards watch: {safe_display(event.title)}"[: c.EMBED_TITLE_MAX],
        description="\n".join(lines),
        source_name=safe_display(event.source_name),
        source_url=event.source_url,
        footer=f"Reminder #{reminder.id} · /awards unsubscribe to stop direct messages"
        if reminder.target == "dm"
        else f"Reminder #{reminder.id} · moderators: /admin reminders",
        colour=c.COLOUR_AWARDS,
    )


def footer_marks(reminder_id: int, footer: str | None) -> bool:
    """True when an embed footer belongs to this reminder (finding a message sent before a
    crash)."""
    return bool(footer) and footer.startswith(f"Reminder #{reminder_id} ")  # type: ignore[union-attr]
