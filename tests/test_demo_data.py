"""The demo network: loaded once, big and varied enough for the tour, and found by the assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from store.db import Database
from store.demo import DEMO_HANDLE, seed_demo
from store.demo_network import DEMO_MEMBER_EVENTS, DEMO_MEMBER_NAME, DEMO_RECYCLER_NAME
from store.models import (
    EVENT_KINDS,
    OPPORTUNITY_KINDS,
    ORGANISATION_KINDS,
    Base,
    Cluster,
    Event,
    Identity,
    Member,
    Opportunity,
    Organisation,
    Rsvp,
)
from tests.conftest import Clock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
COUNTRY_ZONES = {
    "Spain": "Europe/Madrid",
    "France": "Europe/Paris",
    "Portugal": "Europe/Lisbon",
    "Norway": "Europe/Oslo",
}


async def row_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_seeding_twice_changes_nothing_the_second_time(db: Database) -> None:
    assert await seed_demo(db, NOW) is True
    first = await row_counts(db)

    assert await seed_demo(db, NOW + timedelta(hours=1)) is False

    assert await row_counts(db) == first


async def test_network_is_large_and_spread_across_europe(db: Database) -> None:
    await seed_demo(db, NOW)

    async with db.transaction() as session:
        clusters = (await session.scalars(select(Cluster))).all()
        organisations = (await session.scalars(select(Organisation))).all()
        members = (await session.scalars(select(Member))).all()
        opportunities = (await session.scalars(select(Opportunity))).all()

    assert len(clusters) >= 8
    assert len({c.region for c in clusters}) >= 5
    assert len({c.country for c in clusters}) >= 4
    assert all(c.sectors and all(s == s.lower() for s in c.sectors) for c in clusters)
    assert len(organisations) >= 60
    assert {o.kind for o in organisations} <= set(ORGANISATION_KINDS)
    assert all(o.website.startswith("https://") for o in organisations)
    assert len(members) >= 150
    assert len({m.name for m in members}) == len(members)
    assert sum(m.listed for m in members) >= 0.9 * len(members)
    assert all(m.onboarded and m.offers and m.seeks and m.tags for m in members)
    assert len(opportunities) >= 25
    assert {o.kind for o in opportunities} <= set(OPPORTUNITY_KINDS)
    assert all(o.status == "open" and o.posted_by is not None for o in opportunities)
    assert all(o.deadline is None or o.deadline > NOW for o in opportunities)
    assert any(o.deadline is None for o in opportunities)
    assert all(o.url for o in opportunities if o.kind == "funding_call")


async def test_members_live_in_the_time_zone_of_their_cluster(db: Database) -> None:
    await seed_demo(db, NOW)

    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Member.timezone, Cluster.country).join(Cluster, Cluster.id == Member.cluster_id)
            )
        ).all()

    assert rows
    assert all(zone == COUNTRY_ZONES[country] for zone, country in rows)


async def test_events_are_in_the_next_three_months_at_local_working_hours(db: Database) -> None:
    await seed_demo(db, NOW)

    async with db.transaction() as session:
        events = (await session.scalars(select(Event))).all()

    assert len(events) >= 20
    assert {e.kind for e in events} <= set(EVENT_KINDS)
    for event in events:
        assert event.starts_at.tzinfo is not None and event.starts_at.utcoffset() == timedelta(0)
        assert NOW < event.starts_at <= NOW + timedelta(days=92)
        assert event.ends_at > event.starts_at
        assert 8 <= event.starts_at.astimezone(ZoneInfo(event.timezone)).hour <= 16
    assert all(e.online_url for e in events if e.kind == "webinar")


async def test_demo_member_is_a_coordinator_with_a_console_identity_and_two_events(db: Database) -> None:
    await seed_demo(db, NOW)

    async with db.transaction() as session:
        member, identity = (
            await session.execute(
                select(Member, Identity)
                .join(Identity, Identity.member_id == Member.id)
                .where(Identity.platform == "console", Identity.user_id == DEMO_HANDLE)
            )
        ).one()
        going = (
            await session.scalars(
                select(Event.title)
                .join(Rsvp, Rsvp.event_id == Event.id)
                .where(Rsvp.member_id == member.id, Rsvp.status == "going")
            )
        ).all()
        other_coordinators = await session.scalar(
            select(func.count()).where(Member.is_coordinator.is_(True), Member.id != member.id)
        )

    assert member.name == DEMO_MEMBER_NAME
    assert member.is_coordinator
    assert identity.chat_id == DEMO_HANDLE
    assert sorted(going) == sorted(DEMO_MEMBER_EVENTS)
    assert other_coordinators and other_coordinators >= 2


async def test_a_small_event_is_already_full_so_the_waitlist_can_be_tried(db: Database) -> None:
    await seed_demo(db, NOW)

    async with db.transaction() as session:
        going_counts = (
            await session.execute(
                select(Event.capacity, func.count(Rsvp.id))
                .join(Rsvp, Rsvp.event_id == Event.id)
                .where(Rsvp.status == "going")
                .group_by(Event.id, Event.capacity)
            )
        ).all()

    assert any(
        capacity is not None and capacity <= 3 and going == capacity for capacity, going in going_counts
    )
    assert all(capacity is None or going <= capacity for capacity, going in going_counts)


async def test_seeding_is_deterministic(db: Database) -> None:
    await seed_demo(db, NOW)
    async with db.transaction() as session:
        first = (await session.scalars(select(Member.name).order_by(Member.id))).all()
        offers = (await session.scalars(select(Member.offers).order_by(Member.id))).all()
    async with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
    await seed_demo(db, NOW)
    async with db.transaction() as session:
        assert (await session.scalars(select(Member.name).order_by(Member.id))).all() == first
        assert (await session.scalars(select(Member.offers).order_by(Member.id))).all() == offers


async def test_find_with_typos_reaches_the_textile_recycler(db: Database, chat_as, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    await seed_demo(db, clock.now)
    chat = chat_as(DEMO_HANDLE)

    out = await chat.say("/find textil recyclng")

    assert DEMO_RECYCLER_NAME in out


async def test_event_5_has_an_open_b2b_session_the_demo_member_can_book(
    db: Database, chat_as, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    await seed_demo(db, clock.now)
    chat = chat_as(DEMO_HANDLE)
    assert "Meet Manon Bernard at B2B session: circular textiles meet polymers" in await chat.say(
        "/meet Manon Bernard 5"
    )
    assert len(chat.buttons) == 9  # 15:00 to 18:00 in 20-minute slots, none taken yet
    assert "I've asked Manon Bernard to meet you" in await chat.tap("15:20")


async def test_the_learning_visit_is_a_delegation_day_the_demo_coordinator_can_draft(
    db: Database, chat_as, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    await seed_demo(db, clock.now)
    async with db.transaction() as session:
        event = await session.scalar(select(Event.id).where(Event.title == DEMO_MEMBER_EVENTS[1]))
    assert event == 6  # as the demo tour says
    chat = chat_as(DEMO_HANDLE)
    listing = await chat.say(f"/participants {event}")
    assert "whom would you like to meet?" in listing
    assert any(label.startswith("Must meet ") for label, _ in chat.buttons)
    review = await chat.say(f"/schedule draft {event}")
    assert "Draft for Learning visit to Norte" in review and "solver optimal" in review
    assert "Every Must-meet is matched." in review
