"""Never a confident wrong answer (issue 16): named things, what is asked, calibration.

Each rule has a unit test with the examples the issue measured; the question sets are scored
as `benchmarks.bench_matching` scores them, at the shipped threshold (scoring.CONFIDENT_SCORE).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmarks.bench_matching import (
    MAX_WRONG_SHARE,
    TUNING_SETS,
    choose_threshold,
    outcomes,
    question_sets,
    tally,
    wrong_share,
)
from bot.domain.factbase import FactBase
from bot.domain.models import Entry
from bot.domain.pack import PackError, load_pack, shipped_pack_path
from bot.matching.analysis import _is_misspelt_stop_word, analyse, has_topic, normalize
from bot.matching.asked import asked_for
from bot.matching.index import Matcher, clauses
from bot.matching.named import Gazetteer, NamedThing
from bot.matching.scoring import ASKED_BONUS, ASKED_PENALTY, CONFIDENT_SCORE

ONLY = "I only know about Look Back"


async def _answer(service: FactBase, question: str) -> tuple[Entry | None, str]:
    answer = await service.ask(question)
    return (answer.match.entry if answer.match else None), answer.note


# -- named things: another work, person, ceremony, country -------------------------------------


@pytest.mark.parametrize(
    ("question", "named"),
    [("who wrote your name", "Your Name"), ("how long is the movie flow", "Flow")],
)
async def test_a_question_about_another_work_gets_no_look_back_answer(
    service: FactBase, question: str, named: str
) -> None:
    entry, note = await _answer(service, question)
    assert entry is None, f"{question!r} answered with {entry and entry.key}"
    assert note.startswith(ONLY) and named in note, note


async def test_another_oscar_ceremony_is_not_answered_with_the_97th(service: FactBase) -> None:
    entry, note = await _answer(service, "who won best animated feature at the 96th oscars")
    assert entry is None or "97th" not in entry.title, entry
    assert "96th Academy Awards" in note
    # The same question about the ceremonies the base knows, by ordinal or by year.
    for question in (
        "who won best animated feature at the 97th oscars",
        "who won best animated feature at the 2025 oscars",
    ):
        entry, _ = await _answer(service, question)
        assert entry is not None and re.search(r"\bflow\b", entry.answer_text, re.I), question


def test_ceremonies_are_named_by_ordinal_or_year() -> None:
    names = Gazetteer()
    assert names.find("the 96th oscars").ceremonies == {("oscar", "96")}
    assert names.find("oscars 2025 date").ceremonies == {("oscar", "97")}
    assert names.find("the 2026 academy awards").ceremonies == {("oscar", "98")}
    assert names.find("第99回アカデミー賞").ceremonies == {("oscar", "99")}
    assert names.find("2027年のアカデミー賞授賞式").ceremonies == {("oscar", "99")}
    # The Japan Academy Film Prize is not the Oscars.
    assert {b for b, _ in names.find("48th japan academy film prize").ceremonies} == {
        "japan-academy"
    }


async def test_the_live_action_film_is_answered_when_named(service: FactBase) -> None:
    entry, note = await _answer(service, "ルックバック 実写 監督 誰")
    assert entry is not None and re.search("kore-?eda", entry.answer_text, re.I), entry
    assert "live-action" in note  # the answer says which film it is about
    # No work named: the 2024 anime film.
    entry, note = await _answer(service, "who directed look back")
    assert entry is not None and "Oshiyama" in entry.answer_text and note == ""


async def test_the_manga_is_answered_when_named(service: FactBase) -> None:
    entry, _ = await _answer(service, "who wrote the manga")
    assert entry is not None and "Fujimoto" in entry.answer_text


def _fact(key: str, title: str, text: str, *aliases: str, tags: tuple[str, ...] = ()) -> Entry:
    return Entry("fact", key, title, text, "S", "https://e.org", aliases=aliases, tags=tags)


def test_work_tags_and_named_things_decide_which_entries_may_answer() -> None:
    matcher = Matcher()
    matcher.rebuild(
        [
            _fact("runtime", "Runtime", "58 minutes.", "how long is it", tags=("film",)),
            _fact("la-runtime", "Live-action runtime", "Not announced.", tags=("live-action",)),
            _fact("pages", "Page count", "143 pages.", "how long is it", tags=("manga",)),
            _fact("rated-jp", "Rating in Japan", "G.", "age rating japan", tags=("film",)),
            _fact("rated-au", "Rating in Australia", "PG.", "age rating australia"),
        ]
    )
    hit = matcher.search("how long is it").best
    assert hit is not None and hit.key == "runtime"  # no work named: the 2024 film
    hit = matcher.search("how long is the manga").best
    assert hit is not None and hit.key == "pages"
    assert matcher.search("how long is the live action runtime").best is not None
    hit = matcher.search("how long is the live action runtime").best
    assert hit is not None and hit.key == "la-runtime"
    hit = matcher.search("age rating in australia").best
    assert hit is not None and hit.key == "rated-au"
    result = matcher.search("age rating in brazil")
    assert result.best is None or result.best.key not in ("rated-jp", "rated-au")


def test_a_named_work_is_found_in_the_pack_works() -> None:
    names = Gazetteer(
        [NamedThing("your-name", "work", "Your Name", ("kimi no na wa", "君の名は"), "a film")]
    )
    assert names.find("who wrote your name").works == {"your-name"}
    assert names.find("君の名はの監督").works == {"your-name"}
    assert names.find("what is your favourite name").works == set()


# -- what is asked -------------------------------------------------------------------------------


def test_the_kind_of_question_is_read() -> None:
    assert asked_for("who wrote the screenplay") == "who"
    assert asked_for("when did it come out in japan") == "when"
    assert asked_for("ルックバックの監督は誰") == "who"
    assert asked_for("where can i stream it") == "where"
    assert asked_for("how long is it") == "long"
    assert asked_for("how do i draw a manga panel") == "howto"
    assert asked_for("is kyomoto dead") == ""  # a yes/no question asks for no kind


def test_a_who_question_is_not_answered_by_a_date() -> None:
    matcher = Matcher()
    matcher.rebuild(
        [
            _fact("kyoto-date", "Kyoto screening", "May 3.", "when was the kyoto screening"),
            _fact("kyoto-host", "Kyoto screening", "Mr Abe.", "who hosted the kyoto screening"),
        ]
    )
    hit = matcher.search("who was at the kyoto screening").best
    assert hit is not None and hit.key == "kyoto-host"
    hit = matcher.search("when was the kyoto screening held").best
    assert hit is not None and hit.key == "kyoto-date"


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("is kyomoto dead", r"killed|victims"),  # a story question, not the voice cast
        ("whats fujinos first name", r"ayumu"),
        ("shark kick", r"shark kick"),
        ("how did the two girls meet", r"diploma|graduation"),
        ("ルックバック 配信", r"prime video"),  # a Japanese alias of the streaming entry
    ],
)
async def test_measured_questions_find_their_answer(
    service: FactBase, question: str, pattern: str
) -> None:
    entry, _ = await _answer(service, question)
    assert entry is not None, f"no answer for {question!r}"
    assert re.search(pattern, f"{entry.title} {entry.answer_text}", re.I), entry.key


@pytest.mark.parametrize(
    "question", ["who are you", "ping", "test test", "おすすめのアニメ映画は？"]
)
async def test_chatter_without_a_subject_gets_no_answer(service: FactBase, question: str) -> None:
    entry, _ = await _answer(service, question)
    assert entry is None, f"{question!r} answered with {entry and entry.key}"


async def test_the_note_reaches_the_json_shape(service: FactBase) -> None:
    answer = await service.ask("who directed spirited away")
    shape = answer.to_json()
    assert shape["answer"] is None and shape["note"].startswith(ONLY)
    assert "note" not in (await service.ask("who directed look back")).to_json()


# -- the works section of the pack -------------------------------------------------------------


def test_the_shipped_pack_names_other_works_and_people() -> None:
    pack = load_pack(shipped_pack_path())
    works = {w.id: w for w in pack.works}
    assert {"flow", "your-name", "chainsaw-man", "kpop-demon-hunters"} <= set(works)
    assert works["oshiyama"].type == "person"
    assert all(w.title for w in pack.works)


def test_a_bad_works_item_is_reported_with_its_place(tmp_path: Path) -> None:
    doc = {
        "format": "lookback-pack",
        "format_version": 1,
        "pack_version": "t",
        "works": [{"id": "x", "type": "planet", "title": "X", "colour": "red"}, "flow"],
    }
    path = tmp_path / "works.json"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    problems = "\n".join(caught.value.problems)
    assert "works[0] › type" in problems and "works[0] › colour" in problems
    assert "works[1]: must be an object" in problems


# -- the question sets, at the shipped threshold ---------------------------------------------------


async def _tally(service: FactBase, name: str) -> dict[str, int]:
    sets = question_sets()
    if name not in sets:
        pytest.skip(f"the {name} set is not present")
    return tally(await outcomes(service, sets[name]), CONFIDENT_SCORE)


def test_instructions_are_answered_only_by_an_entry_that_gives_them() -> None:
    matcher = Matcher()
    matcher.rebuild([_fact("panel", "Manga panels", "Fujino draws four-panel manga.", "panels")])
    assert matcher.search("how do i draw a manga panel").best is None
    assert matcher.search("manga panels").best is not None


async def test_a_question_about_another_work_asks_what_its_entry_holds(
    service: FactBase,
) -> None:
    # The Chainsaw Man entries share the work's name with every question about it.
    for question in ("is chainsaw man on netflix", "who voices reze in the chainsaw man movie"):
        entry, _ = await _answer(service, question)
        assert entry is None, (question, entry and entry.key)
    entry, _ = await _answer(service, "who directed the chainsaw man anime")
    assert entry is not None and entry.key == "fujimoto-chainsaw-man-anime"
    entry, _ = await _answer(service, "did oshiyama make shishigari by himself")
    assert entry is not None and entry.key == "oshiyama-shishigari-solo"


async def test_the_threshold_keeps_wrong_answers_at_one_percent_on_tuning(
    service: FactBase,
) -> None:
    sets = question_sets()
    found = [o for name in TUNING_SETS for o in await outcomes(service, sets.get(name, []))]
    counts = tally(found, CONFIDENT_SCORE)
    assert wrong_share(counts) <= MAX_WRONG_SHARE, counts
    # The shipped threshold is the calibrated one (or stricter), chosen with the negatives.
    negatives = await outcomes(service, sets["negatives"])
    assert choose_threshold(found, negatives) <= CONFIDENT_SCORE


async def test_dev_set_has_no_wrong_answers(service: FactBase) -> None:
    counts = await _tally(service, "dev")
    assert wrong_share(counts) <= MAX_WRONG_SHARE, counts


async def test_held_out_fan_questions_stay_nearly_free_of_wrong_answers(
    service: FactBase,
) -> None:
    counts = await _tally(service, "fan held-out")
    # Loosely: 59 questions never tuned on; 3 wrong is 5%.
    assert counts["wrong"] + counts["false"] <= 3, counts


async def test_off_topic_negatives_are_declined(service: FactBase) -> None:
    path = Path(__file__).resolve().parents[1] / "data" / "negatives.json"
    cases = json.loads(path.read_text("utf-8"))["cases"]
    assert len(cases) >= 80 and all(case["expect"] is None for case in cases)
    counts = await _tally(service, "negatives")
    assert counts["false"] <= len(cases) // 100, counts  # at most 1% (0 of 89 now)


async def test_the_leads_held_out_questions_stay_nearly_free_of_wrong_answers(
    service: FactBase,
) -> None:
    """66 questions written after the tuning from the issue's topics, never tuned on."""
    counts = await _tally(service, "lead held-out")
    assert counts["wrong"] <= 1 and counts["false"] <= 1, counts


