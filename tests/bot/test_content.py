"""Content checks on the shipped pack: sources, spoilers, dates, tags, aliases, upgrades.

These read the pack as it ships (`data/pack/`), so a new or edited entry that breaks a content rule
(docs/content.md) fails here with the entry's id in the message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.domain.factbase import FactBase
from bot.domain.models import Entry
from bot.domain.pack import Pack, load_pack, shipped_pack_path

# -- the content rules, defined once ------------------------------------------------------------

#: Words and phrases that give away the second half of the story: Kyomoto's death, the attack and
#: the attacker, the alternate-timeline ("what if") sequence, the strip under the door in its late
#: sense, how it ends, the Kyoto Animation parallel, and Fujino's solo serial (*Shark Kick*, which
#: only exists after the two part ways). An entry that mentions one must be `"spoiler": true`.
LATE_STORY = re.compile(
    "|".join(
        [
            r"\bdeath\b(?! stranding)",
            r"\bdies\b",
            r"\bdied\b",
            r"\bdead\b",
            r"\bkill(?:s|ed|er|ers|ing)?\b",
            r"\bmurder",
            r"\bfuneral\b",
            r"\bgrie(?:f|ve|ving)\b",
            r"\bmourn",
            r"\bvictims?\b",
            r"\battack(?:s|ed|er|ers)?\b",
            r"\barson",
            r"\b(?:pick)?axe\b",
            r"\bkyoto animation\b",
            r"\bkyoani\b",
            r"\balternate[- ](?:timeline|world|universe|reality)",
            r"\bwhat[- ]if\b",
            r"\bparallel (?:world|timeline|universe)",
            r"\b(?:an)?other world\b",
            r"\bmight have (?:been|gone)\b",
            r"\bshark kick\b",
            r"\b(?:the|its|story's|film's|manga's) ending\b(?!\s+(?:song|theme|credits?|music))",
            r"\bhow (?:it|the story|the film|the manga|look back) ends\b",
            r"\bending explained\b",
            r"\bthe story ends\b",
            r"\bends (?:with|on)\b",
            r"\btorn (?:strip|comic|page|panel)",
            r"\bdon'?t come out\b",
            r"\blast time they (?:see|saw)\b",
            "(?<!東)京アニ",  # not 東京アニメ…
            "京都アニメーション",
            "出てこないで",
            "シャークキック",
            "死",
            "殺",
            "犯人",
            "葬",
            "パラレル",
            "もしも",
            "結末",
        ]
    ),
    re.IGNORECASE,
)

#: Text that goes stale: whether an event is still to come is worked out from its date at the
#: moment of asking, never written into an answer.
STALE_WORDING = re.compile(
    r"\bupcoming\b|\bwill be held\b|\bwill take place\b|\bis coming\b|\bcoming soon\b"
    r"|\bnext year\b|\brecently\b|\bcurrently\b|\bthis year\b|\bis (?:set|scheduled) for\b",
    re.IGNORECASE,
)

#: Each fact says which work it is about with exactly one of these tags.
WORK_TAGS = frozenset({"film", "manga", "live-action", "other-work"})

#: Aliases that name no subject of their own; an entry found by these is found by accident.
GENERIC_ALIASES = frozenset(
    {
        "who",
        "when",
        "what",
        "where",
        "why",
        "how",
        "movie",
        "film",
        "the movie",
        "the film",
        "anime",
        "manga",
        "look back",
        "ルックバック",
        "story",
        "plot",
        "summary",
        "analysis",
        "meaning",
        "review",
        "reviews",
        "criticism",
        "complaints",
        "overrated",
        "promotion",
        "buzz",
        "viral",
        "collaboration",
        "censored",
        "spoilers",
        "prizes",
        "honors",
        "accolades",
        "ages",
        "dp",
        "overtime",
        "producer",
        "publisher",
        "editor",
        "commentary",
        "tribute",
        "anniversary",
        "修正",
        "追悼",
        "特典",
        "配給",
        "配信",
    }
)

#: Quotes whose date is unknown, with the reason; every other quote carries `said_on`.
SAID_ON_UNKNOWN = {
    "avex-came-to-me": "Deadline interview; the stored copies of it carry no publication date",
    "consume-anime": "Deadline interview; the stored copies of it carry no publication date",
    "success-hit-or-miss": "Deadline interview; the stored copies of it carry no publication date",
    "long-production": "Deadline interview; the stored copies of it carry no publication date",
}

PACK = load_pack(shipped_pack_path())
FACTS = [e for e in PACK.entries if e.kind == "fact"]
#: The pack version is the release date, `YYYY.MM.DD`, with an optional `.N` for a second release
#: on the same day ("2026.12.02.2"); versions compare as text, so a later one sorts higher.
PACK_DATE = dt.datetime.strptime(".".join(PACK.pack_version.split(".")[:3]), "%Y.%m.%d").replace(
    tzinfo=dt.UTC
)


def _label(entry: Entry) -> str:
    return f"{entry.kind} {entry.key!r} ({entry.title})"


def _late_terms(text: str) -> list[str]:
    return sorted({m.group(0) for m in LATE_STORY.finditer(text)})


# -- sources and titles -------------------------------------------------------------------------


def test_pack_version_is_a_date() -> None:
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}(?:\.\d+)?", PACK.pack_version), PACK.pack_version
    assert PACK_DATE.year >= 2026, PACK.pack_version


def test_every_entry_has_an_https_source_and_a_source_name() -> None:
    bad = [
        _label(e)
        for e in PACK.entries
        if not e.source_url.startswith("https://") or not e.source_name.strip()
    ]
    assert not bad, f"entries without an https source_url or a source_name: {bad}"


def test_no_two_entries_share_a_title() -> None:
    counts = Counter(e.title.strip().casefold() for e in PACK.entries)
    shared = [_label(e) for e in PACK.entries if counts[e.title.strip().casefold()] > 1]
    assert not shared, f"titles used more than once: {shared}"


# -- spoilers -----------------------------------------------------------------------------------


def test_late_story_terms_match_what_they_should() -> None:
    # The term list itself: a spoiler sentence is caught, an early-story sentence is not.
    assert _late_terms("Kyomoto is killed in an attack on her art university")
    assert _late_terms("Fujino's serial Shark Kick runs to eleven volumes")
    assert _late_terms("the alternate timeline where Fujino saves her")
    assert _late_terms("京本の死")
    assert not _late_terms("Fujino slips a strip under Kyomoto's door when they first meet")
    assert not _late_terms('The theme song "Light song" plays over the ending credits')


def test_entries_that_mention_late_story_events_are_spoilers() -> None:
    leaks = []
    for entry in PACK.entries:
        if entry.kind not in ("fact", "synopsis") or entry.spoiler:
            continue
        found = _late_terms(" ".join([entry.title, entry.text, *entry.aliases]))
        if found:
            leaks.append(f"{_label(entry)} mentions {found}")
    assert not leaks, "spoiler-free entries that give the second half away:\n" + "\n".join(leaks)


def test_quotes_do_not_give_the_story_away() -> None:
    # The quote kind has no spoiler flag, so no quote may mention a late-story event at all.
    leaks = [
        f"{_label(e)} mentions {found}"
        for e in PACK.entries
        if e.kind == "quote"
        and (found := _late_terms(" ".join([e.title, e.text, e.occasion, *e.aliases])))
    ]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("section", ["premise", "themes"])
def test_spoiler_free_synopsis_sections_keep_the_second_half_hidden(section: str) -> None:
    [entry] = [e for e in PACK.entries if e.kind == "synopsis" and e.section == section]
    assert not entry.spoiler, _label(entry)
    assert not _late_terms(entry.text), f"{_label(entry)}: {_late_terms(entry.text)}"


def test_full_synopsis_is_a_spoiler_with_the_late_events_hidden() -> None:
    [entry] = [e for e in PACK.entries if e.kind == "synopsis" and e.section == "full"]
    assert entry.spoiler, _label(entry)
    outside_tags = re.sub(r"\|\|.*?\|\|", " ", entry.text, flags=re.S)
    assert not _late_terms(outside_tags), _late_terms(outside_tags)


# -- quotes -------------------------------------------------------------------------------------


def test_quotes_have_speaker_occasion_and_date() -> None:
    bad = []
    for entry in (e for e in PACK.entries if e.kind == "quote"):
        if not entry.speaker.strip() or not entry.occasion.strip():
            bad.append(f"{_label(entry)}: speaker or occasion missing")
        if entry.said_on is None and entry.key not in SAID_ON_UNKNOWN:
            bad.append(f"{_label(entry)}: said_on is null and the quote is not in SAID_ON_UNKNOWN")
        if entry.said_on is not None and entry.key in SAID_ON_UNKNOWN:
            bad.append(f"{_label(entry)}: has a date now; take it off SAID_ON_UNKNOWN")
    assert not bad, "\n".join(bad)


QUOTE_SOURCES = Path(__file__).resolve().parents[1] / "data" / "quote_sources.json"


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_japanese_quote_text_is_verbatim_from_its_checked_japanese_page() -> None:
    # A quote's `text_ja` is the speaker's own Japanese wording, as the Japanese page in
    # `source_url_ja` printed it; tests/data/quote_sources.json records that page and the
    # excerpt containing it (`ja_source_url`, `ja_excerpt`). A quote without a Japanese source
    # has no `text_ja`: the bot then shows the English text as the outlet's translation.
    sources = json.loads(QUOTE_SOURCES.read_text(encoding="utf-8"))["quotes"]
    problems = []
    for entry in (e for e in PACK.entries if e.kind == "quote"):
        checked = sources.get(entry.key, {})
        if not entry.text_ja:
            if "ja_excerpt" in checked:
                problems.append(f"{_label(entry)}: a Japanese excerpt is recorded but no text_ja")
            continue
        if not entry.source_url_ja or not entry.title_ja:
            problems.append(f"{_label(entry)}: text_ja needs title_ja and source_url_ja")
        if checked.get("ja_source_url") != entry.source_url_ja:
            problems.append(f"{_label(entry)}: source_url_ja is not the checked Japanese page")
        if _spaces(entry.text_ja) not in _spaces(checked.get("ja_excerpt", "")):
            problems.append(f"{_label(entry)}: text_ja is not in the checked Japanese excerpt")
    assert not problems, "\n".join(problems)


def test_every_quote_has_a_japanese_title() -> None:
    missing = [_label(e) for e in PACK.entries if e.kind == "quote" and not e.title_ja.strip()]
    assert not missing, f"quotes without title_ja: {missing}"


def test_the_unknown_date_allow_list_names_shipped_quotes() -> None:
    quotes = {e.key for e in PACK.entries if e.kind == "quote"}
    assert set(SAID_ON_UNKNOWN) <= quotes, set(SAID_ON_UNKNOWN) - quotes


# -- dates --------------------------------------------------------------------------------------


def test_no_entry_bakes_in_whether_an_event_is_still_to_come() -> None:
    stale = []
    for entry in PACK.entries:
        text = " ".join([entry.title, entry.text, entry.outcome])
        if m := STALE_WORDING.search(text):
            stale.append(f"{_label(entry)}: {m.group(0)!r}")
    assert not stale, "entries whose wording goes stale with time:\n" + "\n".join(stale)


def test_past_awards_events_have_their_outcome() -> None:
    missing = [
        _label(e)
        for e in PACK.entries
        if e.kind == "awards"
        and e.starts_at is not None
        and e.starts_at < PACK_DATE
        and not e.outcome.strip()
    ]
    assert not missing, f"awards events before {PACK.pack_version} without an outcome: {missing}"


# -- tags and aliases ---------------------------------------------------------------------------


def test_every_fact_names_exactly_one_work() -> None:
    bad = [
        f"{_label(e)}: {sorted(WORK_TAGS & set(e.tags)) or 'none'}"
        for e in FACTS
        if len(WORK_TAGS & set(e.tags)) != 1
    ]
    assert not bad, "facts need exactly one of film/manga/live-action/other-work:\n" + "\n".join(
        bad
    )


def test_aliases_are_ways_to_ask_not_copies_or_generic_words() -> None:
    bad = []
    for entry in PACK.entries:
        seen: set[str] = set()
        for alias in entry.aliases:
            folded = alias.strip().casefold()
            if folded == entry.title.strip().casefold():
                bad.append(f"{_label(entry)}: alias {alias!r} copies the title")
            if folded in GENERIC_ALIASES:
                bad.append(f"{_label(entry)}: alias {alias!r} is a generic word")
            if folded in seen:
                bad.append(f"{_label(entry)}: alias {alias!r} is listed twice")
            seen.add(folded)
    assert not bad, "\n".join(bad)


def test_no_two_facts_claim_the_same_alias() -> None:
    owners: dict[str, list[str]] = {}
    for entry in FACTS:
        for alias in {a.strip().casefold() for a in entry.aliases}:
            owners.setdefault(alias, []).append(entry.key)
    shared = {alias: keys for alias, keys in owners.items() if len(keys) > 1}
    assert not shared, f"aliases that send one question to two facts: {shared}"


# -- upgrading a database from the previous pack -----------------------------------------------

PREVIOUS_PACK_COMMIT = "54b06e7"  # pack 2026.12.02.3, the release before this one


def _previous_pack(folder: Path) -> Path:
    """The pack as it shipped before this version, written out from git history."""
    repo = Path(__file__).resolve().parents[2]

    def show(name: str) -> str:
        try:
            return subprocess.run(
                ["git", "-C", str(repo), "show", f"{PREVIOUS_PACK_COMMIT}:data/pack/{name}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"the previous pack is not in this checkout's history ({exc})")

    manifest = json.loads(show("manifest.json"))
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in manifest["files"]:
        (folder / name).write_text(show(name), encoding="utf-8")
    return folder


async def test_upgrade_keeps_a_servers_own_entries_edits_and_hidden_entries(
    tmp_path: Path,
) -> None:
    old_path = _previous_pack(tmp_path / "old-pack")
    old = load_pack(old_path)
    assert old.pack_version < PACK.pack_version
    guild = 4242
    new_keys = {e.key for e in FACTS} - {e.key for e in old.entries if e.kind == "fact"}
    assert new_keys, "the shipped pack adds no facts to the previous one"
    kept = next(e for e in old.entries if e.kind == "fact" and e.key in {f.key for f in FACTS})
    hidden = next(
        e
        for e in old.entries
        if e.kind == "fact" and e.key in {f.key for f in FACTS} and e.key != kept.key
    )

    db_path = tmp_path / "bot.sqlite3"
    base = await FactBase.open(db_path, pack_path=old_path)
    try:
        own = kept.with_changes(
            key="server-meetup", title="Our watch party", text="Saturdays at 8.", guild_id=guild
        )
        edit = kept.with_changes(text="Our server's own wording of this answer.", guild_id=guild)
        await base.import_pack(Pack("server", "server", (own, edit)), origin="test")
        await base.db.set_hidden(guild, "fact", hidden.key, True)
    finally:
        await base.close()

    base = await FactBase.open(db_path)  # the shipped (current) pack: a higher pack_version
    try:
        assert (await base.db.get_meta("pack_version")) == PACK.pack_version
        mine = await base.get("fact", "server-meetup", guild)
        assert mine.title == "Our watch party"
        assert (await base.get("fact", kept.key, guild)).text == edit.text
        assert (await base.get("fact", kept.key, None)).text != edit.text
        seen = {e.key for e in await base.db.visible_entries("fact", guild)}
        assert hidden.key not in seen
        assert hidden.key in {e.key for e in await base.db.visible_entries("fact", None)}
        assert new_keys <= seen
        answer = await base.ask("who directs the live action look back", guild_id=guild)
        assert answer.match is not None
    finally:
        await base.close()


# -- the fan question sets (tests/data/fan_questions/*.json) -------------------------------------

FAN_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "fan_questions"
CASE_KINDS = (None, "fact", "quote", "synopsis", "awards")


def held_out(question: str) -> bool:
    """The held-out rule shared with the matching work: never tune on these cases."""
    return hashlib.sha1(question.encode()).hexdigest()[0] in "0123"


def fan_question_sets() -> dict[str, dict[str, Any]]:
    """Every fan question file by name."""
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(FAN_QUESTIONS.glob("*.json"))
    }


def test_fan_question_files_share_one_shape() -> None:
    problems = []
    seen: dict[str, str] = {}
    sets = fan_question_sets()
    assert sets, f"no question files in {FAN_QUESTIONS}"
    for name, doc in sets.items():
        if set(doc) != {"about", "area", "cases"} or not doc["cases"]:
            problems.append(f"{name}: keys {sorted(doc)} (want about, area, cases)")
            continue
        for case in doc["cases"]:
            if set(case) != {"q", "kind", "expect"} or case["kind"] not in CASE_KINDS:
                problems.append(f"{name}: {case}")
                continue
            if case["q"] in seen:
                problems.append(f"{name}: {case['q']!r} is also in {seen[case['q']]}")
            seen[case["q"]] = name
            if case["expect"] is not None:
                try:
                    re.compile(case["expect"])
                except re.error as exc:
                    problems.append(f"{name}: {case['q']!r}: bad regex ({exc})")
    assert not problems, "\n".join(problems)


def test_every_fan_question_has_its_answer_in_the_pack() -> None:
    missing = []
    for name, doc in fan_question_sets().items():
        for case in doc["cases"]:
            if case["expect"] is None:
                continue
            expect = re.compile(case["expect"], re.IGNORECASE)
            if not any(
                (case["kind"] is None or e.kind == case["kind"])
                and expect.search(f"{e.title} {e.answer_text}")
                for e in PACK.entries
            ):
                missing.append(f"{name}: {case['q']!r} expects /{case['expect']}/")
    assert not missing, "questions whose answer no shipped entry carries:\n" + "\n".join(missing)


def test_the_held_out_split_keeps_a_part_of_every_set() -> None:
    for name, doc in fan_question_sets().items():
        held = [c for c in doc["cases"] if held_out(c["q"])]
        assert 0 < len(held) < len(doc["cases"]), name


async def measure(db_path: Path) -> dict[str, Counter[str]]:
    """Right / wrong / "I don't know" per set and split, answered by the shipped pack."""
    base = await FactBase.open(db_path)
    results: dict[str, Counter[str]] = {}
    try:
        for name, doc in fan_question_sets().items():
            for case in doc["cases"]:
                kinds = [case["kind"]] if case["kind"] else None
                answer = await base.ask(case["q"], kinds=kinds)
                entry = answer.match.entry if answer.match else None
                if case["expect"] is None:
                    outcome = "right" if entry is None else "wrong"
                elif entry is None:
                    outcome = "dont_know"
                else:
                    text = f"{entry.title} {entry.answer_text}"
                    ok = re.search(case["expect"], text, re.I) is not None
                    ok = ok and (case["kind"] is None or entry.kind == case["kind"])
                    outcome = "right" if ok else "wrong"
                split = "held-out" if held_out(case["q"]) else "tuning"
                for key in (f"{name} {split}", f"all {split}", "all"):
                    results.setdefault(key, Counter())[outcome] += 1
    finally:
        await base.close()
    return results


if __name__ == "__main__":  # .venv/bin/python -m tests.bot.test_content
    import asyncio
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        table = asyncio.run(measure(Path(folder) / "measure.sqlite3"))
    print(f"{'set':40} {'n':>4} {'right':>6} {'wrong':>6} {'idk':>5}")
    for key, counts in sorted(table.items()):
        n = sum(counts.values())
        print(
            f"{key:40} {n:4} {counts['right']:6} {counts['wrong']:6} {counts['dont_know']:5}"
            f"  ({counts['right'] / n:.0%} right)"
        )
