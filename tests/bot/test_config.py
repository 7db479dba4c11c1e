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


# -- `lookback-bot ask` reads its few settings without pydantic (bot.quick_settings) ----------

QUICK_ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {"DATABASE_PATH": "/tmp/x.db", "LOG_LEVEL": " debug "},
    {"database_path": "~/lookback.db", "log_file": " /tmp/log.txt "},
    {"DATABASE_URL": "postgresql://u:p@h/db", "DISCORD_TOKEN": "  "},
    {"DATABASE_URL": " ", "DISCORD_TOKEN": "a.token.value"},
    {"DATABASE_URL": "mysql://h/db"},
    {"DATABASE_PATH": "  "},
    {"DATABASE_PATH": "/"},
    {"LOG_LEVEL": "LOUD"},
    {"OWNER_IDS": "1"},
    {"SHARD_IDS": "0"},
    {"DATABASE_PATH": "a.db", "database_path": "b.db"},
    {"PATH": "/usr/bin", "HOME": "/root", "LANG": "ja_JP.UTF-8"},
]


@pytest.mark.parametrize("env", QUICK_ENVIRONMENTS)
def test_quick_settings_are_the_settings_or_nothing(env: dict[str, str]) -> None:
    from bot.quick_settings import quick_settings

    quick = quick_settings(env, None)
    try:
        full: Settings | None = Settings.from_env(env, None)
    except SettingsError:
        full = None
    if full is None:
        assert quick is None  # Settings explains what is wrong, in its words
        return
    if quick is None:  # another setting to check: only then may the quick reader give up
        assert set(map(str.upper, env)) & {"OWNER_IDS", "SHARD_IDS", "DATABASE_PATH"}
        return
    for name in ("token", "database_path", "database_url", "log_level", "log_file", "database"):
        assert getattr(quick, name) == getattr(full, name), name
    assert quick.has_token == full.has_token
    assert "a.token.value" not in repr(quick)
    for where in ("other.db", "postgresql://h/other ", "sqlite:///x.db", "  "):
        moved = quick.with_database(where)
        try:
            expected: Settings | None = full.with_database(where)
        except SettingsError:
            expected = None
        if moved is None or expected is None:
            assert expected is None
            continue
        assert (moved.database, moved.database_path) == (expected.database, expected.database_path)


def test_quick_settings_know_every_setting_by_name(tmp_path: Path) -> None:
    from bot.quick_settings import OTHER_SETTINGS, QUICK_SETTINGS, quick_settings

    names = set()
    for field_name, field in Settings.model_fields.items():
        names.add(field_name.upper())
        if field.alias:
            names.add(field.alias.upper())
    assert names <= OTHER_SETTINGS | set(QUICK_SETTINGS)  # a new setting is listed there
    dotenv = tmp_path / ".env"
    assert quick_settings({}, dotenv) is not None
    dotenv.write_text("DATABASE_PATH=x.db\n", "utf-8")
    assert quick_settings({}, dotenv) is None  # python-dotenv's rules: Settings reads it


def test_ask_imports_neither_pydantic_nor_discord(tmp_path: Path) -> None:
    import subprocess
    import sys

    database = tmp_path / "lookback.db"
    code = (
        "import sys\nfrom bot.cli import main\n"
        "code = main(['ask', '--json', 'who directed look back'])\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_settings',"
        " 'discord', 'dotenv')]\n"
        "print('LOADED', loaded, code)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "LOADED [] 0" in result.stdout, result.stdout + result.stderr
