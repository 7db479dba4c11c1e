"""The few settings `lookback-bot ask` needs, read without pydantic when that is safe.

Importing pydantic-settings costs about a fifth of that command's start-up. `quick_settings`
reads the five settings `ask` uses (the token, for redacting logs; the database; the log level
and file) from the environment with the checks `bot.config.Settings` makes, and gives up —
returns None, so the caller reads `Settings` as always — whenever the answer could differ:
a `.env` file is there (python-dotenv's rules decide what it holds), another setting is set
(it must still be checked: a bad one stops every command), or a value is not plainly valid
(`Settings` then says what is wrong, in its words). `tests/bot/test_config.py` holds the two
to the same values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Protocol

#: The setting `Settings.database_path` defaults to (bot.config.DEFAULT_DATABASE).
_DEFAULT_DATABASE: Final = "lookback.db"
_DATABASE_SCHEMES: Final = ("postgresql://", "postgres://", "sqlite:///")
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The environment names read here; any other name of a setting (`OTHER_SETTINGS`) set in
#: the environment sends the caller to `Settings`.
QUICK_SETTINGS: Final = ("DISCORD_TOKEN", "DATABASE_PATH", "DATABASE_URL", "LOG_LEVEL", "LOG_FILE")
#: Every other name a `Settings` field is read by (aliases and field names, upper case).
OTHER_SETTINGS: Final = frozenset(
    {
        "TOKEN", "OWNER_IDS", "DEV_GUILD_ID", "SHARD_COUNT", "SHARD_IDS",
        "REMINDER_GRACE_SECONDS", "REMINDER_LEASE_SECONDS", "DISCORD_API_BASE", "API_BASE",
        "DISCORD_GATEWAY_URL", "GATEWAY_URL",
    }
)  # fmt: skip


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


class CommandSettings(Protocol):
    """What the command line's `ask` reads of its settings (`Settings` has it all)."""

    @property
    def token(self) -> str | None: ...
    @property
    def database_path(self) -> Path: ...
    @property
    def database_url(self) -> str | None: ...
    @property
    def log_level(self) -> str: ...
    @property
    def log_file(self) -> str | None: ...
    @property
    def database(self) -> Path | str: ...
    @property
    def has_token(self) -> bool: ...


@dataclass(frozen=True)
class QuickSettings:
    """The settings `quick_settings` read (the same values `Settings` would hold)."""

    token: str | None = None
    database_path: Path = Path(_DEFAULT_DATABASE)
    database_url: str | None = None
    log_level: str = "INFO"
    log_file: str | None = None

    def __repr__(self) -> str:
        return f"QuickSettings(database_path={self.database_path!r}, log_level={self.log_level!r})"

    @property
    def database(self) -> Path | str:
        """Where the data lives: DATABASE_URL when set, else the file DATABASE_PATH."""
        return self.database_url or self.database_path

    @property
    def has_token(self) -> bool:
        """True when a Discord token is configured."""
        return bool(self.token)

    def with_database(self, where: str) -> QuickSettings | None:
        """The same settings on another database (`--database`), or None when `Settings`
        must check it."""
        if where.startswith(_DATABASE_SCHEMES):
            return replace(self, database_url=where.strip())
        path = _path(where)
        return None if path is None else replace(self, database_url=None, database_path=path)


def _text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _path(value: str) -> Path | None:
    """DATABASE_PATH as `Settings` reads it, or None for what it refuses (blank, a folder)."""
    if not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    return None if path.is_dir() else path


def quick_settings(
    env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> QuickSettings | None:
    """The settings `ask` uses, from `env` (default `os.environ`), or None when
    `Settings.from_env(env, dotenv)` must read them (see the module docstring)."""
    if dotenv is not None and dotenv.exists():
        return None
    environ = os.environ if env is None else env
    found: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        if upper in OTHER_SETTINGS or (upper in found):
            return None  # another setting to check, or one named twice
        if upper in QUICK_SETTINGS:
            found[upper] = value
    settings = QuickSettings(token=_text(found.get("DISCORD_TOKEN", "")))
    if "DATABASE_PATH" in found:
        path = _path(found["DATABASE_PATH"])
        if path is None:
            return None
        settings = replace(settings, database_path=path)
    elif Path(_DEFAULT_DATABASE).is_dir():
        return None
    url = _text(found.get("DATABASE_URL", ""))
    if url is not None and not url.startswith(_DATABASE_SCHEMES):
        return None
    level = found.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in _LOG_LEVELS:
        return None
    return replace(
        settings, database_url=url, log_level=level, log_file=_text(found.get("LOG_FILE", ""))
    )
