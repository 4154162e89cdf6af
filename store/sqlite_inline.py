"""SQLite on the event loop's own thread: aiosqlite's connection, with its worker thread taken out.

aiosqlite runs every call (cursor, execute, fetchall, close: four per statement) on a thread of its
own and wakes the loop for each answer. Our statements take tens of microseconds; the hops cost
more than the work and hand the GIL back and forth, which made a command cost ~3x its CPU. Here
each call runs where it is made. A command's transaction then runs to its end without giving the
loop away, except when SQLite is busy: the busy timeout is 0 and the wait for another writer (of
another process; this one's take turns, see store/db.py) is an `asyncio.sleep`, so the loop serves
everyone else meanwhile instead of blocking in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import aiosqlite

# As SQLite's own busy handler: short sleeps first, then 100 ms at a time, up to the timeout.
BUSY_DELAYS = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)


class InlineConnection(aiosqlite.Connection):
    """The aiosqlite API SQLAlchemy's `sqlite+aiosqlite` dialect drives, run inline."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_timeout = busy_timeout
        # SQLAlchemy sets the isolation level by queueing a call on aiosqlite's queue directly.
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        started, delays = time.monotonic(), iter(BUSY_DELAYS)
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                # A stale snapshot (SQLITE_BUSY_SNAPSHOT) stays stale however long one waits.
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() - started >= self.busy_timeout:
                    raise
            await asyncio.sleep(next(delays, BUSY_DELAYS[-1]))

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


class _RunNow:
    """Stands for aiosqlite's queue of calls: runs each call as it is put, and answers its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as error:  # handed to whoever awaits the future, as aiosqlite does
            if future is not None:
                future.set_exception(error)
            return
        if future is not None:
            future.set_result(result)


def inline_creator(args: Sequence[Any], options: Mapping[str, Any], busy_timeout: float) -> Callable[[], Any]:
    """`create_async_engine(async_creator=…)`: `args` and `options` are `sqlite3.connect`'s, as
    the dialect reads them from the URL."""

    async def connect() -> InlineConnection:
        def connector() -> sqlite3.Connection:
            # Connections can outlive the loop that opened them (tests run set-up on loops of their own).
            connection: sqlite3.Connection = sqlite3.connect(*args, **{**options, "check_same_thread": False})
            return connection

        connection = InlineConnection(connector, busy_timeout)
        return await connection._connect()

    return connect
