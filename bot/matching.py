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
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

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
COMMON_POSTINGS: Final = 20_000  # skip a word this common when rarer words can retrieve
CANDIDATES_MAX: Final = 400  # entries that get exact coverage scoring

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


@dataclass(slots=True)
class _Doc:
    kind: Kind
    key: str
    guild_id: int
    title: str
    key_tokens: frozenset[str]
    body_tokens: frozenset[str]
    forms: tuple[str, ...]  # canonical token strings of the title and each alias
    long_forms: tuple[str, ...]  # canonical token strings of long texts (quotes)
    norm_title: str
    alive: bool = True


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


@dataclass(frozen=True)
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


class Matcher:
    """An in-memory index of every entry of every server, scoped per server at query time."""

    def __init__(self) -> None:
        self._docs: list[_Doc] = []
        self._by_ref: dict[tuple[int, str, str], int] = {}
        self._postings: dict[str, list[int]] = {}
        self._vocab_by_len: dict[int, list[str]] = {}
        self._surface: dict[str, str] = {}  # word as written → canonical token (for typos)
        self._sorted_vocab: list[str] = []
        self._vocab_dirty = False
        self._masked: dict[int, set[tuple[str, str]]] = {}
        self._alive = 0

    # -- building -------------------------------------------------------------------------

    def rebuild(
        self, entries: Iterable[Entry], hidden: Iterable[tuple[int, str, str]] = ()
    ) -> None:
        """Index `entries` from scratch; `hidden` lists (guild, kind, key) hidden per server."""
        self.__init__()  # type: ignore[misc]
        for entry in entries:
            self.upsert(entry)
        for guild_id, kind, key in hidden:
            self._masked.setdefault(guild_id, set()).add((kind, key))
        self._refresh_vocab()

    def upsert(self, entry: Entry) -> None:
        """Add an entry, or replace the one with the same scope, kind and key."""
        ref = (entry.guild_id, entry.kind, entry.key)
        if ref in self._by_ref:
            self._docs[self._by_ref[ref]].alive = False
            self._alive -= 1
        names, labels = _entry_keys(entry)
        key_tokens: set[str] = set()
        forms: list[str] = []
        for text in names + labels:
            # A name made only of stop words ("what is it about") is indexed with them, so the
            # same question (which then keeps its stop words too) can find it.
            pairs = analyse_pairs(text) or analyse_pairs(text, keep_stop_words=True)
            tokens = [token for _, token in pairs]
            key_tokens.update(tokens)
            if tokens and text in names:
                forms.append(" ".join(tokens))
            self._remember_surface(pairs)
        body_pairs = analyse_pairs(_entry_body(entry))
        self._remember_surface(body_pairs)
        body = [token for _, token in body_pairs]
        long_forms: tuple[str, ...] = ()
        if entry.kind == "quote":
            key_tokens.update(body)
            long_forms = (" ".join(body),)
        doc = _Doc(
            kind=entry.kind,
            key=entry.key,
            guild_id=entry.guild_id,
            title=entry.title,
            key_tokens=frozenset(key_tokens),
            body_tokens=frozenset(body) - key_tokens,
            forms=tuple(dict.fromkeys(forms)),
            long_forms=long_forms,
            norm_title=normalize(entry.title),
        )
        index = len(self._docs)
        self._docs.append(doc)
        self._by_ref[ref] = index
        self._alive += 1
        for token in doc.key_tokens | doc.body_tokens:
            postings = self._postings.get(token)
            if postings is None:
                self._postings[token] = [index]
                self._vocab_dirty = True
            else:
                postings.append(index)
        if entry.guild_id:
            self._masked.setdefault(entry.guild_id, set()).add((entry.kind, entry.key))

    def _remember_surface(self, pairs: Iterable[tuple[str, str]]) -> None:
        for surface, token in pairs:
            if surface.isascii() and surface not in self._surface:
                self._surface[surface] = token
                self._vocab_dirty = True

    def remove(self, kind: str, key: str, guild_id: int) -> None:
        """Drop one scope's entry (a server's own version, or a shipped entry)."""
        index = self._by_ref.pop((guild_id, kind, key), None)
        if index is not None and self._docs[index].alive:
            self._docs[index].alive = False
            self._alive -= 1
        if guild_id and (kind, key) in self._masked.get(guild_id, set()):
            self._masked[guild_id].discard((kind, key))

    def set_hidden(self, guild_id: int, kind: str, key: str, hidden: bool) -> None:
        """Hide or show a shipped entry in one server."""
        masked = self._masked.setdefault(guild_id, set())
        if hidden:
            masked.add((kind, key))
        elif (guild_id, kind, key) not in self._by_ref:
            masked.discard((kind, key))

    def set_guild_hidden(self, guild_id: int, pairs: Iterable[tuple[str, str]]) -> None:
        """Replace what one server hides (after an import), keeping its own versions masked."""
        own = {(k, key) for (g, k, key) in self._by_ref if g == guild_id}
        self._masked[guild_id] = own | set(pairs)

    def _refresh_vocab(self) -> None:
        # Typos are corrected against words as written ("compsoer" → "composer"), including
        # every synonym of a word the index holds.
        for group in _SYNONYMS:
            if _SYNONYM_OF[_stem(group[0])] in self._postings:
                for word in group:
                    self._surface.setdefault(word, _SYNONYM_OF[_stem(word)])
        by_len: dict[int, list[str]] = {}
        for surface in self._surface:
            by_len.setdefault(len(surface), []).append(surface)
        self._vocab_by_len = by_len
        self._sorted_vocab = sorted(self._surface)
        self._vocab_dirty = False

    def __len__(self) -> int:
        return self._alive

    # -- querying ---------------------------------------------------------------------------

    def _visible(self, doc: _Doc, guild_id: int | None, kinds: frozenset[str] | None) -> bool:
        if not doc.alive or (kinds is not None and doc.kind not in kinds):
            return False
        if doc.guild_id == 0:
            return not guild_id or (doc.kind, doc.key) not in self._masked.get(guild_id, ())
        return doc.guild_id == guild_id

    def _idf(self, token: str) -> float:
        df = len(self._postings.get(token, ()))
        return math.log(1.0 + (self._alive + 1) / (df + 0.5))

    def _corrections(self, surface: str) -> tuple[tuple[str, float], ...]:
        if not surface.isascii() or len(surface) < TYPO_MIN_LEN or surface.isdigit():
            return ()
        pool: list[str] = []
        for length in range(len(surface) - 2, len(surface) + 3):
            pool += self._vocab_by_len.get(length, ())
        found = process.extract(surface, pool, scorer=fuzz.ratio, score_cutoff=70, limit=5)
        best: dict[str, float] = {}
        for word, score, _ in found:
            # Swapped letters ("waht", "qoute") are one edit for OSA, two for plain ratio.
            if score < TYPO_MIN_RATIO and OSA.distance(surface, word) > 1:
                continue
            score = max(score, TYPO_MIN_RATIO)
            token = self._surface[word]
            if token in self._postings:
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
            if token in self._postings:
                found[token] = 0.9
        return tuple(found.items())

    def _query_tokens(self, text: str, *, prefix_last: bool) -> list[_QueryToken]:
        if self._vocab_dirty:
            self._refresh_vocab()
        found = analyse_pairs(text)
        if not found:  # "what is it about": only stop words, which then must carry the meaning
            with_stops = analyse_pairs(text, keep_stop_words=True)
            found = with_stops if len(with_stops) >= 3 else []
        pairs = list({token: (surface, token) for surface, token in found}.values())
        max_idf = math.log(1.0 + (self._alive + 1) / 0.5)
        out: list[_QueryToken] = []
        for position, (surface, token) in enumerate(pairs):
            alternatives: tuple[tuple[str, float], ...] = ()
            if token in self._postings:
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

    def _candidates(self, qtokens: Sequence[_QueryToken]) -> list[int]:
        """Entries sharing a word with the question, best first by summed word weight.

        Term-at-a-time accumulation over the postings of the question's words (rarest first;
        a word in more than COMMON_POSTINGS entries is skipped when rarer ones can retrieve):
        the cost follows the entries that share a word, not the size of the base. Only the
        best CANDIDATES_MAX go on to exact scoring."""
        lists: list[tuple[float, list[int]]] = []
        for qt in qtokens:
            for word, similarity in qt.alternatives:
                postings = self._postings.get(word)
                if postings:
                    lists.append((qt.weight * similarity, postings))
        if not lists:
            return []
        lists.sort(key=lambda item: len(item[1]))
        rare = [item for item in lists if len(item[1]) <= COMMON_POSTINGS] or lists[:1]
        weights: dict[int, float] = {}
        get = weights.get
        for weight, postings in rare:
            for index in postings:
                weights[index] = get(index, 0.0) + weight
        if len(weights) <= CANDIDATES_MAX:
            return list(weights)
        return heapq.nlargest(CANDIDATES_MAX, weights, key=weights.__getitem__)

    @staticmethod
    def _coverage(doc: _Doc, qtokens: Sequence[_QueryToken], total: float) -> float:
        matched = 0.0
        for qt in qtokens:
            best = 0.0
            for word, similarity in qt.alternatives:
                if word in doc.key_tokens:
                    best = max(best, similarity * KEY_WEIGHT)
                elif word in doc.body_tokens:
                    best = max(best, similarity * BODY_WEIGHT)
            matched += qt.weight * best
        return matched / total if total else 0.0

    @staticmethod
    def _similarity(doc: _Doc, query_form: str) -> float:
        best = 0.0
        if doc.forms:
            found = process.extractOne(query_form, doc.forms, scorer=fuzz.token_sort_ratio)
            if found:
                best = found[1]
        # A long text (a quote) contains any single word, so it only tells something about
        # questions of several words ("hit or miss" → the quote that says it).
        if query_form.count(" ") >= 1:
            for form in doc.long_forms:
                best = max(best, 0.9 * fuzz.token_set_ratio(query_form, form))
        return best / 100.0

    @staticmethod
    def _focus(doc: _Doc, qtokens: Sequence[_QueryToken]) -> float:
        """How much an entry is *about* the question's words: the share of its names (title and
        aliases) that contain them. An entry named by a word in most of its aliases is about
        it; one that mentions it once in passing is not."""
        if not doc.forms:
            return 0.0
        names = [set(form.split()) for form in doc.forms]
        total = weight = 0.0
        for qt in qtokens:
            words = {word for word, _ in qt.alternatives}
            share = sum(1 for name in names if words & name) / len(names)
            total += qt.weight * share
            weight += qt.weight
        return total / weight if weight else 0.0

    def _rank(
        self, text: str, guild_id: int | None, kinds: Iterable[str] | None, *, prefix_last: bool
    ) -> list[Hit]:
        kind_set = frozenset(kinds) if kinds is not None else None
        qtokens = self._query_tokens(text, prefix_last=prefix_last)
        total = sum(qt.weight for qt in qtokens)
        if not qtokens or total <= 0:
            return []
        scored: list[tuple[float, int]] = []
        for index in self._candidates(qtokens):
            doc = self._docs[index]
            if self._visible(doc, guild_id, kind_set):
                scored.append((self._coverage(doc, qtokens, total), index))
        scored.sort(key=lambda item: (-item[0], item[1]))
        # The query as the entry forms were written: each word replaced by its best reading.
        query_form = " ".join(
            max(qt.alternatives, key=lambda a: a[1])[0] if qt.alternatives else qt.token
            for qt in qtokens
        )
        asks_for_quote = _QUOTE_TOKEN in query_form.split()
        hits: list[Hit] = []
        for coverage, index in scored[:RESCORE_TOP]:
            doc = self._docs[index]
            similarity = self._similarity(doc, query_form)
            score = (
                COVERAGE_SHARE * coverage
                + SIMILARITY_SHARE * similarity
                + FOCUS_SHARE * self._focus(doc, qtokens)
            )
            if doc.kind == "quote" and not asks_for_quote and kind_set != frozenset({"quote"}):
                score -= QUOTE_PENALTY
            hits.append(Hit(doc.kind, doc.key, doc.guild_id, doc.title, score, coverage))
        # Ties (several entries explain the question equally well) go to the entry whose own
        # title is closest to the question: "oshiyama" → the entry about Oshiyama.
        hits.sort(
            key=lambda h: (
                -round(h.score, 3),
                -fuzz.token_sort_ratio(query_form, " ".join(analyse(h.title))),
                -h.coverage,
                h.kind,
                h.key,
            )
        )
        return hits

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

    def complete(
        self,
        text: str,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        limit: int = 25,
    ) -> list[Hit]:
        """Autocomplete: entries whose title starts with, or whose words match, what is typed."""
        kind_set = frozenset(kinds) if kinds is not None else None
        typed = normalize(text)
        if not typed:
            docs = [d for d in self._docs if self._visible(d, guild_id, kind_set)]
            docs.sort(key=lambda d: d.norm_title)
            return [Hit(d.kind, d.key, d.guild_id, d.title, 0.0, 0.0) for d in docs[:limit]]
        hits = [h for h in self._rank(text, guild_id, kinds, prefix_last=True) if h.score > 0.2]
        seen = {(h.kind, h.key) for h in hits}
        prefixed = (
            [
                Hit(d.kind, d.key, d.guild_id, d.title, 1.0, 1.0)
                for d in self._docs
                if d.norm_title.startswith(typed)
                and self._visible(d, guild_id, kind_set)
                and (d.kind, d.key) not in seen
            ]
            if len(self._docs) <= 5000
            else []
        )
        return (prefixed + hits)[:limit]

    def sample(
        self,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        rng: random.Random | None = None,
    ) -> Hit | None:
        """A random entry the server sees (for `/fact` and `/quote` without a query)."""
        kind_set = frozenset(kinds) if kinds is not None else None
        rng = rng or random.Random()
        if not self._docs:
            return None
        for _ in range(64):
            doc = self._docs[rng.randrange(len(self._docs))]
            if self._visible(doc, guild_id, kind_set):
                return Hit(doc.kind, doc.key, doc.guild_id, doc.title, 0.0, 0.0)
        visible = [d for d in self._docs if self._visible(d, guild_id, kind_set)]
        if not visible:
            return None
        doc = rng.choice(visible)
        return Hit(doc.kind, doc.key, doc.guild_id, doc.title, 0.0, 0.0)
