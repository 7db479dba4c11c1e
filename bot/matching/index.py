"""The in-memory inverted index and the `Matcher` (retrieval, scoring, autocomplete)."""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import math
import random
import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.domain.models import Entry, Kind
from bot.i18n import N_, Text
from bot.matching.analysis import (
    _QUOTE_TOKEN,
    _SYNONYM_OF,
    _SYNONYMS,
    _is_cjk,
    _is_misspelt_stop_word,
    _stem,
    analyse_pairs,
    has_topic,
    normalize,
)
from bot.matching.asked import ASKED_KINDS, ASKS, UNDECLARED_MISS, asked_for
from bot.matching.named import (
    ANY_CEREMONY,
    ANY_COUNTRY,
    CEREMONY,
    CEREMONY_BODY,
    COUNTRY,
    LB,
    LB_NAMES,
    LOOK_BACK_WORKS,
    OTHER_WORK_TAG,
    PERSON,
    WORK,
    Named,
    gazetteer,
)
from bot.matching.scoring import (
    ASKED_BONUS,
    ASKED_PENALTY,
    BODY_WEIGHT,
    CANDIDATES_MAX,
    COMMON_POSTINGS,
    CONFIDENT_COVERAGE,
    CONFIDENT_SCORE,
    COVERAGE_SHARE,
    DEFAULT_WORK_PENALTY,
    FOCUS_SHARE,
    KEY_WEIGHT,
    LIVE_ACTION_ONLY_MARGIN,
    LIVE_ACTION_ONLY_SCORE,
    MISSING_ASKED_SHARE,
    PREFIX_SCAN,
    QUOTE_PENALTY,
    RESCORE_TOP,
    SIMILARITY_SHARE,
    SUGGEST_COVERAGE,
    SUGGEST_SCORE,
    TYPO_MIN_LEN,
    TYPO_MIN_RATIO,
    TYPO_SCAN_MAX,
    UNKNOWN_WEIGHT,
)
from bot.matching.snapshot import (
    SnapshotError,
    decode_array,
    decode_strings,
    encode_strings,
    frame,
    snapshot_key,
    unframe,
)
from bot.matching.stored import _SAME_AS_FIRST_NAME, IndexRow, index_row


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
    # Shown with the answer or in its place: "I only know about Look Back — …" when the
    # question names another work, ceremony or country; "About the 2021 manga." when the
    # answer concerns another Look Back work than the 2024 film.
    note: str = ""  # a `Text` when there is one (rendered in the reader's language)


_CLAUSE_BREAK: Final = re.compile(r"[?？!！。,，、;；]+|\s[-–—]\s")


