"""Messages an adapter keeps redrawing in place while their answer asks for it (`Reply.refresh`).

A running broadcast's `announce status` is one: every few seconds the adapter runs the command
again as the person who asked (through the router, so their rights are checked each time) and
edits the message with the new answer, until an answer no longer carries `refresh`, an edit fails,
or `LIMIT` redraws have been made. The watchers live in the process that sent the message; a
restart forgets them, and the Refresh button still works.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# Redraw every EVERY seconds, at most LIMIT times (an hour), whatever the answer says.
EVERY = 5.0
LIMIT = 720

# Redraws the message once; True while it should be redrawn again.
Redraw = Callable[[], Awaitable[bool]]


class LiveMessages:
    def __init__(self, every: float = EVERY, limit: int = LIMIT) -> None:
        self.every, self.limit = every, limit
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def watching(self) -> int:
        return len(self._tasks)

    def watch(self, key: str, redraw: Redraw) -> None:
        """Redraw the message `key` names from now on; a newer watch of the same message replaces it."""
        older = self._tasks.pop(key, None)
        if older is not None:
            older.cancel()
        task = asyncio.create_task(self._run(redraw))
        self._tasks[key] = task
        task.add_done_callback(
            lambda done: self._tasks.pop(key, None) if self._tasks.get(key) is done else None
        )

    async def settled(self) -> None:
        """Return when every message watched now has stopped being redrawn."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, redraw: Redraw) -> None:
        for _ in range(self.limit):
            await asyncio.sleep(self.every)
            try:
                if not await redraw():
                    return
            except Exception:  # a message deleted, a platform refusing: stop redrawing that one
                log.warning("stopped redrawing a live message", exc_info=True)
                return
