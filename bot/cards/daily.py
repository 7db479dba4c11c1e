"""The daily fact or quote (`bot.domain.daily`) and `/admin daily status`, as cards."""

from __future__ import annotations

import dataclasses

from bot import constants as c
from bot.cards.answers import entry_card
from bot.cards.base import Card, spoiler_block, timestamp
from bot.domain.models import DailyPost, DailySettings, Entry
from bot.domain.safety import safe_display
from bot.domain.text import clip
from bot.i18n import EN, Messages


def daily_mark(post_id: int) -> str:
    """The start of a daily post's footer, the same in every language: it finds the message
    sent before a crash."""
    return f"📅 #{post_id} · "


def footer_marks(post_id: int, footer: str | None) -> bool:
    """True when an embed footer belongs to this daily post."""
    return bool(footer) and str(footer).startswith(daily_mark(post_id))


def daily_card(entry: Entry, post: DailyPost, *, late: bool = False, m: Messages = EN) -> Card:
    """The day's fact or quote: the entry's own card under a "of the day" title; a spoiler
    entry entirely behind a spoiler tag."""
    card = entry_card(entry, m=m)
    heading = m._("Fact of the day") if entry.kind == "fact" else m._("Quote of the day")
    description = card.description
    if entry.spoiler and not card.spoiler:  # a quote's card does not hide it by itself
        text = entry.in_language(m.lang).text
        description = spoiler_block(safe_display(text), c.EMBED_DESCRIPTION_MAX)
    if late:
        description = clip(
            description
            + "\n\n*"
            + m._("Posted late: the bot was offline at the planned time.")
            + "*",
            c.EMBED_DESCRIPTION_MAX,
        )
    return dataclasses.replace(
        card,
        title=clip(f"{heading} · {card.title}", c.EMBED_TITLE_MAX),
        description=description,
        footer=daily_mark(post.id) + m._("moderators: /admin daily"),
        spoiler=card.spoiler or entry.spoiler,
    )


def daily_status_card(
    settings: DailySettings,
    next_post: DailyPost | None,
    recent: tuple[DailyPost, ...],
    eligible: int,
    *,
    m: Messages = EN,
) -> Card:
    """`/admin daily status`: the settings, the next post, the last ones and any failure."""
    if not settings.enabled or settings.channel_id is None:
        state = m._("Off. `/admin daily set` turns it on.")
    else:
        kinds = {
            "facts": m._("facts"),
            "quotes": m._("quotes"),
            "both": m._("facts and quotes"),
        }[settings.kinds]
        spoilers = (
            m._("spoilers allowed (hidden behind spoiler tags)")
            if settings.spoilers
            else m._("no spoilers")
        )
        state = m._(
            "On: {kinds} in <#{channel}> every day at {time} ({zone}); {spoilers}.",
            kinds=kinds,
            channel=settings.channel_id,
            time=settings.time_of_day,
            zone=settings.zone,
            spoilers=spoilers,
        )
    fields: list[tuple[str, str]] = [(m._("Rotation"), m.ngettext(
        "{count} entry to choose from", "{count} entries to choose from", eligible
    ))]  # fmt: skip
    if next_post is not None:
        fields.append(
            (
                m._("Next post"),
                f"{timestamp(next_post.due_at, 'F')} ({timestamp(next_post.due_at, 'R')})",
            )
        )
    lines = []
    for post in recent:
        outcome = {
            "sent": m._("sent"),
            "failed": m._("failed"),
            "missed": m._("missed (the bot was offline)"),
        }.get(post.status, post.status)
        line = f"{post.local_date}: {outcome}"
        if post.status == "failed" and post.last_error:
            line += f" — {safe_display(m._(post.last_error))}"
        lines.append(line)
    if lines:
        fields.append((m._("Last posts"), clip("\n".join(lines), c.EMBED_FIELD_VALUE_MAX)))
    if settings.last_error:
        when = f" ({timestamp(settings.last_error_at, 'R')})" if settings.last_error_at else ""
        fields.append(
            (
                m._("⚠️ Last failure"),
                clip(safe_display(m._(settings.last_error)) + when, c.EMBED_FIELD_VALUE_MAX),
            )
        )
    return Card(title=m._("Daily fact or quote"), description=state, fields=tuple(fields))