def clauses(text: str) -> list[str]:
    """The clauses of a question split at its punctuation, each of at least two words; none
    when it is one clause."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(text)]
    found = [p for p in parts if len(p.split()) >= 2 or (p and not p.isascii())]
    return found if len(found) > 1 else []


@dataclass(frozen=True, slots=True)
class _QueryToken:
    token: str
    weight: float
    alternatives: tuple[tuple[str, float], ...]  # (vocabulary token, similarity 0–1)


_KINDS: Final[tuple[Kind, ...]] = ("fact", "quote", "synopsis", "awards")
_KIND_CODE: Final[dict[str, int]] = {kind: code for code, kind in enumerate(_KINDS)}
# Words written in each synonym group, as (canonical of the group, [(word, its token)]): they
# join the typo vocabulary once the canonical word is indexed ("compsoer" → "composer").
_SYNONYM_SURFACES: Final = tuple(
    (_SYNONYM_OF[_stem(group[0])], tuple((word, _SYNONYM_OF[_stem(word)]) for word in group))
    for group in _SYNONYMS
)
_NO_POSTINGS: Final = array("i")  # shared by every token absent from one side; never grown
_LB_BITS: Final = {work: 1 << n for n, work in enumerate((*LOOK_BACK_WORKS, OTHER_WORK_TAG))}
_FILM, _MANGA = _LB_BITS["film"], _LB_BITS["manga"]
_OTHER = _LB_BITS[OTHER_WORK_TAG]


def _work_bits(key_tokens: str) -> int:
    bits = 0
    for token in key_tokens.split():
        if token.startswith(LB):
            bits |= _LB_BITS.get(token[len(LB) :], 0)
    return bits


def _name_as_one_word(qtokens: list[_QueryToken], name_words: frozenset[str]) -> list[_QueryToken]:
    """The words of another work's name weigh, together, what their heaviest one weighs: the
    name says what the question is about; the other words say what it asks."""
    in_name = [qt for qt in qtokens if qt.token in name_words]
    if len(in_name) < 2:
        return qtokens
    share = max(qt.weight for qt in in_name) / sum(qt.weight for qt in in_name)
    return [
        _QueryToken(qt.token, qt.weight * share, qt.alternatives) if qt.token in name_words else qt
        for qt in qtokens
    ]


# Question words: what kind of answer is wanted (bot.matching.asked), not what about.
_QUESTION_WORDS: Final = frozenset(
    _stem(word) for word in ("who", "where", "how", "many", "why", "which", "whom", "whose")
)
# Light words of a question about another work ("did he work on Devilman", "did Oshiyama
# make Shishigari by himself", "did its director like it"): the relation, not what is asked.
_LIGHT_WORDS: Final = frozenset(
    _stem(word)
    for word in (
        "make", "made", "work", "worked", "like", "liked", "gonna", "wanna", "himself",
        "herself", "themselves", "involved", "help", "helped",
    )
)  # fmt: skip
_HAS_DIGIT: Final = re.compile(r"\d").search


def _same_numbers(name: str, numbers: list[str]) -> bool:
    """False when `name` holds numbers and none of `numbers` (each as " n ") is among them."""
    if not _HAS_DIGIT(name):
        return True
    padded = f" {name} "
    return any(number in padded for number in numbers)


def _in_sorted(values: array[int], value: int) -> bool:
    position = bisect.bisect_left(values, value)
    return position < len(values) and values[position] == value


def _referred(items: list[str], numbers: array[int]) -> list[str]:
    """The items a snapshot's numbers refer to (a number out of range: SnapshotError)."""
    if numbers and (min(numbers) < 0 or max(numbers) >= len(items)):
        raise SnapshotError("a reference out of range")
    return list(map(items.__getitem__, numbers))


