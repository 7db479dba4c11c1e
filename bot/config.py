"""Settings, read from the environment or a `.env` file (the environment wins)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "lookback.db"


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple `.env` file: `KEY=value` lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def _parse_ids(name: str, raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"{name} must be a list of numeric Discord IDs, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _parse_optional_id(name: str, raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a numeric Discord ID, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Everything the bot can be configured with. See `.env.example`."""

    token: str | None = field(default=None, repr=False)
    database_path: Path = Path(DEFAULT_DATABASE)
    owner_ids: frozenset[int] = frozenset()
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    reminder_grace_seconds: int = 6 * 3600
    reminder_lease_seconds: int = 30
    api_base: str | None = None  # tests only: where the Discord REST API lives
    gateway_url: str | None = None  # tests only: where the Discord gateway lives

    @property
    def has_token(self) -> bool:
        """True when a Discord token is configured."""
        return bool(self.token)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Build settings from `env` (default `os.environ`) over the values in `dotenv`."""
        merged: dict[str, str] = {}
        if dotenv is not None:
            merged.update(read_dotenv(dotenv))
        merged.update(os.environ if env is None else env)

        def get(name: str, default: str = "") -> str:
            return merged.get(name, default).strip()

        level = get("LOG_LEVEL", "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        shard_count = _parse_optional_id("SHARD_COUNT", get("SHARD_COUNT"))
        shard_ids_raw = get("SHARD_IDS")
        shard_ids = tuple(sorted(_parse_ids("SHARD_IDS", shard_ids_raw))) if shard_ids_raw else None
        if shard_ids is not None and shard_count is None:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT")
        grace_raw = get("REMINDER_GRACE_SECONDS", "21600")
        if not grace_raw.isdigit():
            raise SettingsError("REMINDER_GRACE_SECONDS must be a whole number of seconds")
        lease_raw = get("REMINDER_LEASE_SECONDS", "30")
        if not lease_raw.isdigit() or not 1 <= int(lease_raw) <= 600:
            raise SettingsError("REMINDER_LEASE_SECONDS must be a whole number from 1 to 600")
        return cls(
            token=get("DISCORD_TOKEN") or None,
            database_path=Path(get("DATABASE_PATH", DEFAULT_DATABASE)).expanduser(),
            owner_ids=_parse_ids("OWNER_IDS", get("OWNER_IDS")),
            dev_guild_id=_parse_optional_id("DEV_GUILD_ID", get("DEV_GUILD_ID")),
            log_level=level,
            shard_count=shard_count,
            shard_ids=shard_ids,
            reminder_grace_seconds=int(grace_raw),
            reminder_lease_seconds=int(lease_raw),
            api_base=get("DISCORD_API_BASE") or None,
            gateway_url=get("DISCORD_GATEWAY_URL") or None,
        )


class RedactingFilter(logging.Filter):
    """Replaces the token in every log record, whatever logger wrote it."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the secret blanked out."""
        if self._secret and len(self._secret) >= 8:
            message = record.getMessage()
            if self._secret in message:
                record.msg = message.replace(self._secret, "[token redacted]")
                record.args = None
        return True


def setup_logging(settings: Settings) -> None:
    """Configure root logging once, with the token redacted from every line."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactingFilter(settings.token))
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
