"""A fake Discord (gateway + REST) on 127.0.0.1 for process-level tests of the bot."""

from .server import (
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_USER_ID,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    FakeRole,
    FakeUser,
    GatewayConnectionInfo,
    RecordedRequest,
    UploadedFile,
)

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