# -- recall: Japanese, names, filler words (issue 16, second round) ---------------------------


def test_japanese_words_of_the_domain_read_as_english() -> None:
    assert analyse("監督") == analyse("director")
    assert analyse("配信") == analyse("streaming")
    assert analyse("上映時間") == analyse("runtime")
    assert analyse("吹き替え") == analyse("dub")  # a word split by its kana
    # Asking words and suffixes say nothing about the subject.
    assert analyse("本当？教えて") == []
    assert analyse("作曲者") == analyse("composer")


def test_a_japanese_question_matches_the_japanese_title_and_text() -> None:
    matcher = Matcher()
    matcher.rebuild(
        [
            Entry(
                "fact",
                "location",
                "Filming location",
                "Filmed in Nikaho.",
                "S",
                "https://e.org",
                title_ja="撮影地",
                text_ja="秋田県にかほ市で撮影された。",
            ),
            _fact("runtime", "Runtime", "58 minutes.", "how long is it"),
        ]
    )
    hit = matcher.search("撮影地は？").best  # the Japanese title
    assert hit is not None and hit.key == "location"
    # The Japanese text: a word of the answer only (ranked, not sure enough to answer alone).
    hit = matcher.search("秋田県", threshold=0.0).best
    assert hit is not None and hit.key == "location"
    hit = matcher.search("上映時間は？").best  # a Japanese word matches the English entry
    assert hit is not None and hit.key == "runtime"


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("ルックバック 配信", "streaming"),
        ("ルックバックの監督って誰？", "director"),
        ("実写版の監督誰", "live-action-director"),
        ("藤野の声優って誰？", "voice-fujino"),
        ("上映時間何分？", "runtime"),
        ("主題歌歌ってるのは誰", "theme-song"),
    ],
)
async def test_japanese_questions_find_their_entry(
    service: FactBase, question: str, key: str
) -> None:
    entry, _ = await _answer(service, question)
    assert entry is not None and entry.key == key, (question, entry and entry.key)


