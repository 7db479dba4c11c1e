"""The card of an awards reminder (drawn by `bot.render_discord` like every other card)."""

from __future__ import annotations

from bot import constants as c
from bot.cards.base import Card, event_when, timestamp
from bot.domain.models import Entry, Reminder
from bot.domain.safety import safe_display
from bot.i18n import EN, LANGS, Messages, messages


def lead_words(seconds: int, m: Messages = EN) -> str:
    """'in 7 days', 'in 1 hour', 'now' — the lead time in words."""
    if seconds <= 0:
        return m._("now")
    if seconds % 86_400 == 0:
        return m.ngettext("in {count} day", "in {count} days", seconds // 86_400)
    if seconds % 3_600 == 0:
        return m.ngettext("in {count} hour", "in {count} hours", seconds // 3_600)
    return m.ngettext("in {count} minute", "in {count} minutes", seconds // 60)


def _marker(reminder_id: int, m: Messages) -> str:
    """The start of a reminder's footer, by which a message sent before a crash is found."""
    return m._("Reminder #{id}", id=reminder_id)


def reminder_card(event: Entry, reminder: Reminder, *, late: bool, m: Messages = EN) -> Card:
    """The reminder message: the event, its date for every reader's time zone, a countdown."""
    event = event.in_language(m.lang)
    assert event.starts_at is not None
    name = safe_display(event.title)
    if event.date_only:
        headline = m._("{event} is on {day}.", event=name, day=timestamp(event.starts_at, "D"))
    elif reminder.lead_seconds <= 0:
        headline = m._("{event} is starting now.", event=name)
    else:
        when = lead_words(reminder.lead_seconds, m)
        headline = m._("{event} starts {when}.", event=name, when=when)
    lines = [headline, "", m._("**When:** {when}", when=event_when(event, m))]
    # No outcome: a reminder comes before the event, and an outcome tells what happened.
    if late:
        lines += ["", m._("*Sent late: the bot was offline when this reminder was due. Sorry!*")]
    if reminder.target == "dm":
        how = m._("/awards unsubscribe to stop direct messages")
    else:
        how = m._("moderators: /admin reminders")
    return Card(
        lang=m.lang,
        title=m._("Awards watch: {event}", event=name)[: c.EMBED_TITLE_MAX],
        description="\n".join(lines),
        source_name=safe_display(event.source_name),
        source_url=event.source_url,
        footer=f"{_marker(reminder.id, m)} · {how}",
        colour=c.COLOUR_AWARDS,
    )


def footer_marks(reminder_id: int, footer: str | None) -> bool:
    """True when an embed footer belongs to this reminder (finding a message sent before a
    crash), in whichever language it was posted."""
    if not footer:
        return False
    return any(footer.startswith(_marker(reminder_id, messages(lang)) + " ") for lang in LANGS)
