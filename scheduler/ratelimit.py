"""Send slots under two limits at once: the platform's overall rate and a rate per chat.

python-telegram-bot's AIORateLimiter has no per-chat limit, lets bursts through and pauses every
request when one chat gets a retry-after. Here each send waits for its chat, then reserves the next
overall slot, so sends are spaced evenly, a busy chat never blocks the others, and a retry-after
holds back only the chat it was about.

Sends are paced a few percent under the platform's limit (`MARGIN`): the platform counts our
sends in a sliding window when they arrive, and a send that leaves on time can arrive a little
late while the next one arrives early; paced at exactly the limit, every such pair is a 429.
A slot that went by unused is not made up for later, so a process that fell behind never bursts.

Several processes share one rate through a `SharedBudget`: the slots come from a row in the
database, taken a tenth of a second's worth at a time, so their sends together stay under the
limit however many processes there are.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from store.db import Database
from store.repository import store_transaction

log = logging.getLogger(__name__)

# The share of the platform's documented rate that we pace at.
MARGIN = 0.97
# How many seconds of sends a process takes from a shared budget at once.
SHARED_BATCH_SECONDS = 0.1
# After the shared budget could not be reached, wait this long before asking again.
BUDGET_RETRY_SECONDS = 0.25


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


class SlotBudget(Protocol):
    async def take(self, now: float, count: int, gap: float) -> float:
        """Reserve `count` slots `gap` seconds apart, none before `now`; returns the first."""
        ...


class SharedBudget:
    """A platform's slots from the database, shared by every process that sends on it.

    The row keeps seconds since the epoch, the one clock processes share; `now` and the slots
    handed back are in the limiter's own clock.
    """

    def __init__(self, db: Database, platform: str, *, wall: Callable[[], float] = time.time) -> None:
        self.db, self.platform, self.wall = db, platform, wall

    async def take(self, now: float, count: int, gap: float) -> float:
        wall_now = self.wall()
        async with store_transaction(self.db) as store:
            first = await store.send_budget.take(self.platform, wall_now, count, gap)
        return first - wall_now + now


class RateLimiter:
    def __init__(
        self,
        limits: Limits,
        *,
        margin: float = MARGIN,
        budget: SlotBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = limits.overall_per_second * margin
        self.overall_gap = 1.0 / self.per_second
        self.chat_gap = 1.0 / (limits.per_chat_per_second * margin)
        self.group_gap = 1.0 / ((limits.per_group_per_second or limits.per_chat_per_second) * margin)
        self.clock, self.sleep, self.budget = clock, sleep, budget
        self.next_overall = 0.0
        self.next_for_chat: dict[str, float] = {}
        # Slots taken from the shared budget and not used yet, earliest first.
        self._slots: deque[float] = deque()
        self._batch = max(1, math.ceil(self.per_second * SHARED_BATCH_SECONDS))
        self._late_enough = max(self.overall_gap, 1.0 - margin)
        self._taking = False

    async def acquire(self, chat: str, *, group: bool = False) -> None:
        """Wait until the chat may receive again, then take the next overall slot.

        The chat's wait comes first and takes no overall slot, so a chat that is held back never
        holds back the others; between the last await and the reservation nothing can interleave.
        """
        while True:
            while (wait := self.next_for_chat.get(chat, 0.0) - self.clock()) > 0:
                await self.sleep(wait)
            if self.budget is None or self._fresh_slots(self.clock()):
                break
            await self._take_slots()
        now = self.clock()
        slot = self._next_slot(now)
        self.next_for_chat[chat] = slot + (self.group_gap if group else self.chat_gap)
        if len(self.next_for_chat) > 50_000:
            self._forget_idle_chats(now)
        if slot > now:
            await self.sleep(slot - now)

    def hold(self, chat: str, seconds: float) -> None:
        """The platform said 'retry after N seconds' for this chat: keep it quiet that long."""
        until = self.clock() + seconds
        self.next_for_chat[chat] = max(self.next_for_chat.get(chat, 0.0), until)

    def _next_slot(self, now: float) -> float:
        if self.budget is None:
            slot = max(now, self.next_overall)
            self.next_overall = slot + self.overall_gap
            return slot
        return self._slots.popleft()

    def _fresh_slots(self, now: float) -> int:
        """Drop the shared slots that went by unused; how many are left. A slot used late moves a
        send into the next second, so a slot is still good for as long as the margin leaves room
        for in a second (and at least one gap)."""
        while self._slots and self._slots[0] < now - self._late_enough:
            self._slots.popleft()
        return len(self._slots)

    async def _take_slots(self) -> None:
        """Take the next batch from the shared budget; while another task is taking it, wait a slot."""
        assert self.budget is not None
        if self._taking:
            await self.sleep(self.overall_gap)
            return
        self._taking = True
        try:
            first = await self.budget.take(self.clock(), self._batch, self.overall_gap)
        except Exception:
            log.warning("send budget out of reach; sends wait", exc_info=True)
            await self.sleep(BUDGET_RETRY_SECONDS)
            return
        finally:
            self._taking = False
        self._slots.extend(first + index * self.overall_gap for index in range(self._batch))

    def _forget_idle_chats(self, now: float) -> None:
        self.next_for_chat = {chat: at for chat, at in self.next_for_chat.items() if at > now}
