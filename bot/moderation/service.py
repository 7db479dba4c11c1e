"""`AdminService`: every moderator action, checked, audited and undoable."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, cast

import aiosqlite

from bot import constants as c
from bot.domain import safejson
from bot.domain.factbase import FactBase
from bot.domain.models import (
    AuditRecord,
    Entry,
    GuildSettings,
    Kind,
    PackProblems,
    Reminder,
    TriviaQuestion,
)
from bot.domain.pack import (
    SECTIONS,
    TRIVIA_SECTION,
    PackError,
    dump_document,
    entry_to_raw,
    parse_entry,
    parse_pack_document,
    to_document,
)
from bot.domain.safety import safe_display
from bot.domain.text import clip
from bot.domain.timeutil import format_utc, utcnow
from bot.domain.trivia import TriviaService
from bot.errors import DatabaseUnavailable, NotFound, UserFacingError, database_unavailable
from bot.i18n import EN, LANGS, N_, Messages, Text, messages
from bot.matching.analysis import normalize
from bot.moderation.parsing import parse_when, slug, source_name_for
from bot.moderation.rules import (
    ChannelFacts,
    RoleFacts,
    RuleCheck,
    entry_size,
    event_date_problem,
    reminder_channel_check,
    reminder_role_check,
    server_limit_problem,
)
from bot.moderation.trivia import TriviaModeration
from bot.moderation.types import (
    _META_KEYS,
    ENTRY_KINDS,
    HISTORY_MAX_RECORDS,
    KIND_WORDS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ENTRIES,
    MAX_LEAD_SECONDS,
    MAX_LEADS,
    MODERATOR_SETTINGS,
    REMINDER_SETTINGS,
    SETTINGS,
    STATUS_ROWS,
    TRIVIA,
    Actor,
    Change,
    Draft,
    EditConflict,
    EventDraft,
    ImportPlan,
    ImportResult,
    Listed,
    NotModerator,
    ReminderStatus,
    Reschedule,
    Said,
    Scope,
    SettingsChange,
    State,
    TriviaChange,
    When,
    _Conflict,
    _settings_snapshot,
    _settings_with,
)
from bot.moderation.wording import (
    FIELD_WORDS,
    _action_word,
    _choice_label,
    _group,
    _inline,
    _problem_text,
    _quote_title,
    _record_title,
    _record_what,
)
from bot.storage.sqlite.rows import entry_from_snapshot, entry_snapshot

log = logging.getLogger(__name__)

ONLY_MANAGERS = N_("Only members with Manage Server can change the moderator role.")
_MUST_BE_OBJECT = N_("{where}: must be an object")


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


class AdminService:
    """Moderators' changes to one server's content and settings."""

    def __init__(
        self,
        facts: FactBase,
        owner_ids: Iterable[int] = (),
        reschedule: Reschedule | None = None,
        trivia: TriviaService | None = None,
    ) -> None:
        self.facts = facts
        self.db = facts.db
        self.owner_ids = frozenset(owner_ids)
        self._reschedule = reschedule
        #: The server's own trivia questions (`/admin trivia`; shipped ones from `trivia`).
        self.trivia = TriviaModeration(self.db, trivia or TriviaService(self.db, tuple))

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
            raise NotModerator(N_("/admin works only inside a server."))
        if not await self.is_moderator(guild_id, actor):
            raise NotModerator()

    # -- look-ups (autocomplete) ------------------------------------------------------------

    async def entry_choices(
        self,
        guild_id: int,
        kind: Kind,
        current: str,
        scope: Scope = "visible",
        *,
        m: Messages = EN,
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
            return [(_choice_label(e, True, m), e.key) for e in found[:limit]]
        wide = 200 if scope == "shipped" else limit  # shipped ones are picked out below
        hits = self.facts.complete(current, [kind], guild_id, limit=wide)
        out: list[tuple[str, str]] = []
        for hit in hits:
            if scope == "shipped" and hit.guild_id != c.SHIPPED_GUILD:
                continue
            label = f"{hit.title} · {hit.key}"
            if hit.guild_id:
                label += " · " + m._("this server")
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

    async def change_choices(
        self, guild_id: int, current: str, *, m: Messages = EN
    ) -> list[tuple[str, str]]:
        """(label, `kind:key`) of what this server changed, latest first (undo, history)."""
        typed = normalize(current)
        out: list[tuple[str, str]] = []
        for record in await self.db.audit_targets(guild_id, limit=100):
            title = _record_title(record, m)
            last = m._("last: {action}", action=_action_word(record.action, m))
            label = f"{_record_what(record, title, m)} · {last}"
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
            "I couldn't find the {kind} `{key}` in this server; pick it from the list.",
            kind=Text(KIND_WORDS[kind]),
            key=_inline(typed),
        )

    async def resolve_hidden_key(self, guild_id: int, kind: Kind, typed: str) -> str:
        """The key of a hidden shipped entry a moderator picked or typed."""
        key = typed.strip().removeprefix(f"{kind}:")
        if await self.db.is_hidden(guild_id, kind, key):
            return key
        choices = await self.hidden_choices(guild_id, kind, typed)
        if len(choices) == 1:
            return choices[0][1]
        raise NotFound(
            "`{key}` is not a hidden {kind} in this server.",
            key=_inline(typed),
            kind=Text(KIND_WORDS[kind]),
        )

    async def visible(self, kind: Kind, key: str, guild_id: int) -> Entry:
        """The entry as this server sees it, or NotFound."""
        entry = await self.db.get_entry(kind, key.strip(), guild_id)
        if entry is None:
            raise NotFound(
                "There is no {kind} `{key}` in this server.",
                kind=Text(KIND_WORDS[kind]),
                key=_inline(key),
            )
        return entry

    async def synopsis_section(self, guild_id: int, section: str) -> Entry:
        """The synopsis section this server sees."""
        for entry in await self.db.visible_entries("synopsis", guild_id):
            if entry.section == section:
                return entry
        raise NotFound("This server has no `{section}` synopsis section.", section=_inline(section))

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
            async with self.db.transaction(guild_id=guild_id) as conn:
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
        for kind, key in refs:
            await self.facts.refresh_entry(guild_id, kind, key)

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
        elif not draft.is_new:
            await self._check_unchanged_since(guild_id, draft)
        after = draft.after.with_changes(key=key, guild_id=guild_id)
        old = await self._state(kind, key, guild_id)
        if old is not None and _content(old) == _content(_server_state(after)):
            return Change("edit", kind, key, draft.before, draft.before, changed=False)
        hidden = bool(old and old.get("scope") == "server" and old.get("hidden"))
        action = "add" if old is None else "edit"
        own = await self.db.get_row(kind, key, guild_id)
        await self._check_room(guild_id, [(own, after)])
        return await self._commit(
            guild_id, actor_id, action, kind, key, old, _server_state(after, hidden)
        )

    async def _check_unchanged_since(self, guild_id: int, draft: Draft) -> None:
        """Raise EditConflict when the entry is no longer what the moderator started from."""
        current = _entry_of(
            draft.kind, guild_id, await self._state(draft.kind, draft.key, guild_id)
        )
        seen = entry_snapshot(draft.before)
        now = entry_snapshot(current)
        if seen == now:
            return
        if now is None:
            fields: tuple[str, ...] = ("removed",)
            what = Text(N_("removed or hid it"))
        else:
            names = [
                n for n in dict.fromkeys([*(seen or {}), *now]) if (seen or {}).get(n) != now.get(n)
            ]
            fields = tuple(names)
            words = [FIELD_WORDS.get(n, n) for n in names]
            what = Text(N_("changed {fields}"), fields=Listed(words) if words else Text(N_("it")))
        raise EditConflict(
            draft,
            current,
            fields,
            Text(
                N_(
                    "Someone else {what} after you opened this {kind}, so I saved nothing. "
                    "Look at their change; saving again replaces it with yours."
                ),
                what=what,
                kind=Text(KIND_WORDS[draft.kind]),
            ),
        )

    async def usage(self, guild_id: int) -> tuple[int, int]:
        """This server's own entries and their bytes of text (what the server limit counts)."""
        rows = await self.db.guild_rows(guild_id)
        return len(rows), sum(entry_size(row) for row in rows)

    async def _check_room(
        self, guild_id: int, changes: Sequence[tuple[Entry | None, Entry | None]]
    ) -> tuple[int, int]:
        """The server's usage once `changes` (own row before, after) are made; UserFacingError
        when that is over a limit and more than now (shrinking is always allowed)."""
        usage, problem = await self._room(guild_id, changes)
        if problem is not None:
            raise UserFacingError("{problem} Nothing was saved.", problem=problem)
        return usage

    async def _room(
        self, guild_id: int, changes: Sequence[tuple[Entry | None, Entry | None]]
    ) -> tuple[tuple[int, int], Text | None]:
        """The server's usage once `changes` are made, and why that is refused (None: it is
        not: within the limits, or no larger than now)."""
        count, size = await self.usage(guild_id)
        new_count = count + sum((b is not None) - (a is not None) for a, b in changes)
        new_size = size + sum(entry_size(b) - entry_size(a) for a, b in changes)
        problem = server_limit_problem(new_count, new_size)
        if problem is not None and (new_count > count or new_size > size):
            return (new_count, new_size), problem
        return (new_count, new_size), None

    async def add_entry(
        self, guild_id: int, actor_id: int, kind: Kind, fields: dict[str, Any]
    ) -> Change:
        """Add a new entry of this server."""
        return await self.save(guild_id, actor_id, await self.draft(guild_id, kind, None, fields))

    async def edit_entry(
        self,
        guild_id: int,
        actor_id: int,
        kind: Kind,
        key: str,
        fields: dict[str, Any],
        *,
        seen: Entry | None = None,
    ) -> Change:
        """Change fields of an entry this server sees (its own, or its version of a shipped one).

        `seen`: the entry as the moderator's form showed it; when someone changed it since,
        EditConflict is raised and nothing is saved.
        """
        draft = await self.draft(guild_id, kind, key, fields)
        if seen is not None:
            draft = replace(draft, before=seen)
        return await self.save(guild_id, actor_id, draft)

    async def remove_entry(self, guild_id: int, actor_id: int, kind: Kind, key: str) -> Change:
        """Delete this server's own entry; for its version of a shipped one, go back to that."""
        old = await self._state(kind, key.strip(), guild_id)
        if old is None or old.get("scope") != "server":
            if old is not None and old.get("scope") == "shipped":
                raise UserFacingError(
                    "`{key}` is shipped content, not this server's own entry. "
                    "Use `/admin {group} hide` to hide it here.",
                    key=_inline(key),
                    group=_group(kind),
                )
            raise NotFound(
                "This server has no {kind} of its own called `{key}`.",
                kind=Text(KIND_WORDS[kind]),
                key=_inline(key),
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
                "There is no shipped {kind} `{key}`; this server's own entries are removed with "
                "`/admin {group} remove`.",
                kind=Text(KIND_WORDS[kind]),
                key=_inline(key),
                group=_group(kind),
            )
        old = await self._state(kind, key, guild_id)
        if old is not None and old.get("scope") == "hidden":
            raise UserFacingError("`{key}` is already hidden in this server.", key=_inline(key))
        new = entry_snapshot(shipped) or {}
        new["scope"] = "hidden"
        return await self._commit(guild_id, actor_id, "hide", kind, key, old, new)

    async def unhide_entry(self, guild_id: int, actor_id: int, kind: Kind, key: str) -> Change:
        """Show a shipped entry this server hid."""
        key = key.strip()
        old = await self._state(kind, key, guild_id)
        if old is None or old.get("scope") != "hidden":
            raise NotFound(
                "`{key}` is not a hidden {kind} in this server.",
                key=_inline(key),
                kind=Text(KIND_WORDS[kind]),
            )
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

    async def undo(
        self, guild_id: int, actor: Actor, target: str
    ) -> Change | SettingsChange | TriviaChange:
        """Restore what an entry, a trivia question or a setting was before its last change;
        itself audited."""
        kind, _, key = target.strip().partition(":")
        if kind not in (*ENTRY_KINDS, SETTINGS, TRIVIA) or not key:
            raise NotFound("Pick what to undo from the list.")
        records = await self.db.audit_history(guild_id, limit=1, kind=kind, key=key)
        if not records:
            raise NotFound("This server has no change of that to undo.")
        record = records[0]
        if kind == SETTINGS:
            return await self._undo_settings(guild_id, actor, record)
        if kind == TRIVIA:
            return await self.trivia.undo(guild_id, actor.user_id, record)
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
            raise NotModerator(ONLY_MANAGERS)
        before = await self.db.guild_settings(guild_id)
        after = _settings_with(before, record.old)
        if after == before:
            raise UserFacingError("Those settings are already as they were before.")
        return await self._save_settings(guild_id, actor.user_id, record.key, before, after, "undo")

    async def settings(self, guild_id: int) -> GuildSettings:
        """The server's settings (reminder channel, role, lead times, moderator role)."""
        return await self.db.guild_settings(guild_id)

    async def history_count(self, guild_id: int) -> int:
        """How many changes the server's history holds."""
        return await self.db.audit_count(guild_id)

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
            async with self.db.transaction(guild_id=guild_id) as conn:
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
        self,
        guild_id: int,
        actor_id: int,
        *,
        channel: ChannelFacts | None = None,
        role: RoleFacts | None = None,
        **changes: Any,
    ) -> SettingsChange:
        """Change reminder settings (channel, role, lead times, paused) and re-plan them.

        The reminder channel and role obey `bot.moderation.rules` (as an import does):
        `channel` / `role` are the facts of the channel and role being set (or of the ones
        already set, for the warnings); a refusal raises UserFacingError and saves nothing,
        warnings come back in `SettingsChange.warnings`.
        """
        allowed = {
            "reminder_channel_id",
            "reminder_role_id",
            "lead_times",
            "reminders_paused",
            "language",
        }
        assert changes.get("language") in (None, *LANGS), changes
        assert set(changes) <= allowed, changes
        warnings: list[Said] = []
        role_id = changes.get("reminder_role_id")
        if role_id is not None or role is not None:
            facts = role if role is not None else RoleFacts(int(role_id or 0))
            check = reminder_role_check(guild_id, facts, channel)
            if check.refusal is not None:
                raise UserFacingError(check.refusal)
            warnings += check.warnings
        if channel is not None:
            check = reminder_channel_check(channel)
            if check.refusal is not None:
                raise UserFacingError(check.refusal)
            warnings += check.warnings
        before = await self.db.guild_settings(guild_id)
        change = await self._save_settings(
            guild_id, actor_id, REMINDER_SETTINGS, before, replace(before, **changes)
        )
        return replace(change, warnings=tuple(warnings))

    async def set_moderator_role(
        self, guild_id: int, actor: Actor, role_id: int | None
    ) -> SettingsChange:
        """Choose the role whose members may use /admin (Manage Server or a bot owner only)."""
        if not self.can_manage_moderators(actor):
            raise NotModerator(ONLY_MANAGERS)
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
        title, outcome = N_("Sample awards event"), N_("This is what a reminder looks like.")
        ja = messages("ja")  # a made-up entry, written in both languages like shipped ones
        return Entry(
            "awards",
            "sample",
            title,
            "",
            "Look Back bot",
            "https://discord.com",
            guild_id=guild_id,
            starts_at=now + dt.timedelta(days=7),
            outcome=outcome,
            title_ja=ja._(title),
            outcome_ja=ja._(outcome),
        )

    # -- export and import ------------------------------------------------------------------

    async def export_document(self, guild_id: int, guild_name: str) -> tuple[str, bytes, int]:
        """This server's own entries and trivia questions, hidden entries and settings in the
        content pack format.

        Returns (file name, UTF-8 bytes, number of entries and questions).
        """
        rows = await self.db.guild_rows(guild_id)
        trivia, hidden_trivia = await self.trivia.export_part(guild_id)
        settings = await self.db.guild_settings(guild_id)
        now = utcnow()
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
                "language": settings.language,
            },
            "hidden": [{"kind": k, "id": key} for k, key in await self.db.hidden_keys(guild_id)],
            "hidden_trivia": hidden_trivia,
        }
        if trivia:
            doc[TRIVIA_SECTION] = trivia
        name = f"lookback-server-{guild_id}-{now:%Y%m%d}.json"
        return name, dump_document(doc).encode("utf-8"), len(rows) + len(trivia)

    async def plan_import(
        self,
        guild_id: int,
        data: bytes,
        file_name: str,
        channel_ids: Iterable[int] = (),
        role_ids: Iterable[int] = (),
        *,
        channel_facts: Callable[[int], ChannelFacts | None] | None = None,
        role_facts: Callable[[int], RoleFacts | None] | None = None,
    ) -> ImportPlan:
        """Validate a file and work out what importing it would change; nothing is written.

        Entries become this server's own (a shipped id becomes this server's version of it);
        entries not in the file are left alone. Settings apply only where the channel and role
        exist in this server; the moderator role is never imported. The reminder channel and
        role obey the rules of `/admin reminders channel|role` (`bot.moderation.rules`):
        `channel_facts` / `role_facts` tell what the server has (None: not in this server);
        without them, `channel_ids` / `role_ids` say only which exist.
        """
        name = clip(safe_display(file_name), 100) or "import"
        if len(data) > MAX_IMPORT_BYTES:
            return ImportPlan(name, (_too_large(name, len(data)),))
        try:
            doc = safejson.loads(data, name)
        except safejson.JsonProblem as exc:
            return ImportPlan(name, (exc.message,))
        if not isinstance(doc, dict):
            return ImportPlan(name, (Text(N_("{file}: must hold a JSON object"), file=name),))
        count = 0
        for section in (*SECTIONS, TRIVIA_SECTION):
            items = doc.get(section)
            count += len(items) if isinstance(items, list) else 0
        server = doc.get("server")
        for part in ("hidden", "hidden_trivia"):
            if isinstance(server, dict) and isinstance(server.get(part), list):
                count += len(server[part])
        if count > MAX_IMPORT_ENTRIES:
            too_many = Text(
                N_("{file}: has {count} entries; at most {most}"),
                file=name,
                count=f"{count:,}",
                most=f"{MAX_IMPORT_ENTRIES:,}",
            )
            return ImportPlan(name, (too_many,))
        problems: list[Said] = []
        entries: tuple[Entry, ...] = ()
        questions: tuple[TriviaQuestion, ...] = ()
        try:
            pack = parse_pack_document(doc, name, guild_id=guild_id)
            entries, questions = pack.entries, pack.trivia
        except PackError as exc:
            problems += exc.problems
        for entry in entries:
            date_problem = event_date_problem(entry.starts_at) if entry.kind == "awards" else None
            if date_problem is not None:
                where = f"{name} › awards ({entry.key}) › starts_at"
                problems.append(Text(N_("{where}: {problem}"), where=where, problem=date_problem))
        known = _Known(guild_id, set(channel_ids), set(role_ids), channel_facts, role_facts)
        hide, settings, notes = await self._plan_server_block(
            guild_id, name, server, known, problems
        )
        problems += await self._synopsis_problems(guild_id, name, doc.get("synopsis"))
        trivia = await self.trivia.plan(
            guild_id,
            questions,
            server.get("hidden_trivia") if isinstance(server, dict) else None,
            f"{name} › server",
            problems,
            notes,
        )
        if problems:
            return ImportPlan(name, tuple(problems))
        added: list[Entry] = []
        changed: list[tuple[Entry, Entry]] = []
        unchanged = 0
        rows: list[tuple[Entry | None, Entry | None]] = []
        for entry in entries:
            state = await self._state(entry.kind, entry.key, guild_id)
            seen = _entry_of(entry.kind, guild_id, state)
            if state is not None and _content(state) == _content(_server_state(entry)):
                unchanged += 1
                continue
            if seen is None:
                added.append(entry)
            else:
                changed.append((seen, entry))
            rows.append((await self.db.get_row(entry.kind, entry.key, guild_id), entry))
        usage, full = await self._room(guild_id, rows)
        if full is not None:
            return ImportPlan(name, (Text(N_("{where}: {problem}"), where=name, problem=full),))
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
            usage,
            trivia,
        )

    async def _plan_server_block(
        self,
        guild_id: int,
        name: str,
        server: Any,
        known: _Known,
        problems: list[Said],
    ) -> tuple[tuple[tuple[Kind, str], ...], GuildSettings | None, list[Said]]:
        """The `server` part of an export: hidden shipped entries and reminder settings."""
        notes: list[Said] = []
        if server is None:
            return (), None, notes
        where = f"{name} › server"
        if not isinstance(server, dict):
            problems.append(Text(_MUST_BE_OBJECT, where=where))
            return (), None, notes
        hide: list[tuple[Kind, str]] = []
        hidden_raw = server.get("hidden", [])
        if not isinstance(hidden_raw, list):
            problems.append(Text(N_("{where}: must be a list"), where=f"{where} › hidden"))
            hidden_raw = []
        for index, item in enumerate(hidden_raw):
            at = f"{where} › hidden[{index}]"
            if (
                not isinstance(item, dict)
                or item.get("kind") not in ENTRY_KINDS
                or not isinstance(item.get("id"), str)
            ):
                shape = '{"kind": fact|quote|synopsis|awards, "id": …}'
                problems.append(Text(N_("{where}: must be {shape}"), where=at, shape=shape))
                continue
            kind, key = cast(Kind, item["kind"]), str(item["id"])
            state = await self._state(kind, key, guild_id)
            if state is None:
                notes.append(
                    Text(
                        N_("Skipped hiding {kind} `{key}`: no such shipped entry."),
                        kind=Text(KIND_WORDS[kind]),
                        key=_inline(key),
                    )
                )
            elif state.get("scope") == "shipped":
                hide.append((kind, key))
        raw = server.get("settings")
        if raw is None:
            return tuple(hide), None, notes
        if not isinstance(raw, dict):
            at = f"{where} › settings"
            problems.append(Text(_MUST_BE_OBJECT, where=at))
            return tuple(hide), None, notes
        current = await self.db.guild_settings(guild_id)
        wanted = current
        for name_ in ("reminder_channel_id", "reminder_role_id"):
            if name_ not in raw:
                continue
            value = raw[name_]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                at = f"{where} › settings › {name_}"
                problems.append(Text(N_("{where}: must be an id or null"), where=at))
                continue
            if value is None:
                wanted = _settings_with(wanted, {name_: None})
                continue
            check, note = known.check(name_, value, raw.get("reminder_channel_id"))
            if check is None:
                notes.append(note)
            elif check.refusal is not None:
                at = f"{where} › settings › {name_}"
                problems.append(Text(N_("{where}: {problem}"), where=at, problem=check.refusal))
            else:
                notes.extend(check.warnings)
                wanted = _settings_with(wanted, {name_: value})
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
                    Text(
                        N_("{where}: must be 1–{most} numbers of seconds between 0 and 60 days"),
                        where=f"{where} › settings › lead_times",
                        most=MAX_LEADS,
                    )
                )
            else:
                wanted = replace(wanted, lead_times=tuple(sorted(set(leads), reverse=True)))
        if "reminders_paused" in raw:
            if not isinstance(raw["reminders_paused"], bool):
                at = f"{where} › settings › reminders_paused"
                problems.append(Text(N_("{where}: must be true or false"), where=at))
            else:
                wanted = replace(wanted, reminders_paused=raw["reminders_paused"])
        if "language" in raw:
            if raw["language"] not in (None, *LANGS):
                at = f"{where} › settings › language"
                problems.append(Text(N_('{where}: must be "en", "ja" or null'), where=at))
            else:
                wanted = replace(wanted, language=raw["language"])
        if raw.get("moderator_role_id", current.moderator_role_id) != current.moderator_role_id:
            notes.append(
                Text(N_("The moderator role is never imported; set it with /admin moderator-role."))
            )
        return tuple(hide), (wanted if wanted != current else None), notes

    async def _synopsis_problems(self, guild_id: int, name: str, raw: Any) -> list[Said]:
        """A server has one synopsis entry per section: an import must use the section's id."""
        problems: list[Said] = []
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
                    Text(
                        N_(
                            "{where}: this server's {section} section has the id {id}; use that "
                            "id to replace it"
                        ),
                        where=f"{name} › synopsis[{index}] ({key})",
                        section=section,
                        id=repr(current),
                    )
                )
        return problems

    async def apply_import(self, guild_id: int, actor_id: int, plan: ImportPlan) -> ImportResult:
        """Apply a validated plan in one transaction: all of it, or (on any failure) nothing.

        What changed since the preview is taken into account: each entry is compared again.
        """
        if not plan.ok:
            raise UserFacingError("That file has problems; nothing was imported.")
        rows: list[tuple[Entry | None, Entry | None]] = []
        for entry in plan.entries:  # the server may have grown since the preview
            own = await self.db.get_row(entry.kind, entry.key, guild_id)
            rows.append((own, entry.with_changes(guild_id=guild_id)))
        await self._check_room(guild_id, rows)
        added = changed = unchanged = hidden = 0
        touched: list[tuple[Kind, str]] = []
        settings_changed = False
        try:
            async with self.db.transaction(guild_id=guild_id) as conn:
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
                trivia = await self.trivia.apply(conn, guild_id, actor_id, plan.trivia)
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
        return ImportResult(
            added, changed, unchanged, hidden, settings_changed, plan.notes, *trivia
        )


