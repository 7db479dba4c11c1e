"""Cards for answers: facts, quotes, synopsis pages, awards events, help and about.

`bot.cards.embed` / `bot.cards.text` draw the same cards as embeds or terminal text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Final

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
from bot.domain.models import Answer, BaseStats, Entry, Kind
from bot.domain.safety import quote_user_text, safe_display
from bot.domain.text import clip
from bot.domain.timeutil import utcnow
from bot.i18n import EN, N_, Messages, Text

#: What each kind of entry is called on a card.
KIND_NAMES: Final[dict[Kind, str]] = {
    "fact": N_("Fact"),
    "quote": N_("Quote"),
    "synopsis": N_("Synopsis"),
    "awards": N_("Awards event"),
}


def _kind_footer(entry: Entry, m: Messages, score: float | None, detail: bool) -> str:
    """The card's footer. A fan reads what kind of answer it is and whose content it is;
    a moderator (`detail`: /admin, the console) also reads the entry's id and the match."""
    label = m._(KIND_NAMES[entry.kind])
    if detail:
        scope = m._("shipped content") if entry.is_shipped else m._("this server's own entry")
        footer = f"{label} · {entry.key} · {scope}"
        if score is not None and score < 1.0:
            footer += " · " + m._("match {percent}", percent=f"{score:.0%}")
        return footer
    if entry.is_shipped:
        return f"{label} · " + m._("from the checked fact base")
    return f"{label} · " + m._("added by this server's moderators")


def _quote_when(entry: Entry, m: Messages) -> str:
    parts = [p for p in (entry.occasion, entry.said_on) if p]
    return ", ".join(parts) if parts else m._("date unknown")


def _english_note(entry: Entry, m: Messages) -> str:
    """The one line shown when a Japanese reader gets English text (never a machine
    translation): a quote in the outlet's English words, or an entry not yet translated."""
    if m.lang == "en" or entry.has_japanese:
        return ""
    if entry.kind == "quote":
        return m._(
            "Quoted in English as published by {source} (their translation).",
            source=safe_display(entry.source_name),
        )
    return m._("This entry has no Japanese text yet, so it is shown in English.")


def entry_card(
    entry: Entry, score: float | None = None, *, m: Messages = EN, detail: bool = False
) -> Card:
    """The card for one entry of any kind, in `m`'s language (the entry's own Japanese text
    for a Japanese reader where it has one; otherwise English with a one-line note)."""
    note = _english_note(entry, m)
    entry = entry.in_language(m.lang)
    footer = _kind_footer(entry, m, score, detail)
    title = clip(safe_display(entry.title), c.EMBED_TITLE_MAX)
    source = (safe_display(entry.source_name), entry.source_url)
    if entry.kind == "quote":
        said = safe_display(_quote_when(entry, m))[: c.EMBED_FIELD_VALUE_MAX]
        quoted = f"> {safe_display(entry.text)}"
        return Card(
            lang=m.lang,
            title=f"{safe_display(entry.speaker)}: {title}"[: c.EMBED_TITLE_MAX],
            description=clip(f"{quoted}\n\n*{note}*" if note else quoted, c.EMBED_DESCRIPTION_MAX),
            fields=((m._("Said"), said),),
            source_name=source[0],
            source_url=source[1],
            footer=footer,
        )
    if entry.kind == "awards":
        fields = [(m._("When"), event_when(entry, m))]
        if entry.ceremony:
            fields.append(
                (m._("Ceremony"), clip(safe_display(entry.ceremony), c.EMBED_FIELD_VALUE_MAX))
            )
        ahead = entry.starts_at is None or entry.starts_at > utcnow()
        outcome = "" if ahead else safe_display(entry.outcome)  # it tells what happened
        shown = outcome or (m._("Not held yet.") if ahead else m._("No outcome recorded."))
        return Card(
            lang=m.lang,
            title=title,
            description=clip(f"*{note}*\n\n{shown}" if note else shown, c.EMBED_DESCRIPTION_MAX),
            fields=tuple(fields),
            source_name=source[0],
            source_url=source[1],
            footer=footer,
            colour=c.COLOUR_AWARDS,
        )
    text = safe_display(entry.text)
    limit = c.EMBED_DESCRIPTION_MAX - (len(note) + 4 if note else 0)
    # A spoiler is hidden whole, whatever the text holds (see `spoiler_tag`).
    description = spoiler_block(text, limit, m) if entry.spoiler else clip(text, limit)
    return Card(
        lang=m.lang,
        title=title,
        description=f"*{note}*\n\n{description}" if note else description,
        source_name=source[0],
        source_url=source[1],
        footer=footer,
        spoiler=entry.spoiler,
    )


