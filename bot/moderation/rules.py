"""The rules a moderator's change must obey, whichever way it comes (a command or an import).

Each rule takes plain facts, so the cog (which asks Discord) and the import plan (which reads a
file) apply the very same check:

- `event_date_problem`: the years an awards event may have (`/admin event`, imported events);
- `reminder_role_check` / `reminder_channel_check`: what may be the reminder role or channel,
  and what would keep a reminder from pinging or arriving (warnings, shown but not refused);
- `entry_size` and the server limits `MAX_SERVER_ENTRIES` / `MAX_SERVER_BYTES`;
- `MAX_SERVER_TRIVIA`: a server's own trivia questions (`bot.moderation.trivia`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from bot.domain.models import Entry
from bot.i18n import N_, Text
from bot.moderation.types import Listed

#: The years an awards event may be in (both ends included).
EVENT_YEAR_MIN: Final = 2000
EVENT_YEAR_MAX: Final = 2100

#: A server's own entries (its versions of shipped ones included), and their text in bytes.
MAX_SERVER_ENTRIES: Final = 5_000
MAX_SERVER_BYTES: Final = 5_000_000
#: A server's own trivia questions (its versions of shipped ones included).
MAX_SERVER_TRIVIA: Final = 500

#: Channel types (discord.ChannelType names) a reminder can be posted in.
POSTABLE_CHANNELS: Final = frozenset({"text", "news"})
#: The other channel types in words (a refusal names the type of the channel picked).
_CHANNEL_TYPES: Final = {
    "voice": N_("voice"),
    "stage_voice": N_("stage"),
    "category": N_("category"),
    "forum": N_("forum"),
    "media": N_("media"),
    "public_thread": N_("thread"),
    "private_thread": N_("thread"),
    "news_thread": N_("thread"),
    "directory": N_("directory"),
}


def event_date_problem(when: dt.datetime | None) -> Text | None:
    """Why an awards event can't have this date (None: it can; no date is fine)."""
    if when is None or EVENT_YEAR_MIN <= when.year <= EVENT_YEAR_MAX:
        return None
    return Text(
        N_("That date is out of range; use a year between {first} and {last}."),
        first=EVENT_YEAR_MIN,
        last=EVENT_YEAR_MAX,
    )


@dataclass(frozen=True)
class ChannelFacts:
    """What the cog knows about a channel (from discord.py), as plain values.

    `type_name` is `discord.ChannelType.name` ("text", "news", "voice", "category", …);
    `missing` the names of permissions the bot lacks there ("Send Messages", …: message ids,
    shown in the reader's language);
    `mention_everyone` whether the bot may ping any role there.
    """

    channel_id: int
    type_name: str
    missing: tuple[str, ...] = ()
    mention_everyone: bool = False


@dataclass(frozen=True)
class RoleFacts:
    """What the cog knows about a role: its id and whether anyone may mention it."""

    role_id: int
    mentionable: bool = True


@dataclass(frozen=True)
class RuleCheck:
    """A rule's verdict: `refusal` (the change is not allowed) and `warnings` (allowed, but
    something will not work as the moderator expects)."""

    refusal: Text | None = None
    warnings: tuple[Text, ...] = ()


def reminder_role_check(
    guild_id: int, role: RoleFacts | None, channel: ChannelFacts | None = None
) -> RuleCheck:
    """May `role` be pinged by every reminder? @everyone never; one nobody can mention is
    allowed with a warning (reminders then name it without pinging)."""
    if role is None:
        return RuleCheck()
    if role.role_id == guild_id:
        return RuleCheck(
            Text(
                N_(
                    "@everyone can't be the reminder role: every reminder would ping the "
                    "whole server."
                )
            )
        )
    if not role.mentionable and not (channel is not None and channel.mention_everyone):
        return RuleCheck(
            warnings=(
                Text(
                    N_(
                        "{role} is not mentionable and I lack Mention @everyone there, so "
                        "reminders will name the role without pinging it."
                    ),
                    role=f"<@&{role.role_id}>",
                ),
            )
        )
    return RuleCheck()


def reminder_channel_check(channel: ChannelFacts | None) -> RuleCheck:
    """May reminders be posted in `channel`? Only text and announcement channels; missing
    permissions are a warning (the channel is kept; reminders fail until they are granted)."""
    if channel is None:
        return RuleCheck()
    if channel.type_name not in POSTABLE_CHANNELS:
        named = _CHANNEL_TYPES.get(channel.type_name)
        kind = Text(named) if named is not None else channel.type_name.replace("_", " ")
        return RuleCheck(
            Text(
                N_(
                    "{channel} is a {type} channel: reminders can only be posted in a text or "
                    "announcement channel."
                ),
                channel=f"<#{channel.channel_id}>",
                type=kind,
            )
        )
    if channel.missing:
        missing = Text(
            N_("I'm missing {permissions} in {channel}."),
            channel=f"<#{channel.channel_id}>",
            permissions=Listed(channel.missing),
        )
        return RuleCheck(warnings=(missing,))
    return RuleCheck()


def entry_size(entry: Entry | None) -> int:
    """The bytes of an entry's text (what the server limit counts); 0 for none."""
    if entry is None:
        return 0
    parts = (
        entry.key,
        entry.title,
        entry.text,
        entry.outcome,
        entry.source_name,
        entry.source_url,
        entry.speaker,
        entry.occasion,
        entry.ceremony,
        entry.section,
        entry.said_on or "",
        *entry.aliases,
        *entry.tags,
    )
    return sum(len(part.encode("utf-8")) for part in parts)


def server_limit_problem(entries: int, size: int) -> Text | None:
    """Why a server can't hold this many own entries of this size (None: it can)."""
    if entries > MAX_SERVER_ENTRIES:
        return Text(
            N_(
                "This server would have {count} entries of its own; at most {most}. Remove "
                "some first (`/admin … remove`)."
            ),
            count=f"{entries:,}",
            most=f"{MAX_SERVER_ENTRIES:,}",
        )
    if size > MAX_SERVER_BYTES:
        return Text(
            N_(
                "This server's own entries would hold {size} MB of text; at most {most} MB. "
                "Remove or shorten some first."
            ),
            size=f"{size / 1e6:.1f}",
            most=f"{MAX_SERVER_BYTES / 1e6:.0f}",
        )
    return None
