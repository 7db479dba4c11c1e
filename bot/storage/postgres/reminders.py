"""The reminder and subscription tables on PostgreSQL.

Claims lock the due rows with `SELECT … FOR UPDATE SKIP LOCKED`: processes racing for the same
reminders each take different rows, and nobody waits for a row another process is claiming.
Lease, nonce and look-back behave as on SQLite (`bot.storage.sqlite.reminders`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.domain.models import Claim, PlanApplied, PlannedReminder, Reminder, Subscription
from bot.domain.timeutil import format_utc, parse_utc
from bot.storage.postgres.connection import record
from bot.storage.sqlite.reminders import _lease_end, _new_nonce
from bot.storage.sqlite.rows import _row_to_reminder

if TYPE_CHECKING:
    from bot.storage.postgres.connection import PostgresConnection


def shard_clause(shards: tuple[int, tuple[int, ...]] | None) -> tuple[str, list[Any]]:
    """SQL that keeps the servers a process holds: shard = (guild_id >> 22) % shard_count."""
    if shards is None:
        return "", []
    count, ids = shards
    return " AND ((guild_id >> 22) % ?) = ANY(?::bigint[])", [count, list(ids)]


def _reminder(row: Any) -> Reminder:
    return _row_to_reminder(record(row))


class ReminderStore:
    """The reminder and subscription tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: PostgresConnection) -> None:
        self._db = db

    async def apply_plan(
        self, guild_id: int, wanted: Sequence[PlannedReminder], now: dt.datetime
    ) -> PlanApplied:
        """Make a server's pending reminders equal `wanted`, in one transaction (the server's
        lock held: two processes planning one server take turns)."""
        db = self._db
        added = moved = cancelled = 0
        stamp = format_utc(now)
        async with db.transaction(guild_id=guild_id) as conn:
            rows = await db._fetch(
                "SELECT * FROM reminders WHERE guild_id = ? AND status = 'pending'",
                (guild_id,),
                conn,
            )
            pending = [_reminder(r) for r in rows]
            by_slot = {(r.target, r.user_id, r.event_key, r.lead_seconds): r for r in pending}
            keep: set[int] = set()
            for plan in wanted:
                slot = (plan.target, plan.user_id, plan.event_key, plan.lead_seconds)
                current = by_slot.get(slot)
                if current is not None and current.event_starts_at == plan.event_starts_at:
                    keep.add(current.id)
                    continue
                if current is not None:
                    # SQLite's UPDATE OR IGNORE: not when the moved slot already has a row.
                    changed = await db._run(
                        "UPDATE reminders r SET event_starts_at = ?, due_at = ?,"
                        " next_attempt_at = ?, attempts = 0, last_error = NULL, updated_at = ?"
                        " WHERE r.id = ? AND r.status = 'pending' AND NOT EXISTS (SELECT 1"
                        " FROM reminders o WHERE o.guild_id = r.guild_id AND o.target = r.target"
                        " AND o.user_id = r.user_id AND o.event_key = r.event_key"
                        " AND o.event_starts_at = ? AND o.lead_seconds = r.lead_seconds)",
                        (
                            format_utc(plan.event_starts_at),
                            format_utc(plan.due_at),
                            format_utc(plan.due_at),
                            stamp,
                            current.id,
                            format_utc(plan.event_starts_at),
                        ),
                        conn,
                    )
                    if changed:
                        keep.add(current.id)
                        moved += 1
                        continue
                added += await db._run(
                    "INSERT INTO reminders (guild_id, target, user_id, event_key,"
                    " event_starts_at, lead_seconds, due_at, next_attempt_at, nonce, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, target, user_id, event_key, event_starts_at,"
                    " lead_seconds) DO UPDATE SET status = 'pending', due_at = excluded.due_at,"
                    " next_attempt_at = excluded.next_attempt_at, attempts = 0,"
                    " last_error = NULL, claimed_by = NULL, claimed_until = NULL,"
                    " updated_at = excluded.updated_at WHERE reminders.status = 'cancelled'",
                    (
                        plan.guild_id,
                        plan.target,
                        plan.user_id,
                        plan.event_key,
                        format_utc(plan.event_starts_at),
                        plan.lead_seconds,
                        format_utc(plan.due_at),
                        format_utc(plan.due_at),
                        _new_nonce(),
                        stamp,
                        stamp,
                    ),
                    conn,
                )
            for reminder in pending:
                if reminder.id not in keep and reminder.due_at > now:
                    cancelled += await db._run(
                        "UPDATE reminders SET status = 'cancelled', updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (stamp, reminder.id),
                        conn,
                    )
        return PlanApplied(added, moved, cancelled)

    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None:
        """When the earliest pending (or abandoned sending) reminder is due."""
        clause, params = shard_clause(shards)
        sql = (
            "SELECT next_attempt_at FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
            f"{clause} ORDER BY next_attempt_at LIMIT 1"
        )
        return parse_utc(await self._db._fetchval(sql, params))

    async def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 20,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> list[Claim]:
        """Claim due reminders for `owner` with a lease; (reminder, was it claimed before?).

        The due rows are locked `FOR UPDATE SKIP LOCKED` and leased in one transaction: a row
        another process is claiming right now is skipped, one it leased is no longer due until
        the lease runs out (its claimer died), and then it is claimed again, flagged.
        """
        db = self._db
        clause, params = shard_clause(shards)
        lease = _lease_end(now, lease_seconds)
        async with db.transaction() as conn:
            sql = (
                "SELECT * FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
                f" AND next_attempt_at <= ?{clause} ORDER BY next_attempt_at LIMIT ?"
                " FOR UPDATE SKIP LOCKED"
            )
            rows = [_reminder(r) for r in await db._fetch(sql, [format_utc(now), *params, limit])]
            if rows:
                await db._run(
                    "UPDATE reminders SET status = 'sending', claimed_by = ?, claimed_until = ?,"
                    " next_attempt_at = ?, attempts = attempts + 1, updated_at = ?"
                    " WHERE id = ANY(?::bigint[])",
                    (owner, lease, lease, format_utc(now), [row.id for row in rows]),
                    conn,
                )
        return [Claim(row, row.status == "sending") for row in rows]

    async def _finish(self, reminder_id: int, owner: str, sql: str, params: Sequence[Any]) -> bool:
        changed = await self._db._run(
            sql + " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
            [*params, reminder_id, owner],
        )
        return changed > 0

    async def renew_claim(
        self, reminder_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool:
        """Extend `owner`'s lease on a claimed row just before sending it; False when the
        claim was lost (another process took the row over after the lease ran out)."""
        lease = _lease_end(now, lease_seconds)
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET claimed_until = ?, next_attempt_at = ?, updated_at = ?",
            (lease, lease, format_utc(now)),
        )

    async def mark_sent(
        self, reminder_id: int, owner: str, message_id: int | None, now: dt.datetime
    ) -> bool:
        """Record that Discord accepted the message."""
        stamp = format_utc(now)
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = 'sent', message_id = ?, sent_at = ?, updated_at = ?,"
            " claimed_until = NULL, last_error = NULL",
            (message_id, stamp, stamp),
        )

    async def mark_retry(
        self, reminder_id: int, owner: str, at: dt.datetime, error: str, now: dt.datetime
    ) -> bool:
        """Try again later (a temporary failure)."""
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = 'pending', next_attempt_at = ?, last_error = ?,"
            " claimed_until = NULL, updated_at = ?",
            (format_utc(at), error[:300], format_utc(now)),
        )

    async def mark_final(
        self, reminder_id: int, owner: str, status: str, error: str, now: dt.datetime
    ) -> bool:
        """Give up: `failed`, `missed` or `cancelled`."""
        assert status in ("failed", "missed", "cancelled")
        return await self._finish(
            reminder_id,
            owner,
            "UPDATE reminders SET status = ?, last_error = ?, claimed_until = NULL, updated_at = ?",
            (status, error[:300], format_utc(now)),
        )

    async def for_guild(
        self, guild_id: int, statuses: Sequence[str], limit: int = 10
    ) -> list[Reminder]:
        """A server's reminders in some states, soonest first."""
        rows = await self._db._fetch(
            "SELECT * FROM reminders WHERE guild_id = ? AND status = ANY(?::text[])"
            " ORDER BY due_at LIMIT ?",
            (guild_id, list(statuses), limit),
        )
        return [_reminder(r) for r in rows]

    async def count(self, status: str | None = None) -> int:
        """How many reminders (in one state)."""
        if status is None:
            return int(await self._db._fetchval("SELECT COUNT(*) FROM reminders") or 0)
        sql = "SELECT COUNT(*) FROM reminders WHERE status = ?"
        return int(await self._db._fetchval(sql, (status,)) or 0)

    async def guild_ids(self, shards: tuple[int, tuple[int, ...]] | None = None) -> list[int]:
        """Servers that have a reminder channel, subscribers or reminders."""
        clause, params = shard_clause(shards)
        sql = (
            "SELECT guild_id FROM guild_settings WHERE reminder_channel_id IS NOT NULL"  # noqa: S608 - placeholders only
            f"{clause} UNION SELECT guild_id FROM subscriptions WHERE 1 = 1{clause}"
            f" UNION SELECT guild_id FROM reminders WHERE status = 'pending'{clause}"
        )
        return [r[0] for r in await self._db._fetch(sql, params * 3)]

    async def subscribe(
        self, guild_id: int, user_id: int, event_key: str, now: dt.datetime, lang: str = "en"
    ) -> bool:
        """Add a fan's DM subscription; False when it already existed. `lang` is the language
        of their reminders; subscribing again updates it."""
        db = self._db
        async with db.transaction() as conn:
            added = await db._run(
                "INSERT INTO subscriptions (guild_id, user_id, event_key, created_at, lang)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, event_key, format_utc(now), lang),
                conn,
            )
            await db._run(
                "UPDATE subscriptions SET lang = ? WHERE guild_id = ? AND user_id = ?",
                (lang, guild_id, user_id),
                conn,
            )
        return added > 0

    async def subscriber_lang(self, guild_id: int, user_id: int) -> str:
        """The language of a fan's direct-message reminders from one server ('en' if none)."""
        value = await self._db._fetchval(
            "SELECT lang FROM subscriptions WHERE guild_id = ? AND user_id = ? LIMIT 1",
            (guild_id, user_id),
        )
        return str(value) if value is not None else "en"

    async def unsubscribe(self, guild_id: int, user_id: int) -> int:
        """Remove every DM subscription of a fan in one server."""
        return await self._db._run(
            "DELETE FROM subscriptions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )

    async def subscriptions(self, guild_id: int) -> list[Subscription]:
        """(user, event key or '') for every subscription in a server."""
        rows = await self._db._fetch(
            "SELECT user_id, event_key FROM subscriptions WHERE guild_id = ?", (guild_id,)
        )
        return [Subscription(r[0], r[1]) for r in rows]