def test_a_first_or_full_name_is_one_thing_asked() -> None:
    assert analyse("whats fujinos first name") == analyse("fujino full name")
    assert analyse("藤野の下の名前") == analyse("藤野 フルネーム")
    # "first" alone is not a name: "first meet" stays "first".
    assert "first" in analyse("how did they first meet")


def test_a_persons_possessive_without_its_apostrophe_names_the_person() -> None:
    names = Gazetteer(
        [
            NamedThing("fujimoto", "person", "Tatsuki Fujimoto", ("fujimoto",)),
            NamedThing("flow", "work", "Flow", ("flow",)),
        ]
    )
    assert names.find("what was fujimotos first serialized manga").people == {"fujimoto"}
    assert names.find("how the story flows").works == set()  # only people, not works


async def test_an_entry_naming_another_work_in_passing_does_not_answer_for_it(
    service: FactBase,
) -> None:
    # The praise entry names Godzilla Minus One (its director praised Look Back).
    entry, note = await _answer(service, "who directed godzilla minus one")
    assert entry is None, entry and entry.key
    assert note.startswith(ONLY) and "Godzilla Minus One" in note
    entry, _ = await _answer(service, "when did evangelion 3.0+1.0 come out")
    assert entry is None, entry and entry.key
    # "it" is Look Back: the question is about Look Back after all.
    entry, _ = await _answer(service, "did the godzilla minus one director like it")
    assert entry is not None and "Yamazaki" in entry.answer_text


