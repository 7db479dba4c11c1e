"""Settings and logging."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import RedactingFilter, Settings, SettingsError


def test_settings_come_from_env_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nDISCORD_TOKEN='from-file-token'\nOWNER_IDS=1, 2\nLOG_LEVEL=debug\n"
        "DATABASE_PATH=/tmp/x.db  # inline comment\n",
        "utf-8",
    )
    settings = Settings.from_env({"OWNER_IDS": "3"}, dotenv)
    assert settings.token == "from-file-token"
    assert settings.owner_ids == frozenset({3})
    assert settings.log_level == "DEBUG"
    assert str(settings.database_path) == "/tmp/x.db"
    assert "from-file-token" not in repr(settings)


@pytest.mark.parametrize(
    "env",
    [
        {"OWNER_IDS": "abc"},
        {"DEV_GUILD_ID": "x1"},
        {"LOG_LEVEL": "LOUD"},
        {"SHARD_IDS": "0"},
        {"REMINDER_GRACE_SECONDS": "-5"},
    ],
)
def test_bad_settings_are_explained(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env, None)


def test_the_token_never_reaches_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    token = "MTIzNDU2Nzg5.secret.token-value"
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter(token))
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("connecting with %s", token)
        logger.warning(f"header Authorization: Bot {token}")  # noqa: G004
    assert token not in caplog.text
    assert "[token redacted]" in caplog.text
