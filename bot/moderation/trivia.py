"""A server's own trivia questions: what `/admin trivia` and import/export do with them.

A server sees the shipped questions (the pack's `trivia` section) less the ones it hid, and its
own (`trivia_questions`; one with a shipped question's id replaces it there). Every change is
validated as the pack is (`bot.domain.pack.parse_trivia`), written with its audit record in one
transaction, and undoable; one server's questions are never read for another.

A question's state in one server (what the audit log records, and what undo restores) is like
an entry's: None (no such question), or its pack fields with `scope` "server" (its own, with
`hidden` when it also hides the shipped one), "shipped" or "hidden".
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from bot import constants as c
from bot.domain.models import AuditRecord, PackProblems, TriviaQuestion
from bot.domain.pack import TRIVIA_SECTION, parse_trivia, trivia_to_raw
from bot.domain.text import clip
from bot.domain.trivia import TriviaService
from bot.errors import DatabaseUnavailable, NotFound, UserFacingError, database_unavailable
from bot.i18n import N_, Text
from bot.matching.analysis import normalize
from bot.moderation.parsing import slug, source_name_for
from bot.moderation.rules import MAX_SERVER_TRIVIA
from bot.moderation.types import TRIVIA, Said, State, TriviaChange, TriviaPlan, _Conflict
from bot.moderation.wording import _inline, _problem_text
from bot.storage.interface import Storage, Transaction, TriviaStorage

log = logging.getLogger(__name__)

#: How a form's problems name the question (the pack's file label for a form).
FORM_LABEL: Final = "Trivia question"
_FORM_WHERE: Final = f"{FORM_LABEL} › {TRIVIA_SECTION}[0]"
_META: Final = ("scope", "hidden")


def snapshot(question: TriviaQuestion) -> dict[str, Any]:
    """A question's fields as the audit log keeps them (the pack's, without its id)."""
    raw = trivia_to_raw(question)
    raw.pop("id", None)
    raw.pop("fact", None)
    return raw


def _question_of(key: str, state: State) -> TriviaQuestion | None:
    """The question a server sees in `state` (None: it sees none)."""
    if state is None or state.get("scope") == "hidden":
        return None
    raw = {k: v for k, v in state.items() if k not in _META}
    return TriviaQuestion(
        key=key,
        question=str(raw.get("question", "")),
        answer=str(raw.get("answer", "")),
        wrong=tuple(raw.get("wrong", ("", "", "")))[:3],
        source_name=str(raw.get("source_name", "")),
        source_url=str(raw.get("source_url", "")),
        spoiler=bool(raw.get("spoiler")),
        question_ja=str(raw.get("question_ja", "")),
        answer_ja=str(raw.get("answer_ja", "")),
        wrong_ja=tuple(raw.get("wrong_ja", ())),
    )


def _content(state: State) -> dict[str, Any] | None:
    if state is None or state.get("scope") == "hidden":
        return None
    return {k: v for k, v in state.items() if k not in _META}


def _own_state(question: TriviaQuestion, hidden: bool = False) -> dict[str, Any]:
    state = snapshot(question) | {"scope": "server"}
    if hidden:
        state["hidden"] = True
    return state


def validate(raw: dict[str, Any]) -> TriviaQuestion:
    """A question in the pack's shape, checked as the pack is; UserFacingError (the problems,
    each field named as the form labels it) when it is not valid."""
    problems = PackProblems()
    found = parse_trivia({TRIVIA_SECTION: [raw]}, FORM_LABEL, problems)
    if problems or not found:
        shown = [
            re.sub(r"› wrong\[\d+\]", "› wrong", p.replace(_FORM_WHERE, FORM_LABEL))
            for p in problems.problems
        ]
        raise UserFacingError(_problem_text(shown))
    return found[0]


def form_fields(
    question: str, answer: str, wrong: str, source: str, spoiler: bool
) -> dict[str, Any]:
    """What a form's fields say, in the pack's names: the wrong answers one per line; the
    source's address on its first line and its name, if given, on the next (else the site's
    name)."""
    lines = [line.strip() for line in source.replace("\r", "\n").splitlines() if line.strip()]
    url = lines[0] if lines else ""
    name = " ".join(lines[1:]) or (source_name_for(url) if url else "")
    return {
        "question": " ".join(question.split()),
        "answer": " ".join(answer.split()),
        "wrong": [" ".join(w.split()) for w in wrong.replace("\r", "\n").splitlines() if w.strip()],
        "source_url": url,
        "source_name": name,
        "spoiler": spoiler,
    }


def source_text(question: TriviaQuestion) -> str:
    """The form's source field for a question: its address, then its name."""
    return f"{question.source_url}\n{question.source_name}"


