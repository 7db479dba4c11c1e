"""Cards for answers: facts, quotes, synopsis pages, awards events, help and about.

`bot.cards.embed` / `bot.cards.text` draw the same cards as embeds or terminal text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace

from bot import constants as c
from bot.cards.base import (
    SPOILER_WARNING,
    Card,
    Pages,
    chunks,
    event_when,
    spoiler_block,
    spoiler_tag,
)
from bot.domain.models import Answer, BaseStats, Entry
from bot.domain.safety import quote_user_text, safe_display
from bot.domain.text import clip
from bot.domain.timeutil import utcnow


def _kind_footer(entry: Entry) -> str:
    label = c.KIND_LABELS[entry.kind]
    scope = "shipped content" if entry.is_shipped else "this server's own entry"
    return f"{label} · {entry.key} · {scope}"


def _quote_when(entry: Entry) -> str:
    parts = [p for p in (entry.occasion, entry.said_on) if p]
    return ", ".join(parts) if parts else "date unknown"


def entry_card(entry: Entry, score: float | None = None) -> Card:
    """The card for one entry of any kind."""
    footer = _kind_footer(entry)
    if score is not None and score < 1.0:
        footer += f" · match {score:.0%}"
    title = clip(safe_display(entry.title), c.EMBED_TITLE_MAX)
    source = (safe_display(entry.source_name), entry.source_url)
    if entry.kind == "quote":
        return Card(
            title=f"{safe_display(entry.speaker)}: {title}"[: c.EMBED_TITLE_MAX],
            description=clip(f"> {safe_display(entry.text)}", c.EMBED_DESCRIPTION_MAX),
            fields=(("Said", safe_display(_quote_when(entry))[: c.EMBED_FIELD_VALUE_MAX]),),
            source_name=source[0],
            source_url=source[1],
            footer=footer,
        )
    if entry.kind == "awards":
        fields = [("When", event_when(entry))]
        if entry.ceremony:
            fields.append(("Ceremony", clip(safe_display(entry.ceremony), c.EMBED_FIELD_VALUE_MAX)))
        ahead = entry.starts_at is None or entry.starts_at > utcnow()
        outcome = "" if ahead else safe_display(entry.outcome)  # it tells what happened
        return Card(
            title=title,
            description=clip(
                outcome or ("Not held yet." if ahead else "No outcome recorded."),
                c.EMBED_DESCRIPTION_MAX,
            ),
            fields=tuple(fields),
            source_name=source[0],
            source_url=source[1],
            footer=footer,
            colour=c.COLOUR_AWARDS,
        )
    text = safe_display(entry.text)
    if entry.spoiler:  # all of it hidden, whatever the text holds (see `spoiler_tag`)
        description = spoiler_block(text, c.EMBED_DESCRIPTION_MAX)
    else:
        description = clip(text, c.EMBED_DESCRIPTION_MAX)
    return Card(
        title=title,
        description=description,
        source_name=source[0],
        source_url=source[1],
        footer=footer,
        spoiler=entry.spoiler,
    )


def answer_card(answer: Answer) -> Card:
    """The card for a question: the answer, or "I don't know" with suggestions."""
    note = safe_display(answer.note)
    if answer.match is not None:
        card = entry_card(answer.match.entry, answer.match.score)
        if not note:
            return card
        # Which work the answer is about ("About the 2021 manga."), above the answer itself.
        text = f"*{note}*\n\n{card.description}"
        return replace(card, description=clip(text, c.EMBED_DESCRIPTION_MAX))
    asked = quote_user_text(answer.query)
    suggestions = tuple(
        (clip(safe_display(m.entry.title), c.BUTTON_LABEL_MAX), m.entry.uid)
        for m in answer.suggestions
    )
    # A question about another work or ceremony: say so instead of a plain "I don't know".
    opening = note if note else f"I don't know that one (“{asked}”)."
    if suggestions:
        description = f"{opening} Did you mean one of these?"
    else:
        description = f"{opening} Try other words, or `/help` to see what I can answer."
    return Card(
        title="I don't know that one",
        description=description,
        colour=c.COLOUR_UNKNOWN,
        suggestions=suggestions,
        footer="Answers come only from the checked fact base.",
    )


def _split_paragraphs(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > limit:
            cut = paragraph.rfind(". ", 0, limit)
            cut = cut + 1 if cut > limit // 3 else limit
            pieces.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if paragraph.strip():
            pieces.append(paragraph.strip())
    return pieces


def _spoiler_pieces(text: str, spoiler: bool, limit: int) -> list[tuple[str, bool]]:
    """The text as (piece, hidden) pieces of at most `limit` characters.

    A paragraph that holds a spoiler tag is hidden whole (its own tags removed, one safe tag
    put around it: nothing inside can end it early). A section marked spoiler without any tag
    is hidden whole, paragraph by paragraph.
    """
    tagged = "||" in text
    out: list[tuple[str, bool]] = []
    for paragraph in text.split("\n\n"):
        hidden = "||" in paragraph or (spoiler and not tagged)
        plain = paragraph.replace("||", "") if hidden else paragraph
        out += [(piece, hidden) for piece in _split_paragraphs(plain, limit)]
    return out


def paginate(text: str, limit: int = c.SYNOPSIS_PAGE_CHARS, *, spoiler: bool = False) -> list[str]:
    """Split text into pages at paragraph or sentence ends; hidden paragraphs (see
    `_spoiler_pieces`) each in their own spoiler tag, under a warning line on their page."""
    room = limit - len(SPOILER_WARNING) - 16  # the warning, tags and escapes
    pages: list[str] = []
    current: list[str] = []
    warned = False
    size = 0
    for piece, hidden in _spoiler_pieces(text, spoiler, room // 2):
        shown = spoiler_tag(piece) if hidden else piece
        extra = len(shown) + 2 + (0 if warned or not hidden else len(SPOILER_WARNING) + 1)
        if current and size + extra > limit:
            pages.append("\n\n".join(current))
            current, size, warned = [], 0, False
            extra = len(shown) + 2 + (len(SPOILER_WARNING) + 1 if hidden else 0)
        if hidden and not warned:
            shown = f"{SPOILER_WARNING}\n{shown}"
            warned = True
        current.append(shown)
        size += extra
    if current:
        pages.append("\n\n".join(current))
    return pages or [""]


def synopsis_pages(entry: Entry) -> Pages:
    """The synopsis as pages with 'Page n/N' footers."""
    texts = paginate(safe_display(entry.text), spoiler=entry.spoiler)
    total = len(texts)
    cards = tuple(
        Card(
            title=clip(safe_display(entry.title), c.EMBED_TITLE_MAX),
            description=text,
            source_name=safe_display(entry.source_name),
            source_url=entry.source_url,
            footer=(f"Page {n}/{total} · " if total > 1 else "")
            + ("Contains spoilers" if entry.spoiler else "Spoiler-free"),
            spoiler=entry.spoiler,
        )
        for n, text in enumerate(texts, start=1)
    )
    return Pages(cards)


def next_event_card(event: Entry | None, undated: Sequence[Entry]) -> Card:
    """The next awards event with a live countdown, or what is still to be announced."""
    fields = tuple((safe_display(e.title), "Date: to be announced") for e in undated[:5])
    if event is None:
        return Card(
            title="No dated awards event ahead",
            description="Nothing with a date is coming up yet.",
            fields=fields,
            colour=c.COLOUR_AWARDS,
            footer="Dates are shown in your own time zone.",
        )
    base = entry_card(event)
    return Card(
        title=f"Next: {base.title}"[: c.EMBED_TITLE_MAX],
        description=event_when(event),
        fields=fields,  # no outcome: the event has not happened yet
        source_name=base.source_name,
        source_url=base.source_url,
        footer="Dates are shown in your own time zone.",
        colour=c.COLOUR_AWARDS,
    )


def events_pages(events: Sequence[Entry], now: dt.datetime, per_page: int = 5) -> Pages:
    """Past and upcoming events with outcomes, a few per page."""
    if not events:
        return Pages(
            (
                Card(
                    title="Awards events",
                    description="No awards events yet.",
                    colour=c.COLOUR_AWARDS,
                ),
            )
        )
    cards: list[Card] = []
    batches = chunks(events, per_page)
    for page, chunk in enumerate(batches, 1):
        fields = []
        for e in chunk:
            state = "upcoming" if e.starts_at is None or e.starts_at > now else "past"
            value = f"{event_when(e)} · {state}"
            if e.outcome and state == "past":  # an outcome tells what happened
                value += f"\n{clip(safe_display(e.outcome), 700)}"
            fields.append(
                (
                    clip(safe_display(e.title), c.EMBED_FIELD_NAME_MAX),
                    clip(value, c.EMBED_FIELD_VALUE_MAX),
                )
            )
        cards.append(
            Card(
                title="Awards events",
                fields=tuple(fields),
                colour=c.COLOUR_AWARDS,
                footer=f"Page {page}/{len(batches)} · times in your own time zone",
            )
        )
    return Pages(tuple(cards))


def record_pages(facts: Sequence[Entry], per_page: int = 6) -> Pages:
    """The film's awards and nominations."""
    if not facts:
        return Pages(
            (
                Card(
                    title="Awards record", description="No awards recorded.", colour=c.COLOUR_AWARDS
                ),
            )
        )
    batches = chunks(facts, per_page)
    cards = []
    for page, chunk in enumerate(batches, 1):
        fields = tuple(
            (
                clip(safe_display(f.title), c.EMBED_FIELD_NAME_MAX),
                clip(
                    f"{safe_display(f.text)}\n[{safe_display(f.source_name)}]({f.source_url})",
                    c.EMBED_FIELD_VALUE_MAX,
                ),
            )
            for f in chunk
        )
        cards.append(
            Card(
                title="Look Back: awards and nominations",
                fields=fields,
                colour=c.COLOUR_AWARDS,
                footer=f"Page {page}/{len(batches)}",
            )
        )
    return Pages(tuple(cards))


