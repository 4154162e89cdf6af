"""Requests already taken are remembered in the store for the replay window, then forgotten."""

from __future__ import annotations

from sqlalchemy import func, select

from store.db import Database
from store.models import SeenRequest
from store.replays import REPLAY_WINDOW
from store.repository import Store
from tests.conftest import Clock


async def first_time(db: Database, clock: Clock, *keys: str) -> bool:
    async with db.transaction() as session:
        return await Store(session).seen.first_time(keys, clock.now)


async def test_a_key_is_new_once_and_dropped_after_the_window(db: Database, clock: Clock) -> None:
    assert await first_time(db, clock, "event:Ev1", "signature:v0=aa")
    assert not await first_time(db, clock, "event:Ev1", "signature:v0=bb")  # a retry, signed anew
    assert not await first_time(db, clock, "event:Ev2", "signature:v0=aa")  # a replay

    clock.advance(seconds=REPLAY_WINDOW.total_seconds() + 1)
    assert await first_time(db, clock, "event:Ev3")

    async with db.transaction() as session:
        kept = await session.scalar(select(func.count()).select_from(SeenRequest))
        oldest = await session.scalar(select(func.min(SeenRequest.created_at)))
    assert (kept, oldest) == (1, clock.now)
