"""Converting between table rows and the domain's records."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.domain.models import (
    AuditRecord,
    Entry,
    Kind,
    Reminder,
)
from bot.domain.timeutil import format_utc, now_iso, parse_utc


@dataclass(frozen=True)
class _Table:
    name: str
    title_column: str
    text_column: str
    extra: tuple[str, ...]


TABLES: dict[Kind, _Table] = {
    "fact": _Table("facts", "title", "answer", ("spoiler",)),
    "quote": _Table("quotes", "title", "text", ("speaker", "occasion", "said_on")),
    "synopsis": _Table("synopsis_sections", "title", "text", ("section", "spoiler")),
    "awards": _Table("awards_events", "name", "outcome", ("ceremony", "starts_at", "date_only")),
}
_COMMON = (
    "guild_id",
    "key",
    "aliases",
    "tags",
    "source_name",
    "source_url",
    "origin",
    "updated_by",
    "updated_at",
)


def _row_to_entry(kind: Kind, row: aiosqlite.Row) -> Entry:
    table = TABLES[kind]
    keys = row.keys()
    return Entry(
        kind=kind,
        key=row["key"],
        guild_id=row["guild_id"],
        title=row[table.title_column],
        text=row[table.text_column],
        source_name=row["source_name"],
        source_url=row["source_url"],
        aliases=tuple(json.loads(row["aliases"])),
        tags=tuple(json.loads(row["tags"])),
        spoiler=bool(row["spoiler"]) if "spoiler" in keys else False,
        speaker=row["speaker"] if "speaker" in keys else "",
        occasion=row["occasion"] if "occasion" in keys else "",
        said_on=row["said_on"] if "said_on" in keys else None,
        section=row["section"] if "section" in keys else "",
        ceremony=row["ceremony"] if "ceremony" in keys else "",
        starts_at=parse_utc(row["starts_at"]) if "starts_at" in keys else None,
        date_only=bool(row["date_only"]) if "date_only" in keys else False,
        outcome=row["outcome"] if kind == "awards" else "",
        updated_at=row["updated_at"],
        **_ja_from_json(row["ja"]),
    )


_JA_KEYS = ("title", "text", "outcome", "occasion", "source_name", "source_url")


def _ja_from_json(value: str | dict[str, Any] | None) -> dict[str, str]:
    """The `Entry` keyword arguments of a stored `ja` object ({"title": …, "text": …})."""
    stored = json.loads(value) if isinstance(value, str) else (value or {})
    return {f"{key}_ja": str(stored[key]) for key in _JA_KEYS if stored.get(key)}


def _entry_to_row(entry: Entry, origin: str, actor: int | None) -> dict[str, Any]:
    table = TABLES[entry.kind]
    row: dict[str, Any] = {
        "guild_id": entry.guild_id,
        "key": entry.key,
        "aliases": json.dumps(list(entry.aliases), ensure_ascii=False),
        "tags": json.dumps(list(entry.tags), ensure_ascii=False),
        "source_name": entry.source_name,
        "source_url": entry.source_url,
        "origin": origin,
        "updated_by": actor,
        "updated_at": now_iso(),
        table.title_column: entry.title,
        table.text_column: entry.outcome if entry.kind == "awards" else entry.text,
        "ja": json.dumps(entry.ja_fields, ensure_ascii=False, sort_keys=True),
    }
    values = {
        "spoiler": int(entry.spoiler),
        "speaker": entry.speaker,
        "occasion": entry.occasion,
        "said_on": entry.said_on,
        "section": entry.section,
        "ceremony": entry.ceremony,
        "starts_at": format_utc(entry.starts_at),
        "date_only": int(entry.date_only),
    }
    for column in table.extra:
        row[column] = values[column]
    return row


def entry_snapshot(entry: Entry | None) -> dict[str, Any] | None:
    """The editable fields of an entry as plain JSON, for the audit log and undo."""
    if entry is None:
        return None
    row = _entry_to_row(entry, "guild", None)
    for volatile in ("origin", "updated_by", "updated_at", "guild_id"):
        row.pop(volatile)
    row["aliases"] = list(entry.aliases)
    row["tags"] = list(entry.tags)
    row["ja"] = entry.ja_fields
    return row


def entry_from_snapshot(kind: Kind, guild_id: int, snapshot: dict[str, Any]) -> Entry:
    """Rebuild an entry from `entry_snapshot` output."""
    table = TABLES[kind]
    text = snapshot[table.text_column]
    return Entry(
        kind=kind,
        key=snapshot["key"],
        guild_id=guild_id,
        title=snapshot[table.title_column],
        text=text if kind != "awards" else "",
        outcome=text if kind == "awards" else "",
        source_name=snapshot["source_name"],
        source_url=snapshot["source_url"],
        aliases=tuple(snapshot.get("aliases", ())),
        tags=tuple(snapshot.get("tags", ())),
        spoiler=bool(snapshot.get("spoiler", False)),
        speaker=snapshot.get("speaker", ""),
        occasion=snapshot.get("occasion", ""),
        said_on=snapshot.get("said_on"),
        section=snapshot.get("section", ""),
        ceremony=snapshot.get("ceremony", ""),
        starts_at=parse_utc(snapshot.get("starts_at")),
        date_only=bool(snapshot.get("date_only", False)),
        **_ja_from_json(snapshot.get("ja")),
    )


def _row_to_audit(r: aiosqlite.Row) -> AuditRecord:
    return AuditRecord(
        id=r["id"],
        guild_id=r["guild_id"],
        actor_id=r["actor_id"],
        action=r["action"],
        kind=r["kind"],
        key=r["key"],
        old=json.loads(r["old_value"]) if r["old_value"] else None,
        new=json.loads(r["new_value"]) if r["new_value"] else None,
        created_at=r["created_at"],
    )


def _row_to_reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(
        id=row["id"],
        guild_id=row["guild_id"],
        target=row["target"],
        user_id=row["user_id"],
        event_key=row["event_key"],
        event_starts_at=_utc(row["event_starts_at"]),
        lead_seconds=row["lead_seconds"],
        due_at=_utc(row["due_at"]),
        next_attempt_at=_utc(row["next_attempt_at"]),
        status=row["status"],
        attempts=row["attempts"],
        nonce=row["nonce"],
        claimed_by=row["claimed_by"],
        message_id=row["message_id"],
        last_error=row["last_error"],
        sent_at=parse_utc(row["sent_at"]),
    )


def _utc(value: str) -> dt.datetime:
    parsed = parse_utc(value)
    assert parsed is not None
    return parsed