def test_doko_after_a_company_asks_who() -> None:
    assert asked_for("アニメの制作会社どこ？") == "who"
    assert asked_for("配給会社はどこ") == "who"
    assert asked_for("舞台はどこ") == "where"


def test_filler_words_carry_no_topic() -> None:
    assert analyse("can u list the main staff") == analyse("list main staff")
    assert analyse("what does he think about ai") == analyse("ai")
    assert analyse("which uni did she go to") == analyse("which university did she go to")
    assert analyse("when did viz put out the english copy") == analyse(
        "when did viz release the english copy"
    )


async def test_japanese_questions_stay_nearly_free_of_wrong_answers(service: FactBase) -> None:
    """tests/data/questions_ja.json: Japanese fan questions, tuning and held-out splits."""
    tuning = await _tally(service, "ja tuning")
    held = await _tally(service, "ja held-out")
    assert tuning["wrong"] + tuning["false"] <= 1, tuning
    assert held["wrong"] + held["false"] <= 1, held
    assert held["right"] >= 11, held  # of 13 answerable


# -- recall round (issue 16, third round): general rules, examples of our own ----------------


@pytest.mark.parametrize(
    "question",
    ["recommend me an anime like look back", "any manga recs?", "おすすめのアニメ映画ある？"],
)
async def test_a_request_for_recommendations_gets_no_answer(
    service: FactBase, question: str
) -> None:
    assert asked_for(question) == "recommend"
    entry, _ = await _answer(service, question)
    assert entry is None, entry and entry.key


