"""Settings: one declared class, read by pydantic-settings from the environment and `.env`.

Adding a setting is one field below: its type, default, environment name (`alias`) and
description. The environment wins over `.env`. A bad value is reported as one line naming the
setting (`SettingsError`), before anything connects. `.env.example` lists every setting.
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.logsetup import RedactingFilter, setup_logging

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "lookback.db"
#: The longest grace window for overdue reminders (a reminder older than this is "missed").
MAX_GRACE_SECONDS = 30 * 86_400
#: Discord caps a bot at this many shards per process group in practice; far above any need.
MAX_SHARDS = 16_384

#: The URLs DATABASE_URL (and `--database`) accept.
_DATABASE_SCHEMES = ("postgresql://", "postgres://", "sqlite:///")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _split_ids(value: Any) -> Any:
    """`1, 2;3 4` → a list of ID strings (validated as integers by the field type)."""
    if isinstance(value, str):
        parts = value.replace(";", ",").replace(" ", ",").split(",")
        return [part for part in parts if part]
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


DiscordId = Annotated[int, Field(ge=0, le=2**64 - 1)]
OptionalId = Annotated[DiscordId | None, BeforeValidator(_blank_to_none)]
IdList = Annotated[frozenset[DiscordId], NoDecode, BeforeValidator(_split_ids)]
ShardList = Annotated[tuple[int, ...] | None, NoDecode, BeforeValidator(_split_ids)]
OptionalText = Annotated[str | None, BeforeValidator(_strip), BeforeValidator(_blank_to_none)]

#: Environment to read instead of `os.environ` (`Settings.from_env(env=…)`, used by tests).
_ENVIRONMENT: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "settings_environment", default=None
)


class _MappingEnvSource(EnvSettingsSource):
    """Environment variables from a given mapping instead of `os.environ`."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._environ.items()}


class Settings(BaseSettings):
    """Everything the bot can be configured with. See `.env.example`."""

    model_config = SettingsConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="ignore",
        env_file=None,  # `from_env` names the file
        env_file_encoding="utf-8",
        case_sensitive=False,
    )

    token: OptionalText = Field(
        None, alias="DISCORD_TOKEN", repr=False, description="The bot token; none = console"
    )
    database_path: Path = Field(
        Path(DEFAULT_DATABASE), alias="DATABASE_PATH", description="The SQLite fact base file"
    )
    database_url: OptionalText = Field(
        None,
        alias="DATABASE_URL",
        repr=False,  # it may hold a password
        description="postgresql://… selects PostgreSQL; sqlite:///path a SQLite file",
    )
    owner_ids: IdList = Field(
        frozenset(), alias="OWNER_IDS", description="Users who may always use /admin"
    )
    dev_guild_id: OptionalId = Field(
        None, alias="DEV_GUILD_ID", description="Sync commands to this server at start-up"
    )
    log_level: LogLevel = Field("INFO", alias="LOG_LEVEL", description="Logging threshold")
    log_file: OptionalText = Field(
        None, alias="LOG_FILE", description="The console's log file (default: warnings on stderr)"
    )
    shard_count: Annotated[int | None, BeforeValidator(_blank_to_none)] = Field(
        None, alias="SHARD_COUNT", ge=1, le=MAX_SHARDS, description="Shards of the whole bot"
    )
    shard_ids: ShardList = Field(
        None, alias="SHARD_IDS", description="The shards this process runs (needs SHARD_COUNT)"
    )
    reminder_grace_seconds: int = Field(
        6 * 3600,
        alias="REMINDER_GRACE_SECONDS",
        ge=0,
        le=MAX_GRACE_SECONDS,
        description="How late an overdue reminder may still be sent",
    )
    reminder_lease_seconds: int = Field(
        30, alias="REMINDER_LEASE_SECONDS", ge=1, le=600, description="How long a claim holds"
    )
    api_base: OptionalText = Field(
        None, alias="DISCORD_API_BASE", description="Tests only: the Discord REST API"
    )
    gateway_url: OptionalText = Field(
        None, alias="DISCORD_GATEWAY_URL", description="Tests only: the Discord gateway"
    )

    _names: ClassVar[dict[str, str]] = {}

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_path", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("is blank; give a file path such as lookback.db")
            return Path(value.strip()).expanduser()
        return value

    @field_validator("database_url", mode="after")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("must start with postgresql://, postgres:// or sqlite:///")
        return value

    @field_validator("shard_ids", mode="after")
    @classmethod
    def _sorted(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return tuple(sorted(set(value))) if value is not None else None

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            if not self.shard_ids:
                raise ValueError("SHARD_IDS is empty; list the shards this process runs")
            outside = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if outside:
                raise ValueError(
                    f"SHARD_IDS {outside[:5]} are outside 0–{self.shard_count - 1} "
                    f"(SHARD_COUNT={self.shard_count})"
                )
        if self.database_path.is_dir():
            raise ValueError(f"DATABASE_PATH {self.database_path} is a folder; name a file in it")
        return self

    @property
    def database(self) -> Path | str:
        """Where the data lives: DATABASE_URL when set, else the file DATABASE_PATH."""
        return self.database_url or self.database_path

    @property
    def has_token(self) -> bool:
        """True when a Discord token is configured."""
        return bool(self.token)

    def with_database(self, path: Path | str) -> Settings:
        """The same settings on another database (`--database`: a file path or a URL),
        validated like the setting."""
        values = self.model_dump()
        text = str(path)
        if text.startswith(_DATABASE_SCHEMES):
            values["database_url"] = text
        else:
            values["database_url"] = None
            values["database_path"] = text
        try:
            return type(self).model_validate(values)
        except ValidationError as exc:
            message = _one_line(exc).replace("DATABASE_PATH", "--database")
            raise SettingsError(message.replace("DATABASE_URL", "--database")) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the environment, then `.env` (no secrets directory).

        Only `from_env` reads the environment: `Settings(...)` alone is exactly its arguments.
        """
        environ = _ENVIRONMENT.get()
        if environ is None:
            return (init_settings,)
        return init_settings, _MappingEnvSource(settings_cls, environ), dotenv_settings

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Settings from `env` (default `os.environ`) over the values in `dotenv`.

        Raises `SettingsError` with one line naming the setting and the problem.
        """
        if dotenv is not None and dotenv.is_file():
            try:
                dotenv.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise SettingsError(
                    f"{dotenv} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
                ) from None
            except OSError as exc:
                raise SettingsError(f"{dotenv} cannot be read ({exc.strerror})") from None
        token = _ENVIRONMENT.set(os.environ if env is None else env)
        try:
            return cls(_env_file=dotenv)  # type: ignore[call-arg]
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None
        finally:
            _ENVIRONMENT.reset(token)


def _one_line(exc: ValidationError) -> str:
    """The first problem of a validation error as 'NAME: what is wrong' (values cut short)."""
    error = exc.errors()[0]
    where = error.get("loc") or ()
    name = str(where[0]) if where else ""
    fields: dict[str, FieldInfo] = Settings.model_fields
    if name in fields and fields[name].alias:
        name = str(fields[name].alias)
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    value = error.get("input")
    shown = ""
    if name and isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value)
        shown = f" (got {text[:40] + '…' if len(text) > 40 else text!r})"
    if name.upper() == "DISCORD_TOKEN":
        shown = ""
    more = len(exc.errors()) - 1
    tail = f"; and {more} more problem(s)" if more > 0 else ""
    return f"{name + ': ' if name else ''}{message}{shown}{tail}"


__all__ = [
    "DEFAULT_DATABASE",
    "RedactingFilter",
    "Settings",
    "SettingsError",
    "setup_logging",
]
