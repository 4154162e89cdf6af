"""The rate limiter spaces sends a few percent under the overall rate, keeps each chat to its own
rate, never bursts, and shares one rate between processes through the database."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

from scheduler.ratelimit import MARGIN, Limits, RateLimiter, SharedBudget
from store.db import Database


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sent: list[tuple[float, str]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class SharedTime:
    """A clock for several tasks at once: time moves on only when every task is asleep, to the
    earliest wake-up, so that tasks doing real I/O (the database) are waited for."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, *work: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.create_task(one) for one in work]
        while not all(task.done() for task in tasks):
            running = sum(not task.done() for task in tasks)
            if self._sleepers and len(self._sleepers) >= running:
                wake, _, woken = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                woken.set_result(None)
            await asyncio.sleep(0.001)
        await asyncio.gather(*tasks)


async def send_all(limiter: RateLimiter, time: FakeTime, chats: list[str]) -> None:
    for chat in chats:  # in order, as a worker would
        await limiter.acquire(chat)
        time.sent.append((time.now, chat))


def busiest_second(moments: list[float]) -> int:
    """The most sends in any one second (a sliding window, as the platform counts them)."""
    moments = sorted(moments)
    in_second = (
        sum(1 for later in moments[i:] if later - start < 1.0 - 1e-9) for i, start in enumerate(moments)
    )
    return max(in_second)


async def test_sends_are_spaced_evenly_a_few_percent_under_the_overall_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, [f"chat{i}" for i in range(30)])
    moments = [at for at, _ in time.sent]
    gap = 1 / (10 * MARGIN)
    assert all(abs(later - earlier - gap) < 1e-9 for earlier, later in itertools.pairwise(moments))
    assert busiest_second(moments) == 10  # never the 11th in a second, which a platform refuses
    assert 0.95 <= MARGIN < 1


async def test_at_exactly_the_platforms_rate_only_with_no_margin() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), margin=1.0, clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, [f"chat{i}" for i in range(30)])
    assert abs(time.sent[-1][0] - 2.9) < 1e-9


async def test_a_quiet_spell_saves_up_no_burst() -> None:
    """After a minute of nothing, a new announcement starts at the pace, not with a second's worth
    of sends at once (which, added to the previous second's, would cross a window's edge)."""
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, [f"early{i}" for i in range(10)])
    time.now += 60
    await send_all(limiter, time, [f"late{i}" for i in range(20)])
    late = [at for at, chat in time.sent if chat.startswith("late")]
    assert sum(1 for at in late if at - late[0] < 1.0) == 10
    assert busiest_second([at for at, _ in time.sent]) <= 10


async def test_one_chat_gets_at_most_its_own_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(30, 1), margin=1.0, clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, ["busy"] * 4)
    assert [round(at, 6) for at, _ in time.sent] == [0.0, 1.0, 2.0, 3.0]


async def test_a_held_chat_does_not_hold_back_the_others() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), margin=1.0, clock=time.clock, sleep=time.sleep)
    limiter.hold("slow", 60)
    await send_all(limiter, time, ["a", "b", "c", "slow", "d"])
    assert [(round(at, 6), chat) for at, chat in time.sent] == [
        (0.0, "a"),
        (0.1, "b"),
        (0.2, "c"),
        (60.0, "slow"),
        (60.1, "d"),
    ]


async def test_two_processes_on_one_database_share_the_platforms_rate(db: Database) -> None:
    """Two limiters, as two processes would have (each with its own engine), take their slots from
    one budget: together never more than the limit in any second, and at least 90% of it."""
    time, rate, each = SharedTime(), 100, 150
    other_process = Database(db.url)
    sent: list[tuple[float, str]] = []

    async def process(name: str, database: Database) -> None:
        budget = SharedBudget(database, "telegram", wall=time.clock)
        limiter = RateLimiter(Limits(rate, 1), budget=budget, clock=time.clock, sleep=time.sleep)

        async def sender(lane: int) -> None:  # a worker's concurrent sends
            for i in range(each // 3):
                await limiter.acquire(f"{name}-{lane}-{i}")
                sent.append((time.now, name))

        await asyncio.gather(*(sender(lane) for lane in range(3)))

    try:
        await time.run(process("a", db), process("b", other_process))
    finally:
        await other_process.close()
    moments = [at for at, _ in sent]
    assert len(sent) == 2 * each
    assert {name for _, name in sent} == {"a", "b"}
    assert busiest_second(moments) <= rate
    assert sum(1 for at in moments if at < 3.0) >= 0.9 * rate * 3
