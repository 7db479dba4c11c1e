"""Errors a user may see. Anything else is a bug: logged, and answered with an apology.

`database_unavailable` is the one place a SQLite failure is turned into what a user reads: a
locked, read-only, missing or failing database file is an expected fault of the machine the bot
runs on (the user gets a short reason and the assurance that nothing was changed), while any
other SQLite error (a constraint, a missing table) is a bug and goes down the apology path.
"""

from __future__ import annotations

import sqlite3

from bot.i18n import N_, Messages, Text

DB_BUSY = N_(
    "The fact base is busy right now (another program is writing to it), so nothing was "
    "changed. Please try again in a moment."
)
DB_READ_ONLY = N_(
    "The fact base is read-only right now, so nothing was changed. Reading still works; "
    "the bot's operator has been told."
)
DB_MISSING = N_(
    "The fact base file was removed or replaced while the bot was running, so nothing was "
    "changed. Reading still works; the bot's operator has been told."
)
DB_FAILING = N_(
    "The fact base can't be used right now (a storage problem), so nothing was changed. "
    "Please try again later."
)

DB_UNAVAILABLE = N_(
    "The fact base is busy or unavailable right now. "
    "Nothing was changed; please try again in a moment."
)

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_BY_CODE = {
    _BUSY: DB_BUSY,
    _LOCKED: DB_BUSY,
    _READONLY: DB_READ_ONLY,
    _IOERR: DB_FAILING,
    _CORRUPT: DB_FAILING,
    _FULL: DB_FAILING,
    _CANTOPEN: DB_FAILING,
    _NOTADB: DB_FAILING,
}
# For errors raised without a code (older Python, or built by hand in tests).
_BY_TEXT = (
    ("database is locked", DB_BUSY),
    ("database table is locked", DB_BUSY),
    ("readonly database", DB_READ_ONLY),
    ("disk i/o error", DB_FAILING),
    ("database or disk is full", DB_FAILING),
    ("unable to open database file", DB_FAILING),
    ("database disk image is malformed", DB_FAILING),
    ("file is not a database", DB_FAILING),
)


class UserFacingError(Exception):
    """An expected problem, shown to the user as a short ephemeral message.

    Raised with the English message as written in the catalogue and its values
    (`UserFacingError("`{key}` is hidden.", key=key)`), so it can be shown in the reader's
    language: `render(m)`. `message` is the English text (logs, the console, `ask --json`).
    """

    def __init__(self, message: str | Text, /, **values: object) -> None:
        self.text = message if isinstance(message, Text) else Text(message, **values)
        self.message = str(self.text)
        super().__init__(self.message)

    def render(self, m: Messages) -> str:
        """The message in `m`'s language."""
        return self.text.render(m)


class BadQuestion(UserFacingError):
    """The question cannot be answered as typed (empty, too long, …)."""


class NotFound(UserFacingError):
    """The entry asked for does not exist in this server."""


class DatabaseUnavailable(UserFacingError):
    """The fact base cannot be read or written right now."""

    def __init__(self, message: str | Text = DB_UNAVAILABLE) -> None:
        super().__init__(message)


class WriteRefused(sqlite3.OperationalError):
    """The database layer refused a write before starting it (the file is read-only, or is no
    longer the file that was opened). A SQLite error like any other to the code that catches
    those; `message` is what a user is told."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.text = Text(message)


def database_unavailable(error: BaseException) -> DatabaseUnavailable | None:
    """What to tell a user about a failed database operation; None when it is a bug."""
    if isinstance(error, DatabaseUnavailable):
        return error
    if isinstance(error, WriteRefused):
        return DatabaseUnavailable(error.text)
    if not isinstance(error, sqlite3.OperationalError) and type(error) is not sqlite3.DatabaseError:
        return None  # IntegrityError, ProgrammingError, …: our mistake, not the machine's
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _BY_CODE:
        return DatabaseUnavailable(_BY_CODE[code & 0xFF])
    text = str(error).lower()
    for fragment, message in _BY_TEXT:
        if fragment in text:
            return DatabaseUnavailable(message)
    return None


def is_busy(error: BaseException) -> bool:
    """True for SQLite's 'database is locked' (another connection holds the write lock)."""
    if isinstance(error, DatabaseUnavailable):
        return False
    found = database_unavailable(error)
    return found is not None and found.text.template == DB_BUSY