async def test_a_ceremony_is_answered_only_by_an_entry_naming_that_body(service: FactBase) -> None:
    # No entry names the BAFTAs; the Golden Globes entry names the 82nd (2025) ceremony only.
    for question, named in (
        ("who won the bafta for best animated film", "BAFTA"),
        ("who won the golden globe for animation in 2023", "80th Golden Globes"),
    ):
        entry, note = await _answer(service, question)
        assert entry is None, (question, entry and entry.key)
        assert note.startswith(ONLY) and named in note, note
    for question in (
        "did look back win a golden globe",
        "was look back up for a golden globe in 2025",
    ):
        entry, _ = await _answer(service, question)
        assert entry is not None and entry.key == "award-golden-globes", question
    entry, _ = await _answer(
        service, "was look back nominated for best indie feature at the annies"
    )
    assert entry is not None and entry.key == "award-annie"


async def test_a_work_called_by_two_names_asks_for_the_one_its_entry_lacks(
    service: FactBase,
) -> None:
    # "pochita" and "chainsaw man" both name Chainsaw Man: the character is what is asked.
    entry, note = await _answer(service, "who is pochita in chainsaw man")
    assert entry is None, entry and entry.key
    assert note.startswith(ONLY) and "Chainsaw Man" in note
    entry, _ = await _answer(service, "what studio made chainsaw man")
    assert entry is not None and entry.key == "fujimoto-chainsaw-man-anime"


def test_more_well_known_works_are_named() -> None:
    pack = load_pack(shipped_pack_path())
    names = Gazetteer(pack.works)
    for question, work in (
        ("who directed akira", "akira"),
        ("is one punch man better", "one-punch-man"),
        ("how many oscars did oppenheimer win", "oppenheimer"),
        ("トトロの監督は？", "totoro"),
    ):
        assert work in names.find(question).works, question


def test_compound_words_and_slips_are_read_as_meant() -> None:
    # A video game is not a video and a game; "look back 2" asks for a sequel.
    assert analyse("is there a look back video game") == analyse("videogame")
    assert analyse("is there a look back 2") == analyse("look back sequel")
    # One-letter slips in a phrase's second word.
    assert analyse("box offcie total") == analyse("box office total")
    assert analyse("when did it come otu") == analyse("when did it come out")
    # Synonyms: the school paper is the school newspaper; indie is independent.
    assert analyse("school paper") == analyse("school newspaper")
    assert analyse("best indie feature") == analyse("best independent feature")


