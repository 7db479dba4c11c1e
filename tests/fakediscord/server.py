"""A small fake Discord (gateway + REST) for process-level tests of a discord.py bot.

The server binds ``127.0.0.1`` on an ephemeral port and speaks just enough of the Discord API v10
for discord.py 2.7 to log in, connect to the gateway, build its guild cache, sync application
commands and answer interactions.  Point discord.py at it with::

    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

(or, for a bot running as a separate process, pass the two URLs through its configuration).

What it models:

* Gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY + GUILD_CREATE, RESUME with replay of missed
  events + RESUMED, sequence numbers, REQUEST_GUILD_MEMBERS -> GUILD_MEMBERS_CHUNK, INVALID_SESSION
  and RECONNECT on request, and dropped connections.  Frames are plain-text JSON even when the
  client asks for ``compress=zlib-stream``; discord.py only decompresses binary frames.
* REST: login, application info, bulk command sync, interaction callbacks, interaction webhooks
  (original response and followups), channel messages (with ``enforce_nonce`` de-duplication),
  channels, DM channels, guild/member look-ups.  Everything else is a JSON 404.
* Fault injection: :meth:`FakeDiscord.fail_next` and :meth:`FakeDiscord.set_delay`.

Every REST call is recorded in :attr:`FakeDiscord.requests`; messages the bot creates are kept in
:attr:`FakeDiscord.messages` and interactions in :attr:`FakeDiscord.interactions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, WSMsgType, web

__all__ = [
    "DEFAULT_APP_PERMISSIONS",
    "DEFAULT_USER_ID",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeRole",
    "FakeUser",
    "GatewayConnectionInfo",
    "RecordedRequest",
    "UploadedFile",
]

_log = logging.getLogger(__name__)

JSON = dict[str, Any]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
#: User id used by :meth:`FakeDiscord.send_interaction` when no ``user_id`` is given.
DEFAULT_USER_ID = 1_111_111_111_111_111_111
#: Permissions of the bot's managed role and default ``app_permissions`` of interactions:
#: view channel, send messages, send in threads, embed links, attach files, read history,
#: use external emojis, add reactions, use application commands.
DEFAULT_APP_PERMISSIONS = str(sum(1 << bit for bit in (6, 10, 11, 14, 15, 16, 18, 31, 38)))
#: Permissions of each guild's ``@everyone`` role: view, send, read history, react, use commands.
EVERYONE_PERMISSIONS = str(sum(1 << bit for bit in (6, 10, 11, 16, 31)))
#: GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE
DEFAULT_APPLICATION_FLAGS = (1 << 19) | (1 << 23)

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Interaction types and callback types.
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Intents relevant to echoing the bot's own messages back over the gateway.
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12

_UNAUTHENTICATED_PREFIXES = ("/webhooks/", "/interactions/", "/gateway")


def _now_iso() -> str:
    """Return the current UTC time in Discord's ISO-8601 format."""
    return datetime.now(UTC).isoformat()


