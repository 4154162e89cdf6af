"""The rate limiter spaces sends at the overall rate and keeps each chat to its own rate."""

from __future__ import annotations

import asyncio
import itertools

from scheduler.ratelimit import Limits, RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sent: list[tuple[float, str]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def send_all(limiter: RateLimiter, time: FakeTime, chats: list[str]) -> None:
    async def one(chat: str) -> None:
        await limiter.acquire(chat)
        time.sent.append((time.now, chat))

    for chat in chats:  # in order, as a worker would
        await one(chat)


async def test_sends_are_spaced_at_the_overall_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, [f"chat{i}" for i in range(30)])
    moments = [at for at, _ in time.sent]
    assert abs(moments[-1] - 2.9) < 1e-9
    assert all(later - earlier >= 0.1 - 1e-9 for earlier, later in itertools.pairwise(moments))


async def test_one_chat_gets_at_most_its_own_rate() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(30, 1), clock=time.clock, sleep=time.sleep)
    await send_all(limiter, time, ["busy"] * 4)
    assert [round(at, 6) for at, _ in time.sent] == [0.0, 1.0, 2.0, 3.0]


async def test_a_held_chat_does_not_hold_back_the_others() -> None:
    time = FakeTime()
    limiter = RateLimiter(Limits(10, 1), clock=time.clock, sleep=time.sleep)
    limiter.hold("slow", 60)
    await send_all(limiter, time, ["a", "b", "c", "slow", "d"])
    assert [(round(at, 6), chat) for at, chat in time.sent] == [
        (0.0, "a"),
        (0.1, "b"),
        (0.2, "c"),
        (60.0, "slow"),
        (60.1, "d"),
    ]
