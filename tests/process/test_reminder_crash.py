"""Exactly-once awards reminders, shown on the real bot process against FakeDiscord.

* The bot is SIGKILLed while a reminder's POST is in flight; after a restart on the same
  database every reminder has exactly one message in the channel (none lost, none doubled).
* Two bot processes run on one database at once; their schedulers race for the same rows and
  every reminder is still posted exactly once in total.

The database is prepared before the bot starts with the project's own API (`Database`,
`plan_guild`, `ReminderStore.apply_plan`), so the reminder rows exist whatever the start-up
time; the bot's own start-up reconcile keeps them (same slots, same event date). The bot runs on
the wall clock, so the reminders are due a few seconds after the test starts.

FakeDiscord records a REST request when it *arrives* (`status` is None until it is answered),
and a handler keeps running when the client disconnects (aiohttp does not cancel it). So a
`set_delay` on the message route holds a reminder's POST in flight, the test kills the bot while
it is, and the fake still creates the message afterwards — like Discord accepting a message whose
sender died before reading the answer.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import re
import signal
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.domain.models import Entry, GuildSettings
from bot.domain.pack import load_pack, shipped_pack_path
from bot.domain.reminders import plan_guild
from bot.storage.sqlite.database import Database
from tests.fakediscord.server import FakeDiscord, RecordedRequest

from .conftest import GUILD_ID, START_TIMEOUT, BotProcess, bot_env, running_bot

pytestmark = pytest.mark.process

LEASE_SECONDS = 3
#: How long every wait for the reminders to settle may take.
SETTLE_TIMEOUT = 30.0
FOOTER = re.compile(r"^Reminder #(\d+) ")


@dataclass(frozen=True)
class Prepared:
    """The reminder rows the test database holds before the bot starts."""

    db_path: Path
    channel_id: int
    nonces: dict[int, str]  # reminder id -> its message nonce


async def prepare_database(
    db_path: Path, channel_id: int, *, events: Sequence[tuple[str, int]], leads: Sequence[int]
) -> Prepared:
    """A database whose guild sees only its own events (`(key, starts in s)`), with a reminder
    channel and `leads` (seconds): one pending channel reminder per event and lead."""
    now = discord.utils.utcnow().replace(microsecond=0)
    shipped_awards = [e.key for e in load_pack(shipped_pack_path()).entries if e.kind == "awards"]
    db = await Database.open(db_path)
    try:
        for key in shipped_awards:  # the shipped events would add their own reminders
            await db.set_hidden(GUILD_ID, "awards", key, True)
        entries = []
        for key, starts_in in events:
            entry = Entry(
                kind="awards",
                key=key,
                title=key.replace("-", " ").title(),
                text="",
                source_name="t",
                source_url="https://example.org",
                guild_id=GUILD_ID,
                starts_at=now + dt.timedelta(seconds=starts_in),
                outcome="x",
            )
            await db.save_entry(entry)
            entries.append(entry)
        settings = GuildSettings(GUILD_ID, reminder_channel_id=channel_id, lead_times=tuple(leads))
        await db.save_guild_settings(settings)
        planned = plan_guild(GUILD_ID, entries, settings, [], now)
        added, moved, cancelled = await db.reminders.apply_plan(GUILD_ID, planned, now)
        assert (added, moved, cancelled) == (len(events) * len(leads), 0, 0)
        rows = await db.reminders.for_guild(GUILD_ID, ["pending"], limit=1000)
    finally:
        await db.close()
    return Prepared(db_path, channel_id, {r.id: r.nonce for r in rows})


def read_db(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    """One query on a separate read-only connection (the bot may be writing)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def status_counts(db_path: Path) -> dict[str, int]:
    rows = read_db(db_path, "SELECT status, count(*) FROM reminders GROUP BY status")
    return {row[0]: row[1] for row in rows}


def reminder_posts(fake: FakeDiscord, prep: Prepared) -> list[RecordedRequest]:
    """Every POST of a reminder message the fake received (answered or still in flight)."""
    return [
        r
        for r in fake.requests_matching("POST", f"/channels/{prep.channel_id}/messages")
        if isinstance(r.json, dict) and r.json.get("nonce") in prep.nonces.values()
    ]


def posts_per_nonce(fake: FakeDiscord, prep: Prepared) -> collections.Counter[str]:
    return collections.Counter(str(r.json["nonce"]) for r in reminder_posts(fake, prep))


def footer_ids(message: dict[str, Any]) -> list[int]:
    """The reminder ids a message's embed footers name."""
    return [
        int(match.group(1))
        for embed in message.get("embeds") or []
        if (match := FOOTER.match((embed.get("footer") or {}).get("text") or ""))
    ]


def reminder_messages(fake: FakeDiscord, prep: Prepared) -> dict[int, list[dict[str, Any]]]:
    """The channel's messages by the reminder id their footer names."""
    found: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
    for message in fake.messages.get(prep.channel_id, []):
        for reminder_id in footer_ids(message):
            found[reminder_id].append(message)
    return dict(found)


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        await asyncio.sleep(0.1)


