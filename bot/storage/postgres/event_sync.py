"""Discord scheduled events and calendar versions on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.domain.timeutil import format_utc, parse_utc
from bot.storage.interface import EventLink, EventSyncState
from bot.storage.postgres.connection import PostgresConnection
from bot.storage.postgres.reminders import shard_clause


class EventSyncTables(PostgresConnection):
    """The opt-in per server, its last failure, the Discord event per awards event, and the
    calendar file's SEQUENCE per event."""

    async def event_sync_state(self, guild_id: int) -> EventSyncState:
        """Whether a server turned the scheduled events on, and how the last round went."""
        row = await self._fetchrow(
            "SELECT enabled, last_error, last_error_at, last_ok_at FROM event_sync_guilds"
            " WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            return EventSyncState(guild_id)
        return EventSyncState(
            guild_id,
            enabled=bool(row["enabled"]),
            last_error=row["last_error"],
            last_error_at=parse_utc(row["last_error_at"]),
            last_ok_at=parse_utc(row["last_ok_at"]),
        )

    async def set_event_sync(self, guild_id: int, enabled: bool, now: dt.datetime) -> bool:
        """Turn a server's scheduled events on or off; True when that changed something."""
        async with self.transaction(guild_id=guild_id) as conn:
            before = await self._fetchval(
                "SELECT enabled FROM event_sync_guilds WHERE guild_id = ?", (guild_id,), conn
            )
            await self._run(
                "INSERT INTO event_sync_guilds (guild_id, enabled, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,"
                " last_error = CASE WHEN excluded.enabled <> 0"
                " THEN event_sync_guilds.last_error ELSE NULL END,"
                " updated_at = excluded.updated_at",
                (guild_id, int(enabled), format_utc(now)),
                conn,
            )
        return bool(before) != enabled

    async def record_event_sync(self, guild_id: int, error: str | None, now: dt.datetime) -> None:
        """The outcome of one round: a failure, or None when it went through."""
        stamp = format_utc(now)
        if error is None:
            await self._run(
                "UPDATE event_sync_guilds SET last_error = NULL, last_error_at = NULL,"
                " last_ok_at = ? WHERE guild_id = ?",
                (stamp, guild_id),
            )
        else:
            await self._run(
                "UPDATE event_sync_guilds SET last_error = ?, last_error_at = ? WHERE guild_id = ?",
                (error[:300], stamp, guild_id),
            )

    async def event_sync_guilds(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> list[int]:
        """Servers that turned the scheduled events on (of the shards a process holds)."""
        clause, params = shard_clause(shards)
        sql = f"SELECT guild_id FROM event_sync_guilds WHERE enabled = 1{clause}"  # noqa: S608 - placeholders only
        return [r[0] for r in await self._fetch(sql, params)]

    async def event_links(self, guild_id: int) -> dict[str, EventLink]:
        """The Discord event stored for each awards event of a server."""
        rows = await self._fetch("SELECT * FROM event_sync_links WHERE guild_id = ?", (guild_id,))
        links: dict[str, EventLink] = {}
        for row in rows:
            starts_at = parse_utc(row["starts_at"])
            assert starts_at is not None
            links[row["event_key"]] = EventLink(
                guild_id,
                row["event_key"],
                row["discord_id"],
                starts_at,
                bool(row["deleted_by_hand"]),
            )
        return links

    async def save_event_link(self, link: EventLink, now: dt.datetime) -> None:
        """Store (or replace) the Discord event of one awards event."""
        await self._run(
            "INSERT INTO event_sync_links (guild_id, event_key, discord_id, starts_at,"
            " deleted_by_hand, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (guild_id, event_key) DO UPDATE SET discord_id = excluded.discord_id,"
            " starts_at = excluded.starts_at, deleted_by_hand = excluded.deleted_by_hand,"
            " updated_at = excluded.updated_at",
            (
                link.guild_id,
                link.event_key,
                link.discord_id,
                format_utc(link.starts_at),
                int(link.deleted_by_hand),
                format_utc(now),
            ),
        )

    async def delete_event_link(self, guild_id: int, event_key: str) -> None:
        """Forget the Discord event of one awards event (it was cancelled)."""
        await self._run(
            "DELETE FROM event_sync_links WHERE guild_id = ? AND event_key = ?",
            (guild_id, event_key),
        )

    async def calendar_sequences(
        self, guild_id: int, dates: Sequence[tuple[str, dt.datetime, bool]]
    ) -> dict[str, int]:
        """The SEQUENCE of each (key, start, day only) in a calendar file: unchanged while the
        date is, one higher each time it moved since the last file."""
        out: dict[str, int] = {}
        async with self.transaction(guild_id=guild_id) as conn:
            for key, starts_at, date_only in dates:
                row = await self._fetchrow(
                    "SELECT starts_at, date_only, sequence FROM calendar_versions"
                    " WHERE guild_id = ? AND event_key = ?",
                    (guild_id, key),
                    conn,
                )
                stamp = format_utc(starts_at)
                if row is None:
                    sequence = 0
                elif row["starts_at"] == stamp and bool(row["date_only"]) == date_only:
                    out[key] = int(row["sequence"])
                    continue
                else:
                    sequence = int(row["sequence"]) + 1
                await self._run(
                    "INSERT INTO calendar_versions (guild_id, event_key, starts_at, date_only,"
                    " sequence) VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, event_key) DO"
                    " UPDATE SET starts_at = excluded.starts_at, date_only = excluded.date_only,"
                    " sequence = excluded.sequence",
                    (guild_id, key, stamp, int(date_only), sequence),
                    conn,
                )
                out[key] = sequence
        return out
