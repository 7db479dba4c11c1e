"""Cards of the moderator commands: changes, history, settings, reminder status, imports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot import constants as c
from bot.cards.base import Card, chunks, event_when, timestamp
from bot.domain.models import AuditRecord, Entry, GuildSettings, Reminder
from bot.domain.safety import safe_display
from bot.domain.text import clip
from bot.domain.timeutil import parse_utc
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
    SettingsChange,
    _settings_snapshot,
)
from bot.moderation.wording import _ACTION_WORDS, _action_word, _inline, _record_title, shown
from bot.storage.sqlite.rows import entry_snapshot


def _record_head(record: AuditRecord) -> str:
    """`edit fact `runtime`` or `changed reminder settings`: one history record's heading."""
    if record.kind == SETTINGS:
        return f"{_action_word(record.action)} {_record_title(record)}"
    return f"{record.action} {KIND_WORDS.get(record.kind, record.kind)} `{_inline(record.key, 40)}`"


def entry_name(entry: Entry | None, kind: str, key: str) -> str:
    """An entry named safely for a message: **Runtime** (fact `runtime`)."""
    title = shown(entry.title, 80) if entry is not None else f"`{_inline(key)}`"
    return f"**{title}** ({KIND_WORDS.get(kind, kind)} `{_inline(key)}`)"


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
    entries, size = plan.usage_after
    fields.append(
        (
            "This server afterwards",
            f"{entries:,} of {rules.MAX_SERVER_ENTRIES:,} own entries · "
            f"{size / 1e6:.2f} of {rules.MAX_SERVER_BYTES / 1e6:.0f} MB of text",
        )
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


def edit_conflict_card(conflict: EditConflict) -> Card:
    """Someone else changed the entry since this moderator opened it: what they changed, and
    that nothing was saved (the cog offers "Save mine anyway" → `save(conflict.confirmed)`)."""
    seen = entry_snapshot(conflict.seen)
    now = entry_snapshot(conflict.current)
    lines = describe_change(seen, now) if now is not None else ["**removed** or hidden"]
    name = entry_name(conflict.current or conflict.seen, conflict.draft.kind, conflict.draft.key)
    return Card(
        title="Changed by someone else meanwhile",
        description=f"{name} was changed after you opened it, so nothing was saved. Their "
        "change:\n" + _clip_lines("\n".join(lines), c.EMBED_DESCRIPTION_MAX - 400),
        colour=c.COLOUR_ERROR,
        footer="Save again to replace their version with yours, or cancel to keep theirs.",
    )
