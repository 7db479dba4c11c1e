"""The content pack: a human-editable JSON format for entries (see docs/pack-format.md).

`load_pack` validates everything before anything is used and reports every problem with its
file, entry and field; nothing is written to the database when any problem is found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from bot.domain import safejson
from bot.domain.models import Entry, Kind, PackProblems, TriviaQuestion
from bot.domain.timeutil import format_utc, parse_utc
from bot.matching.named import THING_TYPES, NamedThing

log = logging.getLogger(__name__)

FORMAT: Final = "lookback-pack"
FORMAT_VERSION: Final = 1
SECTIONS: Final[dict[str, Kind]] = {
    "facts": "fact",
    "quotes": "quote",
    "synopsis": "synopsis",
    "awards": "awards",
}
MAX_PACK_BYTES: Final = 64 * 1024 * 1024
MAX_ENTRIES: Final = 250_000
#: A problem quoting a value from the file is cut to this many characters.
PROBLEM_MAX_CHARS: Final = 300
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


class PackError(ValueError):
    """A content pack failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        # A problem may quote a value from the file: cut each, so a 20 MB id is not echoed.
        self.problems = [_cut(p) for p in problems]
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the content pack:\n{shown}{more}")


@dataclass(frozen=True)
class Pack:
    """A validated content pack."""

    pack_version: str
    title: str
    entries: tuple[Entry, ...]
    # The `works` section: other works and people the matcher recognises in questions.
    works: tuple[NamedThing, ...] = ()
    # The `trivia` section: questions for /trivia (kept in memory, not in the database).
    trivia: tuple[TriviaQuestion, ...] = ()

    @property
    def digest(self) -> str:
        """A hash of the content, so an unchanged pack is not re-imported."""
        payload = json.dumps(to_document(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def count(self, kind: Kind) -> int:
        """How many entries of one kind."""
        return sum(1 for e in self.entries if e.kind == kind)


def shipped_pack_path() -> Path:
    """Where the shipped pack is: inside the installed package, or `data/pack` in a checkout."""
    installed = resources.files("bot") / "_data" / "pack" / "manifest.json"
    if installed.is_file():
        return Path(str(installed)).parent
    checkout = Path(__file__).resolve().parents[2] / "data" / "pack"
    return checkout


# -- validation -------------------------------------------------------------------------------


class _Checker:
    """Reads one entry's fields, recording problems instead of raising."""

    def __init__(self, problems: PackProblems, where: str, raw: dict[str, Any]) -> None:
        self.problems = problems
        self.where = where
        self.raw = raw

    def _fail(self, name: str, message: str) -> None:
        self.problems.add(f"{self.where} › {name}", message)

    def text(self, name: str, *, max_len: int, required: bool = True, min_len: int = 1) -> str:
        value = self.raw.get(name)
        if value is None:
            if required:
                self._fail(name, "is missing")
            return ""
        if not isinstance(value, str):
            self._fail(name, f"must be text, not {type(value).__name__}")
            return ""
        if required and len(value.strip()) < min_len:
            self._fail(name, "is empty")
        if len(value) > max_len:
            self._fail(name, f"is {len(value)} characters; at most {max_len}")
            return value  # already refused: no need to look at every character of it
        if _CONTROL.search(value):
            self._fail(name, "contains control characters")
        if _has_surrogates(value):
            self._fail(name, "is not valid Unicode text")
        return value

    def url(self, name: str) -> str:
        value = self.text(name, max_len=500)
        if value and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value):
            self._fail(name, "must be an http:// or https:// URL")
        return value

    def flag(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            self._fail(name, "must be true or false")
            return False
        return value

    def strings(
        self,
        name: str,
        *,
        max_len: int,
        pattern: re.Pattern[str] | None = None,
        max_items: int = 50,
    ) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if not isinstance(value, list):
            self._fail(name, "must be a list of text")
            return ()
        if len(value) > max_items:
            self._fail(name, f"has {len(value)} items; at most {max_items}")
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self._fail(f"{name}[{index}]", "must be non-empty text")
            elif len(item) > max_len:
                self._fail(f"{name}[{index}]", f"is {len(item)} characters; at most {max_len}")
            elif _has_surrogates(item):
                self._fail(f"{name}[{index}]", "is not valid Unicode text")
            elif pattern is not None and not pattern.fullmatch(item):
                self._fail(f"{name}[{index}]", f"{item!r} must match {pattern.pattern}")
            else:
                out.append(item)
        return tuple(out)

    def timestamp(self, name: str) -> dt.datetime | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self._fail(name, "must be an ISO 8601 date-time text or null")
            return None
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self._fail(name, f"{value!r} is not an ISO 8601 date-time")
            return None
        if parsed.tzinfo is None:
            self._fail(name, f"{value!r} needs a time zone (Z or +hh:mm)")
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            self._fail(name, f"{value!r} is out of range")
            return None

    def unknown_fields(self, allowed: set[str]) -> None:
        for name in self.raw:
            if name not in allowed:
                self._fail(name, "is not a known field")


#: The optional Japanese fields of each kind: pack field name → `Entry` field, with its limit.
JA_FIELDS: Final[dict[Kind, dict[str, tuple[str, int]]]] = {
    "fact": {"title_ja": ("title_ja", 100), "answer_ja": ("text_ja", 1500)},
    "quote": {
        "title_ja": ("title_ja", 100),
        "text_ja": ("text_ja", 1500),
        "occasion_ja": ("occasion_ja", 200),
    },
    "synopsis": {"title_ja": ("title_ja", 100), "text_ja": ("text_ja", 6000)},
    "awards": {"name_ja": ("title_ja", 100), "outcome_ja": ("outcome_ja", 1500)},
}
_JA_SOURCE_FIELDS: Final = {"source_name_ja", "source_url_ja"}
_COMMON_FIELDS = {"id", "aliases", "tags", "source_name", "source_url"} | _JA_SOURCE_FIELDS
_FIELDS: dict[Kind, set[str]] = {
    "fact": _COMMON_FIELDS | {"title", "answer", "spoiler"} | set(JA_FIELDS["fact"]),
    "quote": _COMMON_FIELDS
    | {"text", "speaker", "occasion", "said_on", "title"}
    | set(JA_FIELDS["quote"]),
    "synopsis": _COMMON_FIELDS
    | {"section", "title", "text", "spoiler"}
    | set(JA_FIELDS["synopsis"]),
    "awards": _COMMON_FIELDS
    | {"name", "ceremony", "starts_at", "date_only", "outcome"}
    | set(JA_FIELDS["awards"]),
}


def _japanese(kind: Kind, c: _Checker, where: str, problems: PackProblems) -> dict[str, str]:
    """The optional Japanese fields of one raw entry, as `Entry` keyword arguments."""
    values: dict[str, str] = {}
    for name, (field_name, limit) in JA_FIELDS[kind].items():
        values[field_name] = c.text(name, max_len=limit, required=False)
    values["source_name_ja"] = c.text("source_name_ja", max_len=200, required=False)
    url = c.raw.get("source_url_ja")
    values["source_url_ja"] = c.url("source_url_ja") if url not in (None, "") else ""
    if bool(values["source_name_ja"]) != bool(values["source_url_ja"]):
        problems.add(f"{where} › source_url_ja", "source_name_ja and source_url_ja go together")
    if values["outcome_ja" if kind == "awards" else "text_ja"] and not values["title_ja"]:
        problems.add(f"{where} › title_ja", "is needed when the Japanese text is given")
    return values


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")  # control characters but tab and newline
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(text: str) -> bool:
    """Lone UTF-16 halves (JSON lets `"\\ud800"` through) can't be stored or sent as UTF-8."""
    return _SURROGATE.search(text) is not None


def _quote_title(text: str) -> str:
    words = text.split()
    title = ""
    for word in words:
        if len(title) + len(word) + 1 > 60:
            return title.rstrip(",;:") + "…"
        title = f"{title} {word}".strip()
    return title


def parse_entry(
    kind: Kind, raw: Any, where: str, problems: PackProblems, guild_id: int = 0
) -> Entry | None:
    """Validate one raw entry; record problems and return None when it is unusable."""
    if not isinstance(raw, dict):
        problems.add(where, "must be an object")
        return None
    before = len(problems.problems)
    c = _Checker(problems, where, raw)
    key = c.text("id", max_len=64)
    if key and not _ID.fullmatch(key):
        problems.add(f"{where} › id", f"{key!r} must be lower-case letters, digits and '-'")
    common: dict[str, Any] = {
        "kind": kind,
        "key": key,
        "guild_id": guild_id,
        "source_name": c.text("source_name", max_len=200),
        "source_url": c.url("source_url"),
        "aliases": c.strings("aliases", max_len=100, max_items=60),
        "tags": c.strings("tags", max_len=32, pattern=_TAG, max_items=20),
    }
    c.unknown_fields(_FIELDS[kind])
    common |= _japanese(kind, c, where, problems)
    entry: Entry
    if kind == "fact":
        entry = Entry(
            title=c.text("title", max_len=100),
            text=c.text("answer", max_len=1500),
            spoiler=c.flag("spoiler"),
            **common,
        )
    elif kind == "quote":
        text = c.text("text", max_len=1500)
        said_on = raw.get("said_on")
        if said_on is not None and (not isinstance(said_on, str) or not _DATE.fullmatch(said_on)):
            problems.add(f"{where} › said_on", "must be YYYY, YYYY-MM, YYYY-MM-DD or null")
            said_on = None
        title = c.text("title", max_len=100, required=False) or _quote_title(text)
        entry = Entry(
            title=title,
            text=text,
            speaker=c.text("speaker", max_len=100),
            occasion=c.text("occasion", max_len=200, required=False),
            said_on=said_on,
            **common,
        )
    elif kind == "synopsis":
        section = raw.get("section")
        if section not in ("premise", "full", "themes"):
            problems.add(f"{where} › section", "must be premise, full or themes")
        entry = Entry(
            title=c.text("title", max_len=100),
            text=c.text("text", max_len=6000),
            section=str(section),
            spoiler=c.flag("spoiler"),
            **common,
        )
    else:
        entry = Entry(
            title=c.text("name", max_len=100),
            text="",
            ceremony=c.text("ceremony", max_len=100, required=False),
            starts_at=c.timestamp("starts_at"),
            date_only=c.flag("date_only"),
            outcome=c.text("outcome", max_len=1500, required=False),
            **common,
        )
    return entry if len(problems.problems) == before else None


WORKS_SECTION: Final = "works"
_WORK_FIELDS: Final = {"id", "type", "title", "aliases", "about"}


def parse_works(doc: Any, file_name: str, problems: PackProblems) -> list[NamedThing]:
    """Validate a document's `works` section (other works and people; see pack-format.md)."""
    raw_list = doc.get(WORKS_SECTION) if isinstance(doc, dict) else None
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        problems.add(f"{file_name} › {WORKS_SECTION}", "must be a list")
        return []
    works: list[NamedThing] = []
    for index, raw in enumerate(raw_list):
        where = f"{file_name} › {WORKS_SECTION}[{index}]"
        if not isinstance(raw, dict):
            problems.add(where, "must be an object")
            continue
        before = len(problems.problems)
        c = _Checker(problems, where, raw)
        key = c.text("id", max_len=64)
        if key and not _ID.fullmatch(key):
            problems.add(f"{where} › id", f"{key!r} must be lower-case letters, digits and '-'")
        kind = raw.get("type")
        if kind not in THING_TYPES:
            problems.add(f"{where} › type", f"must be one of {', '.join(THING_TYPES)}")
        thing = NamedThing(
            id=key,
            type="person" if kind == "person" else "work",
            title=c.text("title", max_len=100),
            aliases=c.strings("aliases", max_len=100, max_items=40),
            about=c.text("about", max_len=200, required=False),
        )
        c.unknown_fields(_WORK_FIELDS)
        if len(problems.problems) == before:
            works.append(thing)
    return works


TRIVIA_SECTION: Final = "trivia"
_TRIVIA_FIELDS: Final = {
    "id", "question", "answer", "wrong", "spoiler", "fact", "source_name", "source_url",
    "question_ja", "answer_ja", "wrong_ja",
}  # fmt: skip


#: What could ping if a question or an answer were ever sent as a message's content.
_PINGS: Final = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>")
_NO_PINGS: Final = "must not mention @everyone, @here, a member, a role or a channel"


def parse_trivia(doc: Any, file_name: str, problems: PackProblems) -> list[TriviaQuestion]:
    """Validate a document's `trivia` section (see pack-format.md)."""
    raw_list = doc.get(TRIVIA_SECTION) if isinstance(doc, dict) else None
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        problems.add(f"{file_name} › {TRIVIA_SECTION}", "must be a list")
        return []
    found: list[TriviaQuestion] = []
    for index, raw in enumerate(raw_list):
        where = f"{file_name} › {TRIVIA_SECTION}[{index}]"
        if not isinstance(raw, dict):
            problems.add(where, "must be an object")
            continue
        before = len(problems.problems)
        c = _Checker(problems, where, raw)
        key = c.text("id", max_len=64)
        if key and not _ID.fullmatch(key):
            problems.add(f"{where} › id", f"{key!r} must be lower-case letters, digits and '-'")
        answer = c.text("answer", max_len=80)
        wrong = c.strings("wrong", max_len=80, max_items=3)
        if len(wrong) != 3:
            problems.add(f"{where} › wrong", "must list exactly 3 wrong answers")
        choices = [answer.strip().casefold(), *(w.strip().casefold() for w in wrong)]
        if len(set(choices)) != len(choices):
            problems.add(f"{where} › wrong", "must differ from each other and from the answer")
        question_ja = c.text("question_ja", max_len=300, required=False)
        answer_ja = c.text("answer_ja", max_len=80, required=False)
        wrong_ja = c.strings("wrong_ja", max_len=80, max_items=3)
        if (question_ja or answer_ja or wrong_ja) and not (
            question_ja and answer_ja and len(wrong_ja) == 3
        ):
            problems.add(f"{where} › question_ja", "needs answer_ja and 3 wrong_ja with it")
        text = c.text("question", max_len=300)
        for name, values in (
            ("question", [text]), ("answer", [answer]), ("wrong", wrong),
            ("question_ja", [question_ja]), ("answer_ja", [answer_ja]), ("wrong_ja", wrong_ja),
        ):  # fmt: skip
            if any(_PINGS.search(v) for v in values):
                problems.add(f"{where} › {name}", _NO_PINGS)
        source_url = c.url("source_url")
        if source_url.startswith("http://"):
            problems.add(f"{where} › source_url", "must be an https:// URL")
        question = TriviaQuestion(
            key=key,
            question=text,
            answer=answer,
            wrong=(*wrong, "", "", "")[:3],  # type: ignore[arg-type]
            source_name=c.text("source_name", max_len=200),
            source_url=source_url,
            spoiler=c.flag("spoiler"),
            fact=c.text("fact", max_len=64, required=False),
            question_ja=question_ja,
            answer_ja=answer_ja,
            wrong_ja=wrong_ja,
        )
        c.unknown_fields(_TRIVIA_FIELDS)
        if len(problems.problems) == before:
            found.append(question)
    return found


def trivia_to_raw(question: TriviaQuestion) -> dict[str, Any]:
    """One `trivia` item in the pack's JSON shape."""
    raw: dict[str, Any] = {
        "id": question.key,
        "question": question.question,
        "answer": question.answer,
        "wrong": list(question.wrong),
        "spoiler": question.spoiler,
        "source_name": question.source_name,
        "source_url": question.source_url,
    }
    if question.fact:
        raw["fact"] = question.fact
    if question.question_ja:
        raw.update(
            question_ja=question.question_ja,
            answer_ja=question.answer_ja,
            wrong_ja=list(question.wrong_ja),
        )
    return raw


def work_to_raw(work: NamedThing) -> dict[str, Any]:
    """One `works` item in the pack's JSON shape."""
    return {
        "id": work.id,
        "type": work.type,
        "title": work.title,
        "aliases": list(work.aliases),
        "about": work.about,
    }


def parse_document(
    doc: Any, file_name: str, problems: PackProblems, guild_id: int = 0
) -> list[Entry]:
    """Validate the sections of one JSON document."""
    if not isinstance(doc, dict):
        problems.add(file_name, "must hold a JSON object")
        return []
    entries: list[Entry] = []
    for section, kind in SECTIONS.items():
        raw_list = doc.get(section)
        if raw_list is None:
            continue
        if not isinstance(raw_list, list):
            problems.add(f"{file_name} › {section}", "must be a list")
            continue
        for index, raw in enumerate(raw_list):
            label = raw.get("id") if isinstance(raw, dict) else ""
            label = label if isinstance(label, str) else ""
            where = f"{file_name} › {section}[{index}]" + (f" ({label})" if label else "")
            entry = parse_entry(kind, raw, where, problems, guild_id)
            if entry is not None:
                entries.append(entry)
    return entries


def _check_manifest(doc: dict[str, Any], file_name: str, problems: PackProblems) -> None:
    if doc.get("format") != FORMAT:
        problems.add(f"{file_name} › format", f"must be {FORMAT!r}")
    if doc.get("format_version") != FORMAT_VERSION:
        problems.add(
            f"{file_name} › format_version",
            f"must be {FORMAT_VERSION} (got {_cut(repr(doc.get('format_version')), 40)})",
        )
    version = doc.get("pack_version")
    if not isinstance(version, str) or not version or _has_surrogates(version):
        problems.add(f"{file_name} › pack_version", "must be non-empty text")


def _cut(problem: str, limit: int = PROBLEM_MAX_CHARS) -> str:
    return problem if len(problem) <= limit else problem[: limit - 1] + "…"


def _read_json(path: Path, problems: PackProblems, name: str | None = None) -> Any:
    """The parsed file, or None with the problem recorded (see `bot.domain.safejson`)."""
    try:
        return safejson.read_file(path, name or path.name, MAX_PACK_BYTES)
    except safejson.JsonProblem as exc:
        problems.add(exc.name, exc.detail)
    return None


def parse_pack_document(doc: Any, file_name: str = "pack", guild_id: int = 0) -> Pack:
    """Validate a single-document pack (the export format); raise PackError on any problem."""
    problems = PackProblems()
    entries: list[Entry] = []
    if not isinstance(doc, dict):
        raise PackError([f"{file_name}: must hold a JSON object"])
    _check_manifest(doc, file_name, problems)
    entries = parse_document(doc, file_name, problems, guild_id)
    return _finish(doc, entries, problems, (), parse_trivia(doc, file_name, problems))


def load_pack(path: Path | str, guild_id: int = 0) -> Pack:
    """Load and validate a pack from a directory (with manifest.json) or a single file."""
    path = Path(path)
    problems = PackProblems()
    if path.is_dir():
        manifest_path = path / "manifest.json"
        manifest = _read_json(manifest_path, problems)
        if problems:
            raise PackError(problems.problems)
        if not isinstance(manifest, dict):
            raise PackError([f"{manifest_path.name}: must hold a JSON object"])
        _check_manifest(manifest, manifest_path.name, problems)
        files = manifest.get("files")
        entries: list[Entry] = []
        works: list[NamedThing] = []
        trivia: list[TriviaQuestion] = []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            problems.add("manifest.json › files", "must be a list of file names")
            files = []
        for name in files:
            file_path = (path / name).resolve()
            if path.resolve() not in file_path.parents:
                problems.add(f"manifest.json › files › {name}", "must stay inside the pack")
                continue
            doc = _read_json(file_path, problems, name)
            if doc is not None:
                entries += parse_document(doc, name, problems, guild_id)
                works += parse_works(doc, name, problems)
                trivia += parse_trivia(doc, name, problems)
        return _finish(manifest, entries, problems, works, trivia)
    doc = _read_json(path, problems)
    if problems:
        raise PackError(problems.problems)
    if not isinstance(doc, dict):
        raise PackError([f"{path.name}: must hold a JSON object"])
    _check_manifest(doc, path.name, problems)
    entries = parse_document(doc, path.name, problems, guild_id)
    works = parse_works(doc, path.name, problems)
    return _finish(doc, entries, problems, works, parse_trivia(doc, path.name, problems))


def pack_works(path: Path | str) -> tuple[str, tuple[NamedThing, ...]] | None:
    """A pack's `works`, read without validating its entries, and a digest of its files as
    they are (and of this parser): a start-up that finds this digest stored beside the loaded
    pack's `digest` need not parse the pack again. None when a file cannot be read, is not
    JSON or its works have problems (`load_pack` then says what)."""
    path = Path(path)
    try:
        digest = hashlib.sha256(Path(__file__).read_bytes())
        if path.is_dir():
            manifest = (path / "manifest.json").read_bytes()
            digest.update(manifest)
            names = json.loads(manifest).get("files")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                return None
            folder = path.resolve()
            files = [(name, (path / name).resolve()) for name in names]
            if any(folder not in file.parents for _, file in files):
                return None
        else:
            files = [(path.name, path)]
        works: list[NamedThing] = []
        problems = PackProblems()
        for name, file in files:
            raw = file.read_bytes()
            digest.update(len(raw).to_bytes(8, "little") + raw)
            works += parse_works(json.loads(raw), name, problems)
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return None if problems else (digest.hexdigest(), tuple(works))


def _finish(
    manifest: dict[str, Any],
    entries: list[Entry],
    problems: PackProblems,
    works: Sequence[NamedThing] = (),
    trivia: Sequence[TriviaQuestion] = (),
) -> Pack:
    seen: dict[tuple[str, str], int] = {}
    for entry in entries:
        seen[(entry.kind, entry.key)] = seen.get((entry.kind, entry.key), 0) + 1
    for (kind, key), count in seen.items():
        if count > 1:
            problems.add(f"{kind} {key!r}", f"id is used {count} times")
    if len(entries) > MAX_ENTRIES:
        problems.add("pack", f"has {len(entries)} entries; at most {MAX_ENTRIES}")
    work_ids = [w.id for w in works]
    for key in sorted({k for k in work_ids if work_ids.count(k) > 1}):
        problems.add(f"works {key!r}", f"id is used {work_ids.count(key)} times")
    trivia_ids = [q.key for q in trivia]
    for key in sorted({k for k in trivia_ids if trivia_ids.count(k) > 1}):
        problems.add(f"trivia {key!r}", f"id is used {trivia_ids.count(key)} times")
    keys = {e.key for e in entries}  # `fact` names the entry (of any kind) it is checked by
    for question in trivia:
        if keys and question.fact and question.fact not in keys:
            problems.add(
                f"trivia {question.key!r} › fact", f"no entry has the id {question.fact!r}"
            )
    if problems:
        raise PackError(problems.problems)
    return Pack(
        pack_version=str(manifest.get("pack_version", "")),
        title=str(manifest.get("title", "")),
        entries=tuple(entries),
        works=tuple(works),
        trivia=tuple(trivia),
    )


# -- writing ----------------------------------------------------------------------------------


def entry_to_raw(entry: Entry) -> dict[str, Any]:
    """One entry in the pack's JSON shape."""
    raw: dict[str, Any] = {"id": entry.key}
    if entry.kind == "fact":
        raw |= {"title": entry.title, "answer": entry.text, "spoiler": entry.spoiler}
    elif entry.kind == "quote":
        raw |= {
            "title": entry.title,
            "text": entry.text,
            "speaker": entry.speaker,
            "occasion": entry.occasion,
            "said_on": entry.said_on,
        }
    elif entry.kind == "synopsis":
        raw |= {
            "section": entry.section,
            "title": entry.title,
            "text": entry.text,
            "spoiler": entry.spoiler,
        }
    else:
        raw |= {
            "name": entry.title,
            "ceremony": entry.ceremony,
            "starts_at": format_utc(entry.starts_at),
            "date_only": entry.date_only,
            "outcome": entry.outcome,
        }
    raw |= {
        "aliases": list(entry.aliases),
        "tags": list(entry.tags),
        "source_name": entry.source_name,
        "source_url": entry.source_url,
    }
    for name, (field_name, _limit) in JA_FIELDS[entry.kind].items():
        if value := getattr(entry, field_name):
            raw[name] = value
    if entry.source_url_ja:
        raw |= {"source_name_ja": entry.source_name_ja, "source_url_ja": entry.source_url_ja}
    return raw


def to_document(
    pack: Pack | None = None,
    *,
    entries: Sequence[Entry] = (),
    pack_version: str = "",
    title: str = "",
) -> dict[str, Any]:
    """A single-document pack (the export format)."""
    if pack is not None:
        entries, pack_version, title = pack.entries, pack.pack_version, pack.title
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pack_version": pack_version or "export",
        "title": title,
    }
    for section, kind in SECTIONS.items():
        doc[section] = [entry_to_raw(e) for e in entries if e.kind == kind]
    if pack is not None and pack.works:
        doc[WORKS_SECTION] = [work_to_raw(w) for w in pack.works]
    if pack is not None and pack.trivia:
        doc[TRIVIA_SECTION] = [trivia_to_raw(q) for q in pack.trivia]
    return doc


def dump_document(doc: dict[str, Any]) -> str:
    """The JSON text of a document, stable and readable."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def round_trip_safe(entry: Entry) -> Entry:
    """The entry as it comes back from the pack format (timestamps to whole seconds, UTC)."""
    return entry.with_changes(starts_at=parse_utc(format_utc(entry.starts_at)))
