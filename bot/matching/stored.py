"""What the index holds of one entry (`index_row`), stored beside it in the database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bot.domain.models import Entry, Kind
from bot.matching.analysis import (
    _CHATTER,
    _JA_KANJI,
    _JA_SUFFIXES,
    _JA_TERMS,
    _JA_WORDS,
    _PHRASES,
    _STEMMER,
    _STOP_WORDS,
    _SYNONYMS,
    _TITLE_JA,
    analyse,
    analyse_pairs,
    normalize,
)
from bot.matching.asked import entry_asks
from bot.matching.named import WORK_TAGS, gazetteer


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the matcher derives from one entry (`index_row`), in a form SQLite can store.

    Start-up reads these rows (table `match_index`) instead of analysing every entry again;
    `Matcher.add_row` indexes one. Token lists are space-separated, form lists one per line.
    """

    kind: Kind
    guild_id: int
    key: str
    title: str
    norm_title: str
    key_tokens: str  # canonical tokens of the title, aliases and labels
    body_tokens: str  # canonical tokens found only in the answer text
    # One per line: the title's own canonical tokens ("=" when the same as the first name),
    # then the title and each alias as names (one made only of stop words keeps them).
    forms: str
    long_forms: str  # a quote's own words as canonical tokens ('' for other kinds)
    surfaces: str  # ASCII words as written: `word`, or `word>token` when the token differs


def _entry_keys(entry: Entry) -> tuple[list[str], list[str]]:
    """(names an entry is asked by: title and aliases; labels that only add words to match)."""
    # The Japanese title is a name like the aliases: a Japanese question is matched against it.
    names = [entry.title, *entry.aliases, entry.title_ja]
    # A work tag says what the entry is about (a named-thing token), not a word to match:
    # "film" would match every question that says "movie" in 90 entries.
    labels = [t.replace("-", " ") for t in entry.tags if t not in _WORD_LESS_TAGS]
    if entry.kind == "quote":
        labels += [entry.speaker, entry.occasion]
    elif entry.kind == "awards":
        labels.append(entry.ceremony)
    elif entry.kind == "synopsis":
        labels.append(entry.section)
    return [n for n in names if n], [label for label in labels if label]


def _entry_body(entry: Entry) -> str:
    """The answer's text, English then Japanese (a Japanese question matches either)."""
    if entry.kind == "awards":
        return f"{entry.outcome}\n{entry.outcome_ja}" if entry.outcome_ja else entry.outcome
    return f"{entry.text}\n{entry.text_ja}" if entry.text_ja else entry.text


_WORD_LESS_TAGS: Final = WORK_TAGS - {"manga", "live-action"}
_SAME_AS_FIRST_NAME: Final = "="  # never a token: tokens are letters, digits, CJK


def _collect_surfaces(pairs: Iterable[tuple[str, str]], into: dict[str, str]) -> None:
    for surface, token in pairs:
        if surface.isascii():
            into.setdefault(surface, token)


def index_row(entry: Entry) -> IndexRow:
    """Analyse one entry into what the index holds of it (see the module docstring)."""
    names, labels = _entry_keys(entry)
    key_tokens: dict[str, None] = {}  # an ordered set: the stored row is deterministic
    forms: dict[str, None] = {}
    surfaces: dict[str, str] = {}
    for text in names + labels:
        # A name made only of stop words ("what is it about") is indexed with them, so the
        # same question (which then keeps its stop words too) can find it.
        pairs = analyse_pairs(text) or analyse_pairs(text, keep_stop_words=True)
        tokens = [token for _, token in pairs]
        key_tokens.update(dict.fromkeys(tokens))
        if tokens and text in names:
            forms[" ".join(tokens)] = None
        _collect_surfaces(pairs, surfaces)
    title_form = " ".join(analyse(entry.title))
    first_name = next(iter(forms), None)
    body_pairs = analyse_pairs(_entry_body(entry))
    _collect_surfaces(body_pairs, surfaces)
    body = [token for _, token in body_pairs]
    long_forms = ""
    if entry.kind == "quote":
        key_tokens.update(dict.fromkeys(body))
        long_forms = " ".join(body)
    # What the entry is about (its keys) and mentions (its body): works, people, ceremonies…
    about, mentioned = gazetteer().entry_tokens(
        [*names, *labels, *entry.tags], _entry_body(entry), entry.tags
    )
    key_tokens.update(dict.fromkeys(about))
    key_tokens.update(dict.fromkeys(entry_asks(names)))
    body += mentioned
    return IndexRow(
        kind=entry.kind,
        guild_id=entry.guild_id,
        key=entry.key,
        title=entry.title,
        norm_title=normalize(entry.title),
        key_tokens=" ".join(key_tokens),
        body_tokens=" ".join(t for t in dict.fromkeys(body) if t not in key_tokens),
        forms="\n".join([_SAME_AS_FIRST_NAME if title_form == first_name else title_form, *forms]),
        long_forms=long_forms,
        surfaces=" ".join(s if s == t else f"{s}>{t}" for s, t in surfaces.items()),
    )


# Bump when the analysis *code* changes (normalize, analyse_pairs, index_row): rows stored
# with another version are analysed again at start-up. The word tables are hashed in, so
# editing a synonym or stop word needs no bump.
ANALYSIS_CODE_VERSION: Final = 5


def _analysis_version() -> str:
    material = repr(
        (
            _SYNONYMS,
            sorted(_STOP_WORDS),
            sorted(_CHATTER),
            [(keyword, pattern.pattern, replacement) for keyword, pattern, replacement in _PHRASES],
            sorted(_JA_WORDS.items()),
            sorted(_JA_KANJI.items()),
            _JA_TERMS,
            sorted(_JA_SUFFIXES),
            _TITLE_JA,
            _STEMMER.stemWords(["directed", "composer", "nominations", "released"]),
        )
    )
    return f"{ANALYSIS_CODE_VERSION}-{hashlib.sha256(material.encode()).hexdigest()[:16]}"


ANALYSIS_VERSION: Final = _analysis_version()