async def wait_until_settled(fake: FakeDiscord, prep: Prepared, bots: Sequence[BotProcess]) -> None:
    """Every row 'sent' and every reminder POST answered (so a late duplicate cannot be missed)."""
    want = {"sent": len(prep.nonces)}

    def settled() -> bool:
        for bot in bots:
            if bot.proc.returncode is not None:
                raise AssertionError(f"a bot exited ({bot.proc.returncode}):\n{bot.tail()}")
        posts = reminder_posts(fake, prep)
        return status_counts(prep.db_path) == want and all(r.status is not None for r in posts)

    try:
        await wait_for(settled, SETTLE_TIMEOUT, "all reminders sent")
    except AssertionError as exc:
        tails = "\n---\n".join(bot.tail(30) for bot in bots)
        raise AssertionError(f"{exc}; rows {status_counts(prep.db_path)}\n{tails}") from None


def assert_exactly_once(fake: FakeDiscord, prep: Prepared) -> None:
    """One message per reminder row, its id stored on the row; every row sent; DB healthy."""
    messages = reminder_messages(fake, prep)
    doubled = {rid: len(msgs) for rid, msgs in messages.items() if len(msgs) != 1}
    assert not doubled, f"reminders posted more than once: {doubled}"
    assert sorted(messages) == sorted(prep.nonces), (sorted(messages), sorted(prep.nonces))
    channel_messages = fake.messages.get(prep.channel_id, [])
    assert len(channel_messages) == len(prep.nonces), [m.get("embeds") for m in channel_messages]
    rows = read_db(prep.db_path, "SELECT id, status, message_id, nonce FROM reminders")
    assert {r["id"] for r in rows} == set(prep.nonces)
    for row in rows:
        assert row["status"] == "sent", dict(row)
        assert row["nonce"] == prep.nonces[row["id"]]
        (message,) = messages[row["id"]]
        assert row["message_id"] == int(message["id"]), (dict(row), message["id"])
        assert message.get("nonce") == row["nonce"]
    assert status_counts(prep.db_path) == {"sent": len(prep.nonces)}
    assert read_db(prep.db_path, "PRAGMA integrity_check")[0][0] == "ok"


async def sigkill(bot: BotProcess) -> None:
    bot.proc.send_signal(signal.SIGKILL)
    code = await asyncio.wait_for(bot.proc.wait(), 5)
    assert code == -signal.SIGKILL, code
    await bot.kill()  # reaps the output readers


def reminder_env(fake: FakeDiscord, tmp_path: Path) -> dict[str, str]:
    # INFO: the scheduler's lines without discord.py's per-request DEBUG noise.
    return bot_env(fake, tmp_path, REMINDER_LEASE_SECONDS=str(LEASE_SECONDS), LOG_LEVEL="INFO")


