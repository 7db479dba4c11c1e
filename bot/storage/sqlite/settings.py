"""Per-server settings and the audit log."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiosqlite

from bot.domain.models import (
    AuditRecord,
    GuildSettings,
)
from bot.domain.timeutil import now_iso
from bot.storage.sqlite.connection import SQLiteConnection, _run
from bot.storage.sqlite.rows import _row_to_audit

log = logging.getLogger(__name__)


class SettingsTables(SQLiteConnection):
    """Per-server settings and the audit log."""

    # -- settings -----------------------------------------------------------------------------

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's settings (defaults when it has none)."""
        async with self._conn.execute(
            "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(
            guild_id=guild_id,
            reminder_channel_id=row["reminder_channel_id"],
            reminder_role_id=row["reminder_role_id"],
            lead_times=tuple(json.loads(row["lead_times"])),
            reminders_paused=bool(row["reminders_paused"]),
            moderator_role_id=row["moderator_role_id"],
            language=row["language"],
        )

    async def save_guild_settings(
        self, settings: GuildSettings, conn: aiosqlite.Connection | None = None
    ) -> None:
        """Store a server's settings."""
        await _run(
            conn or self._conn,
            "INSERT INTO guild_settings (guild_id, reminder_channel_id, reminder_role_id,"
            " lead_times, reminders_paused, moderator_role_id, language, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id) DO UPDATE SET"
            " reminder_channel_id = excluded.reminder_channel_id,"
            " reminder_role_id = excluded.reminder_role_id, lead_times = excluded.lead_times,"
            " reminders_paused = excluded.reminders_paused,"
            " moderator_role_id = excluded.moderator_role_id, language = excluded.language,"
            " updated_at = excluded.updated_at",
            (
                settings.guild_id,
                settings.reminder_channel_id,
                settings.reminder_role_id,
                json.dumps(list(settings.lead_times)),
                int(settings.reminders_paused),
                settings.moderator_role_id,
                settings.language,
                now_iso(),
            ),
        )

    # -- audit log ----------------------------------------------------------------------------

    async def add_audit(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        kind: str,
        key: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        conn: aiosqlite.Connection | None = None,
    ) -> None:
        """Record one change in a server's history."""
        await _run(
            conn or self._conn,
            "INSERT INTO audit_log (guild_id, actor_id, action, kind, key, old_value, new_value,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                actor_id,
                action,
                kind,
                key,
                json.dumps(old, ensure_ascii=False) if old is not None else None,
                json.dumps(new, ensure_ascii=False) if new is not None else None,
                now_iso(),
            ),
        )

    async def audit_history(
        self,
        guild_id: int,
        *,
        limit: int = 10,
        offset: int = 0,
        kind: str | None = None,
        key: str | None = None,
    ) -> list[AuditRecord]:
        """A server's history, newest first."""
        sql = "SELECT * FROM audit_log WHERE guild_id = ?"
        params: list[Any] = [guild_id]
        if kind is not None and key is not None:
            sql += " AND kind = ? AND key = ?"
            params += [kind, key]
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        async with self._conn.execute(sql, params) as cur:
            rows = await cur.fetchall()
        return [_row_to_audit(r) for r in rows]

    async def audit_count(self, guild_id: int) -> int:
        """How many changes a server's history holds."""
        async with self._conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def audit_targets(self, guild_id: int, limit: int = 25) -> list[AuditRecord]:
        """The latest change of each entry (or setting) a server changed, newest first."""
        async with self._conn.execute(
            "SELECT a.* FROM audit_log a JOIN (SELECT MAX(id) AS last FROM audit_log"
            " WHERE guild_id = ? GROUP BY kind, key) m ON a.id = m.last"
            " ORDER BY a.id DESC LIMIT ?",
            (guild_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [_row_to_audit(r) for r in rows]
