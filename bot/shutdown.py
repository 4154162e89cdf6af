"""Stopping `clusterbot run`: gracefully on SIGTERM or Ctrl-C, within a bound whatever hangs.

A container gives a process 10 s between SIGTERM and SIGKILL. The first signal starts a graceful
stop (no new work, what was claimed and not sent is released, connections closed), each step
bounded by the time left; a watchdog thread ends the process at `HARD_LIMIT_SECONDS` even if a
step or the interpreter's own exit hangs (aiosqlite's connection threads are not daemons, and a
graceful close has been seen to wait forever). A second signal exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable

log = logging.getLogger(__name__)

# Graceful steps must be done by then; the watchdog ends the process at the hard limit.
GRACE_SECONDS = 7.0
HARD_LIMIT_SECONDS = 9.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Shutdown:
    """The stop request of one `clusterbot run`, and the bounds on how long stopping may take."""

    def __init__(self, *, grace: float = GRACE_SECONDS, hard_limit: float = HARD_LIMIT_SECONDS) -> None:
        self.requested = asyncio.Event()
        self.grace, self.hard_limit = grace, hard_limit
        self.clean = True  # every step that holds work finished in time
        self._deadline: float | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in SIGNALS:
            loop.add_signal_handler(signum, self._on_signal, signum)

    def begin(self) -> None:
        """Start stopping (by signal, or because start-up failed): from now on time is bounded."""
        self.requested.set()
        if self._deadline is not None:
            return
        self._deadline = time.monotonic() + self.grace
        threading.Thread(target=self._watchdog, name="shutdown-watchdog", daemon=True).start()

    async def bounded(self, step: Awaitable[object], what: str, *, holds_work: bool = False) -> None:
        """Run one graceful step for at most the time left; a step that overruns is abandoned.

        `holds_work`: the step saves or hands back work (the outbox), so the exit is not clean
        without it; closing connections is not such a step, nothing is lost if one hangs.
        """
        self.begin()
        left = max((self._deadline or 0.0) - time.monotonic(), 0.1)
        try:
            async with asyncio.timeout(left):
                await step
        except TimeoutError:
            self.clean = self.clean and not holds_work
            log.warning("stopping: %s did not finish within the shutdown time; going on without it", what)

    def _on_signal(self, signum: int) -> None:
        if self.requested.is_set():
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            hard_exit(128 + signum)
        log.info("%s: stopping (a second one exits at once)", signal.Signals(signum).name)
        self.begin()

    def _watchdog(self) -> None:
        time.sleep(self.hard_limit)
        log.error("still not stopped after %s s; exiting now", self.hard_limit)
        hard_exit(0 if self.clean else 1)


def hard_exit(code: int) -> None:
    """Leave now, without waiting for threads or finalizers; what is logged so far is flushed."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(code)
