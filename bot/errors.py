"""Errors a user may see. Anything else is a bug: logged, and answered with an apology."""

from __future__ import annotations


class UserFacingError(Exception):
    """An expected problem, shown to the user as a short ephemeral message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadQuestion(UserFacingError):
    """The question cannot be answered as typed (empty, too long, …)."""


class NotFound(UserFacingError):
    """The entry asked for does not exist in this server."""


class DatabaseUnavailable(UserFacingError):
    """The fact base cannot be read or written right now."""

    def __init__(
        self,
        message: str = "The fact base is busy or unavailable right now. "
        "Nothing was changed; please try again in a moment.",
    ) -> None:
        super().__init__(message)
