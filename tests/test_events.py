"""Events: listing in the member's zone, RSVPs with capacity and waitlist, calendar files."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from store.db import Database
from store.models import Rsvp
from tests.factories import add_event, make_coordinator, queued_messages


async def rsvps(db: Database) -> dict[tuple[int, int], str]:
    async with db.transaction() as session:
        return {(r.member_id, r.event_id): r.status for r in await session.scalars(select(Rsvp))}


async def test_events_lists_upcoming_ones_in_the_members_time_zone(db: Database, clock, chat_as) -> None:
    # 2026-11-23 09:00 UTC + 1 day = 24 Nov 10:00 in Madrid (CET).
    await add_event(db, clock.now, "B2B session in Terrassa", starts_in=timedelta(days=1), kind="b2b_session")
    await add_event(db, clock.now, "Old workshop", starts_in=timedelta(days=-3))
    await add_event(db, clock.now, "Cancelled fair", starts_in=timedelta(days=5), cancelled=True)
    answer = await chat_as("someone").say("/events")
    assert "B2B session in Terrassa" in answer and "24 Nov 2026, 10:00 CET" in answer
    assert "Old workshop" not in answer and "Cancelled fair" not in answer
    assert "B2B session in Terrassa" in await chat_as("someone").say("/events b2b")
    assert "No upcoming events" in await chat_as("someone").say("/events webinar")


async def test_going_button_stores_the_rsvp(db: Database, clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "Learning visit", starts_in=timedelta(days=7), capacity=10)
    chat = chat_as("marta")
    await chat.say(f"/event {event_id}")
    assert ("Going", f"/going {event_id}") in chat.buttons
    assert "You're going" in await chat.press(f"/going {event_id}")
    assert list((await rsvps(db)).values()) == ["going"]
    assert "1 going of 10 places" in await chat.say(f"/event {event_id}")


async def test_waitlisted_member_is_promoted_when_someone_leaves(db: Database, clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "Small workshop", starts_in=timedelta(days=3), capacity=1)
    first, second = chat_as("first"), chat_as("second")
    await first.say(f"/going {event_id}")
    assert "waitlist (number 1)" in await second.say(f"/going {event_id}")
    assert sorted((await rsvps(db)).values()) == ["going", "waitlisted"]

    await first.say(f"/notgoing {event_id}")
    assert sorted((await rsvps(db)).values()) == ["going", "not_going"]
    [notice] = await queued_messages(db)
    assert notice.cause.startswith(f"event{event_id}:promoted")
    assert "you're now going to Small workshop" in notice.text


async def test_ics_parses_back_with_the_local_time(db: Database, clock, chat_as) -> None:
    event_id = await add_event(
        db,
        clock.now,
        "Fair in Porto",
        starts_in=timedelta(days=10),
        timezone="Europe/Lisbon",
        place="Exponor, Porto",
    )
    chat = chat_as("someone")
    await chat.say(f"/ics {event_id}")
    attachment = chat.last[0].attachment
    assert attachment is not None and attachment.filename == f"event-{event_id}.ics"
    calendar = Calendar.from_ical(attachment.content)
    [entry] = calendar.walk("VEVENT")
    start = entry.decoded("dtstart")
    assert str(entry["uid"]) == f"event-{event_id}@clusterbot"
    assert str(start.tzinfo) == "Europe/Lisbon" and (start.hour, start.minute) == (9, 0)
    assert str(entry["location"]) == "Exponor, Porto"
    assert "TZID=Europe/Lisbon" in attachment.content.decode()


async def test_unknown_event_and_bad_number_change_nothing(db: Database, chat_as) -> None:
    chat = chat_as("someone")
    assert "There is no event #99" in await chat.say("/going 99")
    assert "should be a number" in await chat.say("/going twelve")
    assert await rsvps(db) == {}


async def test_members_cannot_create_events(chat_as) -> None:
    answer = await chat_as("someone").say('/event add title="Mine" start="2027-01-10 10:00"')
    assert "for coordinators only" in answer


async def test_coordinator_creates_and_cancels_an_event_and_attendees_hear(
    db: Database, clock, chat_as
) -> None:
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")
    created = await coordinator.say(
        '/event add title="Visit to Bergen" start="2027-01-20 10:00" duration=3h tz=Europe/Oslo '
        "kind=learning_visit capacity=20 tags=ocean,offshore"
    )
    assert "Created #1 Visit to Bergen" in created and "10:00 CET" in created
    await chat_as("member").say("/going 1")
    assert "The 1 person going or waitlisted will be told" in await coordinator.say("/event cancel 1")
    assert "1 attendee will be told" in await coordinator.tap("Cancel the event")
    [notice] = await queued_messages(db)
    assert notice.cause == "event1:cancelled"
    assert "has been cancelled" in notice.text
    assert "already cancelled" in await coordinator.say("/event cancel 1")


async def test_a_bad_date_in_event_add_gets_usage_and_changes_nothing(db: Database, chat_as) -> None:
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")
    answer = await coordinator.say('/event add title="X" start="next tuesday"')
    assert "not a date I can read" in answer and "Usage: /event add" in answer
    assert "No upcoming events" in await coordinator.say("/events")


async def test_the_last_place_goes_to_one_of_two_people_answering_at_once(
    db: Database, clock, chat_as
) -> None:
    event_id = await add_event(db, clock.now, "Tiny workshop", starts_in=timedelta(days=2), capacity=1)
    first, second = chat_as("first"), chat_as("second")
    await first.say("/help")
    await second.say("/help")
    await asyncio.gather(first.say(f"/going {event_id}"), second.say(f"/going {event_id}"))
    assert sorted((await rsvps(db)).values()) == ["going", "waitlisted"]


async def test_event_counts_take_the_plural_form_in_each_language(db: Database, clock, chat_as) -> None:
    """It said "1 going of 1 places"."""
    event_id = await add_event(db, clock.now, "Tasting", starts_in=timedelta(days=2), capacity=1)
    marta = chat_as("marta")
    await marta.say(f"/going {event_id}")
    assert "👥 1 going of 1 place\n" in await marta.say(f"/event {event_id}")
    await marta.say("/lang fr")
    assert "👥 1 participant sur 1 place\n" in await marta.say(f"/event {event_id}")
    await chat_as("joan").say(f"/going {event_id}")
    await marta.say("/lang es")
    assert "👥 1 va, de 1 plaza, 1 en lista de espera\n" in await marta.say(f"/event {event_id}")
