"""Send slots under two limits at once: the platform's overall rate and a rate per chat.

python-telegram-bot's AIORateLimiter has no per-chat limit, lets bursts through and pauses every
request when one chat gets a retry-after. Here each send waits for its chat, then reserves the next
overall slot, so sends are spaced evenly at the overall rate, a busy chat never blocks the others, and a
retry-after holds back only the chat it was about.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    overall_per_second: float
    per_chat_per_second: float
    # Posts in one group chat or channel (Telegram: 20 a minute); None: like any chat.
    per_group_per_second: float | None = None


# What the platforms document: Telegram ~30 messages/s overall and 1/s per chat; Slack about one
# message per second per channel (its overall ceiling is enforced with 429s, which we wait out).
TELEGRAM_LIMITS = Limits(overall_per_second=30.0, per_chat_per_second=1.0, per_group_per_second=20 / 60)
SLACK_LIMITS = Limits(overall_per_second=20.0, per_chat_per_second=1.0)


class RateLimiter:
    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = limits.overall_per_second
        self.overall_gap = 1.0 / limits.overall_per_second
        self.chat_gap = 1.0 / limits.per_chat_per_second
        self.group_gap = 1.0 / (limits.per_group_per_second or limits.per_chat_per_second)
        self.clock, self.sleep = clock, sleep
        self.next_overall = 0.0
        self.next_for_chat: dict[str, float] = {}

    async def acquire(self, chat: str, *, group: bool = False) -> None:
        """Wait until the chat may receive again, then take the next overall slot.

        The chat's wait comes first and takes no overall slot, so a chat that is held back never
        holds back the others; between the last await and the reservation nothing can interleave.
        """
        while (wait := self.next_for_chat.get(chat, 0.0) - self.clock()) > 0:
            await self.sleep(wait)
        now = self.clock()
        slot = max(now, self.next_overall)
        self.next_overall = slot + self.overall_gap
        self.next_for_chat[chat] = slot + (self.group_gap if group else self.chat_gap)
        if len(self.next_for_chat) > 50_000:
            self._forget_idle_chats(now)
        if slot > now:
            await self.sleep(slot - now)

    def hold(self, chat: str, seconds: float) -> None:
        """The platform said 'retry after N seconds' for this chat: keep it quiet that long."""
        until = self.clock() + seconds
        self.next_for_chat[chat] = max(self.next_for_chat.get(chat, 0.0), until)

    def _forget_idle_chats(self, now: float) -> None:
        self.next_for_chat = {chat: at for chat, at in self.next_for_chat.items() if at > now}
