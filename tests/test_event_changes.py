"""Changing an event: the waitlist moves up with the capacity, attendees hear exactly what changed,
nothing moves into the past, and only web links are kept (bad ones stored before break nothing)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from store.db import Database
from store.models import Event, Opportunity
from tests.conftest import Chat, Clock
from tests.factories import (
    add_event,
    add_event_with_bad_link,
    add_opportunity,
    make_coordinator,
    queued_messages,
)
from tests.test_events import rsvps


async def coordinator_chat(db: Database, chat_as) -> Chat:  # type: ignore[no-untyped-def]
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")
    return coordinator


async def test_raising_the_capacity_promotes_as_many_waitlisted_as_the_new_places_allow(
    db: Database, clock: Clock, chat_as
) -> None:
    event_id = await add_event(db, clock.now, "Small workshop", starts_in=timedelta(days=3), capacity=1)
    people = [chat_as(name) for name in ("ana", "ben", "cora", "dani")]
    for person in people:
        await person.say(f"/going {event_id}")
        clock.advance(minutes=1)
    coordinator = await coordinator_chat(db, chat_as)

    await coordinator.say(f"/event edit {event_id} capacity=3")

    assert sorted((await rsvps(db)).values()) == ["going", "going", "going", "waitlisted"]
    promoted = [
        (member, text) for member, cause, text, _ in await queued_messages(db) if ":promoted:" in cause
    ]
    assert [member for member, _text in promoted] == [2, 3]  # Ben and Cora waited longest
    assert all("you're now going to Small workshop" in text for _member, text in promoted)
    assert "3 going of 3 places, 1 on the waitlist" in await people[3].say(f"/event {event_id}")


async def test_a_change_notice_says_what_changed_from_what_to_what(
    db: Database, clock: Clock, chat_as
) -> None:
    coordinator = await coordinator_chat(db, chat_as)
    await coordinator.say('/event add title="Visit to Bergen" start="2027-01-20 10:00" tz=Europe/Madrid')
    await chat_as("member").say("/going 1")

    await coordinator.say('/event edit 1 start="2027-01-21 10:00" place="Bergen harbour"')

    [(_member, cause, text, _buttons)] = [m for m in await queued_messages(db) if ":changed:" in m[1]]
    assert cause.startswith("event1:changed:")
    lines = text.splitlines()
    assert lines[1].startswith("Start: ") and " 20 Jan 2027, 10:00 CET → " in lines[1]
    assert lines[1].endswith(" 21 Jan 2027, 10:00 CET")
    assert lines[3] == "Place: none → Bergen harbour"
    assert [line.split(":")[0] for line in lines[1:]] == ["Start", "End", "Place"]


async def test_events_cannot_be_created_or_moved_into_the_past(db: Database, clock: Clock, chat_as) -> None:
    coordinator = await coordinator_chat(db, chat_as)
    refused = await coordinator.say('/event add title="Old fair" start="2026-11-01 10:00"')
    assert "That would put the event in the past" in refused
    assert "Created" in await coordinator.say('/event add title="Fair" start="2027-01-20 10:00"')

    assert "in the past" in await coordinator.say('/event edit 1 start="2026-11-22 10:00"')
    async with db.transaction() as session:
        event = await session.scalar(select(Event))
        assert event is not None and event.starts_at > clock.now


async def test_only_web_links_are_saved_for_events_and_opportunities(
    db: Database, clock: Clock, chat_as
) -> None:
    coordinator = await coordinator_chat(db, chat_as)
    await coordinator.say('/event add title="Webinar" start="2027-01-20 10:00"')
    opportunity = await add_opportunity(db, clock.now, "Digital call")

    for bad in (
        "javascript:alert(1)",
        "https://example.org/\r\nX-INJECTED:1",
        "ftp://example.org/x",
        "https://",
    ):
        assert "is not a web address" in await coordinator.say(f'/event edit 1 url="{bad}"')
        assert "is not a web address" in await coordinator.say(f'/opportunity edit {opportunity} url="{bad}"')
    assert "Saved" in await coordinator.say("/event edit 1 url=https://meet.example.org/webinar")
    async with db.transaction() as session:
        assert await session.scalar(select(Event.online_url)) == "https://meet.example.org/webinar"
        assert await session.scalar(select(Opportunity.url)) == ""


async def test_a_bad_link_stored_before_breaks_neither_the_calendar_file_nor_the_details(
    db: Database, clock: Clock, chat_as
) -> None:
    event_id = await add_event_with_bad_link(db, clock.now, "Fair\x0b in Porto")
    member = chat_as("member")

    await member.say(f"/ics {event_id}")

    attachment = member.last[0].attachment
    assert attachment is not None
    [entry] = Calendar.from_ical(attachment.content).walk("VEVENT")
    assert str(entry["summary"]) == "Fair in Porto" and "url" not in entry
    assert "X-INJECTED" not in await member.say(f"/event {event_id}")
