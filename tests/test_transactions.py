"""Read transactions and SQLite writers taking turns (store/db.py, store/sqlite_inline.py).

Read-only commands run in a read transaction that must never write; when one needs to (a first
message creates the member), the work runs again as a writer and nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from handlers.engine.assistant import Assistant
from store.db import Database, WriteNeeded
from store.models import Identity, Member, Rsvp
from store.repository import store_transaction
from tests.conftest import Clock
from tests.factories import add_event


async def count(db: Database, model: type[Member] | type[Identity] | type[Rsvp]) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_first_message_that_only_reads_creates_the_member_once(
    db: Database, assistant: Assistant, chat_as
) -> None:  # type: ignore[no-untyped-def]
    answer = await chat_as("ana").say("/events")

    assert "No upcoming events" in answer
    assert await count(db, Member) == 1
    assert await count(db, Identity) == 1


async def test_writing_in_a_read_transaction_is_refused_and_leaves_nothing(db: Database) -> None:
    with pytest.raises(WriteNeeded):
        async with store_transaction(db, writes=False) as store:
            await store.people.identify(
                platform="console",
                user_id="ana",
                chat_id="ana",
                display_name="Ana",
                now=Clock().now,
                timezone="UTC",
                language=None,
            )
    assert await count(db, Member) == 0

    with pytest.raises(WriteNeeded):
        async with db.transaction(writes=False) as session:
            await session.execute(update(Member).values(name="x"))


async def test_fifty_members_saying_going_at_once_all_get_a_place_and_no_more_than_the_capacity(
    db: Database, clock: Clock, assistant: Assistant, chat_as
) -> None:  # type: ignore[no-untyped-def]
    event = await add_event(db, clock.now, "Fira", starts_in=timedelta(days=3), capacity=30)

    answers = await asyncio.gather(*(chat_as(f"m{n}").say(f"/going {event}") for n in range(50)))

    assert sum("You're going" in answer for answer in answers) == 30
    assert sum("waitlist" in answer for answer in answers) == 20
    assert await count(db, Rsvp) == 50


async def test_a_writer_waits_for_another_process_without_blocking_the_loop(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's file lock")
    path = make_path(db)
    other = sqlite3.connect(path, isolation_level=None)  # another process's connection, in effect
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.execute, "COMMIT")
    async with db.transaction() as session:
        await session.execute(update(Member).values(name="x"))
    ticker.cancel()
    other.close()

    assert ticks >= 10  # the loop went on while the writer waited for the lock


def make_path(db: Database) -> str:
    database = db.engine.url.database
    assert database is not None
    return database


async def test_a_transaction_opened_inside_another_before_it_writes_goes_through(db: Database) -> None:
    async with db.transaction() as outer:
        async with db.transaction() as inner:
            inner.add(
                Member(name="Inner", created_at=Clock().now, updated_at=Clock().now, tags=[], languages=[])
            )
        outer.add(Member(name="Outer", created_at=Clock().now, updated_at=Clock().now, tags=[], languages=[]))

    assert await count(db, Member) == 2