@pytest.mark.parametrize(
    ("in_flight_delay", "restart_at_once"),
    [
        pytest.param(1.5, False, id="message-landed-before-restart"),
        pytest.param(10.0, True, id="post-still-in-flight-at-reclaim"),
    ],
)
async def test_sigkill_mid_send_then_restart_sends_each_reminder_once(
    fake: FakeDiscord, tmp_path: Path, in_flight_delay: float, restart_at_once: bool
) -> None:
    """SIGKILL while the first reminder's POST is in flight (claimed, not yet marked sent);
    restart on the same database: three reminders, three messages, all rows 'sent'.

    * message-landed-before-restart: the fake answers the orphaned POST (creating the message)
      before the bot restarts; the reclaimer must find it by its "Reminder #ID" footer and not
      post again (one POST with that nonce).
    * post-still-in-flight-at-reclaim: the orphaned POST is held 10 s, so when the lease has run
      out and the restarted bot reclaims the row its history shows nothing; it posts again with
      the same nonce and `enforce_nonce` makes the two POSTs one message.
    """
    channel_id = fake.guilds[GUILD_ID].channel_id
    prep = await prepare_database(
        tmp_path / "lookback.db", channel_id, events=[("crash-gala", 12)], leads=(8, 4, 0)
    )
    assert len(prep.nonces) == 3  # due at about +4 s, +8 s and +12 s
    first_id = min(prep.nonces)
    env = reminder_env(fake, tmp_path)
    history = f"/channels/{channel_id}/messages"

    fake.set_delay(f"/channels/{channel_id}/messages", in_flight_delay, method="POST")
    async with running_bot(env, tmp_path) as first:
        await fake.wait_until(
            lambda: bool(reminder_posts(fake, prep)), timeout=15, what="the first reminder POST"
        )
        (in_flight,) = reminder_posts(fake, prep)
        assert in_flight.status is None, "the POST was answered before the kill"
        assert in_flight.json["nonce"] == prep.nonces[first_id]
        assert in_flight.json.get("enforce_nonce") is True
        await sigkill(first)
    assert "Traceback" not in first.stderr, first.tail(60)
    # Killed between claiming and marking: the row is still leased to the dead process.
    (row,) = read_db(prep.db_path, "SELECT * FROM reminders WHERE id = ?", (first_id,))
    assert row["status"] == "sending", dict(row)
    assert row["attempts"] == 1
    # The later reminders are still pending, or (on a slow start, when the next one was due
    # too) claimed by the dead process without a POST: none was sent.
    counts = status_counts(prep.db_path)
    assert set(counts) <= {"sending", "pending"} and sum(counts.values()) == 3, counts
    assert len(reminder_posts(fake, prep)) == 1

    fake.set_delay(f"/channels/{channel_id}/messages", 1.5, method="POST")
    if not restart_at_once:
        await fake.wait_until(lambda: in_flight.status is not None, timeout=5, what="answer")
        assert in_flight.status == 200
        assert len(reminder_messages(fake, prep).get(first_id, [])) == 1
    history_before = len(fake.requests_matching("GET", history))

    started = time.monotonic()
    async with running_bot(env, tmp_path) as second:
        await wait_until_settled(fake, prep, [second])
        settled_after = time.monotonic() - started
        code, _ = await second.terminate()
        assert code == 0, second.tail(60)
    assert "Traceback" not in second.stderr, second.tail(60)

    assert_exactly_once(fake, prep)
    (row,) = read_db(prep.db_path, "SELECT * FROM reminders WHERE id = ?", (first_id,))
    assert row["attempts"] == 2, dict(row)  # claimed again after the lease ran out
    # The restarted bot looked for its earlier message before doing anything else.
    assert len(fake.requests_matching("GET", history)) > history_before
    per_nonce = posts_per_nonce(fake, prep)
    first_posts = [
        r for r in reminder_posts(fake, prep) if r.json["nonce"] == prep.nonces[first_id]
    ]
    reads = fake.requests_matching("GET", history)[history_before:]

    def holds_first(request: RecordedRequest) -> bool:
        messages = request.response if isinstance(request.response, list) else []
        return any(first_id in footer_ids(message) for message in messages)

    if restart_at_once and len(first_posts) == 2:
        # Posted again, with the same nonce: no history read before it held the message.
        assert not any(holds_first(r) for r in reads if r.time < first_posts[1].time)
    else:
        # Posted once: the held POST landed before the reclaim (always so when the fake
        # answered it before the restart; on a slow machine also when it was held), and the
        # restarted bot found the message in the history it read.
        assert len(first_posts) == 1, per_nonce
        assert any(holds_first(r) for r in reads), "the message was not looked for"
    for rid, nonce in prep.nonces.items():
        if rid != first_id:
            assert per_nonce[nonce] == 1, (rid, per_nonce)
    print(
        f"\nrestart settled {settled_after:.1f}s after start; POSTs per reminder "
        f"{[per_nonce[prep.nonces[i]] for i in sorted(prep.nonces)]}"
    )


@pytest.mark.parametrize(
    ("events", "leads", "send_delay", "exclusive"),
    [
        # Three reminders 4 s apart, each send well within the lease: claims alone keep the
        # two schedulers apart, so every reminder is POSTed once.
        pytest.param([("race-gala", 14)], (8, 4, 0), 1.0, True, id="staggered"),
        # Six reminders due in the same second, sent one after another at 1.5 s each: the
        # claim of the whole batch outlives its 3 s lease, the other process reclaims the tail
        # and both post some of them; the footer lookup and the nonce keep one message each.
        pytest.param(
            [(f"race-{i}", 8) for i in range(6)], (0,), 1.5, False, id="burst-longer-than-lease"
        ),
    ],
)
async def test_two_processes_on_one_database_post_each_reminder_once(
    fake: FakeDiscord,
    tmp_path: Path,
    events: list[tuple[str, int]],
    leads: tuple[int, ...],
    send_delay: float,
    exclusive: bool,
) -> None:
    """Two bots, one database, one fake Discord (two gateway sessions): each reminder one
    message in total, every row 'sent', and the database intact."""
    channel_id = fake.guilds[GUILD_ID].channel_id
    prep = await prepare_database(tmp_path / "lookback.db", channel_id, events=events, leads=leads)
    env = reminder_env(fake, tmp_path)
    fake.set_delay(f"/channels/{channel_id}/messages", send_delay, method="POST")

    async with contextlib.AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(running_bot(env, tmp_path)) for _ in range(2)]
        for bot in bots:
            await bot.wait_for_log(r"Ready as \S+ in 1 servers", timeout=START_TIMEOUT)
        assert fake.connected_sessions == 2
        await wait_until_settled(fake, prep, bots)
        for bot in bots:
            code, _ = await bot.terminate()
            assert code == 0, bot.tail(60)
            assert "Traceback" not in bot.stderr, bot.tail(60)

    assert_exactly_once(fake, prep)
    per_nonce = posts_per_nonce(fake, prep)
    senders = collections.Counter(
        r[0] for r in read_db(prep.db_path, "SELECT claimed_by FROM reminders")
    )
    print(
        f"\nPOSTs per reminder {[per_nonce[prep.nonces[i]] for i in sorted(prep.nonces)]}; "
        f"rows marked sent per process {sorted(senders.values())}"
    )
    if exclusive:
        assert set(per_nonce.values()) == {1}, per_nonce
