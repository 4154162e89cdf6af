"""SQLite with many writers at once: tasks of this process and a second process, one file.

Every write transaction starts with BEGIN IMMEDIATE and waits out the busy timeout, so writers
queue instead of failing: no "database is locked" may reach a person, and the rows stay
consistent — an event never holds more people than its capacity, nobody waits while a place is
free, and freed places go to whoever has waited longest.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from handlers.engine.assistant import utc_now
from store.db import Database
from store.models import Event, Identity, Opportunity, Rsvp
from tests.reliability.conftest import BUG_PATH, UNAVAILABLE, ObservedAssistant, Person, seed

WRITERS = 120
CAPACITY = 10
LEAVERS = 5
REFUSALS = ("locked", UNAVAILABLE, BUG_PATH)
ROOT = Path(__file__).resolve().parents[2]


async def add_event(db: Database, title: str, capacity: int) -> int:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        event = Event(
            title=title,
            kind="b2b_session",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=2),
            capacity=capacity,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        await session.flush()
        return event.id


async def rsvps(db: Database, event_id: int) -> list[Rsvp]:
    """The event's answers in the order the waitlist is served."""
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Rsvp).where(Rsvp.event_id == event_id).order_by(Rsvp.updated_at, Rsvp.id)
        )
        return list(rows.all())


async def people_by_member_id(db: Database, people: list[Person]) -> dict[int, Person]:
    by_handle = {person.handle: person for person in people}
    async with db.transaction() as session:
        rows = await session.execute(
            select(Identity.member_id, Identity.user_id).where(
                Identity.platform == "console", Identity.user_id.in_(by_handle)
            )
        )
        return {member_id: by_handle[handle] for member_id, handle in rows.all()}


def status_of(rows: list[Rsvp], status: str) -> list[int]:
    return [row.member_id for row in rows if row.status == status]


def assert_consistent(rows: list[Rsvp], capacity: int) -> None:
    going, waiting = status_of(rows, "going"), status_of(rows, "waitlisted")
    assert len(going) <= capacity, f"{len(going)} going with {capacity} places"
    assert not waiting or len(going) == capacity, "someone waits while a place is free"


class Writers:
    """People writing through one assistant at once, keeping every answer they got."""

    def __init__(self, db: Database) -> None:
        self.assistant = ObservedAssistant(db, clock=utc_now)
        self.answers: list[str] = []

    async def say(self, person: Person, line: str) -> str:
        replies = await self.assistant.respond(person.says(line))
        answer = " ".join(reply.plain_text for reply in replies)
        self.answers.append(answer)
        return answer

    async def all_say(self, lines: list[tuple[Person, str]]) -> list[str]:
        return await asyncio.gather(*(self.say(person, line) for person, line in lines))

    def refused(self) -> list[str]:
        return [answer for answer in self.answers if any(word in answer for word in REFUSALS)]


async def second_process(db_path: Path, lines: list[str]) -> str:
    """`clusterbot chat` in another process, writing to the same file: what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "chat",
        "--as",
        "other-process",
        "--db",
        f"sqlite:///{db_path}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=ROOT,
        env=env,
    )
    output, _ = await process.communicate("\n".join(lines).encode() + b"\n")
    assert process.returncode == 0, output.decode()[-2000:]
    return output.decode()


async def test_concurrent_writers_in_two_processes_never_see_a_lock_and_keep_the_waitlist_in_order(
    tmp_path: Path, sqlite_template: Path
) -> None:
    db_path = tmp_path / "shared.db"
    shutil.copy(sqlite_template, db_path)
    db = Database(f"sqlite:///{db_path}")
    await seed(db)
    porto = await add_event(db, "B2B session Porto", CAPACITY)
    small = await add_event(db, "Workshop for three", 3)
    writers = Writers(db)
    people = [Person(f"writer{n}", f"Writer {n}", 700_000 + n) for n in range(WRITERS)]

    # Everyone at once, most for the first time (so their member rows are created at once too).
    await writers.all_say([(person, f"/going {porto}") for person in people])
    waitlist = status_of(await rsvps(db, porto), "waitlisted")
    going = status_of(await rsvps(db, porto), "going")
    assert (len(going), len(waitlist)) == (CAPACITY, WRITERS - CAPACITY)

    other_lines = [
        line
        for n in range(30)
        for line in (
            f"/going {small}",
            f"/profile set bio Round {n} of writing from another process",
            f'/post kind=offer title="Offer {n} from another process"',
            f"/notgoing {small}",
        )
    ]
    person_of = await people_by_member_id(db, people)
    leaving = [person_of[member_id] for member_id in going[:LEAVERS]]

    async def churn(until: asyncio.Task[str]) -> None:
        round_ = 0
        while not until.done():
            batch = people[(round_ * 20) % WRITERS : (round_ * 20) % WRITERS + 20]
            await writers.all_say(
                [
                    (person, line)
                    for person in batch
                    for line in (
                        f"/going {small}",
                        f"/profile set offers Round {round_} offers",
                        f"/notgoing {small}",
                        f'/post kind=request title="Request {round_} by {person.handle}"',
                    )
                ]
            )
            assert_consistent(await rsvps(db, small), 3)
            round_ += 1

    other = asyncio.create_task(second_process(db_path, other_lines))
    await asyncio.sleep(1.0)  # the other process is up and writing
    await asyncio.gather(
        churn(other), writers.all_say([(person, f"/notgoing {porto}") for person in leaving])
    )
    printed = await other

    assert not writers.refused(), writers.refused()[:3]
    assert not [word for word in REFUSALS if word in printed], printed[-2000:]
    assert printed.count("Published #") == 30
    after = await rsvps(db, porto)
    assert_consistent(after, CAPACITY)
    assert_consistent(await rsvps(db, small), 3)
    promoted = [member for member in status_of(after, "going") if member in waitlist]
    assert sorted(promoted) == sorted(waitlist[:LEAVERS]), "freed places go to the longest waiting"
    assert status_of(after, "waitlisted") == waitlist[LEAVERS:], "the rest keep their order"
    async with db.transaction() as session:
        posted = await session.scalars(select(Opportunity.title))
        assert sum("from another process" in title for title in posted.all()) == 30
    await db.close()
