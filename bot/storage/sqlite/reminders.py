"""The reminder and subscription tables."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.domain.models import Claim, PlanApplied, PlannedReminder, Reminder, Subscription
from bot.domain.timeutil import format_utc, parse_utc
from bot.storage.sqlite.connection import _run
from bot.storage.sqlite.rows import _row_to_reminder


def _shard_clause(shards: tuple[int, tuple[int, ...]] | None) -> tuple[str, list[Any]]:
    """SQL that keeps the servers a process holds: shard = (guild_id >> 22) % shard_count."""
    if shards is None:
        return "", []
    count, ids = shards
    marks = ", ".join("?" for _ in ids)
    return f" AND ((guild_id >> 22) % ?) IN ({marks})", [count, *ids]


if TYPE_CHECKING:
    from bot.storage.sqlite.connection import SQLiteConnection


class ReminderStore:
    """The reminder and subscription tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: SQLiteConnection) -> None:
        self._db = db

    @property
    def _conn(self) -> aiosqlite.Connection:
        return self._db._conn

    async def apply_plan(
        self, guild_id: int, wanted: Sequence[PlannedReminder], now: dt.datetime
    ) -> PlanApplied:
        """Make a server's pending reminders equal `wanted`, in one transaction.

        A pending reminder whose event moved is moved (new date, new due time); one no longer
        wanted is cancelled; a missing one is added. Sent reminders are never touched.
        Returns (added, moved, cancelled).
        """
        added = moved = cancelled = 0
        stamp = format_utc(now)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM reminders WHERE guild_id = ? AND status = 'pending'", (guild_id,)
            ) as cur:
                pending = [_row_to_reminder(r) for r in await cur.fetchall()]
            by_slot = {(r.target, r.user_id, r.event_key, r.lead_seconds): r for r in pending}
            keep: set[int] = set()
            for plan in wanted:
                slot = (plan.target, plan.user_id, plan.event_key, plan.lead_seconds)
                current = by_slot.get(slot)
                if current is not None and current.event_starts_at == plan.event_starts_at:
                    keep.add(current.id)
                    continue
                if current is not None:
                    changed = await _run(
                        conn,
                        "UPDATE OR IGNORE reminders SET event_starts_at = ?, due_at = ?,"
                        " next_attempt_at = ?, attempts = 0, last_error = NULL, updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (
                            format_utc(plan.event_starts_at),
                            format_utc(plan.due_at),
                            format_utc(plan.due_at),
                            stamp,
                            current.id,
                        ),
                    )
                    if changed:
                        keep.add(current.id)
                        moved += 1
                        continue
                added += await _run(
                    conn,
                    # A slot cancelled earlier (a pause, an unset channel, a removed lead
                    # time) keeps its row: wanting it again makes it pending again.
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
                )
            for reminder in pending:
                # Overdue rows are the scheduler's: it sends them late or records them missed.
                if reminder.id not in keep and reminder.due_at > now:
                    cancelled += await _run(
                        conn,
                        "UPDATE reminders SET status = 'cancelled', updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (stamp, reminder.id),
                    )
        return PlanApplied(added, moved, cancelled)

    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None:
        """When the earliest pending (or abandoned sending) reminder is due."""
        clause, params = _shard_clause(shards)
        sql = (
            "SELECT next_attempt_at FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
            f"{clause} ORDER BY next_attempt_at LIMIT 1"
        )
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return parse_utc(row[0]) if row else None

    async def claim_due(
        self,
        now: dt.datetime,
        owner: str,
        lease_seconds: float,
        limit: int = 20,
        shards: tuple[int, tuple[int, ...]] | None = None,
    ) -> list[Claim]:
        """Claim due reminders for `owner` with a lease; (reminder, was it claimed before?).

        The claim is one write transaction, so two processes on the same database never claim
        the same row: the second sees it already leased. A row whose lease ran out (its claimer
        died) is claimed again; the flag tells the sender to look for its earlier message.
        """
        clause, params = _shard_clause(shards)
        lease = _lease_end(now, lease_seconds)
        claimed: list[Claim] = []
        async with self._db.transaction() as conn:
            sql = (
                "SELECT * FROM reminders WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
                f" AND next_attempt_at <= ?{clause} ORDER BY next_attempt_at LIMIT ?"
            )
            async with conn.execute(sql, [format_utc(now), *params, limit]) as cur:
                rows = [_row_to_reminder(r) for r in await cur.fetchall()]
            for row in rows:
                await _run(
                    conn,
                    "UPDATE reminders SET status = 'sending', claimed_by = ?, claimed_until = ?,"
                    " next_attempt_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
                    (owner, lease, lease, format_utc(now), row.id),
                )
                claimed.append(Claim(row, row.status == "sending"))
        return claimed

    async def _finish(self, reminder_id: int, owner: str, sql: str, params: Sequence[Any]) -> bool:
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    sql + " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                    [*params, reminder_id, owner],
                )
                > 0
            )

    async def renew_claim(
        self, reminder_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool:
        """Extend `owner`'s lease on a claimed row just before sending it.

        Rows are claimed in batches; one slow delivery must not let the lease of the next run
        out while it waits. False when the claim was lost (another process took the row over
        after the lease ran out): the caller must not send it.
        """
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
        """Give up: `failed` (cannot be delivered), `missed` (too late to be useful) or
        `cancelled` (its event is gone or moved)."""
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
        marks = ", ".join("?" for _ in statuses)
        sql = (
            f"SELECT * FROM reminders WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608
            " ORDER BY due_at LIMIT ?"
        )
        async with self._conn.execute(sql, [guild_id, *statuses, limit]) as cur:
            return [_row_to_reminder(r) for r in await cur.fetchall()]

    async def count(self, status: str | None = None) -> int:
        """How many reminders (in one state)."""
        sql = "SELECT COUNT(*) FROM reminders"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def guild_ids(self, shards: tuple[int, tuple[int, ...]] | None = None) -> list[int]:
        """Servers that have a reminder channel, subscribers or reminders."""
        clause, params = _shard_clause(shards)
        sql = (
            "SELECT guild_id FROM guild_settings WHERE reminder_channel_id IS NOT NULL"  # noqa: S608 - placeholders only
            f"{clause} UNION SELECT guild_id FROM subscriptions WHERE 1 = 1{clause}"
            f" UNION SELECT guild_id FROM reminders WHERE status = 'pending'{clause}"
        )
        async with self._conn.execute(sql, params * 3) as cur:
            return [r[0] for r in await cur.fetchall()]

    async def subscribe(
        self, guild_id: int, user_id: int, event_key: str, now: dt.datetime, lang: str = "en"
    ) -> bool:
        """Add a fan's DM subscription; False when it already existed. `lang` is the language
        of their reminders (their locale now); subscribing again updates it."""
        async with self._db.transaction() as conn:
            added = await _run(
                conn,
                "INSERT OR IGNORE INTO subscriptions (guild_id, user_id, event_key,"
                " created_at, lang) VALUES (?, ?, ?, ?, ?)",
                (guild_id, user_id, event_key, format_utc(now), lang),
            )
            await _run(
                conn,
                "UPDATE subscriptions SET lang = ? WHERE guild_id = ? AND user_id = ?",
                (lang, guild_id, user_id),
            )
            return added > 0

    async def subscriber_lang(self, guild_id: int, user_id: int) -> str:
        """The language of a fan's direct-message reminders from one server ('en' if none)."""
        async with self._conn.execute(
            "SELECT lang FROM subscriptions WHERE guild_id = ? AND user_id = ? LIMIT 1",
            (guild_id, user_id),
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "en"

    async def unsubscribe(self, guild_id: int, user_id: int) -> int:
        """Remove every DM subscription of a fan in one server."""
        async with self._db.transaction() as conn:
            return await _run(
                conn,
                "DELETE FROM subscriptions WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )

    async def subscriptions(self, guild_id: int) -> list[Subscription]:
        """(user, event key or '') for every subscription in a server."""
        async with self._conn.execute(
            "SELECT user_id, event_key FROM subscriptions WHERE guild_id = ?", (guild_id,)
        ) as cur:
            return [Subscription(r[0], r[1]) for r in await cur.fetchall()]


def _lease_end(now: dt.datetime, lease_seconds: float) -> str:
    """The end of a lease, rounded up to the whole second it is stored with (never shorter)."""
    end = now + dt.timedelta(seconds=lease_seconds)
    if end.microsecond:
        end = end.replace(microsecond=0) + dt.timedelta(seconds=1)
    return format_utc(end) or ""


def _new_nonce() -> str:
    """A message nonce: Discord accepts up to 25 characters."""
    return secrets.token_hex(12)