def answer_card(answer: Answer, *, m: Messages = EN, detail: bool = False) -> Card:
    """The card for a question: the answer, or "I don't know" with suggestions."""
    raw_note = answer.note
    note = safe_display(raw_note.render(m) if isinstance(raw_note, Text) else raw_note)
    if answer.match is not None:
        card = entry_card(answer.match.entry, answer.match.score, m=m, detail=detail)
        if not note:
            return card
        # Which work the answer is about ("About the 2021 manga."), above the answer itself.
        text = f"*{note}*\n\n{card.description}"
        return replace(card, description=clip(text, c.EMBED_DESCRIPTION_MAX))
    asked = quote_user_text(answer.query)
    suggestions = tuple(
        (
            clip(safe_display(s.entry.in_language(m.lang).title), c.BUTTON_LABEL_MAX),
            s.entry.uid,
        )
        for s in answer.suggestions
    )
    # A question about another work or ceremony: say so instead of a plain "I don't know".
    opening = note if note else m._("I don't know that one (“{asked}”).", asked=asked)
    if suggestions:
        description = m._("{opening} Did you mean one of these?", opening=opening)
    else:
        description = m._(
            "{opening} Try other words, or `/help` to see what I can answer.", opening=opening
        )
    return Card(
        lang=m.lang,
        title=m._("I don't know that one"),
        description=description,
        colour=c.COLOUR_UNKNOWN,
        suggestions=suggestions,
        footer=m._("Answers come only from the checked fact base."),
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


def paginate(
    text: str, limit: int = c.SYNOPSIS_PAGE_CHARS, *, spoiler: bool = False, m: Messages = EN
) -> list[str]:
    """Split text into pages at paragraph or sentence ends; hidden paragraphs (see
    `_spoiler_pieces`) each in their own spoiler tag, under a warning line on their page."""
    warning = m._(SPOILER_WARNING)
    room = limit - len(warning) - 16  # the warning, tags and escapes
    pages: list[str] = []
    current: list[str] = []
    warned = False
    size = 0
    for piece, hidden in _spoiler_pieces(text, spoiler, room // 2):
        shown = spoiler_tag(piece) if hidden else piece
        extra = len(shown) + 2 + (0 if warned or not hidden else len(warning) + 1)
        if current and size + extra > limit:
            pages.append("\n\n".join(current))
            current, size, warned = [], 0, False
            extra = len(shown) + 2 + (len(warning) + 1 if hidden else 0)
        if hidden and not warned:
            shown = f"{warning}\n{shown}"
            warned = True
        current.append(shown)
        size += extra
    if current:
        pages.append("\n\n".join(current))
    return pages or [""]


def page_footer(page: int, total: int, m: Messages = EN) -> str:
    """'Page n/N' (empty for a single page)."""
    return m._("Page {page}/{pages}", page=page, pages=total) if total > 1 else ""


def synopsis_pages(entry: Entry, *, m: Messages = EN) -> Pages:
    """The synopsis as pages with 'Page n/N' footers."""
    note = _english_note(entry, m)
    entry = entry.in_language(m.lang)
    texts = paginate(safe_display(entry.text), spoiler=entry.spoiler, m=m)
    total = len(texts)
    state = m._("Contains spoilers") if entry.spoiler else m._("Spoiler-free")
    cards = tuple(
        Card(
            lang=m.lang,
            title=clip(safe_display(entry.title), c.EMBED_TITLE_MAX),
            description=f"*{note}*\n\n{text}" if note and n == 1 else text,
            source_name=safe_display(entry.source_name),
            source_url=entry.source_url,
            footer=" · ".join(p for p in (page_footer(n, total, m), state) if p),
            spoiler=entry.spoiler,
        )
        for n, text in enumerate(texts, start=1)
    )
    return Pages(cards)


def next_event_card(event: Entry | None, undated: Sequence[Entry], *, m: Messages = EN) -> Card:
    """The next awards event with a live countdown, or what is still to be announced."""
    fields = tuple(
        (safe_display(e.in_language(m.lang).title), m._("Date: to be announced"))
        for e in undated[:5]
    )
    if event is None:
        return Card(
            lang=m.lang,
            title=m._("No dated awards event ahead"),
            description=m._("Nothing with a date is coming up yet."),
            fields=fields,
            colour=c.COLOUR_AWARDS,
            footer=m._("Dates are shown in your own time zone."),
        )
    base = entry_card(event, m=m)
    return Card(
        lang=m.lang,
        title=m._("Next: {event}", event=base.title)[: c.EMBED_TITLE_MAX],
        description=event_when(event, m),
        fields=fields,  # no outcome: the event has not happened yet
        source_name=base.source_name,
        source_url=base.source_url,
        footer=m._("Dates are shown in your own time zone."),
        colour=c.COLOUR_AWARDS,
    )


def events_pages(
    events: Sequence[Entry], now: dt.datetime, per_page: int = 5, *, m: Messages = EN
) -> Pages:
    """Past and upcoming events with outcomes, a few per page."""
    title = m._("Awards events")
    if not events:
        empty = Card(
            lang=m.lang,
            title=title,
            description=m._("No awards events yet."),
            colour=c.COLOUR_AWARDS,
        )
        return Pages((empty,))
    cards: list[Card] = []
    batches = chunks(events, per_page)
    for page, chunk in enumerate(batches, 1):
        fields = []
        for e in chunk:
            e = e.in_language(m.lang)
            past = e.starts_at is not None and e.starts_at <= now
            state = m._("past") if past else m._("upcoming")
            value = f"{event_when(e, m)} · {state}"
            if e.outcome and past:  # an outcome tells what happened
                value += f"\n{clip(safe_display(e.outcome), 700)}"
            fields.append(
                (
                    clip(safe_display(e.title), c.EMBED_FIELD_NAME_MAX),
                    clip(value, c.EMBED_FIELD_VALUE_MAX),
                )
            )
        footer = m._(
            "Page {page}/{pages} · times in your own time zone", page=page, pages=len(batches)
        )
        cards.append(
            Card(
                lang=m.lang,
                title=title,
                fields=tuple(fields),
                colour=c.COLOUR_AWARDS,
                footer=footer,
            )
        )
    return Pages(tuple(cards))


def record_pages(facts: Sequence[Entry], per_page: int = 6, *, m: Messages = EN) -> Pages:
    """The film's awards and nominations."""
    if not facts:
        empty = Card(
            lang=m.lang,
            title=m._("Awards record"),
            description=m._("No awards recorded."),
            colour=c.COLOUR_AWARDS,
        )
        return Pages((empty,))
    batches = chunks([f.in_language(m.lang) for f in facts], per_page)
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
                lang=m.lang,
                title=m._("Look Back: awards and nominations"),
                fields=fields,
                colour=c.COLOUR_AWARDS,
                footer=m._("Page {page}/{pages}", page=page, pages=len(batches)),
            )
        )
    return Pages(tuple(cards))