_Why = tuple[str, str]  # (what kind of named thing rules an entry out, which one)
_STILL_SUGGESTED: Final = ("default",)  # ruled out as an answer, fine as a suggestion
ONLY_LOOK_BACK: Final = "I only know about Look Back"


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
        self._works = bytearray()  # per position: the Look Back work tags (_LB_BITS), 0 = none
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
        if self._bulk and not self._refs:
            return self._add_stored_in_order(code, rows, start)
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

    def _add_stored_in_order(self, code: int, rows: Sequence[Sequence[Any]], start: int) -> int:
        """`add_stored` during a bulk load, while every row comes in database order: what `_add`
        does, without its checks for replacing an entry (start-up reads 100,000 rows here)."""
        kinds, guilds, keys, titles = self._kinds, self._guilds, self._keys, self._titles
        norm_titles, forms_of, long_forms_of = self._norm_titles, self._forms, self._long_forms
        live, works, masked = self._live, self._works, self._masked
        key_postings, body_postings = self._key_postings, self._body_postings
        key_get, body_get = key_postings.get, body_postings.get
        intern = sys.intern
        last = self._last_ref
        index = len(keys)
        added = 0
        stop = len(rows)
        for position in range(start, len(rows)):
            guild_id, key, title, norm_title, key_tokens, body_tokens, forms, long_forms = rows[
                position
            ]
            if title is None:
                stop = position
                break
            ref = (code, guild_id, key)
            if self._in_order != index or (last is not None and ref <= last):
                # Out of order: the general path finds what it replaces.
                self._in_order, self._last_ref, self._alive = index, last, self._alive + added
                self._add(
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
                return self.add_stored(_KINDS[code], rows, position + 1)
            last = ref
            kinds.append(code)
            guilds.append(guild_id)
            keys.append(key)
            titles.append(title)
            if norm_title is not None and norm_title != title.lower():
                norm_titles[index] = norm_title
            forms_of.append(forms)
            if long_forms:
                long_forms_of[index] = long_forms
            live.append(1)
            works.append(_work_bits(key_tokens) if LB in key_tokens else 0)
            if key_tokens:
                for token in key_tokens.split():
                    postings = key_get(token)
                    if postings is None:
                        key_postings[intern(token)] = array("i", (index,))
                    else:
                        postings.append(index)
            if body_tokens:
                for token in body_tokens.split():
                    postings = body_get(token)
                    if postings is None:
                        body_postings[intern(token)] = array("i", (index,))
                    else:
                        postings.append(index)
            if guild_id:
                masked.setdefault(guild_id, set()).add((_KINDS[code], key))
            index += 1
            added += 1
            self._in_order = index
        self._last_ref = last
        self._alive += added
        return stop

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

    # -- a snapshot of the whole index (bot.matching.snapshot) ---------------------------------

    @staticmethod
    def snapshot_key(pack_hash: str | None) -> str:
        """What a snapshot of this index depends on besides the entries (`snapshot_key`)."""
        return snapshot_key(pack_hash, (_KINDS, sorted(_LB_BITS.items()), _SYNONYM_SURFACES))

    def snapshot(self) -> Iterator[tuple[str, bytes | bytearray]]:
        """The index as named parts to store, made one at a time; `load_snapshot` reads them
        back. What servers hide is not in it (start-up reads that apart). Raises
        SnapshotError, as the parts are made, when a text holds NUL."""
        if self._bulk:
            raise SnapshotError("the index is being loaded")
        header = {
            "entries": len(self._keys),
            "in_order": self._in_order,
            "key_tokens": len(self._key_postings),
            "by_title": [len(positions) for positions in self._by_title],
        }
        return frame(header, self._snapshot_parts())

    def _snapshot_parts(self) -> Iterator[tuple[str, bytes | bytearray]]:
        yield "kinds", bytes(self._kinds)
        yield "guilds", self._guilds.tobytes()
        yield "live", bytes(self._live)
        yield "keys", encode_strings(self._keys)
        yield "titles", encode_strings(self._titles)
        yield "forms", encode_strings(self._forms)
        for name, values in (("norm_titles", self._norm_titles), ("long_forms", self._long_forms)):
            yield f"{name}_at", array("i", values).tobytes()
            yield name, encode_strings(list(values.values()))
        # Every word once (tokens, words as written), referred to by number everywhere else:
        # read back, each is one string object however many places hold it.
        number: dict[str, int] = {}
        for word in itertools.chain(
            self._key_postings, self._body_postings, self._surface, self._surface.values()
        ):
            if word not in number:
                number[word] = len(number)
        numbered = number.__getitem__
        yield "words", encode_strings(list(number))
        for side, postings in (("key", self._key_postings), ("body", self._body_postings)):
            if side == "body":
                yield "body_words", array("i", map(numbered, postings)).tobytes()
            yield f"{side}_sizes", array("i", map(len, postings.values())).tobytes()
            every: array[int] = array("i")
            for positions in postings.values():
                every.extend(positions)
            yield f"{side}_positions", every.tobytes()
            del every
        yield "surfaces", array("i", map(numbered, self._surface)).tobytes()
        yield "surface_tokens", array("i", map(numbered, self._surface.values())).tobytes()
        del number, numbered
        # The words as written by position in the vocabulary: its sorted order, and the groups
        # typos are looked for in (by length; by length and first letter).
        place = {surface: n for n, surface in enumerate(self._surface)}.__getitem__
        yield "sorted_vocab", array("i", map(place, self._sorted_vocab)).tobytes()
        by_len, by_initial = self._vocab_by_len, self._vocab_by_initial
        yield "by_len_lengths", array("i", by_len).tobytes()
        yield "by_initial_lengths", array("i", (length for length, _ in by_initial)).tobytes()
        yield "by_initial_letters", encode_strings([letter for _, letter in by_initial])
        for name, groups in (("by_len", by_len.values()), ("by_initial", by_initial.values())):
            yield f"{name}_sizes", array("i", map(len, groups)).tobytes()
            yield name, array("i", map(place, itertools.chain.from_iterable(groups))).tobytes()
        yield "by_title", array("i", itertools.chain.from_iterable(self._by_title)).tobytes()

    def load_snapshot(
        self, stored: dict[str, bytes], hidden: Iterable[tuple[int, str, str]] = ()
    ) -> None:
        """Replace the index by a snapshot's (`snapshot`), then apply what servers hide (as
        `load`). Parts are dropped from `stored` as they are read. A snapshot that is missing
        a part, damaged, cut or of another layout raises SnapshotError and leaves the index
        empty."""
        self._reset()
        header = unframe(stored)
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of new objects, none of them garbage
        try:
            self._load_parts(header, stored)
        except SnapshotError:
            self._reset()
            raise
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
            self._reset()
            raise SnapshotError(f"inconsistent snapshot: {exc!r}") from exc
        finally:
            if collecting:
                gc.enable()
        for guild_id, kind, key in hidden:
            self._masked.setdefault(guild_id, set()).add((kind, key))

    def _load_parts(self, header: dict[str, Any], stored: dict[str, bytes]) -> None:
        take = stored.pop  # each part is dropped once read: its bytes are not kept to the end
        count, in_order = int(header["entries"]), int(header["in_order"])
        kinds = bytearray(take("kinds"))
        if len(kinds) != count or (kinds and max(kinds) >= len(_KINDS)):
            raise SnapshotError("kinds")
        guilds = decode_array("q", take("guilds"), count)
        live = bytearray(take("live"))
        if len(live) != count or not 0 <= in_order <= count:
            raise SnapshotError("positions")
        keys = decode_strings(take("keys"), count)
        titles = decode_strings(take("titles"), count)
        forms = decode_strings(take("forms"), count)
        by_position: list[dict[int, str]] = []
        for name in ("norm_titles", "long_forms"):
            at = decode_array("i", take(f"{name}_at"))
            by_position.append(dict(zip(at, decode_strings(take(name), len(at)), strict=True)))
        words_data = take("words")
        words = str(words_data, "utf-8", "surrogatepass").split("\x00") if words_data else []
        del words_data
        postings: list[dict[str, array[int]]] = []
        for side in ("key", "body"):
            if side == "key":
                tokens = words[: int(header["key_tokens"])]
            else:
                tokens = _referred(words, decode_array("i", take("body_words")))
            sizes = decode_array("i", take(f"{side}_sizes"), len(tokens))
            ends = list(itertools.accumulate(sizes))
            every = decode_array("i", take(f"{side}_positions"), ends[-1] if ends else 0)
            slices = map(slice, [0, *ends[:-1]], ends)
            postings.append(dict(zip(tokens, map(every.__getitem__, slices), strict=True)))
            if len(postings[-1]) != len(tokens) or min(sizes, default=1) < 1:
                raise SnapshotError(f"{side} postings")
        surfaces = _referred(words, decode_array("i", take("surfaces")))
        tokens = _referred(words, decode_array("i", take("surface_tokens"), len(surfaces)))
        vocabulary = dict(zip(surfaces, tokens, strict=True))
        del words, tokens
        if len(vocabulary) != len(surfaces):
            raise SnapshotError("vocabulary")
        sorted_vocab = _referred(surfaces, decode_array("i", take("sorted_vocab"), len(surfaces)))
        groups: list[dict[Any, list[str]]] = []
        for name in ("by_len", "by_initial"):
            lengths = decode_array("i", take(f"{name}_lengths"))
            group_keys: list[Any] = list(lengths)
            if name == "by_initial":
                letters = decode_strings(take("by_initial_letters"), len(lengths))
                group_keys = list(zip(lengths, letters, strict=True))
            sizes = decode_array("i", take(f"{name}_sizes"), len(lengths))
            ends = list(itertools.accumulate(sizes))
            members = _referred(surfaces, decode_array("i", take(name), ends[-1] if ends else 0))
            groups.append(
                {
                    k: members[start:end]
                    for k, start, end in zip(group_keys, [0, *ends[:-1]], ends, strict=True)
                }
            )
        per_kind = [int(size) for size in header["by_title"]]
        titled = decode_array("i", take("by_title"), sum(per_kind))
        if len(per_kind) != len(_KINDS):
            raise SnapshotError("by_title")
        ends = list(itertools.accumulate(per_kind))
        starts = [0, *ends[:-1]]
        by_title = [titled[start:end].tolist() for start, end in zip(starts, ends, strict=True)]
        if stored:
            raise SnapshotError(f"unknown parts: {sorted(stored)}")

        self._kinds, self._guilds, self._live = kinds, guilds, live
        self._keys, self._titles, self._forms = keys, titles, forms
        self._norm_titles, self._long_forms = by_position
        self._key_postings, self._body_postings = postings
        self._alive = live.count(1)
        self._in_order = in_order
        self._last_ref = (
            (kinds[in_order - 1], guilds[in_order - 1], keys[in_order - 1]) if in_order else None
        )
        self._refs = {(kinds[i], guilds[i], keys[i]): i for i in range(in_order, count) if live[i]}
        works = bytearray(count)  # what `_work_bits` makes of each entry's key tokens
        for work, bit in _LB_BITS.items():
            for index in self._key_postings.get(LB + work, _NO_POSTINGS):
                works[index] |= bit
        self._works = works
        masked = self._masked
        for index in itertools.compress(range(count), guilds):
            if live[index]:
                masked.setdefault(guilds[index], set()).add((_KINDS[kinds[index]], keys[index]))
        self._surface = vocabulary
        self._sorted_vocab = sorted_vocab
        self._vocab_by_len, self._vocab_by_initial = groups
        self._by_title = by_title

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
        self._works.append(_work_bits(key_tokens) if LB in key_tokens else 0)
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

    def _index_of(self, hit: Hit) -> int | None:
        """The live position of the entry a hit names, or None."""
        return self._find((_KIND_CODE[hit.kind], hit.guild_id, hit.key))

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
        if not surface.isascii() or len(surface) < TYPO_MIN_LEN:
            return ()
        if any(c.isdigit() for c in surface):
            return ()  # another number ("season3", "2024") is never a typo of this one
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
            if len(surface) <= TYPO_MIN_LEN and sorted(surface) != sorted(word):
                continue  # a short word one letter off is another word ("ping", "sing")
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
        leading: list[str] | None = None  # the question's first two words, when needed
        max_idf = math.log(1.0 + (self._alive + 1) / 0.5)
        out: list[_QueryToken] = []
        for position, (surface, token) in enumerate(pairs):
            alternatives: tuple[tuple[str, float], ...] = ()
            if self._known(token):
                weight = self._idf(token)
                alternatives = ((token, 1.0),)
            elif _is_misspelt_stop_word(surface) and surface in (
                leading := leading if leading is not None else normalize(text).split()[:2]
            ):
                continue  # "waht is …": a question word mistyped, where question words are
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
        rescore: int = RESCORE_TOP,
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
                        rescore,
                    )
                held = held_readings()
                # Only the entries at or above the RESCORE_TOP-th best coverage need ordering.
                cut = heapq.nlargest(rescore, partial.values())[-1]
                best_few = [(-v, -held[i], i) for i, v in partial.items() if v >= cut]
                top = self._top_visible(sorted(best_few), total, guild_id, codes, masked, rescore)
                if len(top) < rescore and len(best_few) < len(partial):
                    # Some of those are not visible here: order them all.
                    everyone = [(-v, -held[i], i) for i, v in partial.items()]
                    top = self._top_visible(
                        sorted(everyone), total, guild_id, codes, masked, rescore
                    )
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
        return scored[:rescore]

    def _top_visible(
        self,
        ranked: list[tuple[float, int, int]],
        total: float,
        guild_id: int | None,
        codes: frozenset[int] | None,
        masked: set[tuple[str, str]] | None,
        rescore: int = RESCORE_TOP,
    ) -> list[tuple[float, int]]:
        """(coverage, position) of the first `rescore` visible of (-partial, _, position)."""
        top: list[tuple[float, int]] = []
        for value, _, index in ranked:
            if self._visible(index, guild_id, codes, masked):
                top.append((-value / total if total else 0.0, index))
                if len(top) >= rescore:
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
            found: tuple[str, float, int] | None = process.extractOne(
                query_form, names, scorer=fuzz.token_sort_ratio
            )
            if found and _HAS_DIGIT(found[0]) and _HAS_DIGIT(query_form):
                # A name with other numbers than the question's ("pass 2billion" for "pass
                # 1billion") is not the question asked again, however alike the words.
                numbers = [f" {w} " for w in query_form.split() if _HAS_DIGIT(w)]
                if not _same_numbers(found[0], numbers):
                    names = [n for n in names if _same_numbers(n, numbers)]
                    found = (
                        process.extractOne(query_form, names, scorer=fuzz.token_sort_ratio)
                        if names
                        else None
                    )
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
        self,
        text: str,
        guild_id: int | None,
        kinds: Iterable[str] | None,
        *,
        prefix_last: bool,
        named: Named | None = None,
        rescore: int = RESCORE_TOP,
    ) -> list[tuple[Hit, _Why | None]]:
        """Hits best first, each with why the question's named things rule it out (or None).

        Without `named` (autocomplete) nothing is ruled out."""
        codes, masked = self._scope(guild_id, kinds)
        qtokens = self._query_tokens(text, prefix_last=prefix_last)
        if named is not None and named.work_words:
            qtokens = _name_as_one_word(qtokens, named.work_words)
        total = sum(qt.weight for qt in qtokens)
        if not qtokens or total <= 0:
            return []
        scored = self._covered(qtokens, total, guild_id, codes, masked, rescore)
        # The query as the entry forms were written: each word replaced by its best reading.
        query_form = " ".join(
            max(qt.alternatives, key=lambda a: a[1])[0] if qt.alternatives else qt.token
            for qt in qtokens
        )
        asks_for_quote = _QUOTE_TOKEN in query_form.split()
        only_quotes = codes == frozenset({_KIND_CODE["quote"]})
        readings = [(qt.weight, {word for word, _ in qt.alternatives}) for qt in qtokens]
        asked = asked_for(text) if named is not None else ""
        ranked: list[tuple[Hit, str, _Why | None]] = []
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
            why: _Why | None = None
            if named is not None:
                why = self._ruled_out(index, named)
                bits = self._works[index]
                if not named.look_back and not named.works and bits & _MANGA and not bits & _FILM:
                    score -= DEFAULT_WORK_PENALTY  # no work named: the 2024 film is meant
                if asked:
                    declared = self._declared(index)
                    if asked in declared:
                        score += ASKED_BONUS  # its names ask what the question asks
                    elif declared or asked in UNDECLARED_MISS:
                        score -= ASKED_PENALTY  # its names ask only other kinds
            ranked.append((self._hit(index, score, coverage), title_form, why))
        # Ties (several entries explain the question equally well) go to the entry whose own
        # title is closest to the question: "oshiyama" → the entry about Oshiyama.
        ties = Counter(round(hit.score, 3) for hit, _, _ in ranked)

        def order(item: tuple[Hit, str, _Why | None]) -> tuple[float, float, float, str, str]:
            hit, title_form, _ = item
            rounded = round(hit.score, 3)
            closeness = fuzz.token_sort_ratio(query_form, title_form) if ties[rounded] > 1 else 0
            return (-rounded, -closeness, -hit.coverage, hit.kind, hit.key)

        ranked.sort(key=order)
        return [(hit, why) for hit, _, why in ranked]

    def _ruled_out(self, index: int, named: Named) -> _Why | None:
        """Why an entry cannot answer a question that names these things, or None.

        ("work", id): the question names another work, which the entry neither is about nor
        mentions. ("look-back", work): it names the manga or the live-action film, and the
        entry is about another. ("default", "film"): it names no work (so means the 2024 film)
        and the entry is only about the live-action film or another work, naming nothing the
        question names. ("ceremony", "oscar:96"), ("country", "korea"): the entry is about
        another ceremony of the same body, or another country.
        """
        keys, bodies = self._key_postings, self._body_postings

        def about(token: str) -> bool:
            return _in_sorted(keys.get(token, _NO_POSTINGS), index)

        def mentions(token: str) -> bool:
            return _in_sorted(bodies.get(token, _NO_POSTINGS), index)

        # Another work: the entry is about it, or lists it (nominees, winners of a ceremony).
        if named.works and not any(
            about(WORK + w) or (mentions(WORK + w) and about(ANY_CEREMONY)) for w in named.works
        ):
            return ("work", min(named.works))
        bits = self._works[index]
        # An entry about a Look Back work that also names another ("Yamazaki, director of
        # Godzilla Minus One, praised it") answers a question about that other work only when
        # the question also says it means Look Back ("it"), one of its people, or a ceremony.
        if (
            named.works
            and bits
            and not bits & _OTHER
            and not (named.this_work or named.pronoun or named.people or named.ceremonies)
        ):
            return ("work", min(named.works))
        if bits:
            concerns = any(about(WORK + w) for w in named.works) or any(
                about(PERSON + p) for p in named.people
            )
            # With another work named, "manga" or "movie" is that work's medium; "live action"
            # still says which film ("the live action Chainsaw Man").
            wanted = named.look_back & {"live-action"} if named.works else named.look_back
            if wanted:
                generic = "live-action" not in wanted and not named.this_work
                if not any(bits & _LB_BITS[w] for w in wanted) and not (
                    bits & _OTHER and concerns and generic
                ):
                    return ("look-back", next(w for w in LOOK_BACK_WORKS if w in wanted))
            elif not bits & (_FILM | _MANGA) and not concerns:
                return ("default", "film")
        if named.ceremonies:
            numbered: dict[str, set[str]] = {}
            for body, number in named.ceremonies:
                if number:
                    numbered.setdefault(body, set()).add(number)
            for body, numbers in sorted(numbered.items()):
                # The ceremonies the entry's keys name, else those its answer names.
                side = about if about(CEREMONY_BODY + body) else mentions
                if side(CEREMONY_BODY + body) and not any(
                    side(f"{CEREMONY}{body}:{n}") for n in numbers
                ):
                    return ("ceremony", f"{body}:{min(numbers)}")
        if named.ceremonies:
            # A ceremony named: the entry must name that body somewhere (any of them, when the
            # question names several), else it says nothing about its awards.
            names = gazetteer()

            def names_body(body: str, number: str) -> bool:
                if about(CEREMONY_BODY + body) or mentions(CEREMONY_BODY + body):
                    return True
                # A numbered ceremony ("the 2026 Golden Globes") is not answered by an entry
                # that names the body but no ceremony of it by number or year.
                return not number and any(
                    words and all(about(word) or mentions(word) for word in words)
                    for words in names.body_words(body)
                )

            if not any(names_body(body, number) for body, number in named.ceremonies):
                body, number = min(named.ceremonies, key=lambda c: (not c[1], c))
                return ("ceremony", f"{body}:{number}" if number else body)
        if (
            named.countries
            and about(ANY_COUNTRY)
            and not any(about(COUNTRY + c) for c in named.countries)
        ):
            return ("country", min(named.countries))
        return None

    def _declared(self, index: int) -> list[str]:
        """The kinds of question the entry's title and aliases ask (see bot.matching.asked)."""
        keys = self._key_postings
        return [k for k in ASKED_KINDS if _in_sorted(keys.get(ASKS + k, _NO_POSTINGS), index)]

    def _about_note(self, index: int) -> str:
        bits = self._works[index]
        if not bits or bits & _FILM:
            return ""
        for work in ("live-action", "manga"):
            if bits & _LB_BITS[work]:
                return Text(N_("About {work}."), work=Text(LB_NAMES[work]))
        return ""

    def search(
        self,
        text: str,
        *,
        guild_id: int | None = None,
        kinds: Iterable[str] | None = None,
        suggestions: int = 3,
        threshold: float | None = None,
    ) -> SearchResult:
        """Answer a question: the confident best hit, or None, plus up to `suggestions` others.

        `threshold` replaces CONFIDENT_SCORE (the calibration in benchmarks.bench_matching).

        A question with no confident answer that is made of several clauses ("does kyomoto
        die?? just finished the movie and im crying") is asked once more clause by clause: the
        chatter around a question must not drown it. What the whole question names (another
        work, a ceremony) still rules entries out for every clause."""
        named = gazetteer().find(text)
        result = self._search(text, named, guild_id, kinds, suggestions, threshold)
        if result.best is not None:
            return result
        answered = [
            found
            for clause in clauses(text)
            if (found := self._search(clause, named, guild_id, kinds, suggestions, threshold)).best
        ]
        return max(answered, key=lambda r: r.best.score if r.best else 0.0, default=result)

    def _search(
        self,
        text: str,
        named: Named,
        guild_id: int | None,
        kinds: Iterable[str] | None,
        suggestions: int,
        threshold: float | None,
    ) -> SearchResult:
        ranked = self._rank(text, guild_id, kinds, prefix_last=False, named=named)
        if not ranked:
            return SearchResult(None, (), self._named_note(named, None))
        allowed = [hit for hit, why in ranked if why is None]
        top = allowed[0] if allowed else None
        top = self._only_live_action(ranked, top)
        confident = (
            top is not None
            and top.score >= (CONFIDENT_SCORE if threshold is None else threshold)
            and top.coverage >= CONFIDENT_COVERAGE
            and has_topic(text)
            and not (named.works and self._asks_more_than(top, text, named))
            and not self._undeclared(top, text)
        )
        offered = [hit for hit, why in ranked if why is None or why[0] in _STILL_SUGGESTED]
        rest = [h for h in offered if h is not top] if confident else offered
        suggested = tuple(
            h for h in rest if h.score >= SUGGEST_SCORE and h.coverage >= SUGGEST_COVERAGE
        )[:suggestions]
        if confident and top is not None:
            index = self._index_of(top)
            note = self._about_note(index) if index is not None else ""
            return SearchResult(top, suggested, note)
        return SearchResult(None, suggested, self._named_note(named, ranked[0][1]))

    def _only_live_action(
        self, ranked: list[tuple[Hit, _Why | None]], top: Hit | None
    ) -> Hit | None:
        """The live-action entry for a question that names no work but asks what only the
        live-action film has ("what is K2 Pictures"): the best entry overall (`ranked` is never
        empty) is about the live-action film alone and nothing the question may mean comes
        near it."""
        best, why = ranked[0]
        if why != ("default", "film") or best.score < LIVE_ACTION_ONLY_SCORE:
            return top
        index = self._index_of(best)
        if index is None or self._works[index] != _LB_BITS["live-action"]:
            return top
        if top is not None and top.score > best.score - LIVE_ACTION_ONLY_MARGIN:
            return top
        return best

    def _undeclared(self, hit: Hit, text: str) -> bool:
        """True for instructions ("how do I draw a manga panel") the entry's names do not
        say it gives: a fact base of facts answers none otherwise (UNDECLARED_MISS)."""
        asked = asked_for(text)
        if asked not in UNDECLARED_MISS:
            return False
        index = self._index_of(hit)
        return index is not None and asked not in self._declared(index)

    def _asks_more_than(self, hit: Hit, text: str, named: Named) -> bool:
        """True when a question about another work asks something its entry does not hold.

        An entry about Chainsaw Man shares the work's name with every question about it ("who
        voices Reze in the Chainsaw Man movie", "is Chainsaw Man on Netflix"): the name says
        what the question is about, the other words what it asks, and the entry must hold
        those (MISSING_ASKED_SHARE of their weight at most may be missing)."""
        index = self._index_of(hit)
        if index is None:
            return False
        keys, bodies = self._key_postings, self._body_postings

        def holds(token: str) -> bool:
            return _in_sorted(keys.get(token, _NO_POSTINGS), index) or _in_sorted(
                bodies.get(token, _NO_POSTINGS), index
            )

        # The work's name is what the question is about. A work called by two names ("who is
        # Makima in Chainsaw Man"): a name the entry does not hold is what is asked.
        name_words: set[str] = set()
        for names in named.work_names.values():
            held = [name for name in names if all(holds(t) for t in name)] if len(names) > 1 else []
            for name in held or names:
                name_words.update(name)
        asked = [
            qt
            for qt in self._query_tokens(text, prefix_last=False)
            if qt.token not in name_words
            and qt.token not in _QUESTION_WORDS
            and qt.token not in _LIGHT_WORDS
        ]
        total = sum(qt.weight for qt in asked)
        missing = sum(
            qt.weight for qt in asked if not any(holds(token) for token, _ in qt.alternatives)
        )
        return total > 0 and missing / total > MISSING_ASKED_SHARE

    def _named_note(self, named: Named, why: _Why | None) -> str:
        """'I only know about Look Back — …' when a named thing explains the "I don't know"."""
        names = gazetteer()
        if named.works:
            label = names.label("work", min(named.works))
            return Text(N_("I only know about Look Back — I have nothing on {name}."), name=label)
        if why is None or why[0] in _STILL_SUGGESTED:
            return ""
        kind, value = why
        if kind == "look-back":
            if value == "film":  # the default: nothing to explain
                return ""
            work = LB_NAMES.get(value)
            return Text(
                N_("Nothing I have on {work} answers that."),
                work=Text(work) if work else names.label("look-back", value),
            )
        if kind == "ceremony":
            label = names.label("ceremony", value)
            return Text(N_("I only know about Look Back — I have nothing on {name}."), name=label)
        return Text(
            N_("I only know about Look Back — nothing I have answers that for {name}."),
            name=names.label(kind, value),
        )

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
        # Only `limit` choices are shown: no more candidates than that get the dearer scoring.
        ranked = self._rank(text, guild_id, kinds, prefix_last=True, rescore=max(limit, 10))
        hits = [h for h, _ in ranked if h.score > 0.2]
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
