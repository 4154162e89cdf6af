"""One person's messages are answered one at a time, in the order they arrived.

Adapters take updates concurrently so that a slow answer for one member never holds up the others,
but a flow's next answer depends on the last one, so each person waits for their own turn.
"""

from __future__ import annotations

import asyncio
import weakref


class Turns:
    def __init__(self) -> None:
        # Locks disappear with the last task holding or awaiting them: no growth with the user count.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def of(self, person: str) -> asyncio.Lock:
        lock = self._locks.get(person)
        if lock is None:
            lock = self._locks[person] = asyncio.Lock()
        return lock
