"""Server administration (`/admin`): every change a moderator makes, checked, audited, undoable.

The cog (`cogs.admin`) reads the interaction and calls one method here; everything else lives
in this module: who may moderate, validation (the content pack's own rules, so whatever a
moderator saves can be exported and imported again), the write with its audit record in one
transaction, the in-memory index, and the awards reminders.

How a change is recorded: the state of one entry *in one server* is a snapshot
(`bot.database.entry_snapshot`) plus a `scope` — `server` (the server's own row, maybe a version
of a shipped entry), `shipped` (the shipped entry shows), `hidden` (the shipped entry is hidden
here) — or None when the server sees nothing under that key. The audit log keeps the state
before and after each change, so `undo` writes the state before back, exactly.

Every method takes the server's id from the interaction, never from what a moderator typed, and
every read and write is scoped to it: no option, autocomplete list or import reaches another
server's entries, settings or history.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import unicodedata
import zoneinfo
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Final, Literal, cast
from urllib.parse import urlparse

import aiosqlite
import discord
from discord import app_commands

from bot import constants as c
from bot.cards import Card, chunks, clip, event_when, timestamp
from bot.database import entry_from_snapshot, entry_snapshot, format_utc, parse_utc
from bot.errors import DatabaseUnavailable, NotFound, UserFacingError, database_unavailable
from bot.matching import normalize
from bot.models import AuditRecord, Entry, GuildSettings, Kind, PackProblems, Reminder
from bot.pack import (
    SECTIONS,
    PackError,
    dump_document,
    entry_to_raw,
    parse_entry,
    parse_pack_document,
    to_document,
)
from bot.safety import neutralise_mentions, safe_display
from bot.services import FactBase

log = logging.getLogger(__name__)

# -- limits -----------------------------------------------------------------------------------

MAX_IMPORT_BYTES: Final = 1_000_000
MAX_IMPORT_ENTRIES: Final = 2_000
IMPORT_COOLDOWN: Final = (2, 60.0)  # per server: a refused file, then its corrected version
EXPORT_COOLDOWN: Final = (1, 60.0)
HISTORY_PER_PAGE: Final = 5
HISTORY_MAX_RECORDS: Final = 200
PROBLEMS_SHOWN: Final = 15
MAX_LEADS: Final = 8
MAX_LEAD_SECONDS: Final = 60 * 86_400
STATUS_ROWS: Final = 5
# Discord's modal limits
MODAL_TITLE_MAX: Final = 45
TEXT_INPUT_MAX: Final = 4000

SETTINGS: Final = "settings"  # the audit kind of a server's settings
REMINDER_SETTINGS: Final = "reminders"  # its keys
MODERATOR_SETTINGS: Final = "moderator-role"
ENTRY_KINDS: Final[tuple[Kind, ...]] = ("fact", "quote", "synopsis", "awards")
KIND_WORDS: Final[dict[str, str]] = {
    "fact": "fact",
    "quote": "quote",
    "synopsis": "synopsis section",
    "awards": "awards event",
    SETTINGS: "settings",
}
_META_KEYS: Final = ("scope", "hidden")

Scope = Literal["visible", "own", "shipped"]
State = dict[str, Any] | None
Reschedule = Callable[[int], Awaitable[object]]


class NotModerator(app_commands.CheckFailure, UserFacingError):
    """The user may not use /admin here (a check failure with a message the user sees)."""

    def __init__(
        self,
        message: str = "You need Manage Server or this server's moderator role to use /admin.",
    ) -> None:
        UserFacingError.__init__(self, message)


class _Conflict(Exception):
    """The entry changed between reading it and writing it."""


@dataclass(frozen=True)
class Actor:
    """Who is asking: enough to decide whether they may moderate in this server."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    manage_guild: bool = False


@dataclass(frozen=True)
class Draft:
    """An entry as it would be saved (validated), and as the server sees it now."""

    kind: Kind
    key: str
    before: Entry | None
    after: Entry

    @property
    def is_new(self) -> bool:
        """True when nothing is stored under this key yet."""
        return self.before is None


@dataclass(frozen=True)
class Change:
    """What one command did to one entry, as the server sees it."""

    action: str
    kind: Kind
    key: str
    before: Entry | None
    after: Entry | None
    changed: bool = True


@dataclass(frozen=True)
class SettingsChange:
    """A change of a server's settings."""

    key: str
    before: GuildSettings
    after: GuildSettings

    @property
    def changed(self) -> bool:
        """False when the settings were already like this."""
        return self.before != self.after


@dataclass(frozen=True)
class When:
    """A date typed by a moderator, understood."""

    starts_at: dt.datetime | None
    date_only: bool
    understood: str  # what was understood, in words (shown back before saving)


@dataclass(frozen=True)
class EventDraft:
    """An awards event to confirm before saving, with how its date was read."""

    draft: Draft
    when: When | None  # None: the date did not change


@dataclass(frozen=True)
class ReminderStatus:
    """What /admin reminders status shows."""

    settings: GuildSettings
    upcoming: tuple[tuple[Reminder, Entry | None], ...]
    failed: tuple[tuple[Reminder, Entry | None], ...]
    subscribers: int


@dataclass(frozen=True)
class ImportPlan:
    """A validated import and what it would change (nothing is written until it is applied)."""

    file_name: str
    problems: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    added: tuple[Entry, ...] = ()
    changed: tuple[tuple[Entry, Entry], ...] = ()  # (as seen now, as imported)
    unchanged: int = 0
    hide: tuple[tuple[Kind, str], ...] = ()
    reminder_settings: GuildSettings | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems

    @property
    def has_changes(self) -> bool:
        """True when applying it would change anything."""
        return bool(self.added or self.changed or self.hide or self.reminder_settings)


@dataclass(frozen=True)
class ImportResult:
    """What an applied import changed."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    hidden: int = 0
    settings_changed: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- parsing what moderators type -------------------------------------------------------------

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEAD_TOKEN = re.compile(r"(\d+)\s*([wdhm])")
_LEAD_UNITS: Final = {"w": 7 * 86_400, "d": 86_400, "h": 3_600, "m": 60}
_NO_DATE: Final = frozenset({"tba", "tbd", "none", "unknown", "-"})
_ALIAS_SPLIT = re.compile(r"\n|,\s+|;")
DATE_HELP: Final = (
    "Type the date as `2027-03-14 00:00` with a time zone (the `timezone` option, e.g. "
    "`Asia/Tokyo`, `America/Los_Angeles`, `UTC`, `+09:00`), as ISO 8601 "
    "(`2027-03-14T00:00:00-07:00`), as a day alone (`2027-03-14`) or `TBA`."
)
COMMON_ZONES: Final = (
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Australia/Sydney",
    "Asia/Seoul",
    "Asia/Shanghai",
    "America/Sao_Paulo",
)


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA time zone name this machine knows, by its lower-case form."""
    try:
        names = zoneinfo.available_timezones()
    except Exception:  # no time zone database at all: offsets and UTC still work
        log.warning("No time zone database found; only UTC and offsets are understood")
        names = set()
    return {name.lower(): name for name in sorted(names)}


def parse_zone(text: str) -> dt.tzinfo | None:
    """A time zone from an IANA name, `UTC` or an offset like `+09:00`; None if unknown."""
    text = text.strip()
    if text.lower() in ("utc", "z", "gmt"):
        return dt.UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60:
            return None
        delta = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-delta if sign == "-" else delta)
    name = _zone_names().get(text.lower())
    if name is None:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def zone_choices(current: str, limit: int = c.AUTOCOMPLETE_MAX_CHOICES) -> list[str]:
    """Time zone names for autocomplete: common ones first, then names containing the text."""
    typed = current.strip().lower()
    if not typed:
        return [z for z in COMMON_ZONES if z.lower() in _zone_names() or z == "UTC"][:limit]
    names = list(_zone_names().values())
    starts = [n for n in names if n.lower().startswith(typed)]
    parts = [n for n in names if typed in n.lower() and n not in starts]
    found = starts + parts
    if "utc".startswith(typed) and "UTC" not in found:
        found.insert(0, "UTC")
    return found[:limit]


