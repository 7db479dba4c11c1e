"""Cards of the moderator commands: changes, history, settings, reminder status, imports.

Every builder takes the reader's messages (`m`, English by default) and words everything in
them; entries' own text is shown as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot import constants as c
from bot.cards.base import Card, chunks, event_when, timestamp
from bot.domain.models import AuditRecord, Entry, GuildSettings, Reminder
from bot.domain.safety import safe_display
from bot.domain.text import clip
from bot.domain.timeutil import parse_utc
from bot.i18n import EN, LANGUAGE_NAMES, N_, Messages, Text
from bot.moderation import rules
from bot.moderation.parsing import format_leads
from bot.moderation.types import (
    HISTORY_PER_PAGE,
    KIND_WORDS,
    MODERATOR_SETTINGS,
    PROBLEMS_SHOWN,
    REMINDER_SETTINGS,
    SETTINGS,
    Change,
    EditConflict,
    EventDraft,
    ImportPlan,
    ImportResult,
    ReminderStatus,
    Said,
    SettingsChange,
    _settings_snapshot,
)
from bot.moderation.wording import _ACTION_WORDS, _inline, _record_title, pack_problem, shown
from bot.storage.sqlite.rows import entry_snapshot


def said(value: Said, m: Messages) -> str:
    """A problem or note in `m`'s language (the content pack's own messages stay English)."""
    return value.render(m) if isinstance(value, Text) else pack_problem(value, m)


def _kind(kind: str, m: Messages) -> str:
    word = KIND_WORDS.get(kind)
    return m._(word) if word is not None else kind


#: One history record's heading, by action (`{what}`: the entry or setting).
_RECORD_HEADS: Final = {
    "add": N_("add {what}"),
    "edit": N_("edit {what}"),
    "remove": N_("remove {what}"),
    "hide": N_("hide {what}"),
    "unhide": N_("unhide {what}"),
    "undo": N_("undo {what}"),
    "import": N_("import {what}"),
    "settings": N_("changed {what}"),
}


def _record_head(record: AuditRecord, m: Messages = EN) -> str:
    """`edit fact `runtime`` or `changed reminder settings`: one history record's heading."""
    if record.kind == SETTINGS:
        what = _record_title(record, m)
    else:
        what = f"{_kind(record.kind, m)} `{_inline(record.key, 40)}`"
    head = _RECORD_HEADS.get(record.action)
    return m._(head, what=what) if head is not None else f"{record.action} {what}"


def entry_name(entry: Entry | None, kind: str, key: str, *, m: Messages = EN) -> str:
    """An entry named safely for a message: **Runtime** (fact `runtime`)."""
    title = shown(entry.title, 80) if entry is not None else f"`{_inline(key)}`"
    return f"**{title}** ({_kind(kind, m)} `{_inline(key)}`)"


_FIELD_LABELS: Final = {
    "title": N_("title"),
    "name": N_("name"),
    "answer": N_("answer"),
    "text": N_("text"),
    "outcome": N_("outcome"),
    "aliases": N_("aliases"),
    "tags": N_("tags"),
    "source_name": N_("source"),
    "source_url": N_("source URL"),
    "spoiler": N_("spoiler"),
    "speaker": N_("speaker"),
    "occasion": N_("occasion"),
    "said_on": N_("said on"),
    "section": N_("section"),
    "ceremony": N_("ceremony"),
    "starts_at": N_("date"),
    "date_only": N_("day only"),
    "scope": N_("shown"),
    "hidden": N_("hidden"),
    "reminder_channel_id": N_("channel"),
    "reminder_role_id": N_("role"),
    "lead_times": N_("lead times"),
    "reminders_paused": N_("paused"),
    "moderator_role_id": N_("moderator role"),
    "language": N_("language of posts"),
    # the Japanese text of an entry (stored together as `ja`, shown field by field)
    "title_ja": N_("Japanese title"),
    "text_ja": N_("Japanese text"),
    "outcome_ja": N_("Japanese outcome"),
    "source_name_ja": N_("Japanese source"),
    "source_url_ja": N_("Japanese source URL"),
    "occasion_ja": N_("Japanese occasion"),
    # a trivia question's
    "question": N_("question"),
    "wrong": N_("wrong answers"),
    "question_ja": N_("Japanese question"),
    "answer_ja": N_("Japanese answer"),
    "wrong_ja": N_("Japanese wrong answers"),
}
_SCOPE_WORDS: Final = {
    "server": N_("this server's version"),
    "shipped": N_("the shipped entry"),
    "hidden": N_("hidden"),
}


