"""Text analysis for matching: normalisation, stems and synonyms, Japanese script runs."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import snowballstemmer
from rapidfuzz.distance import OSA

_STOP_WORDS: Final = frozenset(
    """
    a an the is are was were be been being am of in on at to for from by with and or but nor it
    its this that these those what whats which me my mine i im you your we our they their
    them he she his her him tell please does did do doing done can could would should will
    shall may might must know any some there here about as into than then so such get got give
    gave let lets just also really ever very much more most s t d ll ve re m o look back
    lookback film's movie's name names called call info information detail details fact facts
    thing things stuff question questions answer someone anyone something anything exactly
    actually up u ur ppl guy think thinks thought during result results kind sort random while
    even gonna wanna gotta kinda sorta hate hates hated
    dont doesnt didnt isnt arent wasnt werent hasnt havent hadnt cant couldnt wouldnt shouldnt
    wont aint
    """.split()  # noqa: SIM905 - one word list, easier to read and edit
)
# Chatter around a question: never a topic, not even when nothing else is left.
_CHATTER: Final = frozenset(
    """
    hey hi hello yo bot bots thanks thank thx ty ok okay pls plz please lol lmao rn quick q
    so um uh hmm wait btw guys everyone here ngl tbh fr imo imho idk omg bruh bro dude smh
    lowkey highkey literally basically yall fam wondering wonder curious confused remind
    again explain explained r wat wut abt bc cuz coz tho
    """.split()  # noqa: SIM905
)

# Canonical word for each group of synonyms (stemmed on both sides, so any form maps).
_SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    ("film", "movie", "anime", "flick"),
    # A question word with "is" run in ("whos voicing…", "wheres it streaming").
    ("who", "whos", "whom"),
    ("where", "wheres"),
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
        "drop",
        "dropped",
        "drops",
        "posted",
        "uploaded",
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
    ("win", "won", "winner", "winning", "wins", "victory", "triumph", "beat", "beats"),
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
    ("university", "uni", "college", "universities"),
    ("newspaper", "paper", "newspapers", "papers", "newsletter"),
    ("independent", "indie", "indies"),
    ("sequel", "sequels", "continuation"),
    ("screen", "screened", "screening", "screenings", "shown", "showing", "showed"),
    (
        "autograph",
        "autographs",
        "autographed",
        "sign",
        "signs",
        "signed",
        "signature",
        "signatures",
        "signing",
    ),
    (
        "kill",
        "kills",
        "killed",
        "killing",
        "killer",
        "killers",
        "murder",
        "murders",
        "murdered",
        "murderer",
    ),
    # Not "cost": what a ticket or a book costs is not what the film cost to make.
    ("budget", "budgets", "budgeted"),
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
# Japanese words of this domain, read as the English word they mean: a Japanese question then
# matches the English names and answers too (監督 → direct, 配信 → stream), and a Japanese
# answer matches an English question. Longest first; matched on normalised text, where
# scripts are split by spaces ("吹き替え" is "吹 き 替 え").
_JA_TERMS: Final[tuple[tuple[str, str], ...]] = (
    ("日本アカデミー賞", "japan academy prize"),
    ("このマンガがすごい", "kono manga ga sugoi"),
    ("最新作", "latest work"),
    ("新作", "latest work"),
    ("アカデミー賞", "oscar"),
    ("アニメーション制作", "animation studio"),
    ("制作会社", "studio"),
    ("配給会社", "distributor"),
    ("入場者特典", "admission gift"),
    ("上映時間", "runtime"),
    ("興行収入", "boxoffice"),
    ("興行成績", "boxoffice"),
    ("興収", "boxoffice"),
    ("公開日", "release date"),
    ("発売日", "release date"),
    ("誕生日", "birth date"),
    ("生まれ", "birth"),
    ("何歳", "age"),
    ("年齢", "age"),
    ("下の名前", "fullname"),
    ("フルネーム", "fullname"),
    ("名字", "fullname"),
    ("苗字", "fullname"),
    ("本名", "fullname"),
    ("方言", "dialect"),
    ("訛り", "accent"),
    ("一覧", ""),
    ("原作者", "author"),
    ("作者", "author"),
    ("漫画家", "mangaka"),
    ("原作", "manga"),
    ("漫画", "manga"),
    ("マンガ", "manga"),
    ("読み切り", "oneshot"),
    ("単行本", "volume"),
    ("監督", "director"),
    ("脚本", "screenplay"),
    ("作曲者", "composer"),
    ("作曲", "composer"),
    ("劇伴", "score"),
    ("音楽", "music"),
    ("主題歌", "theme song"),
    ("歌手", "singer"),
    ("歌詞", "lyrics"),
    ("声優", "voice"),
    ("声の出演", "voice"),
    ("キャスト", "cast"),
    ("吹き替え", "dub"),
    ("吹替", "dub"),
    ("字幕", "subtitles"),
    ("配信", "streaming"),
    ("アマプラ", "prime video"),
    ("ネトフリ", "netflix"),
    ("プライムビデオ", "prime video"),
    ("見れ", "watch"),
    ("観れ", "watch"),
    ("見られ", "watch"),
    ("読め", "read"),
    ("何年", "when"),
    ("長編アニメーション", "animated feature"),
    ("長編アニメ", "animated feature"),
    ("長編", "feature"),
    ("アニメーション", "animation"),
    ("アニメ", "anime"),
    ("映画", "film"),
    ("取った", "won"),
    ("獲った", "won"),
    ("獲得", "won"),
    ("英語", "english"),
    ("日本語", "japanese"),
    ("公開", "release"),
    ("発売", "release"),
    ("受賞", "won"),
    ("ノミネート", "nominated"),
    ("授賞式", "ceremony"),
    ("配給", "distributor"),
    ("登場人物", "characters"),
    ("キャラクター", "character"),
    ("主人公", "protagonist"),
    ("ストーリー", "story"),
    ("結末", "ending"),
    ("ラスト", "ending"),
    ("舞台", "setting"),
    ("美大", "art university"),
    ("大学", "university"),
    ("アニメーター", "animators"),
    ("値段", "price"),
    ("価格", "price"),
    ("料金", "price"),
    ("チケット", "ticket"),
    ("ページ", "pages"),
    ("ブルーレイ", "blu ray"),
    ("ネタバレ", "spoilers"),
    ("実写", "live action"),
    ("初連載", "first serialized"),
    ("連載", "serialized"),
    ("初日", "first day"),
    ("閲覧", "views"),
    ("出た", "released"),
    ("出る", "released"),
    ("どんな話", "story"),
    # Asking, not the subject: "…って本当？", "教えて", "どう思ってる".
    ("本当", ""),
    ("関係", ""),
    ("教え", ""),
    ("知りた", ""),
    ("思っ", ""),
    ("思う", ""),
)
_JA_SUFFIXES: Final = frozenset("者版役化的性行後")
# Single kanji that are question words.
_JA_KANJI: Final = {"誰": "who", "何": "", "時": "", "日": "date"}
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_APOSTROPHE = re.compile(r"['’`]")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_TITLE_JA: Final = "ルックバック"
_MENTION: Final = re.compile(r"<[@#][!&]?\d+>|@\S+")
_SEASON_WORDS: Final = {"one": "1", "two": "2", "three": "3", "four": "4"}


# Phrases that mean one thing, folded before words are split.
# Each phrase has a cheap keyword: its pattern only runs on text that contains it.
_PHRASES: Final = (
    ("academy", re.compile(r"\bacademy awards?\b"), "oscar"),
    # (with the usual one-letter slips of the phrase's second word: "box offcie", "came otu")
    (
        "box",
        re.compile(r"\bbox[\s-]?(office|offcie|ofice|offce|offic|offise|oficce|offiec)\b"),
        "boxoffice",
    ),
    # A video game is not a video and a game ("prime video", "gamesradar").
    ("game", re.compile(r"\bvideo ?games?\b"), "videogame"),
    ("shot", re.compile(r"\bone[\s-]shot\b"), "oneshot"),
    ("voice", re.compile(r"\bvoice actors?\b|\bvoice actress(es)?\b"), "voice"),
    ("o", re.compile(r"\b(came|come|comes|put|puts|cam|coem) (out|otu|uot|ou)\b"), "release"),
    ("hit", re.compile(r"\bhit theaters\b"), "release"),
    ("jump", re.compile(r"\bjump\s*(\+|plus)"), "jumpplus"),
    # Oscar categories other than Animated Feature: a word the fact base cannot explain.
    (
        "best",
        re.compile(
            r"\bbest (supporting |leading |live action |documentary |original |"
            r"adapted |international )?(actor|actress|picture|director|directing|short|"
            r"screenplay|song|score|cinematography|editing|documentary|costume|makeup|"
            r"sound|visual effects|production design)s?\b"
            r"|\bbest (international|foreign language|foreign) (feature|film)s?\b"
        ),
        "othercategory",
    ),
    ("short", re.compile(r"\banimated short( film)?s?\b"), "othercategory"),
    # A real person's private life (spouse, height, income): never in this fact base, and not
    # for a fan bot to guess at.
    (
        "",
        re.compile(
            r"\b(married|marry|wife|husband|spouse|girlfriend|boyfriend|divorced?|how tall|"
            r"height|net worth|salary|religion|blood type|dating|relationship status)\b"
            r"|\bis [a-z]+( [a-z]+)? single\b|\b(have|has) (any )?(kids|children)\b"
            # Where a real person lives now, what they earn (not the story's characters, not
            # what the film made).
            r"|\bwhere (does|do) (?!(?:fujino|kyomoto|it|they|the)\b)[a-z]+( [a-z]+)? live\b"
            r"|\bhow much (money )?(does|do) (?!(?:it|look|lookback|the|this|that)\b)[a-z]+"
            r"( [a-z]+)? (make|earn)\b|\bhow rich\b"
            r"|結婚|身長|年収|彼氏|彼女いる|恋人|血液型|独身"
        ),
        " privatelife ",
    ),
    # Asking, not the subject ("is it true that…"; but a "true story" is one).
    ("true", re.compile(r"\b(is|was) (it|that|this) (really )?true( that)?\b"), ""),
    # The Crunchyroll Anime Awards' series award, not its Film of the Year.
    ("year", re.compile(r"\banime of the year\b"), "othercategory"),
    # A person's first, given, full or family name: one thing asked ("fujinos first name" is
    # not "the first time Fujino…"; "name" alone is a stop word).
    (
        "name",
        re.compile(r"\b(first|given|full|last|family|sur|real) ?names?\b|\bsurnames?\b"),
        "fullname",
    ),
    # "when" inside a sentence, before its subject ("did they like it when it came out"),
    # is not a "when" question: it is dropped.
    (
        "when",
        re.compile(r"(?<=[a-z0-9] )when (?=(it|its|she|he|they|i|you|we|her|his|their)\b)"),
        "",
    ),
    # "2期", "第2期", "2nd season", "season two": the season's number stays with the word, as in
    # "season 2" (_NUMBERED below).
    ("期", re.compile(r"第? ?(\d{1,2}) ?期"), r" season \1 "),
    (
        "season",
        re.compile(r"\b(\d{1,2})(?:st|nd|rd|th) season\b"),
        r"season \1",
    ),
    *(
        ("season", re.compile(rf"\bseason {word}\b"), f"season {number}")
        for word, number in _SEASON_WORDS.items()
    ),
    # "Did it make the shortlist" asks about the shortlist; "make" there is no subject.
    (
        "ma",
        re.compile(
            r"\b(make|made|makes|making)( it)? (onto |on |to |into )?(the|a|any) ([a-z]+ )?"
            r"(shortlist|shortlists|cut|list|lists|ranking|rankings|top 10|top ten)\b"
        ),
        r"\5\6",
    ),
    # The title in romanised Japanese (ルックバック) is the title.
    ("bakku", re.compile(r"\brukku ?bakku\b"), "look back"),
    # Kore-eda however it is typed (Kore-eda, Kore eda, Koreeda, Koreda) is one name.
    ("kore", re.compile(r"\bkore[\s-]?e?da\b"), "koreeda"),
    # A number right after the title asks for a sequel ("is there a look back 2").
    ("back", re.compile(r"\blook ?back (2|ii|two)\b"), "look back sequel"),
    # "How old are they" asks the leads' ages, not the film's age rating ("how old to watch").
    (
        "old",
        re.compile(r"\bhow old (are|were) (they|the girls|the two|both)\b"),
        "fujino kyomoto ages",
    ),
    (
        "old",
        re.compile(r"\bhow old (is|was) (she|fujino|kyomoto)\b"),
        r"\2 ages",
    ),
    # In Look Back, "the two girls" are always the two leads.
    (
        "girls",
        re.compile(r"\b(the two|both|the|two) (girls|leads|main characters)\b"),
        "fujino kyomoto",
    ),
)
# "season 3", "part 2": the number says which one, so it stays with its word ("season3").
# "1 billion" is not "2 billion": an amount stays with its scale ("1billion").
# "制作会社どこ": どこ after a company word asks which company (bot.matching.asked), not where.
_COMPANY_WHERE = re.compile(r"(会社|スタジオ|配給|出版社?|レーベル) ?(は|って|が)? ?どこ")
_NUMBERED = re.compile(r"\b(season|part|volume|vol|episode|ep|chapter|arc|book) (\d{1,3})\b")
_AMOUNT = re.compile(r"\b(\d{1,4}) (billion|million)\b")


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
_OUT_OF_SCOPE: Final = frozenset({_stem("othercategory"), _stem("privatelife")})
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
    text = " ".join(_LATIN_OR_CJK.findall(text))
    if any(c.isdigit() for c in text):
        text = _AMOUNT.sub(r"\1\2", _NUMBERED.sub(r"\1\2", text))
    return text


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
    """'waht', 'wehre', 'whta', 'thnk': two letters swapped, or one missing or extra, in a stop
    word. Not one letter changed: that makes another word ("tall" is not "tell")."""
    if not word.isascii() or len(word) < 4:
        return False
    return any(
        OSA.distance(word, stop) <= 1 and (len(word) != len(stop) or sorted(word) == sorted(stop))
        for stop in _LONG_STOP_WORDS
    )


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
        # A suffix left alone once a word is read ("作曲者", "実写版", "実写化") says nothing.
        return [] if run in _JA_SUFFIXES else [(run, run)]
    return [(run[i : i + 2], run[i : i + 2]) for i in range(len(run) - 1)]


def _build_ja_terms() -> tuple[re.Pattern[str], dict[str, str]]:
    spaced = {normalize(word): english for word, english in _JA_TERMS}
    ordered = sorted(spaced, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in ordered)), spaced


_JA_TERM_PATTERN, _JA_TERM_ENGLISH = _build_ja_terms()


def _english_terms(norm: str) -> str:
    """Normalised text with the Japanese words of `_JA_TERMS` replaced by their English."""
    return _JA_TERM_PATTERN.sub(lambda m: f" {_JA_TERM_ENGLISH[m.group(0)]} ", norm)


def analyse_pairs(text: str, *, keep_stop_words: bool = False) -> list[tuple[str, str]]:
    """(surface word, canonical token) pairs of `text`, in order (see the module docstring)."""
    pairs: list[tuple[str, str]] = []
    norm = normalize(text)
    if not norm.isascii():
        if "どこ" in norm:
            norm = _COMPANY_WHERE.sub(r"\1 ", norm)
        norm = _english_terms(norm)
    for run in norm.split():
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


# Words that ask or point but name no subject: a question made only of them ("who are you",
# "おすすめのアニメ映画") has nothing the fact base could be about.
_NO_TOPIC: Final = frozenset(
    _canonical_word(word) or word for word in ("who", "when", "where", "how", "why", "film")
) | frozenset({"アニメ", "映画", "作品", "who"})


_NO_TOPIC_JA: Final = re.compile(r"アニメ|映画|作品|おすすめ|オススメ")


def has_topic(text: str) -> bool:
    """False for a question out of scope (another Oscar category) or without a subject."""
    tokens = analyse(text)
    if _OUT_OF_SCOPE & set(tokens):
        return False
    if not tokens:
        return True  # only stop words ("what is it about"): the matcher reads them then
    norm = normalize(text)
    if not norm.isascii():
        tokens = analyse(_NO_TOPIC_JA.sub(" ", norm))
    return any(token not in _NO_TOPIC for token in tokens)


def analyse(text: str) -> list[str]:
    """The canonical tokens of `text`, in order."""
    return [token for _, token in analyse_pairs(text)]