async def test_another_award_category_of_a_ceremony_gets_no_answer(service: FactBase) -> None:
    # Crunchyroll's Anime of the Year is a series award; the base knows its Film of the Year.
    entry, _ = await _answer(service, "what won anime of the year at the crunchyroll awards")
    assert entry is None, entry and entry.key
    entry, _ = await _answer(service, "did it win film of the year at the crunchyroll awards")
    assert entry is not None and entry.key == "award-crunchyroll"


def test_when_inside_a_sentence_is_not_a_when_question() -> None:
    assert analyse("did the critics like it when it came out") == analyse(
        "did the critics like it came out"
    )
    assert analyse("when did it come out") != analyse("did it come out")


def test_doko_after_a_company_is_not_where() -> None:
    assert analyse("映画の配給会社ってどこ？") == analyse("映画の配給会社")
    assert "where" in analyse("舞台はどこ")


def test_chat_words_and_mistyped_stop_words_carry_no_topic() -> None:
    assert analyse("who voices fujino btw ngl") == analyse("who voices fujino")
    assert analyse("when r the oscars") == analyse("when the oscars")
    assert analyse("is oshiyama gonna direct another film") == analyse(
        "is oshiyama direct another film"
    )
    assert analyse("whos the composer") == analyse("who the composer")
    # A question word mistyped is dropped; a stop word with one letter changed is another word.
    assert _is_misspelt_stop_word("waht") and _is_misspelt_stop_word("whta")
    assert not _is_misspelt_stop_word("dogs") and not _is_misspelt_stop_word("tall")


@pytest.mark.parametrize(
    "question",
    [
        "how tall is fujimoto",
        "is oshiyama married",
        "押山監督って結婚してる？",
        "is mizuki yoshida single",
        "does fujimoto have kids",
        "河合優実 独身",
        "where does fujimoto live now",
        "how much money does oshiyama make",
    ],
)
async def test_a_persons_private_life_gets_no_answer(service: FactBase, question: str) -> None:
    assert not has_topic(question)
    entry, _ = await _answer(service, question)
    assert entry is None, entry and entry.key


def test_the_kind_of_question_ranks_down_only_a_little() -> None:
    """An entry whose names ask another kind is ranked down by as much as one asking the same
    kind is ranked up: enough to order two entries, not to hide the only one that explains."""
    assert ASKED_PENALTY == ASKED_BONUS


async def test_the_recall_questions_stay_nearly_free_of_off_topic_answers(
    service: FactBase,
) -> None:
    """tests/data/questions_recall.json, written for the recall round, tuning split."""
    counts = await _tally(service, "recall tuning")
    assert counts["false"] <= 2, counts
    assert counts["right"] >= 78, counts


async def test_where_a_character_lives_and_what_the_film_made_are_still_answered(
    service: FactBase,
) -> None:
    """The private-life words about a real person leave the story and the box office alone."""
    entry, _ = await _answer(service, "where does fujino live")
    assert entry is not None and "Akita" in entry.answer_text, entry and entry.key
    entry, _ = await _answer(service, "how much money did look back make")
    assert entry is not None and re.search(r"billion|yen|\$", entry.answer_text), entry


def test_a_seasons_number_is_read_in_every_way_it_is_written() -> None:
    season_two = normalize("chainsaw man season 2")
    for question in ("chainsaw man 2nd season", "chainsaw man season two", "チェンソーマン2期"):
        assert "season2" in normalize(question), normalize(question)
    assert "season2" in season_two and "season1" not in normalize("チェンソーマン 第2期")


@pytest.mark.parametrize(
    "question", ["chainsaw man season 2 release date", "チェンソーマン2期いつ？"]
)
async def test_a_season_the_base_has_nothing_on_gets_no_answer(
    service: FactBase, question: str
) -> None:
    entry, note = await _answer(service, question)
    assert entry is None, entry.key
    assert "Chainsaw Man" in note