def _json_dumps(payload: Any) -> str:
    """Serialise ``payload`` compactly."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class _SnowflakeFactory:
    """Creates unique, increasing, time-based snowflakes."""

    def __init__(self) -> None:
        self._last = 0
        self._backdated = 0

    def next(self) -> int:
        """Return a new snowflake."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def backdated(self, seconds: float) -> int:
        """Return a unique snowflake whose timestamp is ``seconds`` in the past.

        It does not take part in the increasing sequence (its low 22 bits are a counter).
        """
        self._backdated = (self._backdated + 1) & 0x3FFFFF
        millis = int((time.time() - seconds) * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | self._backdated


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """A file part of a multipart REST request."""

    field_name: str
    filename: str | None
    size: int
    content_type: str | None


@dataclass
class RecordedRequest:
    """One REST request the fake received.

    ``path`` is relative to :attr:`FakeDiscord.api_base` (e.g. ``/channels/1/messages``); requests
    outside ``/api/v10`` keep their full path.  ``status`` and ``response`` are filled in once the
    fake has answered (``None`` while the request is still being handled).
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    time: float
    headers: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    status: int | None = None
    response: Any = None

    def matches(self, method: str, path_glob: str) -> bool:
        """Whether this request's method (``"*"`` = any) and path match ``path_glob``."""
        return _method_matches(method, self.method) and fnmatch.fnmatchcase(self.path, path_glob)


@dataclass
class GatewayConnectionInfo:
    """One gateway WebSocket connection the fake accepted."""

    path: str
    query: dict[str, str]
    time: float
    closed_at: float | None = None
    close_code: int | None = None
    #: Events replayed on this connection by a successful RESUME.
    replayed: int = 0


@dataclass
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_payload(self) -> JSON:
        """Return the user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
            "collectibles": None,
        }


@dataclass
class FakeRole:
    """A guild role."""

    id: int
    name: str
    permissions: str
    position: int = 0
    managed: bool = False
    tags: JSON | None = None

    def to_payload(self) -> JSON:
        """Return the role object as Discord sends it."""
        payload: JSON = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": self.permissions,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.tags is not None:
            payload["tags"] = self.tags
        return payload


@dataclass
class FakeMember:
    """A guild member (user id + guild-specific data)."""

    user_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=_now_iso)
    nick: str | None = None


@dataclass
class FakeGuild:
    """A guild with one text channel, an ``@everyone`` role and the bot as a member."""

    id: int
    name: str
    channel_id: int
    owner_id: int
    channel_name: str = "general"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined_at: str = field(default_factory=_now_iso)

    @property
    def everyone_role_id(self) -> int:
        """The ``@everyone`` role id (equal to the guild id)."""
        return self.id


@dataclass
class FakeInteraction:
    """An interaction the fake sent, and what the bot did with it.

    ``response_type`` is the callback type the bot used (4 message, 5 deferred, 6 deferred
    update, 7 update, 8 autocomplete, 9 modal); ``response_data`` the callback's ``data``.
    ``original_message`` is the message the response created (``None`` for autocomplete and
    modals), ``followups`` the followup messages.

    Times are :func:`time.monotonic` values in this process: ``created_at`` when its id (a
    snowflake) says Discord created it (before ``sent_at`` if it was sent with an ``age``),
    ``sent_at`` just before the INTERACTION_CREATE frame was written to the gateway,
    ``responded_at`` when the accepted
    callback request arrived, ``answered_at`` when the request that put the answer on screen
    arrived (the callback itself, or after a deferral the first followup or edit of the
    original).  ``callback_attempts`` counts the callback requests for it, refused ones too
    (but not those answered by a :meth:`FakeDiscord.fail_next` fault).
    """

    id: int
    token: str
    type: int
    name: str
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: JSON
    response_type: int | None = None
    response_data: JSON | None = None
    original_message: JSON | None = None
    original_deleted: bool = False
    followups: list[JSON] = field(default_factory=list)
    created_at: float | None = None
    sent_at: float | None = None
    responded_at: float | None = None
    answered_at: float | None = None
    callback_attempts: int = 0

    @property
    def responded(self) -> bool:
        """Whether the interaction callback was called successfully."""
        return self.response_type is not None

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred (callback type 5 or 6)."""
        return self.response_type in (
            CALLBACK_DEFERRED_CHANNEL_MESSAGE,
            CALLBACK_DEFERRED_UPDATE_MESSAGE,
        )

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral."""
        msg = self.original_message
        return bool(msg is not None and int(msg.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def content(self) -> str | None:
        """Content of the original response message, if any."""
        return None if self.original_message is None else self.original_message.get("content")

    @property
    def choices(self) -> list[JSON] | None:
        """Autocomplete choices the bot answered with (callback type 8)."""
        if self.response_type != CALLBACK_AUTOCOMPLETE_RESULT or self.response_data is None:
            return None
        return list(self.response_data.get("choices") or [])


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------


@dataclass
class _FaultRule:
    method: str
    path_glob: str
    status: int
    remaining: int
    retry_after: float | None
    body: Any
    is_global: bool


@dataclass
class _DelayRule:
    method: str
    path_glob: str
    seconds: float


@dataclass(eq=False)
class _Connection:
    ws: web.WebSocketResponse
    transport: asyncio.Transport | None
    info: GatewayConnectionInfo
    session: _Session | None = None
    server_closed: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class _Session:
    session_id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    events: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=2000))
    conn: _Connection | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_Result = tuple[int, Any]
_Handler = Callable[[RecordedRequest, dict[str, str]], Awaitable[_Result]]


def _method_matches(pattern: str, method: str) -> bool:
    return pattern == "*" or pattern.upper() == method.upper()


def _error(status: int, message: str, code: int = 0) -> _Result:
    return status, {"message": message, "code": code}


def _not_found() -> _Result:
    return _error(404, "404: Not Found")


def _snowflake_arg(value: Any) -> str:
    """Turn an int, a numeric string or an object with ``.id`` into a snowflake string."""
    if hasattr(value, "id"):
        value = value.id
    return str(int(value))


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _find_option(schema: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    if schema is None:
        return None
    for opt in schema.get("options") or []:
        if opt.get("name") == name:
            found: Mapping[str, Any] = opt
            return found
    return None


def _validate_message_body(body: Mapping[str, Any], *, require_content: bool) -> _Result | None:
    """Return a Discord-style 400 for bodies Discord would reject, else ``None``."""
    content = body.get("content")
    if content is not None and len(str(content)) > 2000:
        return 400, {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {
                "content": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 2000 or fewer in length.",
                        }
                    ]
                }
            },
        }
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return _error(400, "Invalid Form Body", 50035)
    if require_content and not (
        content
        or embeds
        or body.get("components")
        or body.get("attachments")
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        return _error(400, "Cannot send an empty message", 50006)
    return None


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeDiscord:
    """A fake Discord API v10 (gateway + REST) on ``127.0.0.1``.

    Args:
        application_id: The bot application's id.
        bot_user_id: The bot user's id.
        guild_ids: Guilds the bot is in; each gets one text channel, an ``@everyone`` role, a
            managed bot role, an owner member and the bot as a member.
        shard_count: Shard count advertised by ``GET /gateway/bot``; events for a guild go to
            the session identified for ``(guild_id >> 22) % shard_count``.
        heartbeat_interval: Milliseconds announced in HELLO.
        bot_username: The bot user's name.
        token: If set, IDENTIFY/RESUME and authenticated REST calls must use it (else 4004/401).
        app_permissions: The bot's permissions (managed role and interactions' app_permissions).
        application_flags: ``application.flags`` in READY and application info.
        nonce_window: Seconds during which ``enforce_nonce`` de-duplicates channel messages.
        echo_bot_messages: Dispatch MESSAGE_CREATE for non-ephemeral messages the bot creates
            (as Discord does), to sessions with the GUILD_MESSAGES / DIRECT_MESSAGES intent.
        callback_window: If set, an interaction callback arriving more than this many seconds
            after the interaction was created (its snowflake's time: when it was sent, unless
            it was sent with an ``age``) is refused with 404 ``Unknown interaction`` (10062),
            as Discord does after 3 s; ``None`` (default) accepts late callbacks.
    """

    def __init__(
        self,
        application_id: int,
        bot_user_id: int,
        guild_ids: Sequence[int],
        *,
        shard_count: int = 1,
        heartbeat_interval: int = 41250,
        bot_username: str = "FakeBot",
        token: str | None = None,
        app_permissions: str = DEFAULT_APP_PERMISSIONS,
        application_flags: int = DEFAULT_APPLICATION_FLAGS,
        nonce_window: float = 300.0,
        echo_bot_messages: bool = True,
        callback_window: float | None = None,
    ) -> None:
        if shard_count < 1:
            raise ValueError("shard_count must be >= 1")
        self.application_id = int(application_id)
        self.bot_user_id = int(bot_user_id)
        self.shard_count = shard_count
        self.heartbeat_interval = heartbeat_interval
        self.token = token
        self.app_permissions = app_permissions
        self.application_flags = application_flags
        self.nonce_window = nonce_window
        self.echo_bot_messages = echo_bot_messages
        self.callback_window = callback_window

        self._ids = _SnowflakeFactory()
        self.port: int = 0

        #: Every REST request, in arrival order.
        self.requests: list[RecordedRequest] = []
        #: Messages created in each channel (bot messages, interaction responses, followups and
        #: messages injected with :meth:`send_user_message`), oldest first.
        self.messages: dict[int, list[JSON]] = {}
        #: Interactions sent with :meth:`send_interaction` and friends, by interaction id.
        self.interactions: dict[int, FakeInteraction] = {}
        #: Interactions whose answer is on screen (see ``FakeInteraction.answered_at``), ever;
        #: not reset by :meth:`clear_history`.
        self.answered_count = 0
        #: Callbacks refused because they came after ``callback_window``, ever.
        self.expired_callbacks = 0
        #: Last bulk-synced commands per scope: ``None`` = global, else the guild id.
        self.commands: dict[int | None, list[JSON]] = {}
        #: Known users by id (the bot, guild owners, interaction users ...).
        self.users: dict[int, FakeUser] = {}
        #: Guilds by id.
        self.guilds: dict[int, FakeGuild] = {}
        #: Every IDENTIFY ``d`` payload received.
        self.identify_payloads: list[JSON] = []
        #: When each IDENTIFY arrived (``time.monotonic()``), in the order of the payloads.
        self.identify_times: list[float] = []
        #: Every RESUME ``d`` payload received.
        self.resume_payloads: list[JSON] = []
        #: Every gateway WebSocket connection accepted.
        self.gateway_connections: list[GatewayConnectionInfo] = []
        #: Number of heartbeats received.
        self.heartbeat_count = 0
        #: Gateway payloads with other opcodes (presence, voice state ...) as received.
        self.other_gateway_payloads: list[JSON] = []

        self._faults: list[_FaultRule] = []
        self._delays: list[_DelayRule] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._dm_channels: dict[int, int] = {}  # channel id -> recipient user id
        self._message_index: dict[int, JSON] = {}  # message id -> message
        self._by_token: dict[str, FakeInteraction] = {}  # interaction token -> interaction
        self._nonces: dict[tuple[int, str], tuple[float, JSON]] = {}
        self._echoed: set[int] = set()
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._change_waiters: list[asyncio.Future[None]] = []
        self._runner: web.AppRunner | None = None

        self.users[self.bot_user_id] = FakeUser(self.bot_user_id, bot_username, bot=True)
        self.owner_user = FakeUser(self._ids.next(), "guild-owner")
        self.users[self.owner_user.id] = self.owner_user
        for gid in guild_ids:
            self._add_guild(int(gid))

        self._routes: list[tuple[str, re.Pattern[str], _Handler]] = []
        self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The REST base, ``http://127.0.0.1:PORT/api/v10`` (for ``discord.http.Route.BASE``)."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """The ``resume_gateway_url`` sent in READY (same server, path ``/gateway/resume``)."""
        return f"ws://127.0.0.1:{self.port}/gateway/resume"

    async def start(self) -> None:
        """Bind ``127.0.0.1`` on an ephemeral port and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application()
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_get("/gateway/resume", self._gateway_handler)
        app.router.add_route("*", "/{tail:.*}", self._rest_handler)
        runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._runner = runner
        _log.debug("FakeDiscord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close every gateway connection and stop the server (bounded to a few seconds)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        for conn in list(self._connections):
            conn.server_closed = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), timeout=2.0)
            if conn.transport is not None:
                conn.transport.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(runner.cleanup(), timeout=5.0)
        for waiter in self._change_waiters:
            if not waiter.done():
                waiter.cancel()
        self._change_waiters.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ world set-up

    def _add_guild(self, guild_id: int) -> FakeGuild:
        guild = FakeGuild(
            id=guild_id,
            name=f"Guild {guild_id}",
            channel_id=self._ids.next(),
            owner_id=self.owner_user.id,
        )
        guild.roles[guild_id] = FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0)
        bot_role = FakeRole(
            self._ids.next(),
            self.users[self.bot_user_id].username,
            self.app_permissions,
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot_user_id)},
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner_user.id] = FakeMember(self.owner_user.id)
        guild.members[self.bot_user_id] = FakeMember(self.bot_user_id, roles=[bot_role.id])
        self.guilds[guild_id] = guild
        self.messages.setdefault(guild.channel_id, [])
        return guild

    def add_user(self, user_id: int, username: str | None = None, *, bot: bool = False) -> FakeUser:
        """Register (or return) a user."""
        user = self.users.get(user_id)
        if user is None:
            user = FakeUser(user_id, username or f"user{user_id}", bot=bot)
            self.users[user_id] = user
        elif username is not None:
            user.username = username
        return user

    def add_role(self, guild_id: int, name: str, permissions: int | str = 0) -> FakeRole:
        """Create a role in a guild (call before the client connects for it to be in the cache,
        or dispatch GUILD_ROLE_CREATE yourself)."""
        guild = self.guilds[guild_id]
        role = FakeRole(self._ids.next(), name, str(int(permissions)), position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        username: str | None = None,
        roles: Sequence[int] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """Add a user to a guild (or update the member's roles/nick)."""
        self.add_user(user_id, username)
        guild = self.guilds[guild_id]
        member = guild.members.get(user_id)
        if member is None:
            member = FakeMember(user_id, roles=[int(r) for r in roles], nick=nick)
            guild.members[user_id] = member
        else:
            if roles:
                member.roles = [int(r) for r in roles]
            if nick is not None:
                member.nick = nick
        return member

    @property
    def default_guild_id(self) -> int:
        """The first guild's id."""
        if not self.guilds:
            raise RuntimeError("FakeDiscord has no guilds")
        return next(iter(self.guilds))

    @property
    def default_channel_id(self) -> int:
        """The first guild's text channel id."""
        return self.guilds[self.default_guild_id].channel_id

    def dm_channel_id(self, user_id: int) -> int:
        """Return (creating it if needed) the DM channel id between the bot and ``user_id``."""
        for cid, recipient in self._dm_channels.items():
            if recipient == user_id:
                return cid
        self.add_user(user_id)
        cid = self._ids.next()
        self._dm_channels[cid] = user_id
        self.messages.setdefault(cid, [])
        return cid

    # ------------------------------------------------------------------ payload builders

    def _user_payload(self, user_id: int) -> JSON:
        return self.add_user(user_id).to_payload()

    def _member_payload(
        self, guild: FakeGuild, member: FakeMember, *, with_user: bool = True
    ) -> JSON:
        payload: JSON = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            payload["user"] = self._user_payload(member.user_id)
        return payload

    def _guild_channel_payload(self, guild: FakeGuild) -> JSON:
        return {
            "id": str(guild.channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": guild.channel_name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": self._last_message_id(guild.channel_id),
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _dm_channel_payload(self, channel_id: int) -> JSON:
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": self._last_message_id(channel_id),
            "recipients": [self._user_payload(self._dm_channels[channel_id])],
            "flags": 0,
        }

    def _last_message_id(self, channel_id: int) -> str | None:
        msgs = self.messages.get(channel_id) or []
        return msgs[-1]["id"] if msgs else None

    def _guild_for_channel(self, channel_id: int) -> FakeGuild | None:
        for guild in self.guilds.values():
            if guild.channel_id == channel_id:
                return guild
        return None

    def _channel_payload(self, channel_id: int) -> JSON | None:
        guild = self._guild_for_channel(channel_id)
        if guild is not None:
            return self._guild_channel_payload(guild)
        if channel_id in self._dm_channels:
            return self._dm_channel_payload(channel_id)
        return None

    def guild_payload(self, guild_id: int) -> JSON:
        """The full GUILD_CREATE payload for a guild."""
        guild = self.guilds[guild_id]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": str(guild.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "nsfw": False,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "vanity_url_code": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "roles": [r.to_payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [self._guild_channel_payload(guild)],
            "threads": [],
            "members": [self._member_payload(guild, m) for m in guild.members.values()],
            "member_count": len(guild.members),
            "large": False,
            "lazy": True,
            "unavailable": False,
            "joined_at": guild.joined_at,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "application_command_counts": {},
            "incidents_data": None,
            "hub_type": None,
            "latest_onboarding_question_id": None,
            "inventory_settings": None,
            "home_header": None,
            "version": int(time.time() * 1000),
        }

    def _application_payload(self) -> JSON:
        return {
            "id": str(self.application_id),
            "name": self.users[self.bot_user_id].username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner_user.to_payload(),
            "team": None,
            "flags": self.application_flags,
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "bot": self.users[self.bot_user_id].to_payload(),
        }

    def _bot_self_payload(self) -> JSON:
        payload = self.users[self.bot_user_id].to_payload()
        payload.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return payload

    # ------------------------------------------------------------------ change notification

    def _notify(self) -> None:
        waiters, self._change_waiters = self._change_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,
        *,
        what: str = "condition",
        poll_interval: float = 0.02,
    ) -> None:
        """Wait until ``predicate()`` is true.

        It is re-checked on every REST request, gateway payload and connection change of the
        fake, and every ``poll_interval`` seconds (so it also works for conditions on the
        client's side).  Raises :class:`TimeoutError` after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._change_waiters.append(waiter)
                    # Woken by any change in the fake; also polls, for client-side conditions.
                    await asyncio.wait({waiter}, timeout=poll_interval)
                    if not waiter.done():
                        waiter.cancel()
                        self._change_waiters.remove(waiter)
        except TimeoutError:
            raise TimeoutError(f"FakeDiscord: {what} not met within {timeout}s") from None

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,
        *,
        include_past: bool = True,
    ) -> RecordedRequest:
        """Wait for a REST request (already answered) matching ``predicate`` and return it.

        With ``include_past`` (default) requests received before the call count too.
        """
        start = 0 if include_past else len(self.requests)
        found: list[RecordedRequest] = []

        def check() -> bool:
            for req in self.requests[start:]:
                if req.status is not None and predicate(req):
                    found.append(req)
                    return True
            return False

        try:
            await self.wait_until(check, timeout, what="request")
        except TimeoutError:
            seen = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-15:])
            raise TimeoutError(
                f"FakeDiscord: no matching request within {timeout}s; last requests: {seen}"
            ) from None
        return found[0]

    def requests_matching(self, method: str, path_glob: str) -> list[RecordedRequest]:
        """Recorded requests whose method (``"*"`` = any) and path match ``path_glob``."""
        return [r for r in self.requests if r.matches(method, path_glob)]

    def clear_history(self) -> None:
        """Forget recorded requests, messages and answered interactions (long benchmarks).

        Interactions still waiting for their answer are kept, so their callbacks and followups
        still work; so are users, guilds, commands and gateway sessions.
        """
        self.requests.clear()
        for channel_messages in self.messages.values():
            channel_messages.clear()
        self._message_index.clear()
        self._nonces.clear()
        self._echoed.clear()
        for inter in list(self.interactions.values()):
            if inter.answered_at is not None:
                del self.interactions[inter.id]
                del self._by_token[inter.token]

    async def wait_for_response(
        self, interaction: FakeInteraction | int, timeout: float = 5.0
    ) -> FakeInteraction:
        """Wait until the bot has called the interaction callback; return the interaction."""
        inter = self._interaction(interaction)
        await self.wait_until(
            lambda: inter.responded, timeout, what=f"response to interaction {inter.id}"
        )
        return inter

    async def wait_for_followups(
        self, interaction: FakeInteraction | int, count: int = 1, timeout: float = 5.0
    ) -> list[JSON]:
        """Wait until the interaction has at least ``count`` followup messages; return them."""
        inter = self._interaction(interaction)
        await self.wait_until(
            lambda: len(inter.followups) >= count,
            timeout,
            what=f"{count} followup(s) to interaction {inter.id}",
        )
        return inter.followups

    def _interaction(self, interaction: FakeInteraction | int) -> FakeInteraction:
        if isinstance(interaction, FakeInteraction):
            return interaction
        return self.interactions[int(interaction)]

    # ------------------------------------------------------------------ gateway: public API

    @property
    def identify_count(self) -> int:
        """Number of IDENTIFY payloads received."""
        return len(self.identify_payloads)

    @property
    def resume_count(self) -> int:
        """Number of RESUME payloads received (successful or not)."""
        return len(self.resume_payloads)

    @property
    def session_seqs(self) -> dict[str, int]:
        """Each known gateway session (connected or resumable): its id -> the last ``s`` sent."""
        return {sid: session.seq for sid, session in self._sessions.items()}

    @property
    def connected_sessions(self) -> int:
        """Number of sessions that currently have a live connection."""
        return sum(1 for s in self._sessions.values() if s.conn is not None)

    async def dispatch(self, event_name: str, data: JSON, *, shard_id: int | None = None) -> int:
        """Send a DISPATCH (op 0) event to every session that owns it.

        The owning shard is ``shard_id`` if given, else derived from ``data["guild_id"]`` (or
        ``data["id"]`` for ``GUILD_*`` events), else shard 0.  Sessions that are currently
        disconnected get the event on RESUME.  Returns the number of sessions it was queued for;
        raises :class:`RuntimeError` if no gateway session exists.
        """
        if shard_id is None:
            shard_id = self._shard_for(event_name, data)
        sessions = [s for s in self._sessions.values() if self._session_owns(s, shard_id)]
        if not sessions:
            raise RuntimeError(f"FakeDiscord.dispatch({event_name}): no gateway session")
        for session in sessions:
            await self._dispatch_to(session, event_name, data)
        return len(sessions)

    async def drop_connections(self, code: int | None = 4000, timeout: float = 5.0) -> int:
        """Drop every gateway connection; sessions stay resumable.

        ``code`` closes with a WebSocket close frame carrying that code (4000 = "unknown
        error, reconnect"); ``None`` aborts the TCP connection without a close frame.
        Returns the number of connections dropped.
        """
        conns = list(self._connections)
        for conn in conns:
            conn.server_closed = True
            if code is None:
                if conn.transport is not None:
                    conn.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(code=code), timeout=timeout)
        for conn in conns:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.done.wait(), timeout=timeout)
        return len(conns)

    async def invalidate_sessions(self, *, resumable: bool = False) -> int:
        """Send INVALID_SESSION (op 9) to every connected session.

        With ``resumable=False`` the sessions are forgotten, so discord.py re-IDENTIFYs (after
        sleeping 5 s in ``before_identify_hook``).  Returns the number of sessions told.
        """
        told = 0
        for session in list(self._sessions.values()):
            conn = session.conn
            if conn is None:
                continue
            if not resumable:
                self._sessions.pop(session.session_id, None)
            await self._send_frame(conn, {"op": OP_INVALID_SESSION, "d": resumable})
            told += 1
        self._notify()
        return told

    async def request_reconnect(self) -> int:
        """Send RECONNECT (op 7) to every connected session; discord.py then RESUMEs."""
        told = 0
        for session in self._sessions.values():
            if session.conn is not None:
                await self._send_frame(session.conn, {"op": OP_RECONNECT, "d": None})
                told += 1
        return told

    # ------------------------------------------------------------------ gateway: internals

    def _shard_of_guild(self, guild_id: int) -> int:
        return (guild_id >> 22) % self.shard_count

    def _shard_for(self, event_name: str, data: Mapping[str, Any]) -> int:
        guild_id = data.get("guild_id")
        if guild_id is None and event_name.startswith("GUILD_") and "id" in data:
            guild_id = data["id"]
        if guild_id is None:
            return 0
        return self._shard_of_guild(int(guild_id))

    def _session_owns(self, session: _Session, shard_id: int) -> bool:
        if session.shard is None or session.shard[1] <= 1:
            return True
        return session.shard[0] == shard_id

    async def _send_frame(self, conn: _Connection, frame: JSON) -> bool:
        if conn.ws.closed:
            return False
        try:
            await conn.ws.send_str(_json_dumps(frame))
        except (ConnectionError, RuntimeError) as exc:
            _log.debug("FakeDiscord: gateway send failed: %r", exc)
            return False
        return True

    async def _dispatch_to(self, session: _Session, event_name: str, data: JSON) -> None:
        async with session.lock:
            session.seq += 1
            frame = _json_dumps({"op": OP_DISPATCH, "t": event_name, "s": session.seq, "d": data})
            session.events.append((session.seq, frame))
            conn = session.conn
            if conn is not None and not conn.ws.closed:
                try:
                    await conn.ws.send_str(frame)
                except (ConnectionError, RuntimeError) as exc:
                    _log.debug("FakeDiscord: dispatch %s not delivered: %r", event_name, exc)

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=5.0, max_msg_size=0)
        await ws.prepare(request)
        info = GatewayConnectionInfo(
            path=request.path, query=dict(request.query), time=time.monotonic()
        )
        conn = _Connection(ws=ws, transport=request.transport, info=info)
        self.gateway_connections.append(info)
        self._connections.add(conn)
        self._notify()
        try:
            await self._send_frame(
                conn,
                {
                    "op": OP_HELLO,
                    "d": {
                        "heartbeat_interval": self.heartbeat_interval,
                        "_trace": ['["fake-discord-gateway",{"micros":0.0}]'],
                    },
                    "s": None,
                    "t": None,
                },
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    await self._on_gateway_payload(conn, payload)
                elif msg.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                else:
                    break
        except Exception:
            _log.exception("FakeDiscord: gateway handler failed")
            raise
        finally:
            self._connections.discard(conn)
            info.closed_at = time.monotonic()
            info.close_code = ws.close_code
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                client_closed_cleanly = not conn.server_closed and ws.close_code in (1000, 1001)
                if client_closed_cleanly:
                    # A clean close by the client ends the session, as on Discord.
                    self._sessions.pop(session.session_id, None)
            conn.done.set()
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: _Connection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeat_count += 1
            await self._send_frame(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY and isinstance(data, dict):
            self.identify_payloads.append(data)
            self.identify_times.append(time.monotonic())
            await self._on_identify(conn, data)
        elif op == OP_RESUME and isinstance(data, dict):
            self.resume_payloads.append(data)
            await self._on_resume(conn, data)
        elif op == OP_REQUEST_GUILD_MEMBERS and isinstance(data, dict):
            self.other_gateway_payloads.append(payload)
            await self._on_request_members(conn, data)
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            self.other_gateway_payloads.append(payload)
        else:
            self.other_gateway_payloads.append(payload)
            _log.debug("FakeDiscord: unknown gateway payload %r", payload)
        self._notify()

    def _token_ok(self, token: Any) -> bool:
        if self.token is None:
            return isinstance(token, str) and bool(token)
        return bool(token == self.token)

    async def _on_identify(self, conn: _Connection, data: JSON) -> None:
        if not self._token_ok(data.get("token")):
            conn.server_closed = True
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard: tuple[int, int] | None = None
        raw_shard = data.get("shard")
        if isinstance(raw_shard, list) and len(raw_shard) == 2:
            shard = (int(raw_shard[0]), int(raw_shard[1]))
            if shard[1] != self.shard_count or not 0 <= shard[0] < shard[1]:
                conn.server_closed = True
                await conn.ws.close(code=4010, message=b"Invalid shard.")
                return
        # A new IDENTIFY for a shard abandons that shard's disconnected sessions (the bot was
        # restarted); discord.py's Client.close() closes with 4000, so they would linger.
        for stale in list(self._sessions.values()):
            if stale.conn is None and stale.shard == shard:
                del self._sessions[stale.session_id]
        session = _Session(
            session_id=secrets.token_hex(16), shard=shard, intents=int(data.get("intents") or 0)
        )
        self._sessions[session.session_id] = session
        conn.session = session
        guilds = [
            g
            for g in self.guilds.values()
            if shard is None or self._shard_of_guild(g.id) == shard[0]
        ]
        ready: JSON = {
            "v": 10,
            "user": self._bot_self_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "guild_join_requests": [],
            "relationships": [],
            "presences": [],
            "private_channels": [],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "auth": {},
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "geo_ordered_rtc_regions": ["fake"],
            "_trace": ['["fake-discord-gateway",{"micros":0.0}]'],
        }
        if shard is not None:
            ready["shard"] = [shard[0], shard[1]]
        session.conn = conn
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_to(session, "GUILD_CREATE", self.guild_payload(guild.id))

    async def _on_resume(self, conn: _Connection, data: JSON) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or not self._token_ok(data.get("token")):
            await self._send_frame(conn, {"op": OP_INVALID_SESSION, "d": False})
            return
        last_seq = data.get("seq")
        async with session.lock:
            old = session.conn
            session.conn = conn
            conn.session = session
            if old is not None and old is not conn:
                old.server_closed = True
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(old.ws.close(code=4000), timeout=2.0)
            for seq, frame in list(session.events):
                if last_seq is None or seq > int(last_seq):
                    await conn.ws.send_str(frame)
                    conn.info.replayed += 1
            session.seq += 1
            resumed = {
                "op": OP_DISPATCH,
                "t": "RESUMED",
                "s": session.seq,
                "d": {"_trace": ['["fake-discord-gateway",{"micros":0.0}]']},
            }
            frame = _json_dumps(resumed)
            session.events.append((session.seq, frame))
            await conn.ws.send_str(frame)

    async def _on_request_members(self, conn: _Connection, data: JSON) -> None:
        session = conn.session
        if session is None:
            return
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        wanted = {int(u) for u in (data.get("user_ids") or [])}
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        members = []
        for member in guild.members.values():
            if wanted and member.user_id not in wanted:
                continue
            if query and not self.users[member.user_id].username.lower().startswith(query):
                continue
            members.append(self._member_payload(guild, member))
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _echo_message(self, message: JSON) -> None:
        """Dispatch MESSAGE_CREATE for a newly visible bot message, as Discord does."""
        if not self.echo_bot_messages:
            return
        flags = int(message.get("flags") or 0)
        mid = int(message["id"])
        if flags & (FLAG_EPHEMERAL | FLAG_LOADING) or mid in self._echoed:
            return
        self._echoed.add(mid)
        await self._dispatch_message_create(message)

    async def _dispatch_message_create(self, message: JSON) -> None:
        channel_id = int(message["channel_id"])
        guild = self._guild_for_channel(channel_id)
        data = dict(message)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            author_id = int(message["author"]["id"])
            member = guild.members.get(author_id)
            if member is not None and not message.get("webhook_id"):
                data["member"] = self._member_payload(guild, member, with_user=False)
            intent = INTENT_GUILD_MESSAGES
            shard_id = self._shard_of_guild(guild.id)
        else:
            intent = INTENT_DIRECT_MESSAGES
            shard_id = 0
        for session in list(self._sessions.values()):
            if self._session_owns(session, shard_id) and session.intents & intent:
                await self._dispatch_to(session, "MESSAGE_CREATE", data)

    # ------------------------------------------------------------------ interactions

    def _resolve_option_value(
        self,
        otype: int,
        value: Any,
        guild: FakeGuild | None,
        resolved: dict[str, dict[str, JSON]],
    ) -> Any:
        if otype in (6, 7, 8, 9):
            sid = _snowflake_arg(value)
            oid = int(sid)
            if otype == 9:
                otype = 8 if guild is not None and oid in guild.roles else 6
            if otype == 6:
                resolved.setdefault("users", {})[sid] = self._user_payload(oid)
                if guild is not None and oid in guild.members:
                    member = self._member_payload(guild, guild.members[oid], with_user=False)
                    member["permissions"] = "0"
                    resolved.setdefault("members", {})[sid] = member
            elif otype == 7:
                channel = self._channel_payload(oid) or {"id": sid, "type": 0, "name": "unknown"}
                channel = dict(channel)
                channel["permissions"] = self.app_permissions
                resolved.setdefault("channels", {})[sid] = channel
            elif otype == 8 and guild is not None and oid in guild.roles:
                resolved.setdefault("roles", {})[sid] = guild.roles[oid].to_payload()
            return sid
        if otype == 4:
            return int(value)
        if otype == 10:
            return float(value)
        if otype == 5:
            return bool(value)
        return str(value)

    def _find_command(self, root: str, guild_id: int | None, command_type: int) -> JSON | None:
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd.get("name") == root and int(cmd.get("type", 1)) == command_type:
                    return cmd
        return None

    def _base_interaction(
        self,
        *,
        interaction_type: int,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        permissions: str,
        roles: Sequence[int],
        dm: bool,
        locale: str,
        app_permissions: str | None,
        age: float = 0.0,
    ) -> tuple[JSON, FakeGuild | None, int]:
        self.add_user(user_id)
        guild: FakeGuild | None = None
        if dm:
            channel_id = channel_id or self.dm_channel_id(user_id)
        else:
            guild = self.guilds[guild_id if guild_id is not None else self.default_guild_id]
            channel_id = channel_id or guild.channel_id
        interaction_id = self._ids.backdated(age) if age else self._ids.next()
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "token": f"fake-interaction-{interaction_id}-{secrets.token_urlsafe(24)}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "app_permissions": app_permissions or self.app_permissions,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        channel = self._channel_payload(channel_id)
        if channel is None:
            channel = {"id": str(channel_id), "type": 0, "name": "unknown"}
        channel = dict(channel)
        channel["permissions"] = permissions
        payload["channel_id"] = str(channel_id)
        payload["channel"] = channel
        if guild is not None:
            member = self.add_member(guild.id, user_id, roles=roles)
            member_payload = self._member_payload(guild, member)
            member_payload["permissions"] = permissions
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = member_payload
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["user"] = self._user_payload(user_id)
            payload["authorizing_integration_owners"] = {"0": str(user_id)}
            payload["context"] = 1
        return payload, guild, channel_id

    async def _send_interaction_payload(
        self, payload: JSON, name: str, guild: FakeGuild | None, channel_id: int, user_id: int
    ) -> FakeInteraction:
        inter = FakeInteraction(
            id=int(payload["id"]),
            token=str(payload["token"]),
            type=int(payload["type"]),
            name=name,
            guild_id=guild.id if guild is not None else None,
            channel_id=channel_id,
            user_id=user_id,
            payload=payload,
        )
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        shard_id = self._shard_of_guild(guild.id) if guild is not None else 0
        inter.sent_at = time.monotonic()
        created = ((inter.id >> 22) + DISCORD_EPOCH_MS) / 1000
        inter.created_at = inter.sent_at - max(0.0, time.time() - created)
        await self.dispatch("INTERACTION_CREATE", payload, shard_id=shard_id)
        return inter

    async def send_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        permissions: str = "0",
        type: int = INTERACTION_APPLICATION_COMMAND,
        *,
        roles: Sequence[int] = (),
        focused: str | None = None,
        command_type: int = 1,
        target_id: int | None = None,
        dm: bool = False,
        locale: str = "en-US",
        app_permissions: str | None = None,
        age: float = 0.0,
    ) -> FakeInteraction:
        """Dispatch an application-command (``type=2``) or autocomplete (``type=4``) interaction.

        Args:
            name: Command path, e.g. ``"ping"`` or ``"awards next"`` (subcommand) or
                ``"admin facts add"`` (group + subcommand).
            options: Leaf options as ``{name: value}`` (types come from the synced command
                if known, else are inferred: bool 5, int 4, float 10, str 3; user/channel/role
                values may be ids or objects with ``.id`` and are added to ``resolved``) or a
                list of raw option dicts.
            guild_id: Guild (default: the first guild); ignored with ``dm=True``.
            channel_id: Channel (default: the guild's text channel / the user's DM channel).
            user_id: Invoking user; added to the guild as a member if needed.
            permissions: ``member.permissions`` (what discord.py's permission checks read).
            type: Interaction type: 2 application command, 4 autocomplete.
            roles: Role ids of the invoking member.
            focused: For autocomplete, the option being typed (default: the last option).
            command_type: 1 slash, 2 user context menu, 3 message context menu.
            target_id: Target user/message id for context-menu commands.
            dm: Send from the user's DM channel instead of a guild.
            locale: The user's locale.
            app_permissions: Override the bot's ``app_permissions``.
            age: Seconds the interaction has already waited: its id (a snowflake, which is
                where discord.py's ``Interaction.created_at`` comes from) carries a time that
                far in the past, as when Discord's event sat in a queue before delivery.

        Returns:
            The :class:`FakeInteraction` (``.id``, ``.token``, and later the bot's response).
        """
        payload, guild, cid = self._base_interaction(
            interaction_type=type,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            dm=dm,
            locale=locale,
            app_permissions=app_permissions,
            age=age,
        )
        # Slash command paths split on spaces; context-menu names may contain spaces.
        parts = name.split() if command_type == 1 else [name]
        if not parts or not parts[0]:
            raise ValueError("empty command name")
        command = self._find_command(parts[0], guild.id if guild else None, command_type)
        data: JSON = {
            "id": str(command["id"]) if command else str(self._ids.next()),
            "name": parts[0],
            "type": command_type,
        }
        if command is not None and command.get("guild_id"):
            data["guild_id"] = str(command["guild_id"])
        resolved: dict[str, dict[str, JSON]] = {}
        if command_type == 1:
            schema: Mapping[str, Any] | None = command
            path_types: list[int] = []
            for index, part in enumerate(parts[1:]):
                sub = _find_option(schema, part)
                default_type = 2 if index < len(parts) - 2 else 1
                path_types.append(int(sub["type"]) if sub is not None else default_type)
                schema = sub
            leaf: list[JSON] = []
            if isinstance(options, Mapping):
                for opt_name, value in options.items():
                    opt_schema = _find_option(schema, opt_name)
                    otype = (
                        int(opt_schema["type"])
                        if opt_schema is not None
                        else _infer_option_type(value)
                    )
                    opt: JSON = {"name": opt_name, "type": otype}
                    if type == INTERACTION_AUTOCOMPLETE and (
                        opt_name == focused or (focused is None and opt_name == list(options)[-1])
                    ):
                        opt["value"] = value if isinstance(value, str) else str(value)
                        opt["focused"] = True
                    else:
                        opt["value"] = self._resolve_option_value(otype, value, guild, resolved)
                    leaf.append(opt)
            elif options is not None:
                leaf = [dict(o) for o in options]
            nested: list[JSON] = leaf
            for part, ptype in reversed(list(zip(parts[1:], path_types, strict=True))):
                nested = [{"name": part, "type": ptype, "options": nested}]
            if nested:
                data["options"] = nested
        else:
            if target_id is None:
                raise ValueError("context-menu commands need target_id")
            data["target_id"] = str(target_id)
            if command_type == 2:
                self._resolve_option_value(6, target_id, guild, resolved)
            else:
                target = self._message_index.get(int(target_id))
                if target is None:
                    raise ValueError(f"unknown target message {target_id}")
                resolved["messages"] = {str(target_id): target}
        if resolved:
            data["resolved"] = resolved
        payload["data"] = data
        return await self._send_interaction_payload(payload, name, guild, cid, user_id)

    async def send_component_interaction(
        self,
        message: JSON | int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        user_id: int = DEFAULT_USER_ID,
        permissions: str = "0",
        roles: Sequence[int] = (),
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a component interaction (button ``component_type=2``, string select 3 ...)
        on a message the bot created (a message dict from :attr:`messages` or its id)."""
        msg = self._message_index[int(message if isinstance(message, int) else message["id"])]
        channel_id = int(msg["channel_id"])
        guild = self._guild_for_channel(channel_id)
        payload, guild, cid = self._base_interaction(
            interaction_type=INTERACTION_MESSAGE_COMPONENT,
            guild_id=guild.id if guild else None,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            dm=guild is None,
            locale=locale,
            app_permissions=None,
        )
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        payload["data"] = data
        payload["message"] = msg
        return await self._send_interaction_payload(payload, custom_id, guild, cid, user_id)

    async def send_modal_submit(
        self,
        custom_id: str,
        values: Mapping[str, str],
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        permissions: str = "0",
        roles: Sequence[int] = (),
        dm: bool = False,
    ) -> FakeInteraction:
        """Dispatch a modal submission; ``values`` maps text-input custom ids to values."""
        payload, guild, cid = self._base_interaction(
            interaction_type=INTERACTION_MODAL_SUBMIT,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            permissions=permissions,
            roles=roles,
            dm=dm,
            locale="en-US",
            app_permissions=None,
        )
        payload["data"] = {
            "custom_id": custom_id,
            "components": [
                {
                    "type": 1,
                    "id": index + 1,
                    "components": [{"type": 4, "id": 100 + index, "custom_id": k, "value": v}],
                }
                for index, (k, v) in enumerate(values.items())
            ],
        }
        return await self._send_interaction_payload(payload, custom_id, guild, cid, user_id)

    async def send_user_message(
        self, content: str, *, channel_id: int | None = None, user_id: int = DEFAULT_USER_ID
    ) -> JSON:
        """Create a message from a (non-bot) user and dispatch MESSAGE_CREATE for it."""
        channel_id = channel_id or self.default_channel_id
        guild = self._guild_for_channel(channel_id)
        if guild is not None:
            self.add_member(guild.id, user_id)
        else:
            self.add_user(user_id)
        message = self._new_message(channel_id, {"content": content}, author_id=user_id)
        await self._dispatch_message_create(message)
        return message

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        path_glob: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` instead of handling them.

        ``path_glob`` is an :mod:`fnmatch` pattern on the path relative to :attr:`api_base`
        (``*`` also matches ``/``), e.g. ``"/interactions/*/callback"``.  A 429 gets Discord's
        body ``{"message": "You are being rate limited.", "retry_after": ..., "global": ...}``
        (``retry_after`` defaults to 0.2 s) and the headers ``Retry-After``, ``X-RateLimit-*``
        and ``Via`` (without ``Via`` discord.py treats a 429 as a Cloudflare ban and does not
        retry).  Other statuses get ``{"message": "<status>: <reason>", "code": 0}`` unless
        ``body`` is given.
        """
        self._faults.append(
            _FaultRule(
                method=method.upper(),
                path_glob=path_glob,
                status=status,
                remaining=times,
                retry_after=retry_after,
                body=body,
                is_global=is_global,
            )
        )

    def set_delay(self, path_glob: str, seconds: float | None, *, method: str = "*") -> None:
        """Delay answers to matching requests by ``seconds`` (``None``/0 removes the delay)."""
        self._delays = [
            d for d in self._delays if not (d.path_glob == path_glob and d.method == method.upper())
        ]
        if seconds:
            self._delays.append(_DelayRule(method.upper(), path_glob, float(seconds)))

    def clear_faults(self) -> None:
        """Remove every pending ``fail_next`` rule and every delay."""
        self._faults.clear()
        self._delays.clear()

    def _take_fault(self, method: str, path: str) -> _FaultRule | None:
        for rule in self._faults:
            if _method_matches(rule.method, method) and fnmatch.fnmatchcase(path, rule.path_glob):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._faults.remove(rule)
                return rule
        return None

    def _fault_response(self, rule: _FaultRule) -> tuple[int, Any, dict[str, str]]:
        headers: dict[str, str] = {}
        if rule.status == 429:
            retry_after = 0.2 if rule.retry_after is None else rule.retry_after
            body = rule.body
            if body is None:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": rule.is_global,
                }
            headers.update(
                {
                    "Retry-After": str(max(1, int(retry_after + 0.999))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                    "X-RateLimit-Bucket": "fakebucket" + secrets.token_hex(4),
                    "X-RateLimit-Scope": "global" if rule.is_global else "user",
                }
            )
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        if rule.body is not None:
            return rule.status, rule.body, headers
        try:
            phrase = HTTPStatus(rule.status).phrase
        except ValueError:
            phrase = "Error"
        message = f"{rule.status}: {phrase}"
        return rule.status, {"message": message, "code": 0}, headers

    # ------------------------------------------------------------------ REST plumbing

    @staticmethod
    def _make_response(status: int, body: Any, headers: Mapping[str, str]) -> web.Response:
        all_headers = {"Via": "1.1 google"}
        all_headers.update(headers)
        if status == 204 or body is None:
            return web.Response(status=204 if body is None else status, headers=all_headers)
        all_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=_json_dumps(body).encode(), headers=all_headers)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                raw = await part.read(decode=False)
                if part.name == "payload_json":
                    payload = json.loads(bytes(raw).decode())
                else:
                    files.append(
                        UploadedFile(
                            field_name=part.name or "",
                            filename=part.filename,
                            size=len(raw),
                            content_type=part.headers.get("Content-Type"),
                        )
                    )
            return payload, files
        raw_body = await request.read()
        if not raw_body:
            return None, []
        text = raw_body.decode(errors="replace")
        try:
            return json.loads(text), []
        except ValueError:
            return text, []

    def _needs_auth(self, path: str) -> bool:
        return not path.startswith(_UNAUTHENTICATED_PREFIXES)

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        full_path = request.path
        path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX + "/") else full_path
        body, files = await self._read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            time=time.monotonic(),
            headers=dict(request.headers),
            files=files,
        )
        self.requests.append(rec)
        headers: dict[str, str] = {}
        try:
            for delay in self._delays:
                if _method_matches(delay.method, rec.method) and fnmatch.fnmatchcase(
                    path, delay.path_glob
                ):
                    await asyncio.sleep(delay.seconds)
                    break
            fault = self._take_fault(rec.method, path) if path != full_path else None
            if fault is not None:
                status, payload, headers = self._fault_response(fault)
            elif path == full_path:
                status, payload = _not_found()
            elif (
                self.token is not None
                and self._needs_auth(path)
                and request.headers.get("Authorization") != f"Bot {self.token}"
            ):
                status, payload = _error(401, "401: Unauthorized")
            else:
                status, payload = await self._route(rec)
        except Exception:
            _log.exception("FakeDiscord: error handling %s %s", rec.method, path)
            status, payload = _error(500, "500: Internal Server Error")
        rec.status = status
        rec.response = payload
        self._notify()
        return self._make_response(status, payload, headers)

    async def _route(self, rec: RecordedRequest) -> _Result:
        for method, pattern, handler in self._routes:
            if method != rec.method:
                continue
            match = pattern.fullmatch(rec.path)
            if match is not None:
                return await handler(rec, match.groupdict())
        return _not_found()

    def _build_routes(self) -> None:
        app = r"/applications/(?P<app>\d+)"
        guild_cmds = app + r"/guilds/(?P<guild>\d+)/commands"
        webhook = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        channel = r"/channels/(?P<cid>\d+)"
        guild = r"/guilds/(?P<guild>\d+)"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", "/gateway", self._r_gateway),
            ("GET", "/gateway/bot", self._r_gateway_bot),
            ("GET", "/users/@me", self._r_me),
            ("GET", r"/users/(?P<user_id>\d+)", self._r_user),
            ("POST", "/users/@me/channels", self._r_create_dm),
            ("GET", "/applications/@me", self._r_application),
            ("GET", "/oauth2/applications/@me", self._r_application),
            ("PUT", app + "/commands", self._r_put_commands),
            ("GET", app + "/commands", self._r_get_commands),
            ("POST", app + "/commands", self._r_post_command),
            ("PUT", guild_cmds, self._r_put_commands),
            ("GET", guild_cmds, self._r_get_commands),
            ("POST", guild_cmds, self._r_post_command),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._r_cb),
            ("GET", webhook + "/messages/@original", self._r_wh_get),
            ("PATCH", webhook + "/messages/@original", self._r_wh_edit),
            ("DELETE", webhook + "/messages/@original", self._r_wh_del),
            ("GET", webhook + r"/messages/(?P<mid>\d+)", self._r_wh_get),
            ("PATCH", webhook + r"/messages/(?P<mid>\d+)", self._r_wh_edit),
            ("DELETE", webhook + r"/messages/(?P<mid>\d+)", self._r_wh_del),
            ("POST", webhook, self._r_followup),
            ("GET", channel, self._r_get_channel),
            ("POST", channel + "/messages", self._r_create_message),
            ("GET", channel + "/messages", self._r_history),
            ("GET", channel + r"/messages/(?P<mid>\d+)", self._r_get_message),
            ("PATCH", channel + r"/messages/(?P<mid>\d+)", self._r_edit_message),
            ("DELETE", channel + r"/messages/(?P<mid>\d+)", self._r_delete_message),
            ("POST", channel + "/typing", self._r_typing),
            ("GET", guild, self._r_get_guild),
            ("GET", guild + "/channels", self._r_guild_channels),
            ("GET", guild + "/roles", self._r_guild_roles),
            ("GET", guild + r"/members/(?P<user_id>\d+)", self._r_member),
        ]
        self._routes = [(m, re.compile(p), h) for m, p, h in table]

    # ------------------------------------------------------------------ REST: misc

    async def _r_gateway(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        return 200, {"url": self.gateway_url}

    async def _r_gateway_bot(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        return 200, {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    async def _r_me(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        return 200, self._bot_self_payload()

    async def _r_user(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        user = self.users.get(int(p["user_id"]))
        if user is None:
            return _error(404, "Unknown User", 10013)
        return 200, user.to_payload()

    async def _r_create_dm(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        body = rec.json if isinstance(rec.json, dict) else {}
        recipient = body.get("recipient_id")
        if recipient is None:
            return _error(400, "Invalid Form Body", 50035)
        return 200, self._dm_channel_payload(self.dm_channel_id(int(recipient)))

    async def _r_application(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        return 200, self._application_payload()

    async def _r_typing(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        if self._channel_payload(int(p["cid"])) is None:
            return _error(404, "Unknown Channel", 10003)
        return 204, None

    async def _r_get_guild(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        if int(p["guild"]) not in self.guilds:
            return _error(404, "Unknown Guild", 10004)
        payload = self.guild_payload(int(p["guild"]))
        for key in ("channels", "members", "threads", "voice_states", "presences"):
            payload.pop(key, None)
        return 200, payload

    async def _r_guild_channels(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        guild = self.guilds.get(int(p["guild"]))
        if guild is None:
            return _error(404, "Unknown Guild", 10004)
        return 200, [self._guild_channel_payload(guild)]

    async def _r_guild_roles(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        guild = self.guilds.get(int(p["guild"]))
        if guild is None:
            return _error(404, "Unknown Guild", 10004)
        return 200, [r.to_payload() for r in guild.roles.values()]

    async def _r_member(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        guild = self.guilds.get(int(p["guild"]))
        if guild is None:
            return _error(404, "Unknown Guild", 10004)
        member = guild.members.get(int(p["user_id"]))
        if member is None:
            return _error(404, "Unknown Member", 10007)
        return 200, self._member_payload(guild, member)

    # ------------------------------------------------------------------ REST: commands

    def _command_scope(self, p: Mapping[str, str]) -> int | _Result | None:
        if int(p["app"]) != self.application_id:
            return _error(403, "Missing Access", 50001)
        if "guild" in p and p["guild"] is not None:
            guild_id = int(p["guild"])
            if guild_id not in self.guilds:
                return _error(403, "Missing Access", 50001)
            return guild_id
        return None

    def _echo_command(self, scope: int | None, cmd: Mapping[str, Any]) -> JSON:
        ctype = int(cmd.get("type", 1) or 1)
        key = (scope, str(cmd.get("name")), ctype)
        command_id = self._command_ids.get(key)
        if command_id is None:
            command_id = self._command_ids[key] = self._ids.next()
        out: JSON = {
            "name_localizations": None,
            "description_localizations": None,
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
        }
        out.update(cmd)
        out.update(
            {
                "id": str(command_id),
                "application_id": str(self.application_id),
                "version": str(self._ids.next()),
                "type": ctype,
                "description": cmd.get("description", "") if ctype == 1 else "",
            }
        )
        if scope is not None:
            out["guild_id"] = str(scope)
        if ctype != 1:
            out.pop("options", None)
        return out

    async def _r_put_commands(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        scope = self._command_scope(p)
        if isinstance(scope, tuple):
            return scope
        body = rec.json if isinstance(rec.json, list) else []
        echoed = [self._echo_command(scope, cmd) for cmd in body]
        self.commands[scope] = echoed
        return 200, echoed

    async def _r_get_commands(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        scope = self._command_scope(p)
        if isinstance(scope, tuple):
            return scope
        return 200, list(self.commands.get(scope, []))

    async def _r_post_command(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        scope = self._command_scope(p)
        if isinstance(scope, tuple):
            return scope
        if not isinstance(rec.json, dict):
            return _error(400, "Invalid Form Body", 50035)
        cmd = self._echo_command(scope, rec.json)
        existing = self.commands.setdefault(scope, [])
        existing[:] = [c for c in existing if c["id"] != cmd["id"]] + [cmd]
        return 200, cmd

    # ------------------------------------------------------------------ REST: messages

    def _new_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        *,
        author_id: int,
        files: Sequence[UploadedFile] = (),
        interaction: FakeInteraction | None = None,
        flags: int | None = None,
    ) -> JSON:
        message_id = self._ids.next()
        message: JSON = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self._user_payload(author_id),
            "content": str(body.get("content") or ""),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(body, files, []),
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "reactions": [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
            "sticker_items": [],
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll") is not None:
            message["poll"] = body["poll"]
        reference = body.get("message_reference")
        if isinstance(reference, Mapping) and reference.get("message_id") is not None:
            referenced = self._message_index.get(int(reference["message_id"]))
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel_id),
            }
            message["referenced_message"] = referenced
        if interaction is not None:
            user = self._user_payload(interaction.user_id)
            message["type"] = 20 if interaction.type == INTERACTION_APPLICATION_COMMAND else 0
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            metadata: JSON = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            if interaction.type == INTERACTION_APPLICATION_COMMAND:
                metadata["name"] = interaction.name
                message["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.name,
                    "user": user,
                }
            if interaction.type == INTERACTION_MESSAGE_COMPONENT:
                metadata["interacted_message_id"] = interaction.payload["message"]["id"]
            message["interaction_metadata"] = metadata
        self.messages.setdefault(channel_id, []).append(message)
        self._message_index[message_id] = message
        self._notify()
        return message

    def _attachments(
        self, body: Mapping[str, Any], files: Sequence[UploadedFile], existing: Sequence[JSON]
    ) -> list[JSON]:
        by_id = {str(a.get("id")): a for a in existing}
        out: list[JSON] = []
        uploads = {f.field_name: f for f in files}
        listed = body.get("attachments")
        if listed is None:
            listed = [{"id": i, "filename": f.filename} for i, f in enumerate(files)]
        for item in listed:
            key = str(item.get("id"))
            if key in by_id:
                out.append(by_id[key])
                continue
            upload = uploads.get(f"files[{key}]")
            filename = item.get("filename") or (upload.filename if upload else "file")
            aid = self._ids.next()
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            attachment: JSON = {
                "id": str(aid),
                "filename": filename,
                "size": upload.size if upload else 0,
                "url": url,
                "proxy_url": url,
            }
            if upload is not None and upload.content_type:
                attachment["content_type"] = upload.content_type
            if item.get("description"):
                attachment["description"] = item["description"]
            out.append(attachment)
        return out

    def _edit_message(
        self, message: JSON, body: Mapping[str, Any], files: Sequence[UploadedFile]
    ) -> JSON:
        for key in ("content", "embeds", "components"):
            if key in body:
                value = body[key]
                message[key] = (
                    ("" if value is None else str(value)) if key == "content" else list(value or [])
                )
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files, message["attachments"])
        if "flags" in body and body["flags"] is not None:
            keep = int(message.get("flags") or 0) & FLAG_EPHEMERAL
            message["flags"] = (int(body["flags"]) & ~FLAG_LOADING) | keep
        was_loading = int(message.get("flags") or 0) & FLAG_LOADING
        if was_loading:
            message["flags"] = int(message["flags"]) & ~FLAG_LOADING
        else:
            message["edited_timestamp"] = _now_iso()
        self._notify()
        return message

    def _remove_message(self, message: JSON) -> None:
        channel_msgs = self.messages.get(int(message["channel_id"]), [])
        channel_msgs[:] = [m for m in channel_msgs if m["id"] != message["id"]]
        self._message_index.pop(int(message["id"]), None)
        self._notify()

    async def _r_get_channel(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        channel = self._channel_payload(int(p["cid"]))
        if channel is None:
            return _error(404, "Unknown Channel", 10003)
        return 200, channel

    async def _r_create_message(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        channel_id = int(p["cid"])
        if self._channel_payload(channel_id) is None:
            return _error(404, "Unknown Channel", 10003)
        body = rec.json if isinstance(rec.json, dict) else {}
        if rec.files and "attachments" not in body:
            body = {**body, "attachments": [{"id": i} for i in range(len(rec.files))]}
        invalid = _validate_message_body(body, require_content=True)
        if invalid is not None:
            return invalid
        nonce = body.get("nonce")
        key = (channel_id, str(nonce))
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(key)
            if seen is not None and now - seen[0] <= self.nonce_window:
                return 200, seen[1]
        message = self._new_message(channel_id, body, author_id=self.bot_user_id, files=rec.files)
        if nonce is not None:
            self._nonces[key] = (now, message)
        await self._echo_message(message)
        return 200, message

    async def _r_history(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        channel_id = int(p["cid"])
        if self._channel_payload(channel_id) is None:
            return _error(404, "Unknown Channel", 10003)
        limit = max(1, min(100, int(rec.query.get("limit", "50"))))
        msgs = list(self.messages.get(channel_id, []))
        if "before" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) < int(rec.query["before"])]
        if "after" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) > int(rec.query["after"])]
            return 200, list(reversed(msgs[:limit]))
        return 200, list(reversed(msgs))[:limit]

    def _channel_message(self, p: Mapping[str, str]) -> JSON | _Result:
        message = self._message_index.get(int(p["mid"]))
        if message is None or int(message["channel_id"]) != int(p["cid"]):
            return _error(404, "Unknown Message", 10008)
        return message

    async def _r_get_message(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        message = self._channel_message(p)
        return message if isinstance(message, tuple) else (200, message)

    async def _r_edit_message(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        message = self._channel_message(p)
        if isinstance(message, tuple):
            return message
        if int(message["author"]["id"]) != self.bot_user_id:
            return _error(403, "Cannot edit a message authored by another user", 50005)
        body = rec.json if isinstance(rec.json, dict) else {}
        invalid = _validate_message_body(body, require_content=False)
        if invalid is not None:
            return invalid
        return 200, self._edit_message(message, body, rec.files)

    async def _r_delete_message(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        message = self._channel_message(p)
        if isinstance(message, tuple):
            return message
        self._remove_message(message)
        return 204, None

    # ------------------------------------------------------------------ REST: interactions

    def _interaction_by_token(self, p: Mapping[str, str]) -> FakeInteraction | _Result:
        if int(p["app"]) != self.application_id:
            return _error(404, "Unknown Webhook", 10015)
        inter = self._by_token.get(p["token"])
        if inter is None:
            return _error(404, "Unknown Webhook", 10015)
        return inter

    async def _r_cb(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        inter = self.interactions.get(int(p["iid"]))
        if inter is None or inter.token != p["token"]:
            return _error(404, "Unknown interaction", 10062)
        inter.callback_attempts += 1
        if (
            self.callback_window is not None
            and inter.created_at is not None
            and rec.time - inter.created_at > self.callback_window
        ):
            self.expired_callbacks += 1
            return _error(404, "Unknown interaction", 10062)
        if inter.responded:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        body = rec.json if isinstance(rec.json, dict) else {}
        ctype = int(body.get("type") or 0)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        assert isinstance(data, dict)
        allowed = {
            INTERACTION_APPLICATION_COMMAND: {4, 5, 9},
            INTERACTION_MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            INTERACTION_AUTOCOMPLETE: {8},
            INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7},
        }.get(inter.type, set())
        if ctype not in allowed:
            return _error(400, "Invalid Form Body", 50035)
        if ctype == CALLBACK_CHANNEL_MESSAGE:
            if rec.files and not data.get("attachments"):
                data = {**data, "attachments": [{"id": i} for i in range(len(rec.files))]}
            invalid = _validate_message_body(data, require_content=True)
            if invalid is not None:
                return invalid
        result: JSON = {"id": str(inter.id), "type": inter.type}
        resource: JSON = {"type": ctype}
        message: JSON | None = None
        if ctype in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_DEFERRED_CHANNEL_MESSAGE):
            flags = int(data.get("flags") or 0) & FLAG_EPHEMERAL
            if ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
                message = self._new_message(
                    inter.channel_id,
                    {},
                    author_id=self.bot_user_id,
                    interaction=inter,
                    flags=flags | FLAG_LOADING,
                )
            else:
                message = self._new_message(
                    inter.channel_id,
                    data,
                    author_id=self.bot_user_id,
                    files=rec.files,
                    interaction=inter,
                    flags=int(data.get("flags") or 0),
                )
            inter.original_message = message
            result["response_message_id"] = message["id"]
            result["response_message_loading"] = ctype == CALLBACK_DEFERRED_CHANNEL_MESSAGE
            result["response_message_ephemeral"] = bool(flags)
        elif ctype in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            target = inter.payload.get("message")
            if isinstance(target, dict):
                updated = self._message_index.get(int(target["id"]), target)
                message = updated
                if ctype == CALLBACK_UPDATE_MESSAGE:
                    self._edit_message(updated, data, rec.files)
                inter.original_message = updated
                result["response_message_id"] = updated["id"]
                result["response_message_loading"] = False
                result["response_message_ephemeral"] = bool(
                    int(updated.get("flags") or 0) & FLAG_EPHEMERAL
                )
        inter.response_type = ctype
        inter.response_data = data
        inter.responded_at = rec.time
        if not inter.deferred:
            self._mark_answered(inter, rec)
        if message is not None:
            resource["message"] = message
        self._notify()
        if message is not None and ctype == CALLBACK_CHANNEL_MESSAGE:
            await self._echo_message(message)
        return 200, {"interaction": result, "resource": resource}

    def _mark_answered(self, inter: FakeInteraction, rec: RecordedRequest) -> None:
        if inter.answered_at is None:
            inter.answered_at = rec.time
            self.answered_count += 1

    def _webhook_message(self, inter: FakeInteraction, p: Mapping[str, str]) -> JSON | _Result:
        mid = p.get("mid")
        if mid is None:
            if inter.original_message is None or inter.original_deleted:
                return _error(404, "Unknown Message", 10008)
            return inter.original_message
        candidates = [*inter.followups]
        if inter.original_message is not None and not inter.original_deleted:
            candidates.append(inter.original_message)
        for message in candidates:
            if int(message["id"]) == int(mid):
                return message
        return _error(404, "Unknown Message", 10008)

    async def _r_wh_get(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        inter = self._interaction_by_token(p)
        if isinstance(inter, tuple):
            return inter
        message = self._webhook_message(inter, p)
        return message if isinstance(message, tuple) else (200, message)

    async def _r_wh_edit(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        inter = self._interaction_by_token(p)
        if isinstance(inter, tuple):
            return inter
        message = self._webhook_message(inter, p)
        if isinstance(message, tuple):
            return message
        body = rec.json if isinstance(rec.json, dict) else {}
        invalid = _validate_message_body(body, require_content=False)
        if invalid is not None:
            return invalid
        self._edit_message(message, body, rec.files)
        self._mark_answered(inter, rec)
        await self._echo_message(message)
        return 200, message

    async def _r_wh_del(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        inter = self._interaction_by_token(p)
        if isinstance(inter, tuple):
            return inter
        message = self._webhook_message(inter, p)
        if isinstance(message, tuple):
            return message
        if message is inter.original_message:
            inter.original_deleted = True
        else:
            inter.followups.remove(message)
        self._remove_message(message)
        return 204, None

    async def _r_followup(self, rec: RecordedRequest, p: dict[str, str]) -> _Result:
        inter = self._interaction_by_token(p)
        if isinstance(inter, tuple):
            return inter
        if not inter.responded:
            return _error(404, "Unknown Webhook", 10015)
        body = rec.json if isinstance(rec.json, dict) else {}
        if rec.files and "attachments" not in body:
            body = {**body, "attachments": [{"id": i} for i in range(len(rec.files))]}
        invalid = _validate_message_body(body, require_content=True)
        if invalid is not None:
            return invalid
        original = inter.original_message
        if (
            original is not None
            and not inter.original_deleted
            and int(original.get("flags") or 0) & FLAG_LOADING
        ):
            # Discord: the first followup after a deferral replaces the "thinking" message.
            self._edit_message(original, body, rec.files)
            self._mark_answered(inter, rec)
            await self._echo_message(original)
            return 200, original
        message = self._new_message(
            inter.channel_id,
            body,
            author_id=self.bot_user_id,
            files=rec.files,
            interaction=inter,
            flags=int(body.get("flags") or 0),
        )
        inter.followups.append(message)
        self._mark_answered(inter, rec)
        self._notify()
        await self._echo_message(message)
        if rec.query.get("wait", "true").lower() in ("0", "false"):
            return 204, None
        return 200, message