def parse_when(text: str, zone: str | None = None) -> When:
    """Read an awards date as typed; raise UserFacingError with the accepted forms."""
    text = " ".join(text.split())
    if text.lower() in _NO_DATE:
        return When(None, False, "to be announced")
    parts = text.split(" ")
    if zone is None and len(parts) >= 2 and parse_zone(parts[-1]) is not None:
        zone, text = parts[-1], " ".join(parts[:-1])
    if _DATE_ONLY.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise UserFacingError(f"`{text}` is not a real day. {DATE_HELP}") from None
        # A day without a time of day is stored at noon UTC (the pack format's rule).
        starts = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        return When(_check_year(starts), True, f"{day.isoformat()} (a day; time not announced)")
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserFacingError(f"I couldn't read that date. {DATE_HELP}") from None
    if parsed.tzinfo is not None:
        return When(_check_year(parsed.astimezone(dt.UTC)), False, f"{text} (offset as typed)")
    if zone is None:
        raise UserFacingError(
            "Which time zone is that in? Add the `timezone` option (e.g. `Asia/Tokyo`, "
            "`America/Los_Angeles`, `UTC`) or write the offset (`2027-03-14T00:00-07:00`)."
        )
    tz = parse_zone(zone)
    if tz is None:
        raise UserFacingError(
            "I don't know that time zone. Use a name such as `Asia/Tokyo` or "
            "`America/Los_Angeles`, `UTC`, or an offset such as `+09:00`."
        )
    local = parsed.replace(tzinfo=tz)
    return When(_check_year(local.astimezone(dt.UTC)), False, f"{text} {zone.strip()}")


def _check_year(when: dt.datetime) -> dt.datetime:
    if not 2000 <= when.year <= 2100:
        raise UserFacingError("That date is out of range; use a year between 2000 and 2100.")
    return when


def parse_leads(text: str) -> tuple[int, ...]:
    """Read lead times such as `7d 1d 1h 0` (w, d, h, m; 0 = at the start), longest first."""
    tokens = [t for t in re.split(r"[\s,]+", text.strip().lower()) if t]
    if not tokens:
        raise UserFacingError("Type at least one lead time, e.g. `7d 1d 1h 0`.")
    leads: set[int] = set()
    for token in tokens:
        if token in ("0", "now", "start"):
            leads.add(0)
            continue
        pieces = _LEAD_TOKEN.findall(token)
        if not pieces or "".join(f"{n}{u}" for n, u in pieces) != token:
            raise UserFacingError(
                f"I couldn't read `{neutralise_mentions(token[:20])}`. Use numbers with w, d, "
                "h or m (weeks, days, hours, minutes) and 0 for the start: `7d 1d 1h 0`."
            )
        leads.add(sum(int(n) * _LEAD_UNITS[u] for n, u in pieces))
    if len(leads) > MAX_LEADS:
        raise UserFacingError(f"At most {MAX_LEADS} lead times, please.")
    if max(leads) > MAX_LEAD_SECONDS:
        raise UserFacingError("A lead time can be at most 60 days.")
    return tuple(sorted(leads, reverse=True))


