"""Start-up failures as one line an operator can act on, and a bounded retry for passing outages.

A database that is not up yet or a network that is not there yet (a container started before its
PostgreSQL, a laptop still joining the Wi-Fi) is worth a few more tries; a missing folder or a
refused token is not. Either way the operator reads what is wrong and what to do, not a traceback.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
FIRST_WAIT, LONGEST_WAIT = 1.0, 8.0  # seconds between attempts: doubling, capped
# Words in a PostgreSQL refusal that mean "not now" rather than "never" (server starting, full).
PASSING_TROUBLE = ("starting up", "shutting down", "too many", "connection")


class StartupFailure(Exception):
    """What is wrong and what to do, in one line; `transient` when trying again may help."""

    def __init__(self, line: str, *, transient: bool) -> None:
        super().__init__(line)
        self.line, self.transient = line, transient


def missing_folder(url: str) -> StartupFailure | None:
    """A SQLite file whose folder does not exist, said before any connection is tried (SQLite would
    only say "unable to open database file", and a failed aiosqlite connect leaves a thread behind)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    folder = Path(parsed.database).absolute().parent
    if folder.is_dir():
        return None
    return StartupFailure(
        f"The database folder {folder} does not exist: create it or set CLUSTERBOT_DATABASE_URL",
        transient=False,
    )


def database_failure(url: str, error: Exception) -> StartupFailure | None:
    """The operator's reading of a database that could not be opened; None for anything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if isinstance(error, DBAPIError):
            reason = _first_line(error.orig)
            return StartupFailure(
                f"The SQLite database {path} cannot be used ({reason}): check the file and its "
                "folder's permissions, or set CLUSTERBOT_DATABASE_URL",
                transient="locked" in reason,
            )
        return None
    where = f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"
    if isinstance(error, OSError):  # what asyncpg raises as it is: refused, unknown host, timeout
        reason = "connection refused" if isinstance(error, ConnectionRefusedError) else _first_line(error)
        return StartupFailure(
            f"{where} is not reachable ({reason}): start it, or check the host and port in "
            "CLUSTERBOT_DATABASE_URL",
            transient=True,
        )
    if isinstance(error, DBAPIError):
        reason = _first_line(error.orig)
        return StartupFailure(
            f"{where} refused: {reason}: check CLUSTERBOT_DATABASE_URL (user, password, database name)",
            transient=any(words in reason.lower() for words in PASSING_TROUBLE),
        )
    return None


async def retrying(
    start: Callable[[], Awaitable[T]], window: float, say: Callable[[str], None] | None = None
) -> T:
    """`start()`, tried again after a transient `StartupFailure` until `window` seconds have passed.

    Each failed attempt is one line (`say`, stderr by default); the last failure is raised with
    how long it was tried.
    """
    say = say or _to_stderr
    began, wait, attempts = time.monotonic(), FIRST_WAIT, 1
    while True:
        try:
            return await start()
        except StartupFailure as failure:
            elapsed = time.monotonic() - began
            if not failure.transient or elapsed >= window:
                if attempts > 1:
                    raise StartupFailure(
                        f"{failure.line} (gave up after {attempts} attempts in {elapsed:.0f} s)",
                        transient=True,
                    ) from failure
                raise
            pause = min(wait, window - elapsed)
            say(f"clusterbot: {failure.line}; trying again in {pause:.2g} s")
            await asyncio.sleep(pause)
            wait, attempts = min(wait * 2, LONGEST_WAIT), attempts + 1


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else ""
    return (text.splitlines() or [type(error).__name__])[0][:200]


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
