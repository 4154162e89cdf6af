"""Errors whose message is meant for the person who typed the command.

The router turns these into a reply and rolls the transaction back; any other exception is a bug,
logged with a reference while the user only sees an apology with the same reference.
"""

from typing import Any


class UserError(Exception):
    """Base: `str(error)` is shown to the user as it is, with `buttons` (e.g. a "did you mean")."""

    def __init__(self, message: str = "", *, buttons: tuple[tuple[Any, ...], ...] = ()) -> None:
        super().__init__(message)
        # Rows of core.types.Button (not imported here: types does not depend on errors).
        self.buttons = buttons


class UsageError(UserError):
    """The arguments were wrong; the router adds the command's usage line and an example."""


class NotFound(UserError):
    pass


class NotAllowed(UserError):
    pass


class Unavailable(Exception):
    """The database did not answer; the user is told to try again shortly."""
