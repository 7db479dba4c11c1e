"""Reading JSON someone else wrote (content packs, uploaded files) without surprises.

`json.loads` alone turns a hostile or broken file into the wrong kind of failure: a deeply
nested document raises `RecursionError`, a 5,000-digit number raises a bare `ValueError`
(Python's integer-string limit), `NaN` and `Infinity` are accepted although JSON has neither,
and a byte-order mark is an error. Here each of those is a `JsonProblem` whose message names
the file and what to fix, in the same words wherever a file is read (`lookback-bot import`,
`/admin import`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

#: How deep arrays and objects may nest. A pack needs 4 (document › section › entry › list).
MAX_DEPTH: Final = 32
#: The longest integer accepted, in digits: a Discord id (a 64-bit number) has at most 20.
MAX_INT_DIGITS: Final = 20
#: Problem messages quote at most this much of a value.
QUOTE_MAX: Final = 60


class JsonProblem(ValueError):
    """A file is not JSON this program accepts: `message` is `name: detail`."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self.detail = detail
        self.message = f"{name}: {detail}"
        super().__init__(self.message)


class _BigNumber(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _BigNumber(digits)
    return int(text)


def _parse_constant(name: str) -> Any:
    raise ValueError(name)


def _depth_exceeded(value: Any, limit: int) -> bool:
    """True when arrays/objects in `value` nest more than `limit` deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a leading byte-order mark is allowed); JsonProblem otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JsonProblem(
            name,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8",
        ) from None


def loads(data: bytes | str, name: str) -> Any:
    """Parse JSON text or UTF-8 bytes; raise JsonProblem with a message naming `name`."""
    text = decode(data, name) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    try:
        value = json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except _BigNumber as exc:
        raise JsonProblem(
            name,
            f"has a number {exc.digits:,} digits long; numbers may have at most "
            f"{MAX_INT_DIGITS} digits",
        ) from None
    except RecursionError:
        raise JsonProblem(
            name, f"nests arrays or objects too deeply; at most {MAX_DEPTH} levels"
        ) from None
    except json.JSONDecodeError as exc:
        raise JsonProblem(
            name, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except ValueError as exc:  # NaN, Infinity, -Infinity: not JSON
        raise JsonProblem(
            name, f"is not valid JSON ({str(exc)[:QUOTE_MAX]} is not a JSON value)"
        ) from None
    if _depth_exceeded(value, MAX_DEPTH):
        raise JsonProblem(name, f"nests arrays or objects too deeply; at most {MAX_DEPTH} levels")
    return value


def read_file(path: Path, name: str, max_bytes: int) -> Any:
    """Read and parse a JSON file; every failure (missing, a folder, unreadable, too large,
    not UTF-8, not JSON, too deep, huge numbers) is a JsonProblem naming `name`."""
    try:
        if path.is_dir():
            raise JsonProblem(name, "is a folder, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise JsonProblem(name, f"is {size:,} bytes; at most {max_bytes:,}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except JsonProblem:
        raise
    except FileNotFoundError:
        raise JsonProblem(name, "does not exist") from None
    except PermissionError:
        raise JsonProblem(name, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise JsonProblem(name, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # it grew while being read, or is not a regular file
        raise JsonProblem(name, f"is more than {max_bytes:,} bytes")
    return loads(data, name)
