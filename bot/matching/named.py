"""Named things: the works, people, ceremonies and countries a question or an entry is about.

A question that names another work ("who wrote Your Name"), another ceremony ("the 96th
Oscars") or another country than an entry is about is not answered with that entry, however
many generic words ("who wrote", "best animated feature") they share. What an entry is about
comes from the content itself: its work tag (`film`, `manga`, `live-action`, `other-work`), and
the named things its title, aliases and labels name (its *keys*) or its answer mentions (its
*body*). The other works and people come from the pack's `works` section (data/pack/works.json);
the Look Back works, ceremonies and countries are built in here.

Entries carry what they are about as tokens beside their words (`~w:flow`, `~lb:manga`,
`~c:oscar:97`), so the stored index keeps them and the inverted index answers "which entries
are about X" like any word. A question's named things never count towards coverage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal

from bot.i18n import N_
from bot.matching.analysis import analyse, normalize

ThingType = Literal["work", "person"]
THING_TYPES: Final[tuple[str, ...]] = ("work", "person")

# -- what entries are tagged with ---------------------------------------------------------------

LOOK_BACK_WORKS: Final = ("film", "manga", "live-action")
OTHER_WORK_TAG: Final = "other-work"
WORK_TAGS: Final = frozenset((*LOOK_BACK_WORKS, OTHER_WORK_TAG))
# The anime film tells the manga's story: an entry about the story or the characters is about
# both, whichever of the two it is tagged with.
SHARED_STORY_TAGS: Final = frozenset(
    {"story", "characters", "ending", "references", "themes", "setting"}
)
LB_NAMES: Final[dict[str, str]] = {  # message ids: translated where shown
    "film": N_("the 2024 anime film"),
    "manga": N_("the 2021 manga"),
    "live-action": N_("Kore-eda's live-action film"),
}

# Token prefixes (never a word token: words are letters, digits and CJK only).
WORK: Final = "~w:"
PERSON: Final = "~p:"
LB: Final = "~lb:"
CEREMONY: Final = "~c:"  # ~c:<body>:<number>
CEREMONY_BODY: Final = "~cb:"  # the entry names some numbered ceremony of that body
COUNTRY: Final = "~n:"
ANY_COUNTRY: Final = "~n*"  # the entry's keys name some country
ANY_CEREMONY: Final = "~c*"  # the entry names some ceremony (a list of nominees, winners…)


@dataclass(frozen=True)
class NamedThing:
    """A work or person of the `works` pack section (see docs/pack-format.md)."""

    id: str
    type: ThingType
    title: str
    aliases: tuple[str, ...] = ()
    about: str = ""  # "a 2024 Latvian animated film": shown when a question names it


# -- built in ------------------------------------------------------------------------------------

# Words that say which Look Back work a question means (on normalised text).
_LIVE_ACTION = re.compile(r"(?<![a-z0-9])live ?action(?![a-z0-9])|実写|是枝|(?<![a-z0-9])kore ?eda")
_MANGA = re.compile(
    r"(?<![a-z0-9])(manga|mangas|one ?shot|oneshot|jumpplus|tankobon|volume|chapter|pages?|"
    r"book|comic|comics|yomikiri|panel)(?![a-z0-9])|漫画|マンガ|原作|読み?切り?|単行本|ジャンプ"
)
_FILM_SPECIFIC = re.compile(r"(?<![a-z0-9])anime(?![a-z0-9])|アニメ")
_THIS_WORK = re.compile(
    r"(?<![a-z0-9])(the|this|look back|lookback)( original| first| 2024| japanese)? "
    r"(manga|one ?shot|oneshot|movie|film|anime|book)(?![a-z0-9])"
    r"|(?<![a-z0-9])look ?back(?![a-z0-9])"
)
_TITLE: Final = "ルックバック"
_PRONOUN = re.compile(r"(?<![a-z0-9])(it|its|this)(?![a-z0-9])")
_FILM_GENERIC = re.compile(r"(?<![a-z0-9])(movie|movies|film|films|flick)(?![a-z0-9])|映画|劇場")

_COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "japan": ("japan", "japanese", "nihon", "nippon", "日本", "国内"),
    "us": (
        "us",
        "usa",
        "america",
        "american",
        "americas",
        "united states",
        "north america",
        "north american",
        "canada",
        "canadian",
        "アメリカ",
        "北米",
    ),
    "korea": ("korea", "korean", "south korea", "韓国"),
    "china": ("china", "chinese", "mainland china", "中国"),
    "taiwan": ("taiwan", "taiwanese", "台湾"),
    "france": ("france", "french", "フランス"),
    "germany": ("germany", "german", "austria", "austrian", "deutschland", "ドイツ"),
    "italy": ("italy", "italian", "italia", "イタリア"),
    "uk": ("uk", "britain", "british", "england", "united kingdom", "イギリス"),
    "australia": ("australia", "australian", "オーストラリア"),
    "spain": ("spain", "spanish", "スペイン"),
    "brazil": ("brazil", "brazilian", "ブラジル"),
    "mexico": ("mexico", "mexican"),
    "india": ("india", "indian"),
    "philippines": ("philippines", "filipino"),
    "indonesia": ("indonesia", "indonesian"),
    "thailand": ("thailand", "thai"),
    "russia": ("russia", "russian"),
}
_COUNTRY_NAMES: Final = {
    "us": "the US",
    "uk": "the UK",
    "philippines": "the Philippines",
}

# Ceremonies, by the words that name their body ("oscar" is what normalize makes of "academy
# awards"). A number next to one (an ordinal, or a year) says which ceremony.
_BODIES: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "japan-academy",
        r"japan(ese)? oscar|japan(ese)? academy( film)? (prize|awards?)|日本 アカデミー",
        "Japan Academy Film Prize",
    ),
    ("oscar", r"oscars?|アカデミー 賞|best animated feature", "Academy Awards"),
    ("annie", r"annies?( awards?)?", "Annie Awards"),
    ("golden-globe", r"golden globes?|globes|ゴールデン グローブ", "Golden Globes"),
    ("crunchyroll", r"crunchyroll( anime)?( awards?)?|anime awards", "Crunchyroll Anime Awards"),
    ("mainichi", r"mainichi( film)?( awards?| concours)?", "Mainichi Film Awards"),
    ("bafta", r"baftas?", "BAFTA Awards"),
    ("emmy", r"emmys?", "Emmy Awards"),
    ("grammy", r"grammys?", "Grammy Awards"),
    ("eisner", r"eisners?( awards?)?", "Eisner Awards"),
    ("cannes", r"cannes", "Cannes Film Festival"),
    ("annecy", r"annecy", "Annecy festival"),
)
# A word that only that body's name holds: an entry that holds none of them (nor a numbered
# ceremony of that body) says nothing about that body's awards ("who won best animated feature
# in 2022" is not answered by the Annie nomination).
_BODY_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "japan-academy": ("academy", "日本アカデミー"),
    "oscar": ("oscar", "アカデミー賞"),
    "annie": ("annie", "アニー賞"),
    "golden-globe": ("globe", "ゴールデングローブ"),
    "crunchyroll": ("crunchyroll",),
    "mainichi": ("mainichi", "毎日映画"),
    "bafta": ("bafta",),
    "emmy": ("emmy",),
    "grammy": ("grammy",),
    "eisner": ("eisner",),
    "cannes": ("cannes", "カンヌ"),
    "annecy": ("annecy", "アヌシー"),
}
_ORDINAL = r"(\d{1,3})(?:st|nd|rd|th)"
_YEAR = r"((?:19|20)\d\d)"
_NEAR: Final = 4  # words (not counting these) between a number and the ceremony it dates
_FILLER: Final = frozenset("for in at the of on a an and to was were is are year".split())  # noqa: SIM905


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass
class Named:
    """The named things found in one text."""

    works: set[str] = field(default_factory=set)  # other works' ids
    people: set[str] = field(default_factory=set)
    look_back: set[str] = field(default_factory=set)  # film / manga / live-action
    ceremonies: set[tuple[str, str]] = field(default_factory=set)  # (body, "97" or "y2025")
    countries: set[str] = field(default_factory=set)
    # "the movie", "this manga", "Look Back": the text means a Look Back work, not the medium
    # ("does Oshiyama draw manga").
    this_work: bool = False
    # "did the Godzilla Minus One director like it": a pronoun that can only mean the work the
    # bot is about (a question naming another work and "it" still asks about Look Back).
    pronoun: bool = False
    # The word tokens of the other works' names in the text. They say what the question is
    # about (the named-thing rule checks that), so in coverage they count as one word.
    work_words: frozenset[str] = frozenset()
    # Per other work, the tokens of each name the text calls it by ("makima" and "chainsaw
    # man" both name Chainsaw Man): with two names, one may be what is asked ("who is Makima
    # in Chainsaw Man").
    work_names: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.works or self.people or self.look_back or self.ceremonies or self.countries
        )


class Gazetteer:
    """Finds named things in text: the pack's works and people, plus the built-in ones."""

    def __init__(self, things: Iterable[NamedThing] = ()) -> None:
        self.things: dict[str, NamedThing] = {}
        names: dict[str, str] = {}
        for thing in things:
            self.things[thing.id] = thing
            for name in (thing.title, *thing.aliases):
                norm = normalize(name)
                if norm and norm not in names:
                    names[norm] = f"{WORK if thing.type == 'work' else PERSON}{thing.id}"
        for country, words in _COUNTRIES.items():
            for word in words:
                names.setdefault(normalize(word) or word, f"{COUNTRY}{country}")
        self._names = names
        # Names are looked up as runs of whole words (normalised text is words joined by one
        # space): a dictionary look-up per run, not a regular expression of every name.
        self._longest = max((n.count(" ") + 1 for n in names), default=1)
        # Japanese has no spaces: a particle can join a name's last run ("君の名はの" →
        # "君 の 名 はの"), so Japanese names are also looked for inside the text.
        self._japanese = [(n, t) for n, t in names.items() if not n.isascii()]
        self._bodies = [
            (body, re.compile(rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])"), label)
            for body, words, label in _BODIES
        ]
        material = repr(
            (
                sorted((t.id, t.type, t.title, t.aliases) for t in self.things.values()),
                sorted(names.items()),
                _BODIES,
                _LIVE_ACTION.pattern,
                _MANGA.pattern,
                _FILM_SPECIFIC.pattern,
                _FILM_GENERIC.pattern,
                sorted(_YEAR_OFFSET.items()),
            )
        )
        self.digest = hashlib.sha256(material.encode()).hexdigest()[:16]
        self.find = lru_cache(maxsize=4096)(self._find)

    # -- finding -----------------------------------------------------------------------------

    def _find(self, text: str) -> Named:
        norm = normalize(text)
        found = Named(
            this_work=_THIS_WORK.search(norm) is not None or _TITLE in text,
            pronoun=_PRONOUN.search(norm) is not None,
        )
        if not norm:
            return found
        work_words: list[str] = []
        runs = self._named_runs(norm.split())
        if not norm.isascii():
            runs += [(name, token) for name, token in self._japanese if name in norm]
        for name, token in runs:
            if token.startswith(WORK):
                found.works.add(token[len(WORK) :])
                tokens = analyse(name)
                work_words += tokens
                found.work_names.setdefault(token[len(WORK) :], []).append(tuple(tokens))
            elif token.startswith(PERSON):
                found.people.add(token[len(PERSON) :])
            else:
                found.countries.add(token[len(COUNTRY) :])
        found.work_words = frozenset(work_words)
        self._ceremonies(norm, found)
        live_action = _LIVE_ACTION.search(norm) is not None
        if live_action:
            found.look_back.add("live-action")
        if _MANGA.search(norm):
            found.look_back.add("manga")
        if _FILM_SPECIFIC.search(norm) or (not live_action and _FILM_GENERIC.search(norm)):
            found.look_back.add("film")
        return found

    def _named_runs(self, words: list[str]) -> list[tuple[str, str]]:
        """(name, token) of the names in `words`, longest first at each place, not overlapping."""
        found: list[tuple[str, str]] = []
        names = self._names
        start = 0
        while start < len(words):
            for size in range(min(self._longest, len(words) - start), 0, -1):
                run = " ".join(words[start : start + size])
                token = names.get(run)
                if token is None and run.endswith("s") and len(run) > 4:
                    # "fujimotos first manga": a person's possessive without its apostrophe
                    # (not a work's: "the story flows" is not about Flow).
                    token = names.get(run[:-1])
                    if token is not None and not token.startswith(PERSON):
                        token = None
                if token is not None:
                    found.append((run, token))
                    start += size
                    break
            else:
                start += 1
        return found

    def _ceremonies(self, norm: str, found: Named) -> None:
        words = norm.split()
        kept = [i for i, word in enumerate(words) if word not in _FILLER]
        for body, pattern, _ in self._bodies:
            for match in pattern.finditer(norm):
                if body == "oscar" and re.search(r"japan(ese)? $|日本 $", norm[: match.start()]):
                    continue  # the Japan Academy Film Prize
                start = norm[: match.start()].count(" ")
                end = start + match.group(0).count(" ")
                before_kept = [i for i in kept if i < start][-_NEAR:]
                after_kept = [i for i in kept if i > end][:_NEAR]
                near = [words[i] for i in before_kept + after_kept]
                before = " ".join(words[max(0, start - 3) : start])
                numbers: set[str] = set()
                for word in near:
                    ordinal = re.fullmatch(_ORDINAL, word)
                    year = re.fullmatch(_YEAR, word)
                    if ordinal:
                        numbers.add(ordinal.group(1))
                    elif year:
                        numbers.add(f"y{year.group(1)}")
                japanese = re.search(r"第 (\d{1,3}) 回 ?$", before)
                if japanese:
                    numbers.add(japanese.group(1))
                japanese_year = re.search(rf"{_YEAR} 年( の)? ?$", before)
                if japanese_year:
                    numbers.add(f"y{japanese_year.group(1)}")
                for number in numbers:
                    found.ceremonies.add((body, _canonical_number(body, number)))
                if not numbers:
                    found.ceremonies.add((body, ""))

    @staticmethod
    @lru_cache(maxsize=64)
    def body_words(body: str) -> tuple[tuple[str, ...], ...]:
        """Each word only that ceremony body's name holds, as its tokens (see _BODY_WORDS)."""
        return tuple(tuple(analyse(word)) for word in _BODY_WORDS.get(body, ()))

    # -- entries -----------------------------------------------------------------------------

    def entry_tokens(
        self, keys: Sequence[str], body: str, tags: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """(tokens of what an entry is about: its keys, tokens of what its body mentions)."""
        key_tokens: dict[str, None] = {}
        tag_set = set(tags)
        works = tag_set & WORK_TAGS
        if works & {"film", "manga"} and tag_set & SHARED_STORY_TAGS:
            works |= {"film", "manga"}
        for work in sorted(works):
            key_tokens[f"{LB}{work}"] = None
        for text in keys:
            key_tokens.update(dict.fromkeys(self._tokens(self.find(text))))
        body_tokens = [t for t in self._tokens(self.find(body)) if t not in key_tokens]
        return list(key_tokens), list(dict.fromkeys(body_tokens))

    @staticmethod
    def _tokens(named: Named) -> list[str]:
        tokens = [f"{WORK}{w}" for w in sorted(named.works)]
        tokens += [f"{PERSON}{p}" for p in sorted(named.people)]
        for body, number in sorted(named.ceremonies):
            if number:
                tokens += [f"{CEREMONY}{body}:{number}", f"{CEREMONY_BODY}{body}"]
        if named.ceremonies:
            tokens.append(ANY_CEREMONY)
        if named.countries:
            tokens += [f"{COUNTRY}{c}" for c in sorted(named.countries)] + [ANY_COUNTRY]
        return tokens

    # -- wording -----------------------------------------------------------------------------

    def label(self, kind: str, value: str) -> str:
        """How a named thing is called in the "I only know about Look Back" line."""
        if kind == "work":
            thing = self.things.get(value)
            if thing is None:
                return value
            return f"{thing.title} ({thing.about})" if thing.about else thing.title
        if kind == "look-back":
            return LB_NAMES.get(value, value)
        if kind == "country":
            return _COUNTRY_NAMES.get(value, value.title())
        body, _, number = value.partition(":")
        label = next((lbl for b, _, lbl in self._bodies if b == body), body) or body
        if number.startswith("y"):
            return f"the {number[1:]} {label}"
        return f"the {_ordinal(int(number))} {label}" if number else label


# Ceremonies counted by ordinal: the year of the n-th ceremony is n + offset (the 97th Academy
# Awards were held in 2025), so "the 2025 Oscars" is the 97th.
_YEAR_OFFSET: Final = {
    "oscar": 1928,
    "annie": 1973,
    "golden-globe": 1943,
    "japan-academy": 1977,
    "mainichi": 1946,
    "bafta": 1947,
}


def _canonical_number(body: str, number: str) -> str:
    """A ceremony's year becomes its ordinal where ceremonies are counted (see _YEAR_OFFSET)."""
    offset = _YEAR_OFFSET.get(body)
    if offset and number.startswith("y"):
        return str(int(number[1:]) - offset)
    return number


_current = Gazetteer()


def gazetteer() -> Gazetteer:
    """The named things in use (set from the shipped pack's `works` at start-up)."""
    return _current


def use_named_things(things: Iterable[NamedThing]) -> Gazetteer:
    """Use these works and people from now on (once per process, from the shipped pack).

    Entries analysed before keep the tokens they were given: the fact base analyses every
    entry again when the shipped pack (which holds the works) changes.
    """
    global _current
    things = tuple(things)
    if sorted(things, key=lambda t: t.id) != sorted(_current.things.values(), key=lambda t: t.id):
        _current = Gazetteer(things)
    return _current
