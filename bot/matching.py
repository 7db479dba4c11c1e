"""Question matching: the one place where a user's words are matched to entries.

Pipeline (`Matcher.search` is the single public entry point for questions, `Matcher.complete`
for autocomplete, both built on the same index):

1. **Normalise** (`analyse`): Unicode NFKC (full-width → half-width), case folding, accents
   dropped from Latin letters, katakana folded to hiragana, possessives and punctuation removed.
   Latin words are stemmed (Snowball) and mapped to a canonical synonym ("helmed" → "direct");
   runs of Japanese script become character bigrams, so `監督` or `京本の声優` need no word
   splitter. Function words and the film's own title are dropped.
2. **Retrieve** candidates from an in-memory inverted index (token → entries), so the cost
   depends on the entries that share a word with the question, not on the size of the base.
   Unknown words are corrected against the vocabulary with rapidfuzz (typos); the last word of
   an autocomplete query is also expanded as a prefix.
3. **Score** each candidate: `coverage` — the IDF-weighted share of the question's words the
   entry explains (words in its title/aliases count fully, words only in its body count half,
   unknown words count against it) — blended with rapidfuzz's `token_sort_ratio` between the
   question and the entry's closest alias. A confident answer needs both a high blend and a
   high coverage; otherwise the best few are offered as "did you mean" suggestions.

Scale (100,000 entries: start-up in about a second, ~80 MB of index, a few ms per question):

* What the index holds of an entry (`index_row`: tokens, forms, words as written) is stored
  beside it in SQLite (table `match_index`, with the typo vocabulary in `match_vocab`) when it
  is imported; start-up (`FactBase.reindex`) reads those rows instead of analysing every entry,
  and analyses again only an entry whose row is missing or no longer matches it.
* In memory an entry is a position in parallel arrays, postings are `array('i')` of
  positions, words are interned once; entries loaded in database order are found again by
  bisection, not through a dictionary. Run-time changes (`upsert`, `remove`, `set_hidden`) are
  incremental.
* Coverage is computed term at a time over postings (C-level dict updates); a word in more than
  COMMON_POSTINGS entries is only looked up in the best candidates. Typo correction skips
  numbers and, past TYPO_SCAN_MAX words, compares only words that start like the typed one.
  Autocomplete by title prefix uses per-kind title-sorted positions (bisection).
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import logging
import math
import random
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.models import Entry, Kind

log = logging.getLogger(__name__)

# -- tuning (documented in the README's matching section) --------------------------------------
KEY_WEIGHT: Final = 1.0  # a question word found in the title, aliases or tags
BODY_WEIGHT: Final = 0.5  # a question word found only in the answer text
COVERAGE_SHARE: Final = 0.6  # final = 0.6 coverage + 0.3 alias similarity + 0.1 focus
SIMILARITY_SHARE: Final = 0.3
FOCUS_SHARE: Final = 0.1
CONFIDENT_SCORE: Final = 0.62
CONFIDENT_COVERAGE: Final = 0.5
# Facts answer questions; a quote is what someone said. Unless the question asks for a quote,
# a fact that explains it as well as a quote does is the better answer.
QUOTE_PENALTY: Final = 0.04
SUGGEST_SCORE: Final = 0.42
SUGGEST_COVERAGE: Final = 0.3
TYPO_MIN_RATIO: Final = 80.0
TYPO_MIN_LEN: Final = 4
UNKNOWN_WEIGHT: Final = 0.8  # an unknown question word weighs this share of the rarest word
RESCORE_TOP: Final = 40  # candidates that get the (dearer) rapidfuzz alias similarity
COMMON_POSTINGS: Final = 2_000  # skip a word this common when rarer words can retrieve
CANDIDATES_MAX: Final = 400  # entries that get exact coverage scoring
TYPO_SCAN_MAX: Final = 2500  # vocabulary words one unknown word is compared with, at most
PREFIX_SCAN: Final = 200  # titles per kind that autocomplete looks at for a typed prefix

_STOP_WORDS: Final = frozenset(
    """
    a an the is are was were be been being am of in on at to for from by with and or but nor it
    its this that these those what whats which me my mine i im you your we our they their
    them he she his her him tell please does did do doing done can could would should will
    shall may might must know any some there here about as into than then so such get got give
    gave let lets just also really ever very much more most s t d ll ve re m o look back
    lookback film's movie's name names called call info information detail details fact facts
    thing things stuff question questions answer someone anyone something anything exactly
    actually
    """.split()  # noqa: SIM905 - one word list, easier to read and edit
)
# Chatter around a question: never a topic, not even when nothing else is left.
_CHATTER: Final = frozenset(
    """
    hey hi hello yo bot bots thanks thank thx ty ok okay pls plz please lol lmao rn quick q
    so um uh hmm wait btw guys everyone here
    """.split()  # noqa: SIM905
)

# Canonical word for each group of synonyms (stemmed on both sides, so any form maps).
_SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    ("film", "movie", "anime", "flick"),
    ("direct", "director", "directed", "directing", "directs", "helmed", "helm", "helmer"),
    ("music", "composer", "compose", "composed", "score", "scored", "soundtrack", "ost", "bgm"),
    ("song", "sing", "sings", "sang", "sung", "singer", "vocalist", "vocals"),
    (
        "voice",
        "voiced",
        "voices",
        "voicing",
        "seiyuu",
        "seiyu",
        "cast",
        "actor",
        "actress",
        "actors",
        "va",
    ),
    ("dub", "dubbed", "dubbing", "dubs"),
    ("runtime", "length", "duration", "minutes", "mins", "min", "runtime", "lengthy"),
    (
        "release",
        "released",
        "premiere",
        "premiered",
        "debut",
        "debuted",
        "opening",
        "opened",
        "came",
        "releasing",
    ),
    (
        "stream",
        "streaming",
        "watch",
        "watching",
        "online",
        "netflix",
        "prime",
        "amazon",
        "hulu",
        "streamed",
    ),
    ("nominate", "nomination", "nominated", "nominee", "nominees", "nom", "noms", "shortlist"),
    ("win", "won", "winner", "winning", "wins", "victory", "triumph"),
    ("award", "awards", "prize", "prizes", "accolade", "accolades", "honor", "honour"),
    ("oscar", "oscars"),
    ("write", "wrote", "writer", "written", "screenplay", "script", "screenwriter", "scriptwriter"),
    ("author", "mangaka", "creator", "created", "originator"),
    ("story", "plot", "synopsis", "summary", "premise", "storyline", "happens"),
    ("character", "characters", "protagonist", "protagonists", "heroine", "heroines"),
    ("ai", "artificial", "generative", "genai"),
    ("manga", "comic", "comics", "oneshot", "yomikiri"),
    ("america", "american", "usa", "us", "states", "north-american"),
    ("japan", "japanese", "nihon", "nippon"),
    ("gross", "grossed", "earn", "earned", "earnings", "revenue", "money", "takings"),
    ("date", "when", "day", "dates", "schedule", "scheduled"),
    ("ceremony", "ceremonies", "broadcast", "telecast", "gala"),
    ("upcoming", "next", "future", "coming", "soon"),
    ("quote", "quotes", "said", "say", "says", "saying", "quoted", "remark", "remarks"),
    ("studio", "studios", "company", "production-house"),
    ("animate", "animated", "animation", "animating", "animator", "animators"),
    ("budget", "cost", "costs"),
)

_STEMMER = snowballstemmer.stemmer("english")
# Words, and runs of one Japanese script each: kanji, katakana, hiragana.
_LATIN_OR_CJK = re.compile(
    r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006]+"
    r"|[\u30a1-\u30fa\u30fc]+|[\u3041-\u3096]+"
)
_HIRAGANA = re.compile(r"^[\u3041-\u3096]+$")
# Hiragana carries Japanese grammar (particles, endings), which says nothing about the topic;
# only these hiragana words are kept, as the English word they mean.
_JA_WORDS: Final = {
    "あらすじ": "story",
    "いつ": "when",
    "どこ": "where",
    "だれ": "who",
    "いくら": "money",
    "どれくらい": "how",
    "どのくらい": "how",
    "なんぷん": "minutes",
}
# Single kanji that are question words.
_JA_KANJI: Final = {"誰": "who", "何": "", "時": "", "日": "date"}
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_APOSTROPHE = re.compile(r"['’`]")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_TITLE_JA: Final = "ルックバック"
_MENTION: Final = re.compile(r"<[@#][!&]?\d+>|@\S+")
# Phrases that mean one thing, folded before words are split.
# Each phrase has a cheap keyword: its pattern only runs on text that contains it.
_PHRASES: Final = (
    ("academy", re.compile(r"\bacademy awards?\b"), "oscar"),
    ("box", re.compile(r"\bbox[\s-]office\b"), "boxoffice"),
    ("shot", re.compile(r"\bone[\s-]shot\b"), "oneshot"),
    ("voice", re.compile(r"\bvoice actors?\b|\bvoice actress(es)?\b"), "voice"),
    ("out", re.compile(r"\bcame out\b|\bcome out\b|\bcomes out\b"), "release"),
    ("hit", re.compile(r"\bhit theaters\b"), "release"),
    ("jump", re.compile(r"\bjump\s*(\+|plus)"), "jumpplus"),
    # Oscar categories other than Animated Feature: a word the fact base cannot explain.
    (
        "best",
        re.compile(
            r"\bbest (supporting |leading |animated |live action |documentary |original |"
            r"adapted |international )?(actor|actress|picture|director|directing|short|"
            r"screenplay|song|score|cinematography|editing|documentary|costume|makeup|"
            r"sound|visual effects|production design|feature film)s?\b"
        ),
        "othercategory",
    ),
    ("short", re.compile(r"\banimated short( film)?s?\b"), "othercategory"),
)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _SYNONYMS:
        canonical = _stem(group[0])
        for word in group:
            table[_stem(word)] = canonical
    return table


_SYNONYM_OF: Final = _build_synonyms()
_QUOTE_TOKEN: Final = _SYNONYM_OF[_stem("quote")]
# Words that name what the fact base knows it does not cover (other Oscar categories): a
# question with one of them never gets a confident answer, only suggestions.
_OUT_OF_SCOPE: Final = frozenset({_stem("othercategory")})
_STOP_STEMS: Final = frozenset(_stem(w) for w in _STOP_WORDS)


def normalize(text: str) -> str:
    """Fold case, width and accents; drop mentions and punctuation."""
    if text.isascii():
        text = text.lower()  # the common case: nothing to fold but case
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        out: list[str] = []
        previous = ""
        for char in unicodedata.normalize("NFKD", text):
            # Drop accents on Latin letters only: NFKD also splits Japanese voiced kana.
            if unicodedata.combining(char) and previous and ord(previous) < 0x0250:
                continue
            out.append(char)
            previous = char
        text = unicodedata.normalize("NFC", "".join(out))
    text = _MENTION.sub(" ", text)
    text = _POSSESSIVE.sub(r"\1", text)
    text = _APOSTROPHE.sub("", text)
    text = text.replace(_TITLE_JA, " ")
    for keyword, pattern, replacement in _PHRASES:
        if keyword in text:
            text = pattern.sub(replacement, text)
    return " ".join(_LATIN_OR_CJK.findall(text))


@lru_cache(maxsize=65536)
def _canonical_word(word: str) -> str | None:
    if word.isdigit():
        return word
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return ordinal.group(1)
    if word in _STOP_WORDS or word in _CHATTER:
        return None
    stem = _stem(word)
    if stem in _STOP_STEMS:
        return None
    return _SYNONYM_OF.get(stem, stem)


_LONG_STOP_WORDS: Final = tuple(w for w in _STOP_WORDS | _CHATTER if len(w) >= 4)


@lru_cache(maxsize=4096)
def _is_misspelt_stop_word(word: str) -> bool:
    """'waht', 'wehre': one swapped or wrong letter from a stop word."""
    if not word.isascii() or len(word) < 4:
        return False
    return any(OSA.distance(word, stop) <= 1 for stop in _LONG_STOP_WORDS)


def _is_cjk(token: str) -> bool:
    return not token.isascii()


def _japanese(run: str) -> list[tuple[str, str]]:
    if _HIRAGANA.match(run):
        kept: list[tuple[str, str]] = []
        for word, english in _JA_WORDS.items():
            canonical = _canonical_word(english) if word in run else None
            if canonical:
                kept.append((word, canonical))
        return kept
    if len(run) == 1:
        if run in _JA_KANJI:
            canonical = _canonical_word(_JA_KANJI[run]) if _JA_KANJI[run] else None
            return [(run, canonical)] if canonical else []
        return [(run, run)]
    return [(run[i : i + 2], run[i : i + 2]) for i in range(len(run) - 1)]


def analyse_pairs(text: str, *, keep_stop_words: bool = False) -> list[tuple[str, str]]:
    """(surface word, canonical token) pairs of `text`, in order (see the module docstring)."""
    pairs: list[tuple[str, str]] = []
    for run in normalize(text).split():
        if run.isascii():
            if len(run) == 1 and run.isdigit():
                continue  # "2" matches any date; it tells nothing on its own
            word = _canonical_word(run)
            if word:
                pairs.append((run, word))
            elif keep_stop_words and run not in _CHATTER:
                pairs.append((run, _stem(run)))
        else:
            pairs.extend(_japanese(run))
    return pairs


def analyse(text: str) -> list[str]:
    """The canonical tokens of `text`, in order."""
    return [token for _, token in analyse_pairs(text)]


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


@dataclass(frozen=True)
class Hit:
    """A scored entry reference: what the matcher knows about an entry."""

    kind: Kind
    key: str
    guild_id: int
    title: str
    score: float
    coverage: float


@dataclass(frozen=True)
class SearchResult:
    """The best hit when confident, else None; plus suggestions."""

    best: Hit | None
    suggestions: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class _QueryToken:
    token: str
    weight: float
    alternatives: tuple[tuple[str, float], ...]  # (vocabulary token, similarity 0–1)


def _entry_keys(entry: Entry) -> tuple[list[str], list[str]]:
    """(names an entry is asked by: title and aliases; labels that only add words to match)."""
    names = [entry.title, *entry.aliases]
    labels = [t.replace("-", " ") for t in entry.tags]
    if entry.kind == "quote":
        labels += [entry.speaker, entry.occasion]
    elif entry.kind == "awards":
        labels.append(entry.ceremony)
    elif entry.kind == "synopsis":
        labels.append(entry.section)
    return [n for n in names if n], [label for label in labels if label]


def _entry_body(entry: Entry) -> str:
    if entry.kind == "awards":
        return entry.outcome
    return entry.text


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
ANALYSIS_CODE_VERSION: Final = 1


def _analysis_version() -> str:
    material = repr(
        (
            _SYNONYMS,
            sorted(_STOP_WORDS),
            sorted(_CHATTER),
            [(keyword, pattern.pattern, replacement) for keyword, pattern, replacement in _PHRASES],
            sorted(_JA_WORDS.items()),
            sorted(_JA_KANJI.items()),
            _TITLE_JA,
            _STEMMER.stemWords(["directed", "composer", "nominations", "released"]),
        )
    )
    return f"{ANALYSIS_CODE_VERSION}-{hashlib.sha256(material.encode()).hexdigest()[:16]}"


ANALYSIS_VERSION: Final = _analysis_version()

_KINDS: Final[tuple[Kind, ...]] = ("fact", "quote", "synopsis", "awards")
_KIND_CODE: Final[dict[str, int]] = {kind: code for code, kind in enumerate(_KINDS)}
# Words written in each synonym group, as (canonical of the group, [(word, its token)]): they
# join the typo vocabulary once the canonical word is indexed ("compsoer" → "composer").
_SYNONYM_SURFACES: Final = tuple(
    (_SYNONYM_OF[_stem(group[0])], tuple((word, _SYNONYM_OF[_stem(word)]) for word in group))
    for group in _SYNONYMS
)
_NO_POSTINGS: Final = array("i")  # shared by every token absent from one side; never grown


def _in_sorted(values: array[int], value: int) -> bool:
    position = bisect.bisect_left(values, value)
    return position < len(values) and values[position] == value


class Matcher:
    """An in-memory index of every entry of every server, scoped per server at query time.

    Compact by design (100,000 entries fit in a few tens of MB): entries are positions in
    parallel arrays, tokens are small integers, postings are `array('i')` of positions, and
    a bulk load in (kind, server, key) order — the order the database gives — needs no
    dictionary to find an entry again (bisection). A replaced or removed entry stays as a dead
    position (positions never move) until the next full load.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Per entry position.
        self._kinds = bytearray()
        self._guilds: array[int] = array("q")
        self._keys: list[str] = []
        self._titles: list[str] = []
        self._norm_titles: dict[int, str] = {}  # only where it is not simply title.lower()
        self._forms: list[str] = []
        self._long_forms: dict[int, str] = {}  # quotes only
        self._live = bytearray()
        self._alive = 0
        # Finding an entry by (server, kind, key): the first `_in_order` positions are in
        # (kind code, server, key) order and found by bisection; any other is in `_refs`.
        self._in_order = 0
        self._last_ref: tuple[int, int, str] | None = None
        self._refs: dict[tuple[int, int, str], int] = {}  # (kind code, server, key)
        # Per kind code: positions sorted by normalised title (autocomplete by prefix).
        self._by_title: list[list[int]] = [[] for _ in _KINDS]
        # Inverted index: token → positions where it is a key word / a body word only.
        # Positions are appended in increasing order, so both arrays stay sorted.
        self._key_postings: dict[str, array[int]] = {}
        self._body_postings: dict[str, array[int]] = {}
        # Typo vocabulary: words as written → canonical token.
        self._surface: dict[str, str] = {}
        self._seen_items: set[str] = set()  # `word>token` items already read (bulk only)
        self._sorted_vocab: list[str] = []
        self._vocab_by_len: dict[int, list[str]] = {}
        self._vocab_by_initial: dict[tuple[int, str], list[str]] = {}
        self._masked: dict[int, set[tuple[str, str]]] = {}
        self._bulk = False

    # -- building -------------------------------------------------------------------------

    def rebuild(
        self, entries: Iterable[Entry], hidden: Iterable[tuple[int, str, str]] = ()
    ) -> None:
        """Index `entries` from scratch; `hidden` lists (guild, kind, key) hidden per server."""
        self.load((index_row(entry) for entry in entries), hidden)

    def load(self, rows: Iterable[IndexRow], hidden: Iterable[tuple[int, str, str]] = ()) -> None:
        """Index analysed rows from scratch; `hidden` as for `rebuild`."""
        self.begin_load()
        for row in rows:
            self.add_row(row)
        self.finish_load(hidden)

    def begin_load(self) -> None:
        """Empty the index and take rows in bulk (`add_row`, `add_stored`) until
        `finish_load`."""
        self._reset()
        self._bulk = True

    def finish_load(self, hidden: Iterable[tuple[int, str, str]] = ()) -> None:
        """End a bulk load: build the sorted structures once, apply what servers hide."""
        for guild_id, kind, key in hidden:
            self._masked.setdefault(guild_id, set()).add((kind, key))
        self._finish_bulk()

    def add_rows(self, rows: Sequence[IndexRow]) -> None:
        """Add or replace many entries (an import): sorted structures are rebuilt once."""
        if len(rows) < 64:
            for row in rows:
                self.add_row(row)
            return
        self._bulk = True
        for row in rows:
            self.add_row(row)
        self._finish_bulk()

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with the same scope, kind and key."""
        self.add_row(index_row(entry))

    def add_row(self, row: IndexRow) -> None:
        """Add an analysed entry, or replace the one with the same scope, kind and key."""
        self._add(
            _KIND_CODE[row.kind],
            row.guild_id,
            row.key,
            row.title,
            row.norm_title,
            row.key_tokens,
            row.body_tokens,
            row.forms,
            row.long_forms,
            row.surfaces,
        )

    def add_stored(self, kind: Kind, rows: Sequence[Sequence[Any]], start: int = 0) -> int:
        """Add stored rows (guild_id, key, title, norm_title, key_tokens, body_tokens, forms,
        long_forms; no surfaces: see `set_vocabulary`) from `start` on, up to the first
        without a stored index (title None); returns its position in `rows`, or len(rows)."""
        code = _KIND_CODE[kind]
        add = self._add
        for position in range(start, len(rows)):
            guild_id, key, title, norm_title, key_tokens, body_tokens, forms, long_forms = rows[
                position
            ]
            if title is None:
                return position
            add(
                code,
                guild_id,
                key,
                title,
                norm_title,
                key_tokens,
                body_tokens,
                forms,
                long_forms,
                "",
            )
        return len(rows)

    def clear_vocabulary(self) -> None:
        """Forget the typo vocabulary (before `add_surfaces` reads it again in order)."""
        self._surface = {}
        self._seen_items = set()

    def add_surfaces(self, surfaces: str) -> None:
        """Add one stored row's `surfaces` to the typo vocabulary."""
        self._add_surfaces(surfaces)

    def set_vocabulary(self, surfaces: str, tokens: str) -> None:
        """Take the typo vocabulary as stored (`vocabulary`), during a bulk load."""
        intern = sys.intern  # one string object per word, shared with the index
        self._surface = dict(
            zip(map(intern, surfaces.split()), map(intern, tokens.split()), strict=True)
        )

    def vocabulary(self) -> tuple[str, str]:
        """The typo vocabulary in its order, for storing: words as written, and their tokens
        (two aligned space-separated lists)."""
        return " ".join(self._surface), " ".join(self._surface.values())

    def replace_vocabulary(self, surfaces: str, tokens: str) -> None:
        """Take a vocabulary read again in full-load order (after an import)."""
        self.set_vocabulary(surfaces, tokens)
        self._bulk = True
        self._finish_bulk()

    def _add(
        self,
        code: int,
        guild_id: int,
        key: str,
        title: str,
        norm_title: str | None,  # None: the title in lower case
        key_tokens: str,
        body_tokens: str,
        forms: str,
        long_forms: str,
        surfaces: str,
    ) -> None:
        ref = (code, guild_id, key)
        index = len(self._keys)
        old: int | None = None
        if self._in_order == index and (self._last_ref is None or ref > self._last_ref):
            # In database order (every entry so far is, and this one comes after them all):
            # it replaces none of them, and bisection will find it.
            self._in_order += 1
            self._last_ref = ref
        else:
            old = self._find(ref)
            self._refs[ref] = index
        if old is not None:
            self._live[old] = 0
            self._alive -= 1
        self._kinds.append(code)
        self._guilds.append(guild_id)
        self._keys.append(key)
        self._titles.append(title)
        if norm_title is not None and norm_title != title.lower():
            self._norm_titles[index] = norm_title
        self._forms.append(forms)
        if long_forms:
            self._long_forms[index] = long_forms
        self._live.append(1)
        self._alive += 1
        if surfaces:
            self._add_surfaces(surfaces)
        for tokens, side in ((key_tokens, self._key_postings), (body_tokens, self._body_postings)):
            if tokens:
                get = side.get
                for token in tokens.split():
                    postings = get(token)
                    if postings is None:
                        self._new_token(token, index, side)
                    else:
                        postings.append(index)
        if not self._bulk:
            bisect.insort(self._by_title[code], index, key=self._norm_title)
        if guild_id:
            self._masked.setdefault(guild_id, set()).add((_KINDS[code], key))

    def _find(self, ref: tuple[int, int, str]) -> int | None:
        """The live position of (kind code, server, key), or None."""
        found = self._refs.get(ref)
        if found is not None:
            return found
        kinds, guilds, keys = self._kinds, self._guilds, self._keys
        position = bisect.bisect_left(
            range(self._in_order), ref, key=lambda i: (kinds[i], guilds[i], keys[i])
        )
        if (
            position < self._in_order
            and (kinds[position], guilds[position], keys[position]) == ref
            and self._live[position]
        ):
            return position
        return None

    def _new_token(self, token: str, index: int, side: dict[str, array[int]]) -> None:
        new = not self._known(token)
        token = sys.intern(token)
        side[token] = array("i", (index,))
        if new and not self._bulk:
            self._add_synonyms_of(token)

    def _known(self, token: str) -> bool:
        return token in self._key_postings or token in self._body_postings

    def _add_surfaces(self, surfaces: str) -> None:
        known, seen = self._surface, self._seen_items
        for item in surfaces.split():
            if item in known or item in seen:
                continue
            surface, _, token = item.partition(">")
            if token and self._bulk:
                seen.add(item)
            if surface not in known:
                self._add_surface(surface, token or surface)

    def _add_surface(self, surface: str, token: str) -> None:
        # One string object for a word wherever it is held (vocabulary, index): memory.
        surface, token = sys.intern(surface), sys.intern(token)
        self._surface[surface] = token
        if self._bulk:
            return
        bisect.insort(self._sorted_vocab, surface)
        if not surface.isdigit():
            self._vocab_by_len.setdefault(len(surface), []).append(surface)
            self._vocab_by_initial.setdefault((len(surface), surface[0]), []).append(surface)

    def _add_synonyms_of(self, token: str) -> None:
        for canonical, words in _SYNONYM_SURFACES:
            if canonical == token:
                for word, word_token in words:
                    if word not in self._surface:
                        self._add_surface(word, word_token)

    def _norm_title(self, index: int) -> str:
        found = self._norm_titles.get(index)
        return self._titles[index].lower() if found is None else found

    def _finish_bulk(self) -> None:
        # Typos are corrected against words as written ("compsoer" → "composer"), including
        # every synonym of a word the index holds. A number is never a typo of a word, and
        # numbers would crowd the vocabulary (every generated or dated entry has its own).
        for canonical, words in _SYNONYM_SURFACES:
            if self._known(canonical):
                for word, token in words:
                    if word not in self._surface:
                        self._surface[sys.intern(word)] = sys.intern(token)
        by_len: dict[int, list[str]] = {}
        by_initial: dict[tuple[int, str], list[str]] = {}
        for surface in self._surface:
            if not surface.isdigit():
                by_len.setdefault(len(surface), []).append(surface)
                by_initial.setdefault((len(surface), surface[0]), []).append(surface)
        self._vocab_by_len = by_len
        self._vocab_by_initial = by_initial
        self._sorted_vocab = sorted(self._surface)
        self._seen_items = set()
        by_kind: list[list[int]] = [[] for _ in _KINDS]
        for index, code in enumerate(self._kinds):
            by_kind[code].append(index)
        norms = [title.lower() for title in self._titles]
        for index, norm in self._norm_titles.items():
            norms[index] = norm
        for positions in by_kind:
            positions.sort(key=norms.__getitem__)  # stable: equal titles stay in index order
        self._by_title = by_kind
        self._bulk = False

    def remove(self, kind: str, key: str, guild_id: int) -> None:
        """Drop one scope's entry (a server's own version, or a shipped entry)."""
        code = _KIND_CODE.get(kind)
        if code is not None:
            ref = (code, guild_id, key)
            index = self._find(ref)
            self._refs.pop(ref, None)
            if index is not None:
                self._live[index] = 0
                self._alive -= 1
        if guild_id and (kind, key) in self._masked.get(guild_id, set()):
            self._masked[guild_id].discard((kind, key))

    def set_hidden(self, guild_id: int, kind: str, key: str, hidden: bool) -> None:
        """Hide or show a shipped entry in one server."""
        masked = self._masked.setdefault(guild_id, set())
        if hidden:
            masked.add((kind, key))
        elif not self._owns(guild_id, kind, key):
            masked.discard((kind, key))

    def _owns(self, guild_id: int, kind: str, key: str) -> bool:
        code = _KIND_CODE.get(kind)
        return code is not None and self._find((code, guild_id, key)) is not None

    def __len__(self) -> int:
        return self._alive

    # -- querying ---------------------------------------------------------------------------

    def _visible(
        self,
        index: int,
        guild_id: int | None,
        codes: frozenset[int] | None,
        masked: set[tuple[str, str]] | None,
    ) -> bool:
        """`masked` is `self._masked.get(guild_id)`, looked up once per query."""
        if not self._live[index]:
            return False
        code = self._kinds[index]
        if codes is not None and code not in codes:
            return False
        owner = self._guilds[index]
        if owner == 0:
            return not guild_id or not masked or (_KINDS[code], self._keys[index]) not in masked
        return owner == guild_id

    def _scope(
        self, guild_id: int | None, kinds: Iterable[str] | None
    ) -> tuple[frozenset[int] | None, set[tuple[str, str]] | None]:
        codes = (
            frozenset(_KIND_CODE[k] for k in kinds if k in _KIND_CODE)
            if kinds is not None
            else None
        )
        return codes, (self._masked.get(guild_id) if guild_id else None)

    def _hit(self, index: int, score: float = 0.0, coverage: float = 0.0) -> Hit:
        return Hit(
            _KINDS[self._kinds[index]],
            self._keys[index],
            self._guilds[index],
            self._titles[index],
            score,
            coverage,
        )

    def _df(self, token: str) -> int:
        return len(self._key_postings.get(token, _NO_POSTINGS)) + len(
            self._body_postings.get(token, _NO_POSTINGS)
        )

    def _idf(self, token: str) -> float:
        return math.log(1.0 + (self._alive + 1) / (self._df(token) + 0.5))

    def _corrections(self, surface: str) -> tuple[tuple[str, float], ...]:
        if not surface.isascii() or len(surface) < TYPO_MIN_LEN or surface.isdigit():
            return ()
        lengths = range(len(surface) - 2, len(surface) + 3)
        pool: list[str] = []
        if sum(len(self._vocab_by_len.get(n, ())) for n in lengths) <= TYPO_SCAN_MAX:
            for length in lengths:
                pool += self._vocab_by_len.get(length, ())
        else:
            # A large vocabulary: only words that start like the typed one (its first letter,
            # or its second for swapped first letters) — typos rarely hit the first letter.
            for length in lengths:
                for initial in dict.fromkeys(surface[:2]):
                    pool += self._vocab_by_initial.get((length, initial), ())
        found = process.extract(surface, pool, scorer=fuzz.ratio, score_cutoff=70, limit=5)
        best: dict[str, float] = {}
        for word, score, _ in found:
            # Swapped letters ("waht", "qoute") are one edit for OSA, two for plain ratio.
            if score < TYPO_MIN_RATIO and OSA.distance(surface, word) > 1:
                continue
            score = max(score, TYPO_MIN_RATIO)
            token = self._surface[word]
            if self._known(token):
                best[token] = max(best.get(token, 0.0), score / 100.0)
        return tuple(best.items())

    def _prefixes(self, surface: str, limit: int = 12) -> tuple[tuple[str, float], ...]:
        """Words the index holds that start with `surface` (the word being typed)."""
        start = bisect.bisect_left(self._sorted_vocab, surface)
        found: dict[str, float] = {}
        for word in self._sorted_vocab[start : start + limit]:
            if not word.startswith(surface):
                break
            token = self._surface[word]
            if self._known(token):
                found[token] = 0.9
        return tuple(found.items())

    def _query_tokens(self, text: str, *, prefix_last: bool) -> list[_QueryToken]:
        found = analyse_pairs(text)
        if not found:  # "what is it about": only stop words, which then must carry the meaning
            with_stops = analyse_pairs(text, keep_stop_words=True)
            found = with_stops if len(with_stops) >= 3 else []
        pairs = list({token: (surface, token) for surface, token in found}.values())
        max_idf = math.log(1.0 + (self._alive + 1) / 0.5)
        out: list[_QueryToken] = []
        for position, (surface, token) in enumerate(pairs):
            alternatives: tuple[tuple[str, float], ...] = ()
            if self._known(token):
                weight = self._idf(token)
                alternatives = ((token, 1.0),)
            elif _is_misspelt_stop_word(surface):
                continue
            else:
                # An unknown word counts against every entry: it is part of the question that
                # nothing here explains. A stray Japanese bigram (a particle junction) less so.
                weight = max_idf * UNKNOWN_WEIGHT * (0.5 if _is_cjk(token) else 1.0)
                alternatives = self._corrections(surface)
            if prefix_last and position == len(pairs) - 1 and token.isascii():
                extra = tuple(p for p in self._prefixes(surface) if p[0] != token)
                alternatives = alternatives + extra
            out.append(_QueryToken(token, weight, alternatives))
        return out

    def _covered(
        self,
        qtokens: Sequence[_QueryToken],
        total: float,
        guild_id: int | None,
        codes: frozenset[int] | None,
        masked: set[tuple[str, str]] | None,
    ) -> list[tuple[float, int]]:
        """(coverage, position) of the RESCORE_TOP visible entries that best explain the
        question, best first (equal coverage: first indexed first).

        `coverage`: the IDF-weighted share of the question's words an entry explains, each
        word counted at its best reading (itself, a typo correction or a prefix) and place
        (key or body). Computed term at a time over the postings of the question's words, so
        the cost follows the entries that share a word, not the size of the base. A word in
        more than COMMON_POSTINGS entries does not retrieve (when rarer ones can): it is only
        looked up, by bisection, in the best CANDIDATES_MAX entries the rarer words found.
        """
        readings: list[tuple[int, int, str, float]] = []  # (df, word position, token, sim)
        for position, qt in enumerate(qtokens):
            for tid, similarity in qt.alternatives:
                df = self._df(tid)
                if df:
                    readings.append((df, position, tid, similarity))
        if not readings:
            return []
        readings.sort()
        retrieving = [r for r in readings if r[0] <= COMMON_POSTINGS]
        best: list[dict[int, float]] = [{} for _ in qtokens]
        candidates: list[int]
        if retrieving:
            key_postings, body_postings = self._key_postings, self._body_postings
            for position in dict.fromkeys(r[1] for r in retrieving):
                sides = sorted(
                    (
                        (similarity * side_weight, postings)
                        for _, p, tid, similarity in retrieving
                        if p == position
                        for side_weight, postings in (
                            (KEY_WEIGHT, key_postings.get(tid, _NO_POSTINGS)),
                            (BODY_WEIGHT, body_postings.get(tid, _NO_POSTINGS)),
                        )
                        if postings
                    ),
                    key=lambda side: side[0],
                )
                found = best[position]
                for value, postings in sides:  # weakest first: an entry keeps its best reading
                    found.update(zip(postings, itertools.repeat(value)))

            def held_readings() -> Counter[int]:
                return Counter(
                    itertools.chain.from_iterable(
                        postings
                        for _, _, tid, _ in retrieving
                        for postings in (
                            key_postings.get(tid, _NO_POSTINGS),
                            body_postings.get(tid, _NO_POSTINGS),
                        )
                    )
                )

            partial: dict[int, float] = {}
            pget = partial.get
            for position, found in enumerate(best):
                weight = qtokens[position].weight
                if not partial:
                    partial = {index: weight * value for index, value in found.items()}
                    pget = partial.get
                    continue
                for index, value in found.items():
                    partial[index] = pget(index, 0.0) + weight * value
            if all(r[0] <= COMMON_POSTINGS for r in readings):
                # Every word retrieved: the partial coverage is the whole of it. Many entries
                # may share a word (a prefix being typed): between equals, those that hold more
                # of the question's readings go first.
                if len(partial) <= CANDIDATES_MAX:
                    return self._top_visible(
                        sorted([(-v, 0, i) for i, v in partial.items()]),
                        total,
                        guild_id,
                        codes,
                        masked,
                    )
                held = held_readings()
                # Only the entries at or above the RESCORE_TOP-th best coverage need ordering.
                cut = sorted(partial.values(), reverse=True)[RESCORE_TOP - 1]
                best_few = [(-v, -held[i], i) for i, v in partial.items() if v >= cut]
                top = self._top_visible(sorted(best_few), total, guild_id, codes, masked)
                if len(top) < RESCORE_TOP and len(best_few) < len(partial):
                    # Some of those are not visible here: order them all.
                    everyone = [(-v, -held[i], i) for i, v in partial.items()]
                    top = self._top_visible(sorted(everyone), total, guild_id, codes, masked)
                return top
            candidates = self._best_visible(partial, held_readings, guild_id, codes, masked)
        else:
            # Only very common words: the entries holding the rarest of them as a key word
            # come first, those with it in their body after.
            _, _, tid, _ = readings[0]
            candidates = []
            for postings in (
                self._key_postings.get(tid, _NO_POSTINGS),
                self._body_postings.get(tid, _NO_POSTINGS),
            ):
                for index in postings:
                    if self._visible(index, guild_id, codes, masked):
                        candidates.append(index)
                        if len(candidates) >= CANDIDATES_MAX:
                            break
                if len(candidates) >= CANDIDATES_MAX:
                    break
        looked_up = readings if not retrieving else [r for r in readings if r[0] > COMMON_POSTINGS]
        for _, position, tid, similarity in looked_up:
            found = best[position]
            keys = self._key_postings.get(tid, _NO_POSTINGS)
            bodies = self._body_postings.get(tid, _NO_POSTINGS)
            for index in candidates:
                if _in_sorted(keys, index):
                    value = similarity * KEY_WEIGHT
                elif _in_sorted(bodies, index):
                    value = similarity * BODY_WEIGHT
                else:
                    continue
                if found.get(index, 0.0) < value:
                    found[index] = value
        weights = [qt.weight for qt in qtokens]
        scored: list[tuple[float, int]] = []
        for index in candidates:
            matched = 0.0
            for weight, found in zip(weights, best, strict=True):
                matched += weight * found.get(index, 0.0)
            scored.append((matched / total if total else 0.0, index))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return scored[:RESCORE_TOP]

    def _top_visible(
        self,
        ranked: list[tuple[float, int, int]],
        total: float,
        guild_id: int | None,
        codes: frozenset[int] | None,
        masked: set[tuple[str, str]] | None,
    ) -> list[tuple[float, int]]:
        """(coverage, position) of the first RESCORE_TOP visible of (-partial, _, position)."""
        top: list[tuple[float, int]] = []
        for value, _, index in ranked:
            if self._visible(index, guild_id, codes, masked):
                top.append((-value / total if total else 0.0, index))
                if len(top) >= RESCORE_TOP:
                    break
        return top

    def _best_visible(
        self,
        partial: dict[int, float],
        held: Callable[[], Counter[int]],
        guild_id: int | None,
        codes: frozenset[int] | None,
        masked: set[tuple[str, str]] | None,
    ) -> list[int]:
        """The CANDIDATES_MAX visible entries with the best partial coverage; between equals,
        those that hold more of the question's readings (`held`, counted only when needed)."""
        if len(partial) <= CANDIDATES_MAX:
            return [i for i in partial if self._visible(i, guild_id, codes, masked)]
        counts = held()
        ranked = heapq.nlargest(CANDIDATES_MAX, partial, key=lambda i: (partial[i], counts[i]))
        visible = [i for i in ranked if self._visible(i, guild_id, codes, masked)]
        if len(visible) == len(ranked):
            return visible
        # Some are hidden from this server or of another kind: rank the visible ones only.
        pool = [i for i in partial if self._visible(i, guild_id, codes, masked)]
        return heapq.nlargest(CANDIDATES_MAX, pool, key=lambda i: (partial[i], counts[i]))

    def _similarity(self, index: int, names: list[str], query_form: str) -> float:
        best = 0.0
        if names:
            found = process.extractOne(query_form, names, scorer=fuzz.token_sort_ratio)
            if found:
                best = found[1]
        # A long text (a quote) contains any single word, so it only tells something about
        # questions of several words ("hit or miss" → the quote that says it).
        long_form = self._long_forms.get(index)
        if long_form is not None and query_form.count(" ") >= 1:
            best = max(best, 0.9 * fuzz.token_set_ratio(query_form, long_form))
        return best / 100.0

    @staticmethod
    def _focus(names: list[str], readings: Sequence[tuple[float, set[str]]]) -> float:
        """How much an entry is *about* the question's words: the share of its names (title and
        aliases) that contain them. An entry named by a word in most of its aliases is about
        it; one that mentions it once in passing is not."""
        if not names:
            return 0.0
        words_of = [name.split() for name in names]
        total = weight = 0.0
        for qt_weight, words in readings:
            share = sum(1 for name in words_of if not words.isdisjoint(name)) / len(names)
            total += qt_weight * share
            weight += qt_weight
        return total / weight if weight else 0.0

    def _rank(
        self, text: str, guild_id: int | None, kinds: Iterable[str] | None, *, prefix_last: bool
    ) -> list[Hit]:
        codes, masked = self._scope(guild_id, kinds)
        qtokens = self._query_tokens(text, prefix_last=prefix_last)
        total = sum(qt.weight for qt in qtokens)
        if not qtokens or total <= 0:
            return []
        scored = self._covered(qtokens, total, guild_id, codes, masked)
        # The query as the entry forms were written: each word replaced by its best reading.
        query_form = " ".join(
            max(qt.alternatives, key=lambda a: a[1])[0] if qt.alternatives else qt.token
            for qt in qtokens
        )
        asks_for_quote = _QUOTE_TOKEN in query_form.split()
        only_quotes = codes == frozenset({_KIND_CODE["quote"]})
        readings = [(qt.weight, {word for word, _ in qt.alternatives}) for qt in qtokens]
        ranked: list[tuple[Hit, str]] = []
        for coverage, index in scored:
            # Stored forms: the title's own tokens, then the title and each alias as names.
            title_form, *names = self._forms[index].split("\n")
            if title_form == _SAME_AS_FIRST_NAME:
                title_form = names[0]
            score = (
                COVERAGE_SHARE * coverage
                + SIMILARITY_SHARE * self._similarity(index, names, query_form)
                + FOCUS_SHARE * self._focus(names, readings)
            )
            if _KINDS[self._kinds[index]] == "quote" and not asks_for_quote and not only_quotes:
                score -= QUOTE_PENALTY
            ranked.append((self._hit(index, score, coverage), title_form))
        # Ties (several entries explain the question equally well) go to the entry whose own
        # title is closest to the question: "oshiyama" → the entry about Oshiyama.
        ties = Counter(round(hit.score, 3) for hit, _ in ranked)

        def order(item: tuple[Hit, str]) -> tuple[float, float, float, str, str]:
            hit, title_form = item
            rounded = round(hit.score, 3)
            closeness = fuzz.token_sort_ratio(query_form, title_form) if ties[rounded] > 1 else 0
            return (-rounded, -closeness, -hit.coverage, hit.kind, hit.key)

        ranked.sort(key=order)
        return [hit for hit, _ in ranked]

    def search(
        self,
        text: str,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        suggestions: int = 3,
    ) -> SearchResult:
        """Answer a question: the confident best hit, or None, plus up to `suggestions` others."""
        hits = self._rank(text, guild_id, kinds, prefix_last=False)
        if not hits:
            return SearchResult(None, ())
        top = hits[0]
        confident = (
            top.score >= CONFIDENT_SCORE
            and top.coverage >= CONFIDENT_COVERAGE
            and not _OUT_OF_SCOPE & set(analyse(text))
        )
        rest = hits[1:] if confident else hits
        suggested = tuple(
            h for h in rest if h.score >= SUGGEST_SCORE and h.coverage >= SUGGEST_COVERAGE
        )[:suggestions]
        return SearchResult(top if confident else None, suggested)

    def _titled(
        self, typed: str, codes: frozenset[int] | None
    ) -> Iterator[tuple[int, Iterator[int]]]:
        """Per kind asked for: positions whose normalised title starts with `typed`, in
        title order (all positions for an empty `typed`)."""
        title = self._norm_title
        for code, positions in enumerate(self._by_title):
            if codes is not None and code not in codes:
                continue
            start = bisect.bisect_left(positions, typed, key=title) if typed else 0
            following = map(positions.__getitem__, range(start, len(positions)))
            yield code, itertools.takewhile(lambda i: title(i).startswith(typed), following)

    def complete(
        self,
        text: str,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        limit: int = 25,
    ) -> list[Hit]:
        """Autocomplete: entries whose title starts with, or whose words match, what is typed."""
        codes, masked = self._scope(guild_id, kinds)
        typed = normalize(text)
        title = self._norm_title
        if not typed:
            # Every kind's positions are in title order: merge them, first `limit` visible.
            merged = heapq.merge(
                *(positions for _, positions in self._titled("", codes)),
                key=lambda i: (title(i), i),
            )
            visible = (i for i in merged if self._visible(i, guild_id, codes, masked))
            return [self._hit(i) for i in itertools.islice(visible, limit)]
        hits = [h for h in self._rank(text, guild_id, kinds, prefix_last=True) if h.score > 0.2]
        seen = {(h.kind, h.key) for h in hits}
        # Titles that start with what is typed come first, in index order. Each kind looks at
        # no more than PREFIX_SCAN of them, so a one-letter prefix stays cheap at any size.
        prefixed: list[int] = []
        for code, positions in self._titled(typed, codes):
            for index in itertools.islice(positions, PREFIX_SCAN):
                if (_KINDS[code], self._keys[index]) not in seen and self._visible(
                    index, guild_id, codes, masked
                ):
                    prefixed.append(index)
        prefixed.sort()
        return ([self._hit(i, 1.0, 1.0) for i in prefixed] + hits)[:limit]

    def sample(
        self,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        rng: random.Random | None = None,
    ) -> Hit | None:
        """A random entry the server sees (for `/fact` and `/quote` without a query)."""
        codes, masked = self._scope(guild_id, kinds)
        rng = rng or random.Random()
        pools = [p for code, p in enumerate(self._by_title) if codes is None or code in codes]
        size = sum(len(p) for p in pools)
        if not size:
            return None
        for _ in range(64):
            pick = rng.randrange(size)
            for pool in pools:
                if pick < len(pool):
                    break
                pick -= len(pool)
            if self._visible(pool[pick], guild_id, codes, masked):
                return self._hit(pool[pick])
        visible = [i for p in pools for i in p if self._visible(i, guild_id, codes, masked)]
        return self._hit(rng.choice(visible)) if visible else None