def format_leads(leads: Iterable[int]) -> str:
    """`7d 1d 1h 0` for (604800, 86400, 3600, 0)."""
    words: list[str] = []
    for lead in leads:
        if lead == 0:
            words.append("0")
            continue
        for unit, size in (("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60)):
            if lead % size == 0:
                words.append(f"{lead // size}{unit}")
                break
        else:
            words.append(f"{lead // 60}m")
    return " ".join(words) or "none"


def parse_aliases(text: str) -> list[str]:
    """Aliases as typed: one per line (or separated by `, ` or `;`), blanks dropped."""
    seen: dict[str, None] = {}
    for piece in _ALIAS_SPLIT.split(text or ""):
        alias = " ".join(piece.split())
        if alias:
            seen.setdefault(alias, None)
    return list(seen)


def source_name_for(url: str) -> str:
    """A source's name from its address (`en.wikipedia.org`)."""
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.") or "Source"


def slug(text: str, fallback: str) -> str:
    """A key from a title: lower-case ASCII letters, digits and '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return base or fallback


# -- states (what one server sees under one key) ----------------------------------------------


def _content(state: State) -> dict[str, Any] | None:
    """A state without its scope flags: the entry's fields only."""
    if state is None or state.get("scope") == "hidden":
        return None
    return {k: v for k, v in state.items() if k not in _META_KEYS}


def _entry_of(kind: Kind, guild_id: int, state: State) -> Entry | None:
    """The entry a server sees in `state` (None when it sees nothing)."""
    content = _content(state)
    if state is None or content is None:
        return None
    scope_guild = guild_id if state.get("scope") == "server" else c.SHIPPED_GUILD
    return entry_from_snapshot(kind, scope_guild, content)


def _server_state(entry: Entry, hidden: bool = False) -> dict[str, Any]:
    state = entry_snapshot(entry) or {}
    state["scope"] = "server"
    if hidden:
        state["hidden"] = True
    return state


def _settings_snapshot(settings: GuildSettings, key: str) -> dict[str, Any]:
    if key == MODERATOR_SETTINGS:
        return {"moderator_role_id": settings.moderator_role_id}
    return {
        "reminder_channel_id": settings.reminder_channel_id,
        "reminder_role_id": settings.reminder_role_id,
        "lead_times": list(settings.lead_times),
        "reminders_paused": settings.reminders_paused,
    }


def _settings_with(settings: GuildSettings, snapshot: dict[str, Any]) -> GuildSettings:
    changes: dict[str, Any] = {}
    for name in (
        "reminder_channel_id",
        "reminder_role_id",
        "reminders_paused",
        "moderator_role_id",
    ):
        if name in snapshot:
            changes[name] = snapshot[name]
    if "lead_times" in snapshot:
        changes["lead_times"] = tuple(int(x) for x in snapshot["lead_times"])
    return replace(settings, **changes)


class AdminService:
    """Moderators' changes to one server's content and settings."""

    def __init__(
        self,
        facts: FactBase,
        owner_ids: Iterable[int] = (),
        reschedule: Reschedule | None = None,
    ) -> None:
        self.facts = facts
        self.db = facts.db
        self.owner_ids = frozenset(owner_ids)
        self._reschedule = reschedule

    # -- who may moderate -------------------------------------------------------------------

    def can_manage_moderators(self, actor: Actor) -> bool:
        """Manage Server or a bot owner: only they choose the moderator role."""
        return actor.manage_guild or actor.user_id in self.owner_ids

    async def is_moderator(self, guild_id: int | None, actor: Actor) -> bool:
        """Manage Server, the server's moderator role, or a bot owner (never outside a server)."""
        if not guild_id:
            return False
        if self.can_manage_moderators(actor):
            return True
        role = (await self.db.guild_settings(guild_id)).moderator_role_id
        return role is not None and role in actor.role_ids

    async def require_moderator(self, guild_id: int | None, actor: Actor) -> None:
        """Raise NotModerator unless the actor may moderate in this server."""
        if not guild_id:
            raise NotModerator("/admin works only inside a server.")
        if not await self.is_moderator(guild_id, actor):
            raise NotModerator()

    # -- look-ups (autocomplete) ------------------------------------------------------------

    async def entry_choices(
        self, guild_id: int, kind: Kind, current: str, scope: Scope = "visible"
    ) -> list[tuple[str, str]]:
        """(label, key) of this server's entries of `kind` matching `current`.

        `visible`: what the server sees; `own`: its own rows; `shipped`: shipped entries it
        still shows (hide).
        """
        limit = c.AUTOCOMPLETE_MAX_CHOICES
        if scope == "own":
            typed = normalize(current)
            rows = await self.db.guild_rows(guild_id, [kind])
            found = [e for e in rows if not typed or typed in normalize(e.title) or typed in e.key]
            return [(_choice_label(e, own=True), e.key) for e in found[:limit]]
        wide = 200 if scope == "shipped" else limit  # shipped ones are picked out below
        hits = self.facts.complete(current, [kind], guild_id, limit=wide)
        out: list[tuple[str, str]] = []
        for hit in hits:
            if scope == "shipped" and hit.guild_id != c.SHIPPED_GUILD:
                continue
            label = f"{hit.title} · {hit.key}"
            if hit.guild_id:
                label += " · this server"
            out.append((clip(label, c.CHOICE_NAME_MAX), hit.key))
            if len(out) >= limit:
                break
        return out

    async def hidden_choices(
        self, guild_id: int, kind: Kind, current: str
    ) -> list[tuple[str, str]]:
        """(label, key) of shipped entries this server hid."""
        typed = normalize(current)
        out: list[tuple[str, str]] = []
        for hidden_kind, key in await self.db.hidden_keys(guild_id):
            if hidden_kind != kind:
                continue
            shipped = await self.db.get_row(kind, key, c.SHIPPED_GUILD)
            title = shipped.title if shipped else key
            if typed and typed not in normalize(title) and typed not in key:
                continue
            out.append((clip(f"{title} · {key}", c.CHOICE_NAME_MAX), key))
        return out[: c.AUTOCOMPLETE_MAX_CHOICES]

    async def change_choices(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """(label, `kind:key`) of what this server changed, latest first (undo, history)."""
        typed = normalize(current)
        out: list[tuple[str, str]] = []
        for record in await self.db.audit_targets(guild_id, limit=100):
            title = _record_title(record)
            label = f"{_record_what(record, title)} · last: {_action_word(record.action)}"
            if typed and typed not in normalize(label) and typed not in record.key:
                continue
            out.append((clip(label, c.CHOICE_NAME_MAX), f"{record.kind}:{record.key}"))
        return out[: c.AUTOCOMPLETE_MAX_CHOICES]

    async def resolve_key(
        self, guild_id: int, kind: Kind, typed: str, scope: Scope = "visible"
    ) -> str:
        """The key of the entry a moderator picked (or typed: an id, or exactly its title)."""
        key = typed.strip().removeprefix(f"{kind}:")
        state = await self._state(kind, key, guild_id)
        if state is not None and state.get("scope") != "hidden":
            return key
        choices = await self.entry_choices(guild_id, kind, typed, scope)
        exact = [k for label, k in choices if label.split(" · ")[0].casefold() == key.casefold()]
        if len(exact) == 1:
            return exact[0]
        if len(choices) == 1:
            return choices[0][1]
        raise NotFound(
            f"I couldn't find the {KIND_WORDS[kind]} `{_inline(typed)}` in this server; "
            "pick it from the list."
        )

    async def resolve_hidden_key(self, guild_id: int, kind: Kind, typed: str) -> str:
        """The key of a hidden shipped entry a moderator picked or typed."""
        key = typed.strip().removeprefix(f"{kind}:")
        if await self.db.is_hidden(guild_id, kind, key):
            return key
        choices = await self.hidden_choices(guild_id, kind, typed)
        if len(choices) == 1:
            return choices[0][1]
        raise NotFound(f"`{_inline(typed)}` is not a hidden {KIND_WORDS[kind]} in this server.")

    async def visible(self, kind: Kind, key: str, guild_id: int) -> Entry:
        """The entry as this server sees it, or NotFound."""
        entry = await self.db.get_entry(kind, key.strip(), guild_id)
        if entry is None:
            raise NotFound(f"There is no {KIND_WORDS[kind]} `{_inline(key)}` in this server.")
        return entry

    async def synopsis_section(self, guild_id: int, section: str) -> Entry:
        """The synopsis section this server sees."""
        for entry in await self.db.visible_entries("synopsis", guild_id):
            if entry.section == section:
                return entry
        raise NotFound(f"This server has no `{_inline(section)}` synopsis section.")

    # -- states -----------------------------------------------------------------------------

    async def _state(self, kind: Kind, key: str, guild_id: int) -> State:
        own = await self.db.get_row(kind, key, guild_id)
        hidden = await self.db.is_hidden(guild_id, kind, key)
        if own is not None:
            return _server_state(own, hidden)
        shipped = await self.db.get_row(kind, key, c.SHIPPED_GUILD)
        if shipped is None:
            return None
        state = entry_snapshot(shipped) or {}
        state["scope"] = "hidden" if hidden else "shipped"
        return state

    async def _write(
        self,
        conn: aiosqlite.Connection,
        kind: Kind,
        key: str,
        guild_id: int,
        state: State,
        actor_id: int,
        origin: str = "guild",
    ) -> None:
        """Make the server's row and hidden flag for (kind, key) equal `state`."""
        scope = state.get("scope") if state is not None else None
        if state is not None and scope == "server":
            entry = entry_from_snapshot(kind, guild_id, _content(state) or {})
            await self.db.save_entry(entry, origin=origin, actor=actor_id, conn=conn)
            hidden = bool(state.get("hidden"))
        else:
            await self.db.delete_row(kind, key, guild_id, conn)
            hidden = scope == "hidden"
        await self.db.set_hidden(guild_id, kind, key, hidden, actor=actor_id, conn=conn)

    async def _commit(
        self,
        guild_id: int,
        actor_id: int,
        action: str,
        kind: Kind,
        key: str,
        old: State,
        new: State,
    ) -> Change:
        """Write one state change and its audit record together, then update the index.

        `old` is what the caller saw; if the entry changed since (another moderator), nothing
        is written and the moderator is asked to look again.
        """
        try:
            async with self.db.transaction() as conn:
                if await self._state(kind, key, guild_id) != old:
                    raise _Conflict
                await self._write(conn, kind, key, guild_id, new, actor_id)
                await self.db.add_audit(guild_id, actor_id, action, kind, key, old, new, conn=conn)
        except _Conflict:
            raise UserFacingError(
                "Someone changed that entry a moment ago, so I saved nothing. "
                "Please look at it again (`/admin history`) and retry."
            ) from None
        except sqlite3.Error as exc:
            log.warning("Admin change failed in %s: %s", guild_id, exc)
            raise database_unavailable(exc) or DatabaseUnavailable() from exc
        await self._refresh_index(guild_id, [(kind, key)])
        if kind == "awards":
            await self.reschedule(guild_id)
        log.info("%s %s %s:%s in %s by %s", action, kind, kind, key, guild_id, actor_id)
        return Change(
            action, kind, key, _entry_of(kind, guild_id, old), _entry_of(kind, guild_id, new)
        )

    async def _refresh_index(self, guild_id: int, refs: Iterable[tuple[Kind, str]]) -> None:
        """Bring the matcher in line with the database for these entries of one server."""
        matcher = self.facts.matcher
        for kind, key in refs:
            own = await self.db.get_row(kind, key, guild_id)
            if own is not None:
                matcher.upsert(own)
            else:
                matcher.remove(kind, key, guild_id)
            # `remove` forgets the mask too; the hidden flag in the database decides.
            matcher.set_hidden(guild_id, kind, key, await self.db.is_hidden(guild_id, kind, key))

    async def reschedule(self, guild_id: int) -> None:
        """Re-plan the server's awards reminders (events or reminder settings changed)."""
        if self._reschedule is None:
            return
        try:
            await self._reschedule(guild_id)
        except Exception:
            # The change is saved; the scheduler re-plans every server at its next start.
            log.exception("Rescheduling reminders for %s failed", guild_id)

    # -- entries ----------------------------------------------------------------------------

    async def _new_key(self, kind: Kind, title: str, guild_id: int) -> str:
        base = slug(title, kind if kind != "awards" else "event")
        candidate, n = base, 2
        while (
            await self.db.get_row(kind, candidate, guild_id) is not None
            or await self.db.get_row(kind, candidate, c.SHIPPED_GUILD) is not None
            or await self.db.audit_history(guild_id, limit=1, kind=kind, key=candidate)
        ):
            candidate, n = f"{base[:60]}-{n}", n + 1
        return candidate

    def _validate(self, kind: Kind, raw: dict[str, Any], guild_id: int) -> Entry:
        problems = PackProblems()
        entry = parse_entry(kind, raw, c.KIND_LABELS[kind], problems, guild_id)
        if entry is None or problems:
            raise UserFacingError(_problem_text(problems.problems))
        return entry

    async def draft(
        self, guild_id: int, kind: Kind, key: str | None, fields: dict[str, Any]
    ) -> Draft:
        """Validate a new entry (`key` None) or changed fields of an existing one; no write.

        `fields` use the content pack's field names (`title`, `answer`, `aliases`, …). A new
        source address names its source after its host unless `source_name` is given.
        """
        fields = {k: _tidy(v) for k, v in fields.items()}
        before: Entry | None = None
        if key is None:
            title = str(fields.get("title") or fields.get("name") or fields.get("text") or "")
            raw: dict[str, Any] = {"aliases": [], "tags": []}
            raw |= fields
            raw["id"] = await self._new_key(kind, title, guild_id)
        else:
            before = await self.visible(kind, key, guild_id)
            raw = entry_to_raw(before) | fields
            if kind == "quote" and "text" in fields and before.title == _quote_title(before):
                raw.pop("title", None)  # the title was the start of the text: follow the text
        url = raw.get("source_url")
        new_url = isinstance(url, str) and url and (before is None or url != before.source_url)
        if "source_name" not in fields and new_url:
            raw["source_name"] = source_name_for(str(url))
        after = self._validate(kind, raw, guild_id)
        return Draft(kind, after.key, before, after)

    async def save(self, guild_id: int, actor_id: int, draft: Draft) -> Change:
        """Save a draft as this server's own version (added, or edited), with its audit record.

        An edit of a shipped entry becomes this server's version; the shipped entry stays as it
        is for every other server.
        """
        kind, key = draft.kind, draft.key
        if draft.is_new and await self._state(kind, key, guild_id) is not None:
            # Taken since the draft was made (two moderators at once): pick the next free key.
            key = await self._new_key(kind, draft.after.title, guild_id)
        after = draft.after.with_changes(key=key, guild_id=guild_id)
        old = await self._state(kind, key, guild_id)
        if old is not None and _content(old) == _content(_server_state(after)):
            return Change("edit", kind, key, draft.before, draft.before, changed=False)
        hidden = bool(old and old.get("scope") == "server" and old.get("hidden"))
        action = "add" if old is None else "edit"
        return await self._commit(
            guild_id, actor_id, action, kind, key, old, _server_state(after, hidden)
        )

    async def add_entry(
        self, guild_id: int, actor_id: int, kind: Kind, fields: dict[str, Any]
    ) -> Change:
        """Add a new entry of this server."""
        return await self.save(guild_id, actor_id, await self.draft(guild_id, kind, None, fields))

    async def edit_entry(
        self, guild_id: int, actor_id: int, kind: Kind, key: str, fields: dict[str, Any]
    ) -> Change:
        """Change fields of an entry this server sees (its own, or its version of a shipped one)."""
        return await self.save(guild_id, actor_id, await self.draft(guild_id, kind, key, fields))

    async def remove_entry(self, guild_id: int, actor_id: int, kind: Kind, key: str) -> Change:
        """Delete this server's own entry; for its version of a shipped one, go back to that."""
        old = await self._state(kind, key.strip(), guild_id)
        if old is None or old.get("scope") != "server":
            if old is not None and old.get("scope") == "shipped":
                raise UserFacingError(
                    f"`{_inline(key)}` is shipped content, not this server's own entry. "
                    f"Use `/admin {_group(kind)} hide` to hide it here."
                )
            raise NotFound(
                f"This server has no {KIND_WORDS[kind]} of its own called `{_inline(key)}`."
            )
        shipped = await self.db.get_row(kind, key, c.SHIPPED_GUILD)
        new: State = None
        if shipped is not None:
            new = entry_snapshot(shipped) or {}
            new["scope"] = "hidden" if old.get("hidden") else "shipped"
        return await self._commit(guild_id, actor_id, "remove", kind, key, old, new)

    async def hide_entry(self, guild_id: int, actor_id: int, kind: Kind, key: str) -> Change:
        """Hide a shipped entry in this server only (with this server's version of it, if any)."""
        key = key.strip()
        shipped = await self.db.get_row(kind, key, c.SHIPPED_GUILD)
        if shipped is None:
            raise NotFound(
                f"There is no shipped {KIND_WORDS[kind]} `{_inline(key)}`; this server's own "
                f"entries are removed with `/admin {_group(kind)} remove`."
            )
        old = await self._state(kind, key, guild_id)
        if old is not None and old.get("scope") == "hidden":
            raise UserFacingError(f"`{_inline(key)}` is already hidden in this server.")
        new = entry_snapshot(shipped) or {}
        new["scope"] = "hidden"
        return await self._commit(guild_id, actor_id, "hide", kind, key, old, new)

    async def unhide_entry(self, guild_id: int, actor_id: int, kind: Kind, key: str) -> Change:
        """Show a shipped entry this server hid."""
        key = key.strip()
        old = await self._state(kind, key, guild_id)
        if old is None or old.get("scope") != "hidden":
            raise NotFound(f"`{_inline(key)}` is not a hidden {KIND_WORDS[kind]} in this server.")
        new = dict(old)
        new["scope"] = "shipped"
        return await self._commit(guild_id, actor_id, "unhide", kind, key, old, new)

    # -- awards events ----------------------------------------------------------------------

    async def draft_event(
        self,
        guild_id: int,
        key: str | None,
        *,
        name: str | None = None,
        date: str | None = None,
        zone: str | None = None,
        outcome: str | None = None,
        ceremony: str | None = None,
        source_url: str | None = None,
    ) -> EventDraft:
        """Validate an event to add (`key` None) or the changed fields of one; no write."""
        fields: dict[str, Any] = {}
        when: When | None = None
        if date is not None:
            when = parse_when(date, zone)
            fields["starts_at"] = format_utc(when.starts_at)
            fields["date_only"] = when.date_only
        elif zone is not None:
            raise UserFacingError("A time zone needs a `date` to go with it.")
        elif key is None:
            fields["starts_at"] = None
        for name_, value in (
            ("name", name),
            ("outcome", outcome),
            ("ceremony", ceremony),
            ("source_url", source_url),
        ):
            if value is not None:
                fields[name_] = "" if value.strip() == "-" and name_ != "name" else value
        if key is not None and not fields:
            raise UserFacingError("Nothing to change: give at least one option to edit.")
        return EventDraft(await self.draft(guild_id, "awards", key, fields), when)

    # -- undo and history -------------------------------------------------------------------

    async def undo(self, guild_id: int, actor: Actor, target: str) -> Change | SettingsChange:
        """Restore what an entry (or a setting) was before its last change; itself audited."""
        kind, _, key = target.strip().partition(":")
        if kind not in (*ENTRY_KINDS, SETTINGS) or not key:
            raise NotFound("Pick what to undo from the list.")
        records = await self.db.audit_history(guild_id, limit=1, kind=kind, key=key)
        if not records:
            raise NotFound("This server has no change of that to undo.")
        record = records[0]
        if kind == SETTINGS:
            return await self._undo_settings(guild_id, actor, record)
        entry_kind = cast(Kind, kind)
        current = await self._state(entry_kind, key, guild_id)
        if current == record.old:
            raise UserFacingError("That is already as it was before its last change.")
        return await self._commit(
            guild_id, actor.user_id, "undo", entry_kind, key, current, record.old
        )

    async def _undo_settings(
        self, guild_id: int, actor: Actor, record: AuditRecord
    ) -> SettingsChange:
        if record.old is None:
            raise NotFound("There is nothing to undo for that setting.")
        if record.key == MODERATOR_SETTINGS and not self.can_manage_moderators(actor):
            raise NotModerator("Only members with Manage Server can change the moderator role.")
        before = await self.db.guild_settings(guild_id)
        after = _settings_with(before, record.old)
        if after == before:
            raise UserFacingError("Those settings are already as they were before.")
        return await self._save_settings(guild_id, actor.user_id, record.key, before, after, "undo")

    async def history(self, guild_id: int, target: str | None = None) -> list[AuditRecord]:
        """This server's changes, newest first (of one entry or setting when `target` is given)."""
        kind: str | None = None
        key: str | None = None
        if target:
            kind, _, key = target.strip().partition(":")
            if not key:
                raise NotFound("Pick an entry from the list, or leave the option empty.")
        return await self.db.audit_history(guild_id, limit=HISTORY_MAX_RECORDS, kind=kind, key=key)

    # -- settings ---------------------------------------------------------------------------

    async def _save_settings(
        self,
        guild_id: int,
        actor_id: int,
        key: str,
        before: GuildSettings,
        after: GuildSettings,
        action: str = "settings",
    ) -> SettingsChange:
        change = SettingsChange(key, before, after)
        if not change.changed:
            return change
        try:
            async with self.db.transaction() as conn:
                await self.db.save_guild_settings(after, conn=conn)
                await self.db.add_audit(
                    guild_id,
                    actor_id,
                    action,
                    SETTINGS,
                    key,
                    _settings_snapshot(before, key),
                    _settings_snapshot(after, key),
                    conn=conn,
                )
        except sqlite3.Error as exc:
            log.warning("Settings change failed in %s: %s", guild_id, exc)
            raise database_unavailable(exc) or DatabaseUnavailable() from exc
        if key == REMINDER_SETTINGS:
            await self.reschedule(guild_id)
        return change

    async def update_reminders(
        self, guild_id: int, actor_id: int, **changes: Any
    ) -> SettingsChange:
        """Change reminder settings (channel, role, lead times, paused) and re-plan them."""
        allowed = {"reminder_channel_id", "reminder_role_id", "lead_times", "reminders_paused"}
        assert set(changes) <= allowed, changes
        if changes.get("reminder_role_id") == guild_id:
            raise UserFacingError(
                "@everyone can't be the reminder role: every reminder would ping the whole server."
            )
        before = await self.db.guild_settings(guild_id)
        return await self._save_settings(
            guild_id, actor_id, REMINDER_SETTINGS, before, replace(before, **changes)
        )

    async def set_moderator_role(
        self, guild_id: int, actor: Actor, role_id: int | None
    ) -> SettingsChange:
        """Choose the role whose members may use /admin (Manage Server or a bot owner only)."""
        if not self.can_manage_moderators(actor):
            raise NotModerator("Only members with Manage Server can change the moderator role.")
        if role_id == guild_id:
            raise UserFacingError(
                "@everyone can't be the moderator role: every member could change the content."
            )
        before = await self.db.guild_settings(guild_id)
        return await self._save_settings(
            guild_id,
            actor.user_id,
            MODERATOR_SETTINGS,
            before,
            replace(before, moderator_role_id=role_id),
        )

    async def reminder_status(self, guild_id: int) -> ReminderStatus:
        """Settings, the next reminders due and the deliveries that failed, for one server."""
        settings = await self.db.guild_settings(guild_id)
        store = self.db.reminders
        upcoming = await store.for_guild(guild_id, ("pending", "sending"), limit=STATUS_ROWS)
        failed = await store.for_guild(guild_id, ("failed", "missed"), limit=50)
        failed = sorted(failed, key=lambda r: r.due_at, reverse=True)[:STATUS_ROWS]

        async def with_event(rows: Sequence[Reminder]) -> tuple[tuple[Reminder, Entry | None], ...]:
            out = []
            for r in rows:
                out.append((r, await self.db.get_entry("awards", r.event_key, guild_id)))
            return tuple(out)

        return ReminderStatus(
            settings,
            await with_event(upcoming),
            await with_event(failed),
            len({user for user, _ in await store.subscriptions(guild_id)}),
        )

    async def sample_event(self, guild_id: int, now: dt.datetime) -> Entry:
        """The next dated event of this server, or a made-up one for a test reminder."""
        event, _ = await self.facts.next_event(guild_id, now)
        if event is not None:
            return event
        return Entry(
            "awards",
            "sample",
            "Sample awards event",
            "",
            "Look Back bot",
            "https://discord.com",
            guild_id=guild_id,
            starts_at=now + dt.timedelta(days=7),
            outcome="This is what a reminder looks like.",
        )

    # -- export and import ------------------------------------------------------------------

    async def export_document(self, guild_id: int, guild_name: str) -> tuple[str, bytes, int]:
        """This server's own entries, hidden entries and settings in the content pack format.

        Returns (file name, UTF-8 bytes, number of entries).
        """
        rows = await self.db.guild_rows(guild_id)
        settings = await self.db.guild_settings(guild_id)
        now = discord.utils.utcnow()
        doc = to_document(
            entries=rows,
            pack_version=f"server-export-{now:%Y.%m.%d}",
            title=f"{guild_name} — Look Back bot server export",
        )
        doc["server"] = {
            "exported_at": format_utc(now),
            "settings": {
                "reminder_channel_id": settings.reminder_channel_id,
                "reminder_role_id": settings.reminder_role_id,
                "lead_times": list(settings.lead_times),
                "reminders_paused": settings.reminders_paused,
                "moderator_role_id": settings.moderator_role_id,
            },
            "hidden": [{"kind": k, "id": key} for k, key in await self.db.hidden_keys(guild_id)],
        }
        name = f"lookback-server-{guild_id}-{now:%Y%m%d}.json"
        return name, dump_document(doc).encode("utf-8"), len(rows)

    async def plan_import(
        self,
        guild_id: int,
        data: bytes,
        file_name: str,
        channel_ids: Iterable[int] = (),
        role_ids: Iterable[int] = (),
    ) -> ImportPlan:
        """Validate a file and work out what importing it would change; nothing is written.

        Entries become this server's own (a shipped id becomes this server's version of it);
        entries not in the file are left alone. Settings apply only where the channel and role
        exist in this server; the moderator role is never imported.
        """
        name = clip(safe_display(file_name), 100) or "import"
        if len(data) > MAX_IMPORT_BYTES:
            return ImportPlan(
                name, (f"{name}: is {len(data):,} bytes; at most {MAX_IMPORT_BYTES:,}",)
            )
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return ImportPlan(name, (f"{name}: is not UTF-8 text",))
        except json.JSONDecodeError as exc:
            return ImportPlan(
                name,
                (f"{name}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",),
            )
        if not isinstance(doc, dict):
            return ImportPlan(name, (f"{name}: must hold a JSON object",))
        count = 0
        for section in SECTIONS:
            items = doc.get(section)
            count += len(items) if isinstance(items, list) else 0
        server = doc.get("server")
        if isinstance(server, dict) and isinstance(server.get("hidden"), list):
            count += len(server["hidden"])
        if count > MAX_IMPORT_ENTRIES:
            return ImportPlan(
                name, (f"{name}: has {count:,} entries; at most {MAX_IMPORT_ENTRIES:,}",)
            )
        problems: list[str] = []
        entries: tuple[Entry, ...] = ()
        try:
            entries = parse_pack_document(doc, name, guild_id=guild_id).entries
        except PackError as exc:
            problems += exc.problems
        hide, settings, notes = await self._plan_server_block(
            guild_id, name, server, set(channel_ids), set(role_ids), problems
        )
        problems += await self._synopsis_problems(guild_id, name, doc.get("synopsis"))
        if problems:
            return ImportPlan(name, tuple(problems))
        added: list[Entry] = []
        changed: list[tuple[Entry, Entry]] = []
        unchanged = 0
        for entry in entries:
            state = await self._state(entry.kind, entry.key, guild_id)
            seen = _entry_of(entry.kind, guild_id, state)
            if state is not None and _content(state) == _content(_server_state(entry)):
                unchanged += 1
            elif seen is None:
                added.append(entry)
            else:
                changed.append((seen, entry))
        return ImportPlan(
            name,
            (),
            entries,
            tuple(added),
            tuple(changed),
            unchanged,
            hide,
            settings,
            tuple(notes),
        )

    async def _plan_server_block(
        self,
        guild_id: int,
        name: str,
        server: Any,
        channel_ids: set[int],
        role_ids: set[int],
        problems: list[str],
    ) -> tuple[tuple[tuple[Kind, str], ...], GuildSettings | None, list[str]]:
        """The `server` part of an export: hidden shipped entries and reminder settings."""
        notes: list[str] = []
        if server is None:
            return (), None, notes
        where = f"{name} › server"
        if not isinstance(server, dict):
            problems.append(f"{where}: must be an object")
            return (), None, notes
        hide: list[tuple[Kind, str]] = []
        hidden_raw = server.get("hidden", [])
        if not isinstance(hidden_raw, list):
            problems.append(f"{where} › hidden: must be a list")
            hidden_raw = []
        for index, item in enumerate(hidden_raw):
            at = f"{where} › hidden[{index}]"
            if (
                not isinstance(item, dict)
                or item.get("kind") not in ENTRY_KINDS
                or not isinstance(item.get("id"), str)
            ):
                problems.append(f'{at}: must be {{"kind": fact|quote|synopsis|awards, "id": …}}')
                continue
            kind, key = cast(Kind, item["kind"]), str(item["id"])
            state = await self._state(kind, key, guild_id)
            if state is None:
                notes.append(f"Skipped hiding {kind} `{_inline(key)}`: no such shipped entry.")
            elif state.get("scope") == "shipped":
                hide.append((kind, key))
        raw = server.get("settings")
        if raw is None:
            return tuple(hide), None, notes
        if not isinstance(raw, dict):
            problems.append(f"{where} › settings: must be an object")
            return tuple(hide), None, notes
        current = await self.db.guild_settings(guild_id)
        wanted = current
        for name_, known, what in (
            ("reminder_channel_id", channel_ids, "channel"),
            ("reminder_role_id", role_ids, "role"),
        ):
            if name_ not in raw:
                continue
            value = raw[name_]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                problems.append(f"{where} › settings › {name_}: must be an id or null")
            elif value is None or value in known:
                wanted = _settings_with(wanted, {name_: value})
            else:
                notes.append(f"Kept the reminder {what}: {value} is not a {what} of this server.")
        if "lead_times" in raw:
            leads = raw["lead_times"]
            if (
                not isinstance(leads, list)
                or not 0 < len(leads) <= MAX_LEADS
                or not all(
                    isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_LEAD_SECONDS
                    for x in leads
                )
            ):
                problems.append(
                    f"{where} › settings › lead_times: must be 1–{MAX_LEADS} numbers of seconds"
                    " between 0 and 60 days"
                )
            else:
                wanted = replace(wanted, lead_times=tuple(sorted(set(leads), reverse=True)))
        if "reminders_paused" in raw:
            if not isinstance(raw["reminders_paused"], bool):
                problems.append(f"{where} › settings › reminders_paused: must be true or false")
            else:
                wanted = replace(wanted, reminders_paused=raw["reminders_paused"])
        if raw.get("moderator_role_id", current.moderator_role_id) != current.moderator_role_id:
            notes.append("The moderator role is never imported; set it with /admin moderator-role.")
        return tuple(hide), (wanted if wanted != current else None), notes

    async def _synopsis_problems(self, guild_id: int, name: str, raw: Any) -> list[str]:
        """A server has one synopsis entry per section: an import must use the section's id."""
        problems: list[str] = []
        if not isinstance(raw, list):
            return problems
        visible = {e.section: e.key for e in await self.db.visible_entries("synopsis", guild_id)}
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                continue
            key, section = item.get("id"), item.get("section")
            current = visible.get(section) if isinstance(section, str) else None
            if current is not None and isinstance(key, str) and key != current:
                problems.append(
                    f"{name} › synopsis[{index}] ({key}): this server's {section} section"
                    f" has the id {current!r}; use that id to replace it"
                )
        return problems

    async def apply_import(self, guild_id: int, actor_id: int, plan: ImportPlan) -> ImportResult:
        """Apply a validated plan in one transaction: all of it, or (on any failure) nothing.

        What changed since the preview is taken into account: each entry is compared again.
        """
        if not plan.ok:
            raise UserFacingError("That file has problems; nothing was imported.")
        added = changed = unchanged = hidden = 0
        touched: list[tuple[Kind, str]] = []
        settings_changed = False
        try:
            async with self.db.transaction() as conn:
                for entry in plan.entries:
                    old = await self._state(entry.kind, entry.key, guild_id)
                    # A hidden shipped entry stays hidden underneath the imported version.
                    keep_hidden = old is not None and (
                        old.get("scope") == "hidden" or bool(old.get("hidden"))
                    )
                    new = _server_state(entry, keep_hidden)
                    if old is not None and _content(old) == _content(new):
                        unchanged += 1
                        continue
                    await self._write(
                        conn, entry.kind, entry.key, guild_id, new, actor_id, "import"
                    )
                    await self.db.add_audit(
                        guild_id, actor_id, "import", entry.kind, entry.key, old, new, conn=conn
                    )
                    touched.append((entry.kind, entry.key))
                    if _entry_of(entry.kind, guild_id, old) is None:
                        added += 1
                    else:
                        changed += 1
                for kind, key in plan.hide:
                    old = await self._state(kind, key, guild_id)
                    if old is None or old.get("scope") != "shipped":
                        continue
                    new = dict(old) | {"scope": "hidden"}
                    await self._write(conn, kind, key, guild_id, new, actor_id)
                    await self.db.add_audit(
                        guild_id, actor_id, "import", kind, key, old, new, conn=conn
                    )
                    touched.append((kind, key))
                    hidden += 1
                if plan.reminder_settings is not None:
                    before = await self.db.guild_settings(guild_id)
                    after = _settings_with(
                        before, _settings_snapshot(plan.reminder_settings, REMINDER_SETTINGS)
                    )
                    if after != before:
                        await self.db.save_guild_settings(after, conn=conn)
                        await self.db.add_audit(
                            guild_id,
                            actor_id,
                            "import",
                            SETTINGS,
                            REMINDER_SETTINGS,
                            _settings_snapshot(before, REMINDER_SETTINGS),
                            _settings_snapshot(after, REMINDER_SETTINGS),
                            conn=conn,
                        )
                        settings_changed = True
        except sqlite3.Error as exc:
            log.warning("Import into %s failed and was rolled back: %s", guild_id, exc)
            raise DatabaseUnavailable(
                "The import could not be written, so nothing was changed (the old content is "
                "all still there). Please try again in a moment."
            ) from exc
        # Only after the commit: the index must never show what the database does not hold.
        await self._refresh_index(guild_id, touched)
        if settings_changed or any(kind == "awards" for kind, _ in touched):
            await self.reschedule(guild_id)
        log.info(
            "Import into %s by %s: %d added, %d changed, %d hidden",
            guild_id,
            actor_id,
            added,
            changed,
            hidden,
        )
        return ImportResult(added, changed, unchanged, hidden, settings_changed, plan.notes)


def oversized(file_name: str, size: int) -> ImportPlan | None:
    """A refused plan for a file too large to download, else None."""
    if size <= MAX_IMPORT_BYTES:
        return None
    name = clip(safe_display(file_name), 100) or "import"
    return ImportPlan(name, (f"{name}: is {size:,} bytes; at most {MAX_IMPORT_BYTES:,}",))


# -- helpers for text ------------------------------------------------------------------------


def _tidy(value: Any) -> Any:
    """Text from a form as typed, with Windows line ends made plain."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _quote_title(entry: Entry) -> str:
    """The title the pack format gives a quote without one (the start of its text)."""
    problems = PackProblems()
    raw = {
        "id": "x",
        "text": entry.text,
        "speaker": "x",
        "source_name": "x",
        "source_url": "https://example.org",
    }
    parsed = parse_entry("quote", raw, "quote", problems)
    return parsed.title if parsed is not None else ""


def _inline(text: str, limit: int = 60) -> str:
    """User text to put inside `code`: no backticks, no pings, short."""
    return neutralise_mentions(clip(text.replace("`", "'"), limit))


def shown(text: str, limit: int = 120) -> str:
    """User text shown as typed but inert: clipped, markdown escaped, mentions neutralised."""
    flat = " / ".join(line.strip() for line in text.splitlines() if line.strip())
    return neutralise_mentions(discord.utils.escape_markdown(clip(safe_display(flat), limit)))


def _group(kind: str) -> str:
    return "event" if kind == "awards" else kind


_FRIENDLY_FIELDS: Final = {
    "source_url": "Source URL",
    "source_name": "Source",
    "said_on": "Said on",
    "aliases": "Other names",
}


def _problem_text(problems: Sequence[str]) -> str:
    """Validation problems of a form, in the form's words (they echo no typed text)."""
    friendly = []
    for problem in problems[:8]:
        for name, label in _FRIENDLY_FIELDS.items():
            problem = problem.replace(f"› {name}", f"› {label}")
        friendly.append(problem)
    lines = [f"• {neutralise_mentions(clip(p, 180))}" for p in friendly]
    more = f"\n… and {len(problems) - 8} more" if len(problems) > 8 else ""
    return "Please fix:\n" + "\n".join(lines) + more


def _record_title(record: AuditRecord) -> str:
    if record.kind == SETTINGS:
        return "moderator role" if record.key == MODERATOR_SETTINGS else "reminder settings"
    for snapshot in (record.new, record.old):
        if snapshot:
            title = snapshot.get("title") or snapshot.get("name")
            if isinstance(title, str) and title:
                return title
    return record.key


def _action_word(action: str) -> str:
    return "changed" if action == "settings" else action


def _record_what(record: AuditRecord, title: str) -> str:
    if record.kind == SETTINGS:
        return title[:1].upper() + title[1:]
    return f"{KIND_WORDS.get(record.kind, record.kind)}: {title}"


def _record_head(record: AuditRecord) -> str:
    """`edit fact `runtime`` or `changed reminder settings`: one history record's heading."""
    if record.kind == SETTINGS:
        return f"{_action_word(record.action)} {_record_title(record)}"
    return f"{record.action} {KIND_WORDS.get(record.kind, record.kind)} `{_inline(record.key, 40)}`"


def _choice_label(entry: Entry, own: bool) -> str:
    label = f"{entry.title} · {entry.key}"
    if own:
        label += " · this server"
    return clip(label, c.CHOICE_NAME_MAX)


def entry_name(entry: Entry | None, kind: str, key: str) -> str:
    """An entry named safely for a message: **Runtime** (fact `runtime`)."""
    title = shown(entry.title, 80) if entry is not None else f"`{_inline(key)}`"
    return f"**{title}** ({KIND_WORDS.get(kind, kind)} `{_inline(key)}`)"


# -- cards ------------------------------------------------------------------------------------

_ACTION_WORDS: Final = {
    "add": "Added",
    "edit": "Saved this server's version of",
    "remove": "Removed",
    "hide": "Hidden in this server:",
    "unhide": "Shown again in this server:",
    "undo": "Undone the last change of",
}
_FIELD_LABELS: Final = {
    "title": "title",
    "name": "name",
    "answer": "answer",
    "text": "text",
    "outcome": "outcome",
    "aliases": "aliases",
    "tags": "tags",
    "source_name": "source",
    "source_url": "source URL",
    "spoiler": "spoiler",
    "speaker": "speaker",
    "occasion": "occasion",
    "said_on": "said on",
    "section": "section",
    "ceremony": "ceremony",
    "starts_at": "date",
    "date_only": "day only",
    "scope": "shown",
    "hidden": "hidden",
    "reminder_channel_id": "channel",
    "reminder_role_id": "role",
    "lead_times": "lead times",
    "reminders_paused": "paused",
    "moderator_role_id": "moderator role",
}
_SCOPE_WORDS: Final = {
    "server": "this server's version",
    "shipped": "the shipped entry",
    "hidden": "hidden",
}


def change_message(change: Change) -> str:
    """One line saying what a change did."""
    if not change.changed:
        return "Nothing changed: that is already how it is saved."
    entry = change.after or change.before
    name = entry_name(entry, change.kind, change.key)
    text = f"{_ACTION_WORDS.get(change.action, change.action.title())} {name}."
    if change.action == "edit" and change.before is not None and change.before.is_shipped:
        text += " Other servers still see the shipped version."
    if change.action == "remove" and change.after is not None:
        text += " The shipped version shows again."
    if change.kind == "awards":
        text += " Reminders were rescheduled."
    return text + " (`/admin undo` reverts it.)"


def settings_message(change: SettingsChange) -> str:
    """One line saying what a settings change did."""
    if not change.changed:
        return "Nothing changed: the settings were already like that."
    if change.key == MODERATOR_SETTINGS:
        role = change.after.moderator_role_id
        if role is None:
            return "Moderator role cleared: only Manage Server (and bot owners) may use /admin."
        return (
            f"Members of <@&{role}> may now use /admin here. Discord still hides /admin from "
            "them until you allow that role in Server Settings → Integrations → this bot."
        )
    return "Reminder settings saved; reminders were rescheduled."


_FLAGS: Final = frozenset({"spoiler", "date_only", "hidden", "reminders_paused"})
_MAIN_TEXT: Final = ("answer", "text", "outcome")


def _value(name: str, value: Any) -> str:
    if name in _FLAGS:
        return "yes" if value else "no"
    if value is None or value == "" or value == []:
        return "—"
    if name == "starts_at" and isinstance(value, str):
        when = parse_utc(value)
        return timestamp(when, "f") if when else "—"
    if name == "reminder_channel_id":
        return f"<#{value}>"
    if name in ("reminder_role_id", "moderator_role_id"):
        return f"<@&{value}>"
    if name == "lead_times" and isinstance(value, list):
        return f"`{format_leads(value)}`"
    if name == "scope":
        return _SCOPE_WORDS.get(str(value), str(value))
    if isinstance(value, list):
        return shown(", ".join(str(v) for v in value), 120)
    return shown(str(value), 120)


def describe_change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """`field: old → new` lines for what differs between two snapshots (states)."""
    if old is None and new is None:
        return []
    if old is None or new is None:
        present = new if old is None else old
        assert present is not None
        label = "added" if old is None else "removed"
        title = present.get("title") or present.get("name") or present.get("key") or ""
        lines = [f"**{label}**: {shown(str(title), 80)}"]
        for name in _MAIN_TEXT:
            if present.get(name):
                lines.append(f"**{_FIELD_LABELS[name]}**: {_value(name, present[name])}")
                break
        return lines
    lines = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if name == "key" or before == after or (name in _FLAGS and bool(before) == bool(after)):
            continue
        label = _FIELD_LABELS.get(name, name)
        lines.append(f"**{label}**: {_value(name, before)} → {_value(name, after)}")
    return lines or ["no visible difference"]


def history_pages(records: Sequence[AuditRecord], total: int) -> list[Card]:
    """The audit log as pages of a few changes each: who, when, what, old → new."""
    if not records:
        return [
            Card(
                title="Moderation history",
                description="No changes have been made in this server yet.",
                footer="Changes made with /admin appear here.",
            )
        ]
    pages: list[Card] = []
    batches = chunks(records, HISTORY_PER_PAGE)
    for page, chunk in enumerate(batches, 1):
        fields = []
        for record in chunk:
            when = parse_utc(record.created_at)
            stamp = timestamp(when, "f") if when else record.created_at
            head = f"#{record.id} · {_record_head(record)}"
            body = "\n".join(
                [f"{stamp} by <@{record.actor_id}>", *describe_change(record.old, record.new)]
            )
            fields.append(
                (
                    clip(head, c.EMBED_FIELD_NAME_MAX),
                    _clip_lines(body, c.EMBED_FIELD_VALUE_MAX - 80),
                )
            )
        shown_total = f"{total} changes" if total > len(records) else f"{len(records)} changes"
        pages.append(
            Card(
                title="Moderation history",
                fields=tuple(fields),
                footer=f"Page {page}/{len(batches)} · {shown_total} · newest first · "
                "/admin undo reverts an entry's last change",
            )
        )
    return pages


def _clip_lines(text: str, limit: int) -> str:
    """Clip at a line end where possible (a time marker cut in half would show as garbage)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "\n…"


def settings_card(settings: GuildSettings) -> Card:
    """A server's reminder settings."""
    return Card(
        title="Awards reminders: settings",
        fields=_settings_fields(settings),
        colour=c.COLOUR_AWARDS,
        footer="Change with /admin reminders channel | role | leads | pause | resume",
    )


def _settings_fields(settings: GuildSettings) -> tuple[tuple[str, str], ...]:
    channel = f"<#{settings.reminder_channel_id}>" if settings.reminder_channel_id else "not set"
    role = f"<@&{settings.reminder_role_id}>" if settings.reminder_role_id else "none (no ping)"
    state = "paused" if settings.reminders_paused else "active"
    if settings.reminder_channel_id is None and not settings.reminders_paused:
        state = "no channel set: only direct-message reminders go out"
    return (
        ("Channel", channel),
        ("Role to ping", role),
        ("Lead times", f"`{format_leads(settings.lead_times)}` before each event"),
        ("State", state),
    )


def _reminder_line(reminder: Reminder, event: Entry | None, failed: bool) -> str:
    title = shown(event.title, 60) if event is not None else f"`{_inline(reminder.event_key)}`"
    target = "channel" if reminder.target == "channel" else "a direct message"
    line = f"{timestamp(reminder.due_at, 'f')} · {title} → {target}"
    if failed:
        reason = shown(reminder.last_error or reminder.status, 100)
        line += f" · **{reminder.status}**: {reason}"
    return line


def status_card(status: ReminderStatus) -> Card:
    """What is scheduled next in this server, and the deliveries that failed."""
    upcoming = "\n".join(_reminder_line(r, e, False) for r, e in status.upcoming)
    failed = "\n".join(_reminder_line(r, e, True) for r, e in status.failed)
    fields = (
        *_settings_fields(status.settings),
        ("Next reminders", _clip_lines(upcoming or "Nothing scheduled.", c.EMBED_FIELD_VALUE_MAX)),
        ("Failed or missed", _clip_lines(failed or "None.", c.EMBED_FIELD_VALUE_MAX)),
        ("Direct-message subscribers", str(status.subscribers)),
    )
    return Card(
        title="Awards reminders: status",
        fields=fields,
        colour=c.COLOUR_AWARDS,
        footer="Times are shown in your own time zone.",
    )


def test_reminder_card(event: Entry, settings: GuildSettings) -> Card:
    """A sample reminder, posted by /admin reminders test, that looks like the real ones."""
    assert event.starts_at is not None
    lines = [
        f"{safe_display(event.title)} is coming up.",
        "",
        f"**When:** {event_when(event)}",
        "",
        "*This is a test sent by a moderator: real reminders look like this and go out "
        f"`{format_leads(settings.lead_times)}` before each event.*",
    ]
    return Card(
        title=clip(f"Awards watch (test): {safe_display(event.title)}", c.EMBED_TITLE_MAX),
        description="\n".join(lines),
        colour=c.COLOUR_AWARDS,
        footer="Test reminder · moderators: /admin reminders status",
    )


def event_preview_card(preview: EventDraft) -> Card:
    """An awards event to check before saving: its date as every reader will see it."""
    draft = preview.draft
    after = draft.after
    fields: list[tuple[str, str]] = [("When", event_when(after))]
    if preview.when is not None and preview.when.starts_at is not None:
        utc = preview.when.starts_at.strftime("%Y-%m-%d %H:%M UTC")
        fields.append(("Read as", f"{shown(preview.when.understood, 100)} → {utc}"))
    if draft.before is not None:
        changes = describe_change(entry_snapshot(draft.before), entry_snapshot(after))
        fields.append(("Changes", _clip_lines("\n".join(changes), c.EMBED_FIELD_VALUE_MAX)))
    if after.ceremony:
        fields.append(("Ceremony", shown(after.ceremony, 200)))
    fields.append(("Outcome", shown(after.outcome, 900) if after.outcome else "—"))
    fields.append(("Source", shown(after.source_url, 300)))
    verb = "Add" if draft.is_new else "Save changes to"
    return Card(
        title=clip(f"{verb} “{safe_display(after.title)}”?", c.EMBED_TITLE_MAX),
        description="Check the date below — it is shown in your own time zone. "
        "Nothing is saved until you press **Save**.",
        fields=tuple(fields),
        colour=c.COLOUR_AWARDS,
        footer="Saving reschedules this event's reminders.",
    )


def import_problems_card(plan: ImportPlan) -> Card:
    """Why a file was refused (nothing was changed)."""
    lines = [f"• {shown(p, 200)}" for p in plan.problems[:PROBLEMS_SHOWN]]
    if len(plan.problems) > PROBLEMS_SHOWN:
        lines.append(f"… and {len(plan.problems) - PROBLEMS_SHOWN} more")
    return Card(
        title=f"Import refused: {len(plan.problems)} problem(s)",
        description=_clip_lines(
            "Nothing was changed. Fix these in the file and try again:\n" + "\n".join(lines),
            c.EMBED_DESCRIPTION_MAX,
        ),
        colour=c.COLOUR_ERROR,
        footer="The format is the content pack format (what /admin export writes).",
    )


def _titles(entries: Sequence[Entry], limit: int = 10) -> str:
    lines = [
        f"• {shown(e.title, 60)} ({KIND_WORDS[e.kind]} `{_inline(e.key, 40)}`)"
        for e in entries[:limit]
    ]
    if len(entries) > limit:
        lines.append(f"… and {len(entries) - limit} more")
    return _clip_lines("\n".join(lines), c.EMBED_FIELD_VALUE_MAX)


def import_plan_card(plan: ImportPlan, settings_before: GuildSettings) -> Card:
    """The dry run: what importing the file would change."""
    summary = (
        f"**{len(plan.added)}** added · **{len(plan.changed)}** changed · "
        f"**{plan.unchanged}** unchanged · **{len(plan.hide)}** to hide"
    )
    fields: list[tuple[str, str]] = [("Summary", summary)]
    if plan.added:
        fields.append(("To add", _titles(plan.added)))
    if plan.changed:
        fields.append(("To change", _titles([new for _, new in plan.changed])))
    if plan.hide:
        fields.append(
            (
                "To hide",
                _clip_lines(
                    "\n".join(f"• {k} `{_inline(key)}`" for k, key in plan.hide),
                    c.EMBED_FIELD_VALUE_MAX,
                ),
            )
        )
    if plan.reminder_settings is not None:
        lines = describe_change(
            _settings_snapshot(settings_before, REMINDER_SETTINGS),
            _settings_snapshot(plan.reminder_settings, REMINDER_SETTINGS),
        )
        fields.append(("Reminder settings", _clip_lines("\n".join(lines), c.EMBED_FIELD_VALUE_MAX)))
    if plan.notes:
        fields.append(
            ("Notes", _clip_lines("\n".join(f"• {n}" for n in plan.notes), c.EMBED_FIELD_VALUE_MAX))
        )
    if not plan.has_changes:
        description = "This file matches what this server already has: nothing to import."
    else:
        description = (
            "Nothing has changed yet. **Confirm** applies all of it in one go (or nothing, if "
            "anything fails); **Cancel** leaves everything as it is. Entries not in the file "
            "are kept."
        )
    return Card(
        title=clip(f"Import preview: {plan.file_name}", c.EMBED_TITLE_MAX),
        description=description,
        fields=tuple(fields),
        footer="Every change is in /admin history and can be undone entry by entry.",
    )


def import_result_card(result: ImportResult) -> Card:
    """What an applied import changed."""
    summary = (
        f"**{result.added}** added · **{result.changed}** changed · "
        f"**{result.unchanged}** unchanged · **{result.hidden}** hidden"
    )
    if result.settings_changed:
        summary += " · reminder settings updated"
    fields: tuple[tuple[str, str], ...] = (("Summary", summary),)
    if result.notes:
        fields += (
            (
                "Notes",
                _clip_lines("\n".join(f"• {n}" for n in result.notes), c.EMBED_FIELD_VALUE_MAX),
            ),
        )
    return Card(
        title="Import applied",
        description="Every change is in /admin history.",
        fields=fields,
    )