def _label(question: TriviaQuestion, suffix: str = "") -> str:
    label = f"{question.question} · {question.key}"
    return clip(label + (f" · {suffix}" if suffix else ""), c.CHOICE_NAME_MAX)


def _matches(question: TriviaQuestion, typed: str) -> bool:
    return not typed or typed in normalize(question.question) or typed in question.key


class TriviaEditConflict(UserFacingError):
    """Someone changed the question after this moderator opened it; nothing was saved.
    `current` is the question as it is now (a retry based on it replaces their change)."""

    def __init__(self, current: TriviaQuestion) -> None:
        super().__init__(
            N_(
                "Someone else changed this trivia question after you opened it, so I saved "
                "nothing. Saving your text again replaces their change."
            )
        )
        self.current = current


class TriviaModeration:
    """Moderators' changes to one server's trivia questions."""

    def __init__(self, db: Storage, service: TriviaService) -> None:
        self.db = db
        self.service = service

    @property
    def store(self) -> TriviaStorage:
        """The trivia tables."""
        return self.db.trivia

    # -- look-ups -----------------------------------------------------------------------------

    async def own(self, guild_id: int) -> list[TriviaQuestion]:
        """This server's own questions, by id."""
        return await self.store.guild_questions(guild_id)

    async def hidden(self, guild_id: int) -> list[str]:
        """The ids of the shipped questions this server hid."""
        return await self.store.hidden_questions(guild_id)

    async def own_choices(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """(label, id) of this server's own questions matching what is typed."""
        typed = normalize(current)
        found = [q for q in await self.own(guild_id) if _matches(q, typed)]
        return [(_label(q), q.key) for q in found[: c.AUTOCOMPLETE_MAX_CHOICES]]

    async def shipped_choices(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """(label, id) of the shipped questions this server still asks (to hide)."""
        typed = normalize(current)
        hidden = set(await self.hidden(guild_id))
        found = [q for q in self.service.questions if q.key not in hidden and _matches(q, typed)]
        return [(_label(q), q.key) for q in found[: c.AUTOCOMPLETE_MAX_CHOICES]]

    async def hidden_choices(self, guild_id: int, current: str) -> list[tuple[str, str]]:
        """(label, id) of the shipped questions this server hid (to show again)."""
        typed = normalize(current)
        out: list[tuple[str, str]] = []
        for key in await self.hidden(guild_id):
            question = self.service.shipped(key)
            if question is not None and _matches(question, typed):
                out.append((_label(question), key))
        return out[: c.AUTOCOMPLETE_MAX_CHOICES]

    async def own_question(self, guild_id: int, typed: str) -> TriviaQuestion:
        """One of this server's own questions, by the id picked (or its exact text typed)."""
        key = typed.strip().removeprefix(f"{TRIVIA}:")
        question = await self.store.guild_question(guild_id, key)
        if question is not None:
            return question
        typed_text = normalize(typed)
        found = [q for q in await self.own(guild_id) if normalize(q.question) == typed_text]
        if len(found) == 1:
            return found[0]
        raise NotFound(
            "This server has no trivia question of its own called `{key}`; pick it from the list.",
            key=_inline(typed),
        )

    def _shipped_key(self, typed: str) -> str:
        key = typed.strip().removeprefix(f"{TRIVIA}:")
        if self.service.shipped(key) is not None:
            return key
        typed_text = normalize(typed)
        found = [q.key for q in self.service.questions if normalize(q.question) == typed_text]
        if len(found) == 1:
            return found[0]
        raise NotFound(
            "There is no shipped trivia question `{key}`; pick it from the list. This "
            "server's own questions are removed with `/admin trivia remove`.",
            key=_inline(typed),
        )

    # -- states -------------------------------------------------------------------------------

    async def _state(self, guild_id: int, key: str) -> State:
        own = await self.store.guild_question(guild_id, key)
        hidden = key in await self.hidden(guild_id)
        if own is not None:
            return _own_state(own, hidden)
        shipped = self.service.shipped(key)
        if shipped is None:
            return None
        return snapshot(shipped) | {"scope": "hidden" if hidden else "shipped"}

    async def _write(
        self, conn: Transaction, guild_id: int, key: str, state: State, actor_id: int
    ) -> None:
        """Make the server's row and hidden mark for `key` equal `state`."""
        scope = state.get("scope") if state is not None else None
        question = _question_of(key, state) if scope == "server" else None
        if question is not None and state is not None:
            await self.store.save_question(guild_id, question, actor_id, conn)
            hidden = bool(state.get("hidden"))
        else:
            await self.store.delete_question(guild_id, key, conn)
            hidden = scope == "hidden"
        await self.store.set_question_hidden(guild_id, key, hidden, actor_id, conn)

    async def _commit(
        self, guild_id: int, actor_id: int, action: str, key: str, old: State, new: State
    ) -> TriviaChange:
        """Write one change with its audit record, unless the question changed since `old`
        was read (then nothing is written)."""
        try:
            async with self.db.transaction(guild_id=guild_id) as conn:
                if await self._state(guild_id, key) != old:
                    raise _Conflict
                await self._write(conn, guild_id, key, new, actor_id)
                await self.db.add_audit(
                    guild_id, actor_id, action, TRIVIA, key, old, new, conn=conn
                )
        except _Conflict:
            raise UserFacingError(
                "Someone changed that trivia question a moment ago, so I saved nothing. "
                "Please look at it again (`/admin trivia list`) and retry."
            ) from None
        except sqlite3.Error as exc:
            log.warning("Trivia change failed in %s: %s", guild_id, exc)
            raise database_unavailable(exc) or DatabaseUnavailable() from exc
        log.info("%s trivia:%s in %s by %s", action, key, guild_id, actor_id)
        return TriviaChange(action, key, _question_of(key, old), _question_of(key, new))

    # -- changes ------------------------------------------------------------------------------

    async def _new_key(self, guild_id: int, text: str) -> str:
        base = slug(text, "question")[:48].strip("-") or "question"
        candidate, n = base, 2
        while (
            self.service.shipped(candidate) is not None
            or await self.store.guild_question(guild_id, candidate) is not None
            or await self.db.audit_history(guild_id, limit=1, kind=TRIVIA, key=candidate)
        ):
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    async def _check_room(self, guild_id: int, adding: int) -> None:
        count = await self.store.count_questions(guild_id)
        if adding > 0 and count + adding > MAX_SERVER_TRIVIA:
            raise UserFacingError(
                "This server already has {count} trivia questions of its own, the most it may "
                "have; remove one first. Nothing was saved.",
                count=count,
            )

    async def add(self, guild_id: int, actor_id: int, fields: dict[str, Any]) -> TriviaChange:
        """Add a question of this server (`fields` in the pack's names, from `form_fields`)."""
        key = await self._new_key(guild_id, str(fields.get("question") or ""))
        question = validate(fields | {"id": key})
        await self._check_room(guild_id, 1)
        return await self._commit(guild_id, actor_id, "add", key, None, _own_state(question))

    async def edit(
        self,
        guild_id: int,
        actor_id: int,
        key: str,
        fields: dict[str, Any],
        seen: TriviaQuestion | None = None,
    ) -> TriviaChange:
        """Change one of this server's own questions. `seen` is the question as the form
        showed it: when someone changed it since, nothing is saved."""
        old = await self._state(guild_id, key)
        if old is None or old.get("scope") != "server":
            raise NotFound(
                "This server has no trivia question of its own called `{key}`.", key=_inline(key)
            )
        current = _question_of(key, old)
        assert current is not None
        question = validate(snapshot(current) | fields | {"id": key})
        if seen is not None and snapshot(seen) != snapshot(current):
            raise TriviaEditConflict(current)
        new = _own_state(question, bool(old.get("hidden")))
        if _content(new) == _content(old):
            return TriviaChange("edit", key, current, current, changed=False)
        return await self._commit(guild_id, actor_id, "edit", key, old, new)

    async def remove(self, guild_id: int, actor_id: int, typed: str) -> TriviaChange:
        """Delete one of this server's own questions (a shipped one it replaced shows again)."""
        key = (await self.own_question(guild_id, typed)).key
        old = await self._state(guild_id, key)
        assert old is not None
        shipped = self.service.shipped(key)
        new: State = None
        if shipped is not None:
            new = snapshot(shipped) | {"scope": "hidden" if old.get("hidden") else "shipped"}
        return await self._commit(guild_id, actor_id, "remove", key, old, new)

    async def hide(self, guild_id: int, actor_id: int, typed: str) -> TriviaChange:
        """Stop asking a shipped question in this server only."""
        key = self._shipped_key(typed)
        old = await self._state(guild_id, key)
        if old is not None and (old.get("scope") == "hidden" or old.get("hidden")):
            raise UserFacingError(
                "The trivia question `{key}` is already hidden in this server.", key=_inline(key)
            )
        if old is not None and old.get("scope") == "server":
            new = dict(old) | {"hidden": True}
        else:
            new = dict(old or {}) | {"scope": "hidden"}
        return await self._commit(guild_id, actor_id, "hide", key, old, new)

    async def unhide(self, guild_id: int, actor_id: int, typed: str) -> TriviaChange:
        """Ask a shipped question this server hid again."""
        key = typed.strip().removeprefix(f"{TRIVIA}:")
        if key not in await self.hidden(guild_id):
            choices = await self.hidden_choices(guild_id, typed)
            if len(choices) != 1:
                raise NotFound(
                    "`{key}` is not a hidden trivia question in this server.", key=_inline(typed)
                )
            key = choices[0][1]
        old = await self._state(guild_id, key)
        assert old is not None
        new = {k: v for k, v in old.items() if k != "hidden"}
        if new.get("scope") == "hidden":
            new["scope"] = "shipped"
        return await self._commit(guild_id, actor_id, "unhide", key, old, new)

    async def undo(self, guild_id: int, actor_id: int, record: AuditRecord) -> TriviaChange:
        """Restore what a question was before its last change (itself audited)."""
        current = await self._state(guild_id, record.key)
        if current == record.old:
            raise UserFacingError("That is already as it was before its last change.")
        return await self._commit(guild_id, actor_id, "undo", record.key, current, record.old)

    # -- export and import --------------------------------------------------------------------

    async def export_part(self, guild_id: int) -> tuple[list[dict[str, Any]], list[str]]:
        """This server's own questions in the pack's shape, and the shipped ids it hid."""
        own = [trivia_to_raw(q) for q in await self.own(guild_id)]
        return own, await self.hidden(guild_id)

    async def plan(
        self,
        guild_id: int,
        questions: Sequence[TriviaQuestion],
        hidden_raw: Any,
        where: str,
        problems: list[Said],
        notes: list[Said],
    ) -> TriviaPlan:
        """What importing these questions (validated by the pack) and hiding these shipped
        ids (`server.hidden_trivia`) would change; problems and notes are added to the lists."""
        questions = [replace(q, fact="") for q in questions]
        added: list[TriviaQuestion] = []
        changed: list[TriviaQuestion] = []
        unchanged = 0
        new_rows = 0
        for question in questions:
            state = await self._state(guild_id, question.key)
            if state is not None and _content(state) == _content(_own_state(question)):
                unchanged += 1
                continue
            if state is None or state.get("scope") != "server":
                new_rows += 1
            if _question_of(question.key, state) is None:
                added.append(question)
            else:
                changed.append(question)
        hide: list[str] = []
        if hidden_raw is not None:
            at = f"{where} › hidden_trivia"
            if not isinstance(hidden_raw, list) or not all(isinstance(k, str) for k in hidden_raw):
                problems.append(Text(N_("{where}: must be a list of text"), where=at))
                hidden_raw = []
            already = set(await self.hidden(guild_id))
            for key in dict.fromkeys(hidden_raw):
                if self.service.shipped(key) is None:
                    notes.append(
                        Text(
                            N_("Skipped hiding trivia question `{key}`: no such shipped question."),
                            key=_inline(key),
                        )
                    )
                elif key not in already:
                    hide.append(key)
        count = await self.store.count_questions(guild_id) + new_rows
        if new_rows and count > MAX_SERVER_TRIVIA:
            problems.append(
                Text(
                    N_("{where}: would give this server {count} trivia questions; at most {most}"),
                    where=f"{where.split(' › ')[0]} › {TRIVIA_SECTION}",
                    count=count,
                    most=MAX_SERVER_TRIVIA,
                )
            )
        return TriviaPlan(
            tuple(questions), tuple(added), tuple(changed), unchanged, tuple(hide), count
        )

    async def apply(
        self, conn: Transaction, guild_id: int, actor_id: int, plan: TriviaPlan
    ) -> tuple[int, int, int]:
        """Write an import's trivia part inside its transaction: (added, changed, hidden)."""
        added = changed = hidden = 0
        for question in plan.questions:
            old = await self._state(guild_id, question.key)
            keep_hidden = old is not None and (
                old.get("scope") == "hidden" or bool(old.get("hidden"))
            )
            new = _own_state(question, keep_hidden)
            if old is not None and _content(old) == _content(new):
                continue
            await self._write(conn, guild_id, question.key, new, actor_id)
            await self.db.add_audit(
                guild_id, actor_id, "import", TRIVIA, question.key, old, new, conn=conn
            )
            if _question_of(question.key, old) is None:
                added += 1
            else:
                changed += 1
        for key in plan.hide:
            old = await self._state(guild_id, key)
            if old is None or old.get("scope") == "hidden" or old.get("hidden"):
                continue
            new = dict(old) | (
                {"hidden": True} if old.get("scope") == "server" else {"scope": "hidden"}
            )
            await self._write(conn, guild_id, key, new, actor_id)
            await self.db.add_audit(guild_id, actor_id, "import", TRIVIA, key, old, new, conn=conn)
            hidden += 1
        return added, changed, hidden
