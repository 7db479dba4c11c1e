"""The Discord side of the scheduled events (`bot.domain.event_sync.EventOps`).

Discord's errors are sorted into the reconciler's: a refusal it can show moderators
(`EventsRefused`: a missing permission, the 100-events limit) and a vanished event
(`EventGone`). Since February 2026 a bot needs *Create Events* (1 << 44) to create events and
to edit or cancel its own; *Manage Events* covers it too.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.domain.event_sync import (
    MISSING_PERMISSION,
    EventGone,
    EventSpec,
    EventsRefused,
    EventSyncError,
    RemoteEvent,
    Status,
)

_STATUS: dict[discord.EventStatus, Status] = {
    discord.EventStatus.scheduled: "scheduled",
    discord.EventStatus.active: "active",
    discord.EventStatus.completed: "completed",
    discord.EventStatus.cancelled: "cancelled",
}

LIMIT_CODE = 30038  # Maximum number of uncompleted guild scheduled events reached (100)
UNKNOWN_EVENT_CODE = 10070


def _remote(event: discord.ScheduledEvent) -> RemoteEvent:
    return RemoteEvent(
        id=event.id,
        name=event.name,
        description=event.description or "",
        location=event.location or "",
        start=event.start_time,
        end=event.end_time,
        creator_id=event.creator_id,
        status=_STATUS.get(event.status, "completed"),
    )


def _translate(exc: discord.HTTPException) -> EventSyncError:
    if exc.code == LIMIT_CODE:
        return EventsRefused("This server has 100 upcoming events, Discord's limit.", limit=True)
    if exc.code == UNKNOWN_EVENT_CODE:
        return EventGone("The scheduled event no longer exists.")
    if isinstance(exc, discord.Forbidden):
        return EventsRefused(MISSING_PERMISSION)
    if exc.status == 429 or exc.status >= 500:
        return EventSyncError(f"Discord answered {exc.status}; trying again at the next change.")
    return EventsRefused(f"Discord refused it ({exc.status}, code {exc.code}).")


class DiscordEventOps:
    """Scheduled-event operations on one bot's Discord connection."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._events: dict[int, discord.ScheduledEvent] = {}

    @property
    def ready(self) -> bool:
        """Connected, with the servers known."""
        return self.client.is_ready()

    @property
    def bot_user_id(self) -> int | None:
        """The bot's user id."""
        return self.client.user.id if self.client.user else None

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self.client.get_guild(guild_id)
        if guild is None:
            raise EventsRefused("I'm not in this server any more.")
        return guild

    def unavailable(self, guild_id: int) -> str | None:
        """Why nothing can be done in that server now, or None."""
        guild = self.client.get_guild(guild_id)
        if guild is None:
            return "I'm not in this server any more."
        me = guild.me
        if me is None:
            return None  # let Discord answer
        perms = me.guild_permissions
        if not (perms.create_events or perms.manage_events or perms.administrator):
            return MISSING_PERMISSION
        return None

    async def list(self, guild_id: int) -> list[RemoteEvent]:
        """The server's scheduled events."""
        guild = self._guild(guild_id)
        try:
            events = await guild.fetch_scheduled_events(with_counts=False)
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        self._events.update({e.id: e for e in events})
        return [_remote(e) for e in events]

    async def create(self, guild_id: int, spec: EventSpec) -> RemoteEvent:
        """Create an external scheduled event."""
        guild = self._guild(guild_id)
        try:
            event = await guild.create_scheduled_event(
                name=spec.name,
                start_time=spec.start,
                end_time=spec.end,
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=spec.location,
                description=spec.description,
                reason="Awards date (Look Back bot)",
            )
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        self._events[event.id] = event
        return _remote(event)

    async def _event(self, guild_id: int, event_id: int) -> discord.ScheduledEvent:
        event = self._events.get(event_id)
        if event is not None:
            return event
        try:
            return await self._guild(guild_id).fetch_scheduled_event(event_id)
        except discord.HTTPException as exc:
            raise _translate(exc) from exc

    async def edit(self, guild_id: int, event_id: int, spec: EventSpec) -> RemoteEvent:
        """Change an event to `spec`."""
        event = await self._event(guild_id, event_id)
        kwargs: dict[str, Any] = {
            "name": spec.name,
            "description": spec.description,
            "start_time": spec.start,
            "end_time": spec.end,
            "entity_type": discord.EntityType.external,
            "location": spec.location,
        }
        try:
            edited = await event.edit(**kwargs, reason="Awards date changed (Look Back bot)")
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        if edited is not None:
            self._events[event_id] = edited
            return _remote(edited)
        return RemoteEvent(
            event_id,
            spec.name,
            spec.description,
            spec.location,
            spec.start,
            spec.end,
            self.bot_user_id,
            "scheduled",
        )

    async def cancel(self, guild_id: int, event_id: int) -> None:
        """Cancel a scheduled event."""
        event = await self._event(guild_id, event_id)
        try:
            await event.cancel(reason="Awards date removed or not announced (Look Back bot)")
        except discord.HTTPException as exc:
            raise _translate(exc) from exc
        self._events.pop(event_id, None)