async def test_what_only_the_live_action_film_has_is_answered_without_naming_it(
    service: FactBase,
) -> None:
    """No work named means the 2024 film, unless nothing about it comes near the question."""
    entry, note = await _answer(service, "what is k2 pictures")
    assert entry is not None and "K2" in entry.answer_text, entry
    assert "live-action" in note
    # Where the 2024 film has an answer, it is still the one given.
    entry, note = await _answer(service, "who is the director")
    assert entry is not None and "Oshiyama" in entry.answer_text and note == ""


def test_contractions_and_is_it_true_carry_no_topic() -> None:
    """ "hadnt", "didnt" typed without the apostrophe are grammar, not a subject; "is it true
    that…" asks, it is not about truth (but a "true story" is)."""
    assert analyse("why didnt kyomoto go") == analyse("why kyomoto go")
    assert analyse("the staff hadnt seen it") == analyse("the staff seen it")
    assert analyse("is it true that kyomoto dies") == analyse("kyomoto dies")
    assert "true" in analyse("is look back a true story")


async def test_what_kyomoto_asked_fujino_to_sign_is_the_autograph(service: FactBase) -> None:
    entry, _ = await _answer(service, "what did kyomoto want fujino to sign")
    assert entry is not None and "autograph" in entry.answer_text, entry and entry.key


async def test_how_old_the_girls_are_is_not_the_age_rating(service: FactBase) -> None:
    entry, _ = await _answer(service, "how old are they at the start")
    assert entry is not None and "grade" in entry.answer_text, entry and entry.key
    entry, _ = await _answer(service, "how old do you have to be to watch it")
    assert entry is not None and re.search(r"\bPG\b|rated|rating", entry.answer_text), entry


async def test_fujimotos_other_works_are_answered(service: FactBase) -> None:
    for question in ("what else has fujimoto written", "藤本タツキの他の作品は？"):
        entry, _ = await _answer(service, question)
        assert entry is not None and "Fire Punch" in entry.answer_text, (question, entry)


async def test_chatter_around_a_question_does_not_drown_it(service: FactBase) -> None:
    """A question of several clauses with no confident answer is asked clause by clause."""
    entry, _ = await _answer(service, "does kyomoto die?? just finished the movie and im crying")
    assert entry is not None and entry.spoiler, entry
    entry, _ = await _answer(service, "loved it! who did the music")
    assert entry is not None and "nakamura" in entry.answer_text.lower(), entry
    assert clauses("who did the music") == []
    # What the whole question names still rules entries out in each clause.
    entry, note = await _answer(service, "i watched your name yesterday, who directed it?")
    assert entry is None, entry.key
    assert "Your Name" in note


def test_kore_eda_is_one_name_however_it_is_typed() -> None:
    forms = {tuple(analyse(name)) for name in ("Kore-eda", "kore eda", "Koreeda", "koreda")}
    assert forms == {("koreeda",)}
    assert analyse("korea") == ["korea"]


async def test_making_the_shortlist_asks_about_the_shortlist(service: FactBase) -> None:
    entry, _ = await _answer(service, "did look back make the oscar shortlist")
    assert entry is not None and "not nominated" in entry.answer_text, entry and entry.key


async def test_the_best_of_something_is_an_opinion_not_a_fact(service: FactBase) -> None:
    entry, _ = await _answer(service, "whats the best studio ghibli film")
    assert entry is None, entry.key
    entry, _ = await _answer(service, "what is the best animated feature winner")
    assert entry is not None and "Flow" in entry.answer_text, entry


def test_the_romanised_title_and_words_for_killing_are_read_as_meant() -> None:
    assert analyse("rukku bakku movie length") == analyse("look back movie length")
    assert analyse("who is the murderer") == analyse("who is the killer")
