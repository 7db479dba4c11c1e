"""The daily-post tables: settings, planned posts (claimed with a lease), the rotation."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.domain.models import DailyClaim, DailyPost, DailySettings, PlannedDaily, Rotation
from bot.domain.timeutil import format_utc, parse_utc
from bot.storage.sqlite.connection import _run
from bot.storage.sqlite.reminders import _lease_end, _shard_clause

if TYPE_CHECKING:
    from bot.storage.sqlite.connection import SQLiteConnection


def _utc(value: str) -> dt.datetime:
    parsed = parse_utc(value)
    assert parsed is not None
    return parsed


def _row_to_post(row: aiosqlite.Row) -> DailyPost:
    return DailyPost(
        id=row["id"],
        guild_id=row["guild_id"],
        local_date=row["local_date"],
        due_at=_utc(row["due_at"]),
        next_attempt_at=_utc(row["next_attempt_at"]),
        status=row["status"],
        attempts=row["attempts"],
        nonce=row["nonce"],
        claimed_by=row["claimed_by"],
        entry_uid=row["entry_uid"],
        message_id=row["message_id"],
        last_error=row["last_error"],
        sent_at=parse_utc(row["sent_at"]),
    )


def _row_to_settings(row: aiosqlite.Row) -> DailySettings:
    return DailySettings(
        guild_id=row["guild_id"],
        enabled=bool(row["enabled"]),
        channel_id=row["channel_id"],
        time_of_day=row["time_of_day"],
        zone=row["zone"],
        kinds=row["kinds"],
        spoilers=bool(row["spoilers"]),
        last_error=row["last_error"],
        last_error_at=parse_utc(row["last_error_at"]),
    )


class DailyStore:
    """The daily-post tables (part of the one SQL layer, see `Database`)."""

    def __init__(self, db: SQLiteConnection) -> None:
        self._db = db

    @property
    def _conn(self) -> aiosqlite.Connection:
        return self._db._conn

    # -- settings ------------------------------------------------------------------------------

    async def settings(self, guild_id: int) -> DailySettings:
        """A server's daily-post settings (off when it never set any)."""
        async with self._conn.execute(
            "SELECT * FROM daily_settings WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        return _row_to_settings(row) if row else DailySettings(guild_id)

    async def save_settings(self, settings: DailySettings, now: dt.datetime) -> None:
        """Store a server's settings (the last error is kept: only a post clears it)."""
        async with self._db.transaction() as conn:
            await _run(
                conn,
                "INSERT INTO daily_settings (guild_id, enabled, channel_id, time_of_day, zone,"
                " kinds, spoilers, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,"
                " channel_id = excluded.channel_id, time_of_day = excluded.time_of_day,"
                " zone = excluded.zone, kinds = excluded.kinds, spoilers = excluded.spoilers,"
                " updated_at = excluded.updated_at",
                (
                    settings.guild_id,
                    int(settings.enabled),
                    settings.channel_id,
                    settings.time_of_day,
                    settings.zone,
                    settings.kinds,
                    int(settings.spoilers),
                    format_utc(now),
                ),
            )

    async def record_error(self, guild_id: int, error: str | None, now: dt.datetime) -> None:
        """Remember why the last post failed (None: the last post went out)."""
        async with self._db.transaction() as conn:
            await _run(
                conn,
                "UPDATE daily_settings SET last_error = ?, last_error_at = ? WHERE guild_id = ?",
                (error[:300] if error else None, format_utc(now) if error else None, guild_id),
            )

    async def enabled_settings(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> list[DailySettings]:
        """Every server with a daily post turned on (of the shards this process holds)."""
        clause, params = _shard_clause(shards)
        sql = f"SELECT * FROM daily_settings WHERE enabled = 1{clause}"  # noqa: S608 - placeholders only
        async with self._conn.execute(sql, params) as cur:
            return [_row_to_settings(r) for r in await cur.fetchall()]

    # -- planning ------------------------------------------------------------------------------

    async def plan_state(
        self, guild_ids: Sequence[int] | None = None
    ) -> tuple[dict[int, list[DailyPost]], dict[int, str]]:
        """The open (pending or sending) posts of some servers (None: every server), and the
        latest local day each already has a finished or claimed post for."""
        where, params = "", []
        if guild_ids is not None:
            if not guild_ids:
                return {}, {}
            where = f" AND guild_id IN ({', '.join('?' for _ in guild_ids)})"
            params = list(guild_ids)
        open_posts: dict[int, list[DailyPost]] = {}
        sql = f"SELECT * FROM daily_posts WHERE status IN ('pending', 'sending'){where}"  # noqa: S608
        async with self._conn.execute(sql, params) as cur:
            for row in await cur.fetchall():
                post = _row_to_post(row)
                open_posts.setdefault(post.guild_id, []).append(post)
        done: dict[int, str] = {}
        sql = (
            "SELECT guild_id, MAX(local_date) FROM daily_posts"  # noqa: S608 - placeholders only
            f" WHERE status IN ('sent', 'failed', 'missed'){where} GROUP BY guild_id"
        )
        async with self._conn.execute(sql, params) as cur:
            for guild_id, day in await cur.fetchall():
                done[guild_id] = day
        return open_posts, done

    async def apply_plans(
        self,
        plans: Sequence[tuple[int, PlannedDaily | None]],
        open_posts: dict[int, list[DailyPost]],
        now: dt.datetime,
    ) -> tuple[int, int, int]:
        """Make each server's future pending posts equal its plan, in one transaction.

        A pending post of the wanted day is moved to the wanted time; other future pending
        posts are cancelled; a missing one is added (a cancelled row of that day is revived).
        Overdue and claimed rows are the scheduler's and are never touched here.
        Returns (added, moved, cancelled).
        """
        added = moved = cancelled = 0
        stamp = format_utc(now)
        async with self._db.transaction() as conn:
            for guild_id, wanted in plans:
                have = False
                for post in open_posts.get(guild_id, []):
                    if post.status != "pending" or post.due_at <= now:
                        if wanted is not None and post.local_date == wanted.local_date:
                            have = True
                        continue
                    if wanted is not None and post.local_date == wanted.local_date:
                        have = True
                        if post.due_at != wanted.due_at:
                            moved += await _run(
                                conn,
                                "UPDATE daily_posts SET due_at = ?, next_attempt_at = ?,"
                                " updated_at = ? WHERE id = ? AND status = 'pending'",
                                (format_utc(wanted.due_at), format_utc(wanted.due_at), stamp,
                                 post.id),
                            )  # fmt: skip
                        continue
                    cancelled += await _run(
                        conn,
                        "UPDATE daily_posts SET status = 'cancelled', updated_at = ?"
                        " WHERE id = ? AND status = 'pending'",
                        (stamp, post.id),
                    )
                if wanted is None or have:
                    continue
                due = format_utc(wanted.due_at)
                added += await _run(
                    conn,
                    "INSERT INTO daily_posts (guild_id, local_date, due_at, next_attempt_at,"
                    " nonce, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_id, local_date) DO UPDATE SET status = 'pending',"
                    " due_at = excluded.due_at, next_attempt_at = excluded.next_attempt_at,"
                    " attempts = 0, last_error = NULL, claimed_by = NULL, claimed_until = NULL,"
                    " updated_at = excluded.updated_at WHERE daily_posts.status = 'cancelled'",
                    (wanted.guild_id, wanted.local_date, due, due, _new_nonce(), stamp, stamp),
                )
        return added, moved, cancelled

    # -- sending -------------------------------------------------------------------------------

    async def next_due(
        self, shards: tuple[int, tuple[int, ...]] | None = None
    ) -> dt.datetime | None:
        """When the earliest open post is due."""
        clause, params = _shard_clause(shards)
        sql = (
            "SELECT next_attempt_at FROM daily_posts WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
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
    ) -> list[DailyClaim]:
        """Claim due posts for `owner` with a lease, in one write transaction (so two
        processes never claim the same row); `reclaimed` marks a row whose lease ran out."""
        clause, params = _shard_clause(shards)
        lease = _lease_end(now, lease_seconds)
        claimed: list[DailyClaim] = []
        async with self._db.transaction() as conn:
            sql = (
                "SELECT * FROM daily_posts WHERE status IN ('pending', 'sending')"  # noqa: S608 - placeholders only
                f" AND next_attempt_at <= ?{clause} ORDER BY next_attempt_at LIMIT ?"
            )
            async with conn.execute(sql, [format_utc(now), *params, limit]) as cur:
                rows = [_row_to_post(r) for r in await cur.fetchall()]
            for row in rows:
                await _run(
                    conn,
                    "UPDATE daily_posts SET status = 'sending', claimed_by = ?,"
                    " claimed_until = ?, next_attempt_at = ?, attempts = attempts + 1,"
                    " updated_at = ? WHERE id = ?",
                    (owner, lease, lease, format_utc(now), row.id),
                )
                claimed.append(DailyClaim(row, row.status == "sending"))
        return claimed

    async def _finish(self, post_id: int, owner: str, sql: str, params: Sequence[Any]) -> bool:
        async with self._db.transaction() as conn:
            return (
                await _run(
                    conn,
                    sql + " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                    [*params, post_id, owner],
                )
                > 0
            )

    async def renew_claim(
        self, post_id: int, owner: str, now: dt.datetime, lease_seconds: float
    ) -> bool:
        """Extend `owner`'s lease just before sending; False when the claim was lost."""
        lease = _lease_end(now, lease_seconds)
        return await self._finish(
            post_id,
            owner,
            "UPDATE daily_posts SET claimed_until = ?, next_attempt_at = ?, updated_at = ?",
            (lease, lease, format_utc(now)),
        )

    async def choose_entry(
        self, post_id: int, owner: str, guild_id: int, cycle: int, uid: str, now: dt.datetime
    ) -> bool:
        """Record the entry a post shows and count it as posted in the rotation's `cycle`
        (one transaction: a post re-sent after a crash shows the same entry)."""
        stamp = format_utc(now)
        async with self._db.transaction() as conn:
            changed = await _run(
                conn,
                "UPDATE daily_posts SET entry_uid = ?, updated_at = ?"
                " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                (uid, stamp, post_id, owner),
            )
            if not changed:
                return False
            await _run(
                conn,
                "UPDATE daily_rotation SET cycle = ? WHERE guild_id = ?",
                (cycle, guild_id),
            )
            await _run(
                conn,
                "INSERT OR IGNORE INTO daily_posted (guild_id, cycle, entry_uid, posted_at)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, cycle, uid, stamp),
            )
        return True

    async def mark_sent(
        self, post_id: int, owner: str, message_id: int | None, now: dt.datetime
    ) -> bool:
        """Record that Discord accepted the post."""
        stamp = format_utc(now)
        return await self._finish(
            post_id,
            owner,
            "UPDATE daily_posts SET status = 'sent', message_id = ?, sent_at = ?, updated_at = ?,"
            " claimed_until = NULL, last_error = NULL",
            (message_id, stamp, stamp),
        )

    async def mark_retry(
        self, post_id: int, owner: str, at: dt.datetime, error: str, now: dt.datetime
    ) -> bool:
        """Try again later (a temporary failure)."""
        return await self._finish(
            post_id,
            owner,
            "UPDATE daily_posts SET status = 'pending', next_attempt_at = ?, last_error = ?,"
            " claimed_until = NULL, updated_at = ?",
            (format_utc(at), error[:300], format_utc(now)),
        )

    async def mark_final(
        self, post_id: int, owner: str, status: str, error: str, now: dt.datetime
    ) -> bool:
        """Give up: `failed`, `missed` or `cancelled`."""
        assert status in ("failed", "missed", "cancelled")
        return await self._finish(
            post_id,
            owner,
            "UPDATE daily_posts SET status = ?, last_error = ?, claimed_until = NULL,"
            " updated_at = ?",
            (status, error[:300], format_utc(now)),
        )

    # -- rotation and status -------------------------------------------------------------------

    async def rotation(self, guild_id: int, new_seed: int) -> Rotation:
        """A server's rotation (started with `new_seed` the first time)."""
        async with self._db.transaction() as conn:
            await _run(
                conn,
                "INSERT OR IGNORE INTO daily_rotation (guild_id, seed, cycle) VALUES (?, ?, 0)",
                (guild_id, new_seed),
            )
        async with self._conn.execute(
            "SELECT seed, cycle FROM daily_rotation WHERE guild_id = ?", (guild_id,)
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        seed, cycle = int(row[0]), int(row[1])
        async with self._conn.execute(
            "SELECT entry_uid FROM daily_posted WHERE guild_id = ? AND cycle = ?",
            (guild_id, cycle),
        ) as cur:
            posted = frozenset(r[0] for r in await cur.fetchall())
        return Rotation(seed, cycle, posted)

    async def posts(
        self, guild_id: int, statuses: Sequence[str], limit: int = 10, newest: bool = False
    ) -> list[DailyPost]:
        """A server's posts in some states, by due time (soonest or newest first)."""
        marks = ", ".join("?" for _ in statuses)
        order = "DESC" if newest else "ASC"
        sql = (
            f"SELECT * FROM daily_posts WHERE guild_id = ? AND status IN ({marks})"  # noqa: S608
            f" ORDER BY due_at {order} LIMIT ?"
        )
        async with self._conn.execute(sql, [guild_id, *statuses, limit]) as cur:
            return [_row_to_post(r) for r in await cur.fetchall()]

    async def count(self, status: str | None = None) -> int:
        """How many daily posts (in one state)."""
        sql = "SELECT COUNT(*) FROM daily_posts"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE status = ?"
            params.append(status)
        async with self._conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0


def _new_nonce() -> str:
    """A message nonce: Discord accepts up to 25 characters."""
    return secrets.token_hex(12)
