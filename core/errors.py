"""Errors whose message is meant for the person who typed the command.

The router turns these into a reply and rolls the transaction back; any other exception is a bug,
logged with a reference while the user only sees an apology with the same reference.
"""

from typing import Any


class UserError(Exception):
    """Base: `str(error)` is shown to the user as it is, with `buttons` (e.g. a "did you mean").

    `field` names the form field at fault (`title`, `start`) when one is, so a form can show the
    refusal beside that field; `reason` is the refusal alone, before the router adds the usage.
    """

    def __init__(
        self,
        message: str = "",
        *,
        buttons: tuple[tuple[Any, ...], ...] = (),
        field: str = "",
        reason: str = "",
    ) -> None:
        super().__init__(message)
        # Rows of core.types.Button (not imported here: types does not depend on errors).
        self.buttons = buttons
        self.field = field
        self.reason = reason or message


class UsageError(UserError):
    """The arguments were wrong; the router adds the command's usage line and an example."""


class NotFound(UserError):
    pass


class NotAllowed(UserError):
    pass


class Unavailable(Exception):
    """The database did not answer; the user is told to try again shortly."""