# (group, ((command path, options as typed, what it does), ...)); the paths are the slash
# commands' qualified names, so /help can be checked against the command tree. The groups and
# descriptions are message ids (translated when shown); paths and options stay as typed.
HELP: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        N_("Ask"),
        (("ask", "question", N_("Ask anything about Look Back: facts, quotes, story, awards.")),),
    ),
    (
        N_("Look up"),
        (
            ("fact", "[query]", N_("A fact about the film (autocomplete), or a random one.")),
            (
                "quote",
                "[search] [speaker]",
                N_("A quote by the people behind the film, or a random one."),
            ),
            ("synopsis", "[spoilers]", N_("The premise, or the full story with spoilers hidden.")),
        ),
    ),
    (
        N_("Awards watch"),
        (
            ("awards next", "", N_("The next awards date, with a countdown.")),
            ("awards list", "", N_("Past and upcoming awards events and their outcomes.")),
            ("awards record", "", N_("Every award and nomination the film has.")),
            ("awards query", "question", N_("Ask a question about awards and the Oscars.")),
        ),
    ),
    (
        N_("About"),
        (
            ("help", "", N_("This list of commands.")),
            ("about", "", N_("Version, size of the fact base, uptime and sources.")),
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
    available: Collection[str] | None = None,
    extra: Sequence[tuple[str, HelpLine]] = (),
    *,
    m: Messages = EN,
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
        texts = [f"`{_usage(path, options, m)}` — {m._(desc)}" for path, options, desc in lines]
        name = m._(group)
        for n, chunk in enumerate(_chunks(texts, c.EMBED_FIELD_VALUE_MAX)):
            fields.append((name if n == 0 else m._("{group} (continued)", group=name), chunk))
    return Card(
        lang=m.lang,
        title=m._("Look Back bot — commands"),
        fields=tuple(fields),
        description=m._(
            "Answers come from a checked fact base with a source on every "
            "entry. Ask in English or Japanese (ルックバック, 押山清高, 藤野, 京本 …)."
        ),
    )


def _usage(path: str, options: str, m: Messages = EN) -> str:
    """A command as the reader types it: Discord shows Japanese readers the Japanese names."""
    words = [m._(word) for word in path.split()]
    for option in options.split():
        name = option.strip("[]")
        words.append(option.replace(name, m._(name)))
    return "/" + " ".join(words)


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
    version: str,
    stats: BaseStats,
    uptime_seconds: float,
    latency_ms: float | None,
    *,
    m: Messages = EN,
) -> Card:
    """Version, size of the fact base, uptime, latency and where the content comes from."""
    minutes, seconds = divmod(int(uptime_seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    uptime = m._("{hours}h {minutes}m {seconds}s", hours=hours, minutes=minutes, seconds=seconds)
    if days:
        uptime = m._("{days}d {rest}", days=days, rest=uptime)
    fields = [
        (
            m._("Version"),
            m._("{version} (content pack {pack})", version=version, pack=stats.pack_version),
        ),
        (
            m._("Fact base"),
            m._(
                "{facts} facts, {quotes} quotes, {synopsis} synopsis sections, "
                "{awards} awards events",
                facts=stats.facts,
                quotes=stats.quotes,
                synopsis=stats.synopsis,
                awards=stats.awards,
            ),
        ),
        (m._("Uptime"), uptime),
    ]
    if latency_ms is not None:
        fields.append((m._("Gateway latency"), f"{latency_ms:.0f} ms"))
    fields.append(
        (
            m._("Sources"),
            m._(
                "Every entry names its source: Wikipedia, Oricon, Anime News "
                "Network, Deadline, ComicBook.com and others, checked against each other."
            ),
        )
    )
    return Card(
        lang=m.lang,
        title=m._("About the Look Back bot"),
        fields=tuple(fields),
        description=m._(
            "A fan-community bot for *Look Back* (ルックバック, 2024), "
            "Kiyotaka Oshiyama's film of Tatsuki Fujimoto's one-shot."
        ),
    )


def error_card(message: str, *, m: Messages = EN) -> Card:
    """A short error message."""
    return Card(lang=m.lang, title=m._("Sorry"), description=message, colour=c.COLOUR_ERROR)