class _Known:
    """What an import may use of this server: channels and roles, with the rules' facts."""

    def __init__(
        self,
        guild_id: int,
        channel_ids: set[int],
        role_ids: set[int],
        channel_facts: Callable[[int], ChannelFacts | None] | None,
        role_facts: Callable[[int], RoleFacts | None] | None,
    ) -> None:
        self.guild_id = guild_id
        self.channel_ids = channel_ids
        self.role_ids = role_ids
        self.channel_facts = channel_facts
        self.role_facts = role_facts

    def _channel(self, channel_id: Any) -> ChannelFacts | None:
        if not isinstance(channel_id, int) or isinstance(channel_id, bool):
            return None
        if self.channel_facts is not None:
            return self.channel_facts(channel_id)
        # Without facts: a channel known to exist, of a type the caller did not say.
        return ChannelFacts(channel_id, "text") if channel_id in self.channel_ids else None

    def check(self, setting: str, value: int, channel_id: Any) -> tuple[RuleCheck | None, Said]:
        """The rule's verdict on `value` for the setting, or (None, a note) when this server
        has no such channel or role (the current one is kept)."""
        if setting == "reminder_channel_id":
            channel = self._channel(value)
            if channel is None:
                return None, Text(
                    N_("Kept the reminder channel: {id} is not a channel of this server."), id=value
                )
            return reminder_channel_check(channel), ""
        role: RoleFacts | None
        if value == self.guild_id:
            role = RoleFacts(value)  # @everyone: refused whether or not it was listed
        elif self.role_facts is not None:
            role = self.role_facts(value)
        else:
            role = RoleFacts(value) if value in self.role_ids else None
        if role is None:
            return None, Text(
                N_("Kept the reminder role: {id} is not a role of this server."), id=value
            )
        return reminder_role_check(self.guild_id, role, self._channel(channel_id)), ""


def oversized(file_name: str, size: int) -> ImportPlan | None:
    """A refused plan for a file too large to download, else None."""
    if size <= MAX_IMPORT_BYTES:
        return None
    name = clip(safe_display(file_name), 100) or "import"
    return ImportPlan(name, (_too_large(name, size),))


def _too_large(name: str, size: int) -> Text:
    return Text(
        N_("{file}: is {size} bytes; at most {most}"),
        file=name,
        size=f"{size:,}",
        most=f"{MAX_IMPORT_BYTES:,}",
    )


# -- helpers for text ------------------------------------------------------------------------


def _tidy(value: Any) -> Any:
    """Text from a form as typed, with Windows line ends made plain."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value