# (group, ((command path, options as typed, what it does), ...)); the paths are the slash
# commands' qualified names, so /help can be checked against the command tree.
HELP: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Ask", (("ask", "question", "Ask anything about Look Back: facts, quotes, story, awards."),)),
    (
        "Look up",
        (
            ("fact", "[query]", "A fact about the film (autocomplete), or a random one."),
            (
                "quote",
                "[search] [speaker]",
                "A quote by the people behind the film, or a random one.",
            ),
            ("synopsis", "[spoilers]", "The premise, or the full story with spoilers hidden."),
        ),
    ),
    (
        "Awards watch",
        (
            ("awards next", "", "The next awards date, with a countdown."),
            ("awards list", "", "Past and upcoming awards events and their outcomes."),
            ("awards record", "", "Every award and nomination the film has."),
            ("awards query", "question", "Ask a question about awards and the Oscars."),
        ),
    ),
    (
        "About",
        (
            ("help", "", "This list of commands."),
            ("about", "", "Version, size of the fact base, uptime and sources."),
        ),
    ),
)
HelpLine = tuple[str, str, str]  # (command path, options as typed, what it does)


def help_paths() -> frozenset[str]:
    """The command paths the curated help describes."""
    return frozenset(path for _, commands in HELP for path, _, _ in commands)