def change_message(change: Change, *, m: Messages = EN) -> str:
    """One line saying what a change did."""
    if not change.changed:
        return m._("Nothing changed: that is already how it is saved.")
    entry = change.after or change.before
    name = entry_name(entry, change.kind, change.key, m=m)
    template = _ACTION_WORDS.get(change.action)
    parts = [m._(template, name=name) if template else f"{change.action.title()} {name}."]
    if change.action == "edit" and change.before is not None and change.before.is_shipped:
        parts.append(m._("Other servers still see the shipped version."))
    if change.action == "remove" and change.after is not None:
        parts.append(m._("The shipped version shows again."))
    if change.kind == "awards":
        parts.append(m._("Reminders were rescheduled."))
    parts.append(m._("(`/admin undo` reverts it.)"))
    return _sentences(parts, m)


def _sentences(parts: Sequence[str], m: Messages) -> str:
    """Sentences one after another: spaced in English, run together in Japanese."""
    return ("" if m.lang == "ja" else " ").join(parts)


def settings_message(change: SettingsChange, *, m: Messages = EN) -> str:
    """One line saying what a settings change did."""
    if not change.changed:
        return m._("Nothing changed: the settings were already like that.")
    if change.key == MODERATOR_SETTINGS:
        role = change.after.moderator_role_id
        if role is None:
            return m._(
                "Moderator role cleared: only Manage Server (and bot owners) may use /admin."
            )
        mention = f"<@&{role}>"
        return m._(
            "Members of {role} may now use /admin here. Discord still hides /admin from them "
            "until you allow that role in Server Settings → Integrations → this bot.",
            role=mention,
        )
    return m._("Reminder settings saved; reminders were rescheduled.")


_FLAGS: Final = frozenset({"spoiler", "date_only", "hidden", "reminders_paused"})
_MAIN_TEXT: Final = ("answer", "text", "outcome")


def _value(name: str, value: Any, m: Messages = EN) -> str:
    if name in _FLAGS:
        return m._("yes") if value else m._("no")
    if name == "language":
        return _language(value, m)
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
        word = _SCOPE_WORDS.get(str(value))
        return m._(word) if word is not None else str(value)
    if isinstance(value, list):
        return shown(", ".join(str(v) for v in value), 120)
    return shown(str(value), 120)


