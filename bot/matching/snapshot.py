"""The matcher's whole index as a few byte strings (`Matcher.snapshot`, `Matcher.load_snapshot`).

Start-up at 100,000 entries spent most of its time reading a row per entry and rebuilding the
index from them; a snapshot is the finished index as a handful of values (stored in the table
`match_snapshot`, migration 0009), read back with `array.frombytes` and `str.split`. Nothing
in it is code or a pickled object: each part is raw bytes, an array of integers, or strings
joined by NUL, and the header lists every part's length and CRC-32, so a damaged or cut value
is refused (`SnapshotError`) before anything is built from it.

A snapshot is valid for the content it was made from: the database keeps a generation number
that every write to an entry table raises, and tags the snapshot with it; `snapshot_key` adds
what else the index depends on (this format, the analysis version, the shipped pack).
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from bot.matching.stored import ANALYSIS_VERSION

#: Bump when what a snapshot holds, or how the index is rebuilt from it, changes.
SNAPSHOT_FORMAT: Final = 1
_SEPARATOR: Final = "\x00"
_HEADER: Final = "header"


class SnapshotError(ValueError):
    """A snapshot that cannot be used (missing, damaged, cut, or of another layout)."""


def snapshot_key(pack_hash: str | None, layout: Iterable[object] = ()) -> str:
    """What a snapshot depends on besides the entries: its format, the analysis that made the
    stored rows, the shipped pack (its works are part of the analysis), this machine's byte
    order and the matcher's own tables (`layout`)."""
    material = repr((sys.byteorder, array("i").itemsize, array("q").itemsize, *layout))
    digest = hashlib.sha256(material.encode()).hexdigest()[:12]
    return f"{SNAPSHOT_FORMAT}:{ANALYSIS_VERSION}:{pack_hash or '-'}:{digest}"


def encode_strings(strings: Sequence[str], chunk: int = 4096) -> bytearray:
    """Strings joined by NUL, as UTF-8, encoded a few thousand at a time (ten megabytes of
    text never exist twice); SnapshotError when one of them holds a NUL."""
    out = bytearray()
    for start in range(0, len(strings), chunk):
        part = strings[start : start + chunk]
        joined = _SEPARATOR.join(part)
        if joined.count(_SEPARATOR) != len(part) - 1:
            raise SnapshotError("a string holds NUL")
        if start:
            out += b"\x00"
        out += joined.encode("utf-8", "surrogatepass")
    return out


def decode_strings(data: bytes, count: int) -> list[str]:
    """The `count` strings of `encode_strings`."""
    if count == 0:
        if data:
            raise SnapshotError("strings where none were expected")
        return []
    strings = str(data, "utf-8", "surrogatepass").split(_SEPARATOR)
    if len(strings) != count:
        raise SnapshotError(f"{len(strings)} strings, {count} expected")
    return strings


def decode_array(typecode: str, data: bytes, count: int | None = None) -> array[int]:
    """An array of `typecode` from its bytes (of `count` items when given)."""
    values: array[int] = array(typecode)
    try:
        values.frombytes(data)
    except ValueError as exc:  # not a whole number of items
        raise SnapshotError(str(exc)) from exc
    if count is not None and len(values) != count:
        raise SnapshotError(f"{len(values)} items, {count} expected")
    return values


def frame(
    header: Mapping[str, Any], parts: Iterable[tuple[str, bytes | bytearray]]
) -> Iterator[tuple[str, bytes | bytearray]]:
    """(name, value) pairs to store, one at a time (a part is made only when the one before was
    written): the parts, then the header with each one's length and CRC-32 (`unframe`)."""
    sums: dict[str, tuple[int, int]] = {}
    for name, data in parts:
        sums[name] = (len(data), zlib.crc32(data))
        yield name, data
    described = {**header, "format": SNAPSHOT_FORMAT, "parts": sums}
    yield _HEADER, json.dumps(described, separators=(",", ":")).encode()


def unframe(stored: dict[str, bytes]) -> dict[str, Any]:
    """The header of stored parts, once every part it lists is there, whole and unchanged;
    the header is removed from `stored`."""
    raw = stored.pop(_HEADER, None)
    if raw is None:
        raise SnapshotError("no header")
    try:
        header = json.loads(raw)
        if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError("another format")
        for name, (length, crc) in header["parts"].items():
            data = stored.get(name)
            if data is None or len(data) != length or zlib.crc32(data) != crc:
                raise SnapshotError(f"part {name!r} is missing, cut or damaged")
    except SnapshotError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"unreadable header: {exc}") from exc
    return header