def help_group_of(path: str) -> str | None:
    """The curated group holding commands with the same first word as `path`, if any."""
    root = path.split()[0]
    return next((g for g, lines in HELP if any(p.split()[0] == root for p, _, _ in lines)), None)


def help_card(
    available: Collection[str] | None = None, extra: Sequence[tuple[str, HelpLine]] = ()
) -> Card:
    """Every command with its description, grouped.

    `available` (command paths) drops curated lines for commands that are not there — say, an
    extension that failed to load; None keeps them all. `extra` adds (group, line) for commands
    the curated list does not know. A group too long for one field continues in the next.
    """
    groups: dict[str, list[HelpLine]] = {
        group: [line for line in lines if available is None or line[0] in available]
        for group, lines in HELP
    }
    for group, line in extra:
        groups.setdefault(group, []).append(line)
    fields: list[tuple[str, str]] = []
    for group, lines in groups.items():
        texts = [f"`{_usage(path, options)}` — {desc}" for path, options, desc in lines]
        for n, chunk in enumerate(_chunks(texts, c.EMBED_FIELD_VALUE_MAX)):
            fields.append((group if n == 0 else f"{group} (continued)", chunk))
    return Card(
        title="Look Back bot — commands",
        fields=tuple(fields),
        description="Answers come from a checked fact base with a source on every "
        "entry. Ask in English or Japanese (ルックバック, 押山清高, 藤野, 京本 …).",
    )


def _usage(path: str, options: str) -> str:
    return f"/{path} {options}" if options else f"/{path}"


def _chunks(lines: Sequence[str], limit: int) -> list[str]:
    """Lines joined into as few texts of at most `limit` characters as possible."""
    chunks: list[str] = []
    for line in lines:
        line = clip(line, limit)
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def about_card(
    version: str, stats: BaseStats, uptime_seconds: float, latency_ms: float | None
) -> Card:
    """Version, size of the fact base, uptime, latency and where the content comes from."""
    minutes, seconds = divmod(int(uptime_seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    uptime = f"{hours}h {minutes}m {seconds}s"
    if days:
        uptime = f"{days}d {uptime}"
    fields = [
        ("Version", f"{version} (content pack {stats.pack_version})"),
        (
            "Fact base",
            f"{stats.facts} facts, {stats.quotes} quotes, {stats.synopsis} synopsis "
            f"sections, {stats.awards} awards events",
        ),
        ("Uptime", uptime),
    ]
    if latency_ms is not None:
        fields.append(("Gateway latency", f"{latency_ms:.0f} ms"))
    fields.append(
        (
            "Sources",
            "Every entry names its source: Wikipedia, Oricon, Anime News "
            "Network, Deadline, ComicBook.com and others, checked against each other.",
        )
    )
    return Card(
        title="About the Look Back bot",
        fields=tuple(fields),
        description="A fan-community bot for *Look Back* (ルックバック, 2024), "
        "Kiyotaka Oshiyama's film of Tatsuki Fujimoto's one-shot.",
    )


def error_card(message: str) -> Card:
    """A short error message."""
    return Card(title="Sorry", description=message, colour=c.COLOUR_ERROR)
