"""What kind of thing a question asks for: a person, a date, a place, a duration, an amount…

A "who" question is not answered by an entry that gives a date. Entries say what they answer
through the questions among their title and aliases ("who directed Look Back", "when did it come
out"): an entry whose names ask only other kinds than the question is ranked down
(`ASKED_PENALTY`); an entry whose names ask nothing (most titles) is never. Yes/no questions
("is Kyomoto dead", "did it win") ask for no kind.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from bot.matching.analysis import normalize

ASKS: Final = "~a:"  # entry token prefix: ~a:who, ~a:when…
_WH = r"(?<![a-z0-9])"
_END = r"(?![a-z0-9])"
# In order: the first kind whose pattern is found is the one asked ("how long" before "how").
_KINDS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    # Instructions ("how do I draw…"): a fact base of facts answers none unless an entry says
    # so. Getting to see or read it is a "where" question.
    (
        "where",
        re.compile(rf"{_WH}how (do|can|could|should) (i|we|u) (watch|stream|see|read|buy){_END}"),
    ),
    ("howto", re.compile(rf"{_WH}(how (do|can|could|should) (i|you|we|u)|how to){_END}")),
    # A recommendation ("recommend me a manga", "おすすめの漫画"): a fact base gives none
    # unless an entry says so.
    (
        "recommend",
        re.compile(
            rf"{_WH}(recommend|recommends|recommendations?|recs|suggest (a|an|some|me)|"
            rf"what (should|can) (i|we) (watch|read) next){_END}|おすすめ|オススメ|お勧め|お薦め"
            # "what's the best Ghibli film": an opinion asked for, not a fact (but "best
            # animated feature" is an award, and "best-selling" a number).
            rf"|{_WH}(whats|what is|which is) the (best|greatest)"
            rf" (?!animated|picture|selling|seller|director|film award|anime award)"
        ),
    ),
    ("why", re.compile(rf"{_WH}(why|how come)\b|なぜ|なんで|どうして")),
    (
        "who",
        re.compile(
            rf"{_WH}(who|whos|whom|whose)\b|{_WH}which (company|studio|publisher|distributor|"
            rf"person|actor|actress|director|animator|magazine|singer)s?{_END}|誰|だれ"
            # "制作会社どこ": which company (どこ asks for an organisation, not a place).
            r"|(会社|スタジオ|配給|出版|レーベル) ?(は|って|が)? ?どこ"
        ),
    ),
    (
        "when",
        re.compile(
            rf"{_WH}(when|whens)\b|{_WH}(what|which) (day|date|year|month|time)s?{_END}|"
            rf"{_WH}release date{_END}|いつ|何日|何年"
        ),
    ),
    (
        "where",
        re.compile(
            rf"{_WH}where\b|{_WH}which (country|countries|city|town|site|theaters?|"
            rf"cinemas?|platform|streaming service){_END}|どこ"
        ),
    ),
    ("long", re.compile(rf"{_WH}how long{_END}|{_WH}(runtime|running time){_END}|何分|上映時間")),
    ("much", re.compile(rf"{_WH}how much{_END}|いくら|料金|興行収入")),
    ("many", re.compile(rf"{_WH}how many{_END}|何人|何回|何ページ|何位|何巻")),
)
ASKED_KINDS: Final = tuple(dict.fromkeys(kind for kind, _ in _KINDS))
# Kinds no entry answers unless its names say so.
UNDECLARED_MISS: Final = frozenset({"howto", "recommend"})


@lru_cache(maxsize=4096)
def asked_for(text: str) -> str:
    """The kind of answer `text` asks for ('' when none, as in yes/no questions)."""
    norm = normalize(text)
    first = ""
    at = len(norm) + 1
    for kind, pattern in _KINDS:
        found = pattern.search(norm)
        if found and found.start() < at:
            first, at = kind, found.start()
    return first


def entry_asks(names: list[str]) -> list[str]:
    """The `~a:` tokens of the kinds an entry's title and aliases ask for."""
    kinds = {asked_for(name) for name in names} - {""}
    return [f"{ASKS}{kind}" for kind in ASKED_KINDS if kind in kinds]
