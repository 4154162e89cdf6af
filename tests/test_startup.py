"""The start-up retry: a passing outage is tried again, one line a try; a lasting one is not."""

from __future__ import annotations

import pytest

from bot import startup
from bot.startup import StartupFailure, retrying


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "FIRST_WAIT", 0.01)


class Outage:
    """A service that refuses the first `failures` connections, then answers."""

    def __init__(self, failures: int, *, transient: bool = True) -> None:
        self.failures, self.transient, self.attempts = failures, transient, 0

    async def connect(self) -> str:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise StartupFailure("PostgreSQL at db:5432 is not reachable", transient=self.transient)
        return "connected"


async def test_a_passing_outage_is_tried_again_with_one_line_per_failed_try() -> None:
    said: list[str] = []
    outage = Outage(2)

    assert await retrying(outage.connect, window=30, say=said.append) == "connected"

    assert outage.attempts == 3
    assert said == [
        "clusterbot: PostgreSQL at db:5432 is not reachable; trying again in 0.01 s",
        "clusterbot: PostgreSQL at db:5432 is not reachable; trying again in 0.02 s",
    ]


async def test_a_lasting_failure_is_not_tried_again() -> None:
    said: list[str] = []
    outage = Outage(5, transient=False)

    with pytest.raises(StartupFailure, match=r"^PostgreSQL at db:5432 is not reachable$"):
        await retrying(outage.connect, window=30, say=said.append)

    assert (outage.attempts, said) == (1, [])


async def test_without_a_window_there_is_one_try() -> None:
    outage = Outage(5)

    with pytest.raises(StartupFailure):
        await retrying(outage.connect, window=0, say=[].append)

    assert outage.attempts == 1
