"""Every message the code marks, read with babel's extractor (the catalogue's check and
`python -m bot.i18n.extract` to list the messages still without Japanese text)."""

from __future__ import annotations

import string
import sys
from pathlib import Path
from typing import Final

#: The calls whose first argument is a message id (and `ngettext`'s first two).
KEYWORDS: Final[dict[str, tuple[int, ...] | None]] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "Text": None,
    "UserFacingError": None,
    "BadQuestion": None,
    "NotFound": None,
    "DatabaseUnavailable": None,
    "NotModerator": None,
}
ROOT: Final = Path(__file__).resolve().parents[2]
SOURCES: Final = ("bot", "cogs")


def code_messages() -> dict[str | tuple[str, str], list[str]]:
    """Every message id in the code, with where it is (`file:line`)."""
    from babel.messages.extract import extract_from_dir

    found: dict[str | tuple[str, str], list[str]] = {}
    for folder in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            key: str | tuple[str, str] = (
                (message[0], message[1]) if isinstance(message, tuple) else message
            )
            if not key or (isinstance(key, tuple) and not all(key)):
                continue
            found.setdefault(key, []).append(f"{folder}/{filename}:{lineno}")
    return found


def placeholders(text: str) -> set[str]:
    """The `{named}` placeholders of a message."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def main() -> int:
    """List the code's messages that have no Japanese text yet, as PO entries to fill in."""
    from bot.i18n import _read_catalogue

    ja = _read_catalogue("ja")
    missing = [(k, where) for k, where in code_messages().items() if k not in ja]
    for key, where in missing:
        print(f"#: {' '.join(where)}")
        if isinstance(key, tuple):
            print(f'msgid {_po(key[0])}\nmsgid_plural {_po(key[1])}\nmsgstr[0] ""\n')
        else:
            print(f'msgid {_po(key)}\nmsgstr ""\n')
    print(f"# {len(missing)} message(s) without Japanese text", file=sys.stderr)
    return 1 if missing else 0


def _po(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


if __name__ == "__main__":
    raise SystemExit(main())
