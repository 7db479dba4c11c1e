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


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,5"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": ","}, "SHARD_IDS"),
        ({"REMINDER_GRACE_SECONDS": "9" * 40}, "REMINDER_GRACE_SECONDS"),
        ({"REMINDER_LEASE_SECONDS": "0"}, "REMINDER_LEASE_SECONDS"),
        ({"DATABASE_PATH": "   "}, "DATABASE_PATH"),
        ({"OWNER_IDS": "1, x" + "9" * 500}, "OWNER_IDS"),
    ],
)
def test_each_bad_setting_is_one_short_line_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, None)
    message = str(caught.value)
    assert message.startswith(named) or f" {named}" in message, message
    assert "\n" not in message and len(message) < 200, message


def test_a_database_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"DATABASE_PATH .* is a folder"):
        Settings.from_env({"DATABASE_PATH": str(tmp_path)}, None)


def test_a_dotenv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"DISCORD_TOKEN=caf\xe9\n")
    with pytest.raises(SettingsError, match=r"\.env is not UTF-8"):
        Settings.from_env({}, dotenv)


def test_settings_alone_are_their_arguments_and_from_env_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.setenv("SHARD_COUNT", "3")
    assert Settings().log_level == "INFO" and Settings().shard_count is None
    from_env = Settings.from_env(None, None)
    assert from_env.log_level == "WARNING" and from_env.shard_count == 3


def test_the_console_keeps_info_lines_off_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.config import setup_logging

    log_file = tmp_path / "console.log"
    token = "MTIzNDU2Nzg5.console.secret-token"
    settings = Settings(token=token, log_file=str(log_file))
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        setup_logging(settings, interactive=True)
        logging.getLogger("bot.test").info("Applying migration with %s", token)
        logging.getLogger("bot.test").warning("The database is read-only")
        for handler in logging.getLogger().handlers:
            handler.flush()
        terminal = capsys.readouterr().err
        assert "read-only" in terminal and "Applying migration" not in terminal
        written = log_file.read_text("utf-8")
        assert "Applying migration" in written and token not in written
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_database_url_selects_postgresql_and_a_path_keeps_sqlite() -> None:
    url = "postgresql://bot:secret@db.example:5432/lookback"
    settings = Settings.from_env({"DATABASE_URL": url}, None)
    assert settings.database == url
    assert "secret" not in repr(settings)
    assert Settings.from_env({}, None).database == Path("lookback.db")
    assert settings.with_database("other.db").database == Path("other.db")
    assert Settings.from_env({}, None).with_database(url).database == url
    assert Settings.from_env({"DATABASE_URL": "sqlite:///x.db"}, None).database == "sqlite:///x.db"


def test_a_database_url_of_another_kind_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL: must start with postgresql://"):
        Settings.from_env({"DATABASE_URL": "mysql://u@h/db"}, None)
    with pytest.raises(SettingsError, match="--database"):
        Settings.from_env({}, None).with_database("")