def _flat(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot with its Japanese text (`ja`: {"title": …}) as fields of their own."""
    ja = snapshot.get("ja")
    if not isinstance(ja, dict):
        return snapshot
    flat = {k: v for k, v in snapshot.items() if k != "ja"}
    flat.update({f"{name}_ja": value for name, value in ja.items()})
    return flat


def _label(name: str, m: Messages) -> str:
    label = _FIELD_LABELS.get(name)
    return m._(label) if label is not None else name


def describe_change(
    old: dict[str, Any] | None, new: dict[str, Any] | None, *, m: Messages = EN
) -> list[str]:
    """`field: old → new` lines for what differs between two snapshots (states)."""
    if old is None and new is None:
        return []
    if old is None or new is None:
        present = new if old is None else old
        assert present is not None
        label = m._("added") if old is None else m._("removed")
        title = (
            present.get("title")
            or present.get("name")
            or present.get("question")
            or present.get("key")
            or ""
        )
        lines = [f"**{label}**: {shown(str(title), 80)}"]
        for name in _MAIN_TEXT:
            if present.get(name):
                lines.append(f"**{_label(name, m)}**: {_value(name, present[name], m)}")
                break
        return lines
    old, new = _flat(old), _flat(new)
    lines = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if name == "key" or before == after or (name in _FLAGS and bool(before) == bool(after)):
            continue
        lines.append(f"**{_label(name, m)}**: {_value(name, before, m)} → {_value(name, after, m)}")
    return lines or [m._("no visible difference")]


def history_pages(records: Sequence[AuditRecord], total: int, *, m: Messages = EN) -> list[Card]:
    """The audit log as pages of a few changes each: who, when, what, old → new."""
    title = m._("Moderation history")
    if not records:
        return [
            Card(
                title=title,
                description=m._("No changes have been made in this server yet."),
                footer=m._("Changes made with /admin appear here."),
            )
        ]
    pages: list[Card] = []
    batches = chunks(records, HISTORY_PER_PAGE)
    count = total if total > len(records) else len(records)
    changes = m.ngettext("{count} change", "{count} changes", count)
    for page, chunk in enumerate(batches, 1):
        fields = []
        for record in chunk:
            when = parse_utc(record.created_at)
            stamp = timestamp(when, "f") if when else record.created_at
            head = f"#{record.id} · {_record_head(record, m)}"
            who = f"<@{record.actor_id}>"
            by = m._("{when} by {who}", when=stamp, who=who)
            body = "\n".join([by, *describe_change(record.old, record.new, m=m)])
            fields.append(
                (
                    clip(head, c.EMBED_FIELD_NAME_MAX),
                    _clip_lines(body, c.EMBED_FIELD_VALUE_MAX - 80),
                )
            )
        pages.append(
            Card(
                title=title,
                fields=tuple(fields),
                footer=m._(
                    "Page {page}/{pages} · {changes} · newest first · /admin undo reverts an "
                    "entry's last change",
                    page=page,
                    pages=len(batches),
                    changes=changes,
                ),
            )
        )
    return pages


def _clip_lines(text: str, limit: int) -> str:
    """Clip at a line end where possible (a time marker cut in half would show as garbage)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "\n…"


def settings_card(settings: GuildSettings, *, m: Messages = EN) -> Card:
    """A server's reminder settings."""
    return Card(
        title=m._("Awards reminders: settings"),
        fields=_settings_fields(settings, m),
        colour=c.COLOUR_AWARDS,
        footer=m._("Change with /admin reminders channel | role | leads | pause | resume"),
    )


def _language(value: Any, m: Messages) -> str:
    """The language of a server's posts in words: English, 日本語, or the server's own."""
    if isinstance(value, str) and value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    return m._("this server's language in Discord")


def language_message(change: SettingsChange, *, m: Messages = EN) -> str:
    """What `/admin language` did."""
    if change.before.language == change.after.language:
        return m._("Nothing changed: the settings were already like that.")
    return m._(
        "Reminders and other posts nobody asked for are now in {language}. Replies still follow "
        "each member's own Discord language.",
        language=_language(change.after.language, m),
    )


def _settings_fields(settings: GuildSettings, m: Messages) -> tuple[tuple[str, str], ...]:
    channel = (
        f"<#{settings.reminder_channel_id}>" if settings.reminder_channel_id else m._("not set")
    )
    role = (
        f"<@&{settings.reminder_role_id}>" if settings.reminder_role_id else m._("none (no ping)")
    )
    state = m._("paused") if settings.reminders_paused else m._("active")
    if settings.reminder_channel_id is None and not settings.reminders_paused:
        state = m._("no channel set: only direct-message reminders go out")
    typed = f"`{format_leads(settings.lead_times)}`"
    leads = m._("{leads} before each event", leads=typed)
    return (
        (m._("Channel"), channel),
        (m._("Role to ping"), role),
        (m._("Lead times"), leads),
        (m._("State"), state),
        (m._("Language of posts"), _language(settings.language, m)),
    )


_STATUS_WORDS: Final = {
    "failed": N_("failed"),
    "missed": N_("missed"),
    "pending": N_("pending"),
    "sending": N_("sending"),
}


def _reminder_line(reminder: Reminder, event: Entry | None, failed: bool, m: Messages) -> str:
    if event is not None:
        title = shown(event.in_language(m.lang).title, 60)
    else:
        title = f"`{_inline(reminder.event_key)}`"
    target = m._("channel") if reminder.target == "channel" else m._("a direct message")
    line = f"{timestamp(reminder.due_at, 'f')} · {title} → {target}"
    if failed:
        reason = shown(reminder.last_error or reminder.status, 100)
        word = _STATUS_WORDS.get(reminder.status)
        status = m._(word) if word is not None else reminder.status
        line += f" · **{status}**: {reason}"
    return line


def status_card(status: ReminderStatus, *, m: Messages = EN) -> Card:
    """What is scheduled next in this server, and the deliveries that failed."""
    upcoming = "\n".join(_reminder_line(r, e, False, m) for r, e in status.upcoming)
    failed = "\n".join(_reminder_line(r, e, True, m) for r, e in status.failed)
    fields = (
        *_settings_fields(status.settings, m),
        (
            m._("Next reminders"),
            _clip_lines(upcoming or m._("Nothing scheduled."), c.EMBED_FIELD_VALUE_MAX),
        ),
        (m._("Failed or missed"), _clip_lines(failed or m._("None."), c.EMBED_FIELD_VALUE_MAX)),
        (m._("Direct-message subscribers"), str(status.subscribers)),
    )
    return Card(
        title=m._("Awards reminders: status"),
        fields=fields,
        colour=c.COLOUR_AWARDS,
        footer=m._("Times are shown in your own time zone."),
    )


def test_reminder_card(event: Entry, settings: GuildSettings, *, m: Messages) -> Card:
    """A sample reminder, posted by /admin reminders test, that looks like the real ones."""
    assert event.starts_at is not None
    title = safe_display(event.in_language(m.lang).title)
    leads = f"`{format_leads(settings.lead_times)}`"
    lines = [
        m._("{title} is coming up.", title=title),
        "",
        m._("**When:** {when}", when=event_when(event, m)),
        "",
        m._(
            "*This is a test sent by a moderator: real reminders look like this and go out "
            "{leads} before each event.*",
            leads=leads,
        ),
    ]
    return Card(
        title=clip(m._("Awards watch (test): {title}", title=title), c.EMBED_TITLE_MAX),
        description="\n".join(lines),
        colour=c.COLOUR_AWARDS,
        footer=m._("Test reminder · moderators: /admin reminders status"),
    )


def event_preview_card(preview: EventDraft, *, m: Messages = EN) -> Card:
    """An awards event to check before saving: its date as every reader will see it."""
    draft = preview.draft
    after = draft.after
    fields: list[tuple[str, str]] = [(m._("When"), event_when(after, m))]
    if preview.when is not None and preview.when.starts_at is not None:
        utc = preview.when.starts_at.strftime("%Y-%m-%d %H:%M UTC")
        understood = shown(said(preview.when.understood, m), 100)
        fields.append((m._("Read as"), f"{understood} → {utc}"))
    if draft.before is not None:
        changes = describe_change(entry_snapshot(draft.before), entry_snapshot(after), m=m)
        fields.append((m._("Changes"), _clip_lines("\n".join(changes), c.EMBED_FIELD_VALUE_MAX)))
    if after.ceremony:
        fields.append((m._("Ceremony"), shown(after.ceremony, 200)))
    fields.append((m._("Outcome"), shown(after.outcome, 900) if after.outcome else "—"))
    fields.append((m._("Source"), shown(after.source_url, 300)))
    name = safe_display(after.title)
    title = (
        m._("Add “{name}”?", name=name)
        if draft.is_new
        else m._("Save changes to “{name}”?", name=name)
    )
    return Card(
        title=clip(title, c.EMBED_TITLE_MAX),
        description=m._(
            "Check the date below — it is shown in your own time zone. Nothing is saved until "
            "you press **Save**."
        ),
        fields=tuple(fields),
        colour=c.COLOUR_AWARDS,
        footer=m._("Saving reschedules this event's reminders."),
    )


def _more(count: int, m: Messages) -> str:
    return m._("… and {count} more", count=count)


def import_problems_card(plan: ImportPlan, *, m: Messages = EN) -> Card:
    """Why a file was refused (nothing was changed)."""
    lines = [f"• {shown(said(p, m), 200)}" for p in plan.problems[:PROBLEMS_SHOWN]]
    if len(plan.problems) > PROBLEMS_SHOWN:
        lines.append(_more(len(plan.problems) - PROBLEMS_SHOWN, m))
    count = len(plan.problems)
    return Card(
        title=m._("Import refused: {count} problem(s)", count=count),
        description=_clip_lines(
            m._(
                "Nothing was changed. Fix these in the file and try again:\n{problems}",
                problems="\n".join(lines),
            ),
            c.EMBED_DESCRIPTION_MAX,
        ),
        colour=c.COLOUR_ERROR,
        footer=m._("The format is the content pack format (what /admin export writes)."),
    )


def _titles(entries: Sequence[Entry], m: Messages, limit: int = 10) -> str:
    lines = [
        f"• {shown(e.title, 60)} ({_kind(e.kind, m)} `{_inline(e.key, 40)}`)"
        for e in entries[:limit]
    ]
    if len(entries) > limit:
        lines.append(_more(len(entries) - limit, m))
    return _clip_lines("\n".join(lines), c.EMBED_FIELD_VALUE_MAX)


def _notes(notes: Sequence[Said], m: Messages) -> str:
    return _clip_lines("\n".join(f"• {said(n, m)}" for n in notes), c.EMBED_FIELD_VALUE_MAX)


def import_plan_card(plan: ImportPlan, settings_before: GuildSettings, *, m: Messages = EN) -> Card:
    """The dry run: what importing the file would change."""
    summary = m._(
        "**{added}** added · **{changed}** changed · **{unchanged}** unchanged · "
        "**{hide}** to hide",
        added=len(plan.added),
        changed=len(plan.changed),
        unchanged=plan.unchanged,
        hide=len(plan.hide),
    )
    fields: list[tuple[str, str]] = [(m._("Summary"), summary)]
    if plan.added:
        fields.append((m._("To add"), _titles(plan.added, m)))
    if plan.changed:
        fields.append((m._("To change"), _titles([new for _, new in plan.changed], m)))
    if plan.hide:
        fields.append(
            (
                m._("To hide"),
                _clip_lines(
                    "\n".join(f"• {_kind(k, m)} `{_inline(key)}`" for k, key in plan.hide),
                    c.EMBED_FIELD_VALUE_MAX,
                ),
            )
        )
    if plan.trivia.questions or plan.trivia.hide:
        fields.append((m._("Trivia questions"), _trivia_plan_lines(plan, m)))
    if plan.reminder_settings is not None:
        lines = describe_change(
            _settings_snapshot(settings_before, REMINDER_SETTINGS),
            _settings_snapshot(plan.reminder_settings, REMINDER_SETTINGS),
            m=m,
        )
        fields.append(
            (m._("Reminder settings"), _clip_lines("\n".join(lines), c.EMBED_FIELD_VALUE_MAX))
        )
    if plan.notes:
        fields.append((m._("Notes"), _notes(plan.notes, m)))
    entries, size = plan.usage_after
    usage = {
        "entries": f"{entries:,}",
        "most_entries": f"{rules.MAX_SERVER_ENTRIES:,}",
        "size": f"{size / 1e6:.2f}",
        "most_size": f"{rules.MAX_SERVER_BYTES / 1e6:.0f}",
    }
    fields.append(
        (
            m._("This server afterwards"),
            m._(
                "{entries} of {most_entries} own entries · {size} of {most_size} MB of text",
                **usage,
            ),
        )
    )
    if not plan.has_changes:
        description = m._("This file matches what this server already has: nothing to import.")
    else:
        description = m._(
            "Nothing has changed yet. **Confirm** applies all of it in one go (or nothing, if "
            "anything fails); **Cancel** leaves everything as it is. Entries not in the file "
            "are kept."
        )
    return Card(
        title=clip(m._("Import preview: {file}", file=plan.file_name), c.EMBED_TITLE_MAX),
        description=description,
        fields=tuple(fields),
        footer=m._("Every change is in /admin history and can be undone entry by entry."),
    )


def _trivia_plan_lines(plan: ImportPlan, m: Messages, limit: int = 8) -> str:
    """An import's trivia questions: how many of each, then the ones added or changed."""
    trivia = plan.trivia
    lines = [
        m._(
            "**{added}** added · **{changed}** changed · **{unchanged}** unchanged · "
            "**{hide}** to hide",
            added=len(trivia.added),
            changed=len(trivia.changed),
            unchanged=trivia.unchanged,
            hide=len(trivia.hide),
        )
    ]
    listed = [*trivia.added, *trivia.changed]
    lines += [f"• {shown(q.question, 70)} (`{_inline(q.key, 40)}`)" for q in listed[:limit]]
    if len(listed) > limit:
        lines.append(_more(len(listed) - limit, m))
    lines += [
        f"• {m._('hide {what}', what=f'`{_inline(key, 40)}`')}" for key in trivia.hide[:limit]
    ]
    if len(trivia.hide) > limit:
        lines.append(_more(len(trivia.hide) - limit, m))
    return _clip_lines("\n".join(lines), c.EMBED_FIELD_VALUE_MAX)


def import_result_card(result: ImportResult, *, m: Messages = EN) -> Card:
    """What an applied import changed."""
    summary = m._(
        "**{added}** added · **{changed}** changed · **{unchanged}** unchanged · "
        "**{hidden}** hidden",
        added=result.added,
        changed=result.changed,
        unchanged=result.unchanged,
        hidden=result.hidden,
    )
    if result.settings_changed:
        summary += " · " + m._("reminder settings updated")
    fields: tuple[tuple[str, str], ...] = ((m._("Summary"), summary),)
    if result.trivia_added or result.trivia_changed or result.trivia_hidden:
        trivia = m._(
            "**{added}** added · **{changed}** changed · **{hidden}** hidden",
            added=result.trivia_added,
            changed=result.trivia_changed,
            hidden=result.trivia_hidden,
        )
        fields += ((m._("Trivia questions"), trivia),)
    if result.notes:
        fields += ((m._("Notes"), _notes(result.notes, m)),)
    return Card(
        title=m._("Import applied"),
        description=m._("Every change is in /admin history."),
        fields=fields,
    )


def edit_conflict_card(conflict: EditConflict, *, m: Messages = EN) -> Card:
    """Someone else changed the entry since this moderator opened it: what they changed, and
    that nothing was saved (the cog offers "Save mine anyway" → `save(conflict.confirmed)`)."""
    seen = entry_snapshot(conflict.seen)
    now = entry_snapshot(conflict.current)
    lines = describe_change(seen, now, m=m) if now is not None else [m._("**removed** or hidden")]
    name = entry_name(
        conflict.current or conflict.seen, conflict.draft.kind, conflict.draft.key, m=m
    )
    return Card(
        title=m._("Changed by someone else meanwhile"),
        description=m._(
            "{name} was changed after you opened it, so nothing was saved. Their change:\n"
            "{changes}",
            name=name,
            changes=_clip_lines("\n".join(lines), c.EMBED_DESCRIPTION_MAX - 400),
        ),
        colour=c.COLOUR_ERROR,
        footer=m._("Save again to replace their version with yours, or cancel to keep theirs."),
    )
