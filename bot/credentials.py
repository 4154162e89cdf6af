"""Whether a platform still accepts our token, for `/readyz`.

The platform is asked who we are (Telegram `getMe`, Slack `auth.test`) at start, and again by a
readiness check only when the last answer is older than `recheck` seconds: a revoked token shows
within a minute, and a load balancer polling every few seconds costs the platform one call a minute.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from core.metrics import PLATFORM_LAST_SUCCESS


class CredentialCheck:
    def __init__(
        self,
        platform: str,
        call: str,
        ask: Callable[[], Awaitable[object]],
        describe: Callable[[Exception], str],
        *,
        recheck: float = 60.0,
    ) -> None:
        """`ask` calls the platform's `call` (getMe, auth.test); `describe` words its refusals."""
        self.platform, self.call, self.ask, self.describe = platform, call, ask, describe
        self.recheck = recheck
        self.problem = "not started"
        self._last_success: float | None = None  # time.monotonic() of the last accepted call
        self._last_success_at: datetime | None = None

    def succeeded(self) -> None:
        self.problem = ""
        self._last_success, self._last_success_at = time.monotonic(), datetime.now(UTC)
        PLATFORM_LAST_SUCCESS.labels(self.platform).set(self._last_success_at.timestamp())

    def failed(self, error: Exception) -> str:
        """Remember the refusal; returns the reason as /readyz shows it."""
        self.problem = f"{self.call} failed: {self.describe(error)}"
        return self.problem

    def stopped(self) -> None:
        self.problem, self._last_success = "stopped", None

    async def check(self) -> str | None:
        """None while the platform accepted us lately; otherwise ask again, or say why not."""
        if self._last_success is None:
            return self.problem
        if not self.problem and time.monotonic() - self._last_success < self.recheck:
            return None
        try:
            await self.ask()
        except Exception as error:
            return f"{self.failed(error)} (last success {self._last_success_at:%Y-%m-%d %H:%M:%S} UTC)"
        self.succeeded()
        return None
