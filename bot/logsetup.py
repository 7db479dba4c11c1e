"""Logging for every entry point: one format, and the token redacted from every line.

Apart from `bot.config` so that the command line can set up logging without importing
pydantic (a fifth of `lookback-bot ask`'s start-up).
"""

from __future__ import annotations

import logging
import sys
from typing import Protocol

log = logging.getLogger(__name__)


class LogSettings(Protocol):
    """What logging reads of the settings (`bot.config.Settings` has it)."""

    @property
    def token(self) -> str | None: ...
    @property
    def log_level(self) -> str: ...
    @property
    def log_file(self) -> str | None: ...


class RedactingFilter(logging.Filter):
    """Replaces the token in every log record, whatever logger wrote it."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message, traceback and stack with the secret blanked out."""
        secret = self._secret
        if not secret or len(secret) < 8:
            return True
        message = record.getMessage()
        if secret in message:
            record.msg = message.replace(secret, _REDACTED)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse `exc_text` when it is set: render the traceback once, redacted.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text and secret in record.exc_text:
            record.exc_text = record.exc_text.replace(secret, _REDACTED)
        if record.stack_info and secret in record.stack_info:
            record.stack_info = record.stack_info.replace(secret, _REDACTED)
        return True


_REDACTED = "[token redacted]"
_TRACEBACKS = logging.Formatter()


_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def setup_logging(settings: LogSettings, *, interactive: bool = False) -> None:
    """Configure root logging once, with the token redacted from every line.

    `interactive` (the console): INFO lines would land in the middle of the conversation, so
    they go to `LOG_FILE` when it is set, and only warnings and above reach the terminal unless
    LOG_LEVEL asks for DEBUG.
    """
    root = logging.getLogger()
    secret = RedactingFilter(settings.token)
    formatter = logging.Formatter(_FORMAT, "%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = []
    terminal = logging.StreamHandler(sys.stderr)
    if interactive and settings.log_level != "DEBUG":
        terminal.setLevel(logging.WARNING)
    handlers.append(terminal)
    if interactive and settings.log_file:
        try:
            to_file = logging.FileHandler(settings.log_file, encoding="utf-8")
        except OSError as exc:
            log.warning("LOG_FILE %s cannot be written (%s)", settings.log_file, exc.strerror)
        else:
            handlers.append(to_file)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(secret)
    root.handlers[:] = handlers
    root.setLevel(settings.log_level)
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
