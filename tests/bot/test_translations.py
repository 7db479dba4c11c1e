"""The Japanese drafts in data/translations stay in step with the pack they translate.

They are not loaded yet (issue 17 will add the pack's Japanese fields); until then this keeps
them from drifting: every translated id exists in the pack file of the same name, spoiler
entries keep their spoilers behind tags, and every Japanese source is an https page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.domain.pack import load_pack, shipped_pack_path

TRANSLATIONS = Path(__file__).resolve().parents[2] / "data" / "translations" / "ja"
FILES = sorted(TRANSLATIONS.glob("*.json"))
SECTIONS = {"facts": "fact", "quotes": "quote", "synopsis": "synopsis", "awards": "awards"}


def _pack_ids(file_name: str) -> dict[str, dict[str, object]]:
    doc = json.loads((shipped_pack_path() / file_name).read_text("utf-8"))
    return {e["id"]: e for section in SECTIONS if section in doc for e in doc[section]}


def test_there_are_translations_and_the_pack_loads() -> None:
    assert FILES, f"no translation files in {TRANSLATIONS}"
    assert load_pack(shipped_pack_path()).entries


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_translated_entry_is_in_the_pack_file_it_names(path: Path) -> None:
    entries = json.loads(path.read_text("utf-8"))["entries"]
    shipped = _pack_ids(path.name)
    unknown = sorted(set(entries) - set(shipped))
    assert not unknown, f"{path.name}: ids not in the pack: {unknown}"
    for key, fields in entries.items():
        assert any(v for k, v in fields.items() if k.endswith("_ja") and k != "source_url_ja")
        url = fields.get("source_url_ja")
        assert url is None or str(url).startswith("https://"), f"{key}: {url}"


def test_the_full_synopsis_keeps_its_spoilers_behind_tags() -> None:
    shipped = _pack_ids("synopsis.json")
    drafts = json.loads((TRANSLATIONS / "synopsis.json").read_text("utf-8"))["entries"]
    english, japanese = str(shipped["full"]["text"]), drafts["full"]["text_ja"]
    assert japanese.count("||") == english.count("||") > 0
    assert not re.search(r"京本.{0,10}(死|殺)", re.sub(r"\|\|.*?\|\|", "", japanese, flags=re.S))
