"""The token never reaches a log line: logged through the real logging set-up, in every way a
library might log it (in the message, in its arguments, in an exception being logged)."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterator

import pytest

from bot.config import Settings, setup_logging

TOKEN = "LookBackLogTest." + secrets.token_urlsafe(40)


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What the bot's own logging set-up (TOKEN configured) writes; the root logger is put
    back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging(Settings(token=TOKEN, log_level="DEBUG"))
    written = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(written)  # the handler and its filters as set up, another stream
    try:
        yield written
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_the_token_is_redacted_in_messages_and_arguments(output: io.StringIO) -> None:
    logging.getLogger("discord.http").info("PUT with Authorization: Bot %s", TOKEN)
    logging.getLogger("discord.gateway").info("IDENTIFY {'token': '%s'}", TOKEN)
    logging.getLogger("bot.anything").warning(f"an f-string with {TOKEN} inside")  # noqa: G004
    text = output.getvalue()
    assert TOKEN not in text
    for line in (
        "Authorization: Bot [token redacted]",
        "{'token': '[token redacted]'}",
        "an f-string with [token redacted] inside",
    ):
        assert line in text  # the lines were logged, the token blanked


def test_the_token_is_redacted_in_a_logged_exception(output: io.StringIO) -> None:
    try:
        raise RuntimeError(f"request failed: Authorization: Bot {TOKEN}")
    except RuntimeError:
        logging.getLogger("discord.client").exception("Attempting a reconnect")
    text = output.getvalue()
    assert "Attempting a reconnect" in text and "RuntimeError" in text
    assert TOKEN not in text
