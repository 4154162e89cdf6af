"""B2B meetings booked in chat: slots held for both, answers only by who was asked, no double booking."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import aiohttp
from icalendar import Calendar
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from bot.calendar_feed import add_calendar_feed
from bot.http import HttpServer
from core.types import Reply
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from scheduler.meetings import expire_meeting_requests, nudge_unanswered_meetings, queue_meeting_reminders
from store.db import Database
from store.models import Meeting, MeetingSeat, OutboxMessage
from tests.conftest import Chat
from tests.factories import add_cluster, add_event, add_member, make_coordinator, queued_messages
from tests.test_calendar_feed import FEED


async def seed(db: Database, clock, chat_as) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Joan (Madrid) and Marta (Lisbon, an hour behind) going to event #1 three days ahead, which
    has a B2B session of 20-minute slots from 10:00 to 12:00 Madrid time at two tables."""
    textil = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textile"])
    norte = await add_cluster(db, "Têxtil Norte", "Norte", "Portugal", ["textile"])
    joan = await add_member(
        db, clock.now, "Joan", cluster_id=textil, handle="joan", seeks="a finishing partner"
    )
    marta = await add_member(
        db,
        clock.now,
        "Marta",
        cluster_id=norte,
        handle="marta",
        timezone="Europe/Lisbon",
        offers="denim finishing",
    )
    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    event = await add_event(db, clock.now, "B2B day", starts_in=timedelta(days=3), kind="b2b_session")
    answer = await chat_as("coord").say(f'/session {event} slot=20 windows="10:00-12:00" tables=2')
    assert "6 slots of 20 min, 2 tables" in answer
    for handle in ("joan", "marta"):
        await chat_as(handle).say(f"/going {event}")
    return joan, marta, event


async def meeting(db: Database, number: int = 1) -> Meeting:
    async with db.transaction() as session:
        found = await session.get(Meeting, number)
        assert found is not None
        return found


async def seats(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(MeetingSeat)) or 0)


async def attachment(db: Database, member: int, cause: str) -> str:
    async with db.transaction() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.member_id == member, OutboxMessage.cause == cause)
        )
        assert row is not None
        reply = Reply.from_dict(row.payload)
        assert reply.attachment is not None
        return reply.attachment.content.decode()


async def request_10_20(chat_as, marta: int) -> Chat:  # type: ignore[no-untyped-def]
    joan = chat_as("joan")
    answer = await joan.say("/meet Marta")
    assert "Meet Marta at B2B day: pick a time (CET)." in answer
    assert "denim finishing" in answer  # why they should meet
    assert [label for label, _ in joan.buttons] == ["10:00", "10:20", "10:40", "11:00", "11:20", "11:40"]
    assert "I've asked Marta to meet you at" in await joan.tap("10:20")
    return joan


async def test_booking_with_buttons_holds_the_slot_and_accepting_sends_both_the_card_and_invitation(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await request_10_20(chat_as, marta_id)
    assert await seats(db) == 3  # Joan, Marta and a table, until Marta answers
    [(to, _cause, text, buttons)] = [
        row for row in await queued_messages(db) if row.cause.startswith("meeting")
    ]
    assert to == marta_id
    assert "Joan would like to meet you at B2B day: Thu 26 Nov 2026, 09:20 WET–09:40, table 1." in text
    assert [label for label, _ in buttons] == ["Accept", "Propose another time", "Decline"]

    # Someone else pressing Marta's button changes nothing.
    assert "meant for someone else" in await chat_as("joan").press(buttons[0][1])
    marta = chat_as("marta")
    answer = await marta.press(buttons[0][1])
    assert "Meeting confirmed with Joan at B2B day: Thu 26 Nov 2026, 09:20 WET–09:40, table 1." in answer
    assert marta.last[0].attachment is not None and b"METHOD:REQUEST" in marta.last[0].attachment.content
    assert (await meeting(db)).status == "accepted"
    card = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:accepted"]
    assert (
        "Meeting confirmed with Marta at B2B day: Thu 26 Nov 2026, 10:20 CET–10:40, table 1." in card[0].text
    )
    invitation = await attachment(db, joan_id, "meeting1:accepted")
    assert "UID:meeting-1@clusterbot" in invitation and "SEQUENCE:0" in invitation
    # Stored base64 in the outbox, where an erasure could not scrub a name: it names nobody.
    assert "SUMMARY:B2B day: B2B #1" in invitation and "Marta" not in invitation

    agenda = await chat_as("joan").say("/agenda")
    assert "10:20–10:40 Marta · table 1" in agenda


async def test_a_counter_proposal_is_a_new_request_and_the_original_stays_listed_as_superseded(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await request_10_20(chat_as, marta_id)
    [request] = [row for row in await queued_messages(db, marta_id) if row.cause == "meeting1:ask:0"]
    marta = chat_as("marta")
    assert "Which time would you propose to Joan?" in await marta.press(request.buttons[1][1])
    # Marta reads Lisbon time: 10:00 there is 11:00 in Madrid.
    assert "I've proposed" in await marta.tap("10:00")
    original, proposal = await meeting(db, 1), await meeting(db, 2)
    assert (original.status, original.requester_id, original.invitee_id) == ("superseded", joan_id, marta_id)
    assert (proposal.status, proposal.requester_id, proposal.awaiting_id, proposal.replaces_id) == (
        "requested",
        marta_id,
        joan_id,
        1,
    )
    assert await seats(db) == 3  # the old slot is free, the new one held

    # Both see both in `meetings`: Joan's request, declined with another time, and the proposal.
    joan = chat_as("joan")
    listed = await joan.say("/meetings")
    assert "✗ Your request to Marta for Thu 26 Nov 2026, 10:20 CET–10:40: declined, Marta proposed" in listed
    assert "← Marta asks to meet you: Thu 26 Nov 2026, 11:00 CET–11:20" in listed
    assert [label for label, _ in joan.buttons] == ["Accept 11:00", "Decline 11:00"]
    listed = await marta.say("/meetings")
    assert "✗ Joan's request for Thu 26 Nov 2026, 09:20 WET–09:40: you proposed another time." in listed
    assert "→ waiting for Joan: Thu 26 Nov 2026, 10:00 WET–10:20" in listed

    [ask] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting2:ask:0"]
    assert "Marta can't make the time you asked and proposes another at B2B day: Thu 26 Nov 2026, 11:00" in (
        ask.text
    )
    assert "Meeting confirmed with Marta" in await joan.press(ask.buttons[0][1])
    assert (await meeting(db, 2)).status == "accepted" and (await meeting(db, 1)).status == "superseded"
    # The original's old buttons do nothing any more.
    assert "already answered" in await marta.press(request.buttons[0][1])


async def test_declining_frees_the_slot_and_tells_the_requester(db: Database, clock, chat_as) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await request_10_20(chat_as, marta_id)
    [request] = [row for row in await queued_messages(db, marta_id) if row.cause == "meeting1:ask:0"]
    assert "Declined" in await chat_as("marta").press(request.buttons[2][1])
    assert await seats(db) == 0
    [told] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:declined"]
    assert "Marta can't meet at Thu 26 Nov 2026, 10:20 CET–10:40. The slot is free again." in told.text


async def test_an_unanswered_request_expires_and_the_requester_is_told(db: Database, clock, chat_as) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await request_10_20(chat_as, marta_id)
    clock.advance(hours=47)
    assert await expire_meeting_requests(db, clock.now) == 0
    assert await nudge_unanswered_meetings(db, clock.now) == 1
    assert await nudge_unanswered_meetings(db, clock.now + timedelta(minutes=30)) == 1
    nudges = [row for row in await queued_messages(db, marta_id) if row.cause.startswith("meetings:nudge")]
    assert len(nudges) == 1  # one a day, however often the job runs
    assert "1 meeting request is waiting for your answer." in nudges[0].text
    clock.advance(hours=1)
    assert await expire_meeting_requests(db, clock.now) == 1
    assert (await meeting(db)).status == "expired"
    assert await seats(db) == 0
    [told] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:expired"]
    assert "Your meeting request to Marta for Thu 26 Nov 2026, 10:20 CET–10:40 expired" in told.text
    [request] = [row for row in await queued_messages(db, marta_id) if row.cause == "meeting1:ask:0"]
    assert "has expired" in await chat_as("marta").press("/meeting accept 1")
    assert "expired" in await chat_as("marta").press(request.buttons[0][1])


async def accepted(db: Database, clock, chat_as) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await request_10_20(chat_as, marta_id)
    [request] = [row for row in await queued_messages(db, marta_id) if row.cause == "meeting1:ask:0"]
    await chat_as("marta").press(request.buttons[0][1])
    return joan_id, marta_id


async def test_cancelling_from_the_agenda_frees_the_slot_and_cancels_the_invitation(
    db: Database, clock, chat_as
) -> None:
    joan_id, _marta_id = await accepted(db, clock, chat_as)
    marta = chat_as("marta")
    assert "09:20–09:40 Joan · table 1" in await marta.say("/agenda")
    assert "Cancelled; the slot is free again and I've told Joan." in await marta.tap("Cancel 09:20")
    assert (await meeting(db)).status == "cancelled"
    assert await seats(db) == 0
    [told] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:cancelled"]
    assert (
        "Marta cancelled your meeting at Thu 26 Nov 2026, 10:20 CET–10:40. The slot is free again."
        in told.text
    )
    invitation = await attachment(db, joan_id, "meeting1:cancelled")
    assert (
        "METHOD:CANCEL" in invitation
        and "SEQUENCE:1" in invitation
        and "UID:meeting-1@clusterbot" in invitation
    )
    # The slot can be booked again.
    assert "10:20" in [label for label, _ in (await _buttons(chat_as("joan"), "/meet Marta"))]


async def _buttons(chat: Chat, line: str) -> list[tuple[str, str]]:
    await chat.say(line)
    return chat.buttons


async def test_running_late_tells_the_other_side_in_their_time(db: Database, clock, chat_as) -> None:
    joan_id, _marta_id = await accepted(db, clock, chat_as)
    marta = chat_as("marta")
    await marta.say("/agenda")
    assert "I've told Joan you're running late." in await marta.tap("Running late 09:20")
    [told] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:late"]
    assert "Marta is running a few minutes late for your meeting at 10:20." in told.text


async def test_reminders_come_at_each_members_own_offset_in_their_own_time(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id = await accepted(db, clock, chat_as)
    assert "Meeting reminders: 30m before." in await chat_as("marta").say("/settings meetings 30m")
    starts = (await meeting(db)).starts_at  # 10:20 Madrid, 09:20 Lisbon, 09:20 UTC
    assert await queue_meeting_reminders(db, starts - timedelta(minutes=31)) == 0
    assert await queue_meeting_reminders(db, starts - timedelta(minutes=30)) == 1
    [to_marta] = [row for row in await queued_messages(db, marta_id) if "reminder" in row.cause]
    assert "Meeting with Joan at 09:20, table 1." in to_marta.text
    assert (
        await queue_meeting_reminders(db, starts - timedelta(minutes=16)) == 1
    )  # Marta's again, deduplicated
    assert not [row for row in await queued_messages(db, joan_id) if "reminder" in row.cause]
    await queue_meeting_reminders(db, starts - timedelta(minutes=15))
    [to_joan] = [row for row in await queued_messages(db, joan_id) if "reminder" in row.cause]
    assert "Meeting with Marta at 10:20, table 1." in to_joan.text
    assert len([row for row in await queued_messages(db) if "reminder" in row.cause]) == 2


async def test_the_personal_calendar_feed_includes_accepted_meetings(db: Database, clock, chat_as) -> None:
    await accepted(db, clock, chat_as)
    http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
    add_calendar_feed(http, db, clock=clock)
    await http.start()
    try:
        path = FEED.search(await chat_as("joan").say("/calendar"))
        assert path is not None
        async with aiohttp.ClientSession() as client, client.get(http.url + path.group(0)) as response:
            body = await response.read()
    finally:
        await http.stop()
    entries = {str(entry["UID"]): str(entry["SUMMARY"]) for entry in Calendar.from_ical(body).walk("VEVENT")}
    assert entries == {"meeting-1@clusterbot": "B2B day: Joan × Marta", "event-1@clusterbot": "B2B day"}


async def test_bad_session_input_is_explained_and_changes_nothing(db: Database, clock, chat_as) -> None:
    _joan, _marta, event = await seed(db, clock, chat_as)
    coord = chat_as("coord")
    assert "'25:00-26:00' is not a time window" in await coord.say(f"/session {event} windows=25:00-26:00")
    assert "is for coordinators only" in await chat_as("joan").say(f"/session {event} windows=10:00-11:00")
    assert (
        "Requested: 0 (of which 0 from the published schedule) · accepted: 0 · held: 0 · no-show: 0 "
        "(0 members did not come) · expired: 0"
    ) in await coord.say(f"/session status {event}")
    assert "6 slots" in await coord.say(f"/session {event} slot=20")


async def test_two_processes_booking_one_member_at_one_instant_book_once(
    db: Database, clock, chat_as
) -> None:
    """Two engines (two processes' worth of connections) ask for Marta's 10:20 at the same moment."""
    _joan, marta_id, event = await seed(db, clock, chat_as)
    await add_member(db, clock.now, "Pau", handle="pau")
    await chat_as("pau").say(f"/going {event}")
    other_db = Database(db.url)
    try:
        other = Assistant(other_db, build_router(), build_flows(), options=Options(), clock=clock)
        answers = await asyncio.gather(
            chat_as("joan").say(f"/meet at {event} #{marta_id} 10:20"),
            Chat(other, "pau").say(f"/meet at {event} #{marta_id} 10:20"),
        )
    finally:
        await other_db.close()
    assert sorted("I've asked Marta" in answer for answer in answers) == [False, True]
    assert any("Sorry, that slot was just taken." in answer for answer in answers)
    async with db.transaction() as session:
        statuses = (await session.scalars(select(Meeting.status))).all()
    assert list(statuses) == ["requested"]
    assert await seats(db) == 3


async def test_mydata_lists_meetings_and_forget_frees_the_other_sides_slot(
    db: Database, clock, chat_as
) -> None:
    joan_id, _marta_id = await accepted(db, clock, chat_as)
    marta = chat_as("marta")
    await marta.say("/mydata")
    assert marta.last[0].attachment is not None
    [held] = json.loads(marta.last[0].attachment.content)["meetings"]
    assert (held["role"], held["other_member"]["name"], held["status"]) == ("invitee", "Joan", "accepted")
    await marta.say("/forget")
    await marta.tap("Erase my data")
    assert await seats(db) == 0
    [told] = [row for row in await queued_messages(db, joan_id) if row.cause == "meeting1:left"]
    assert told.text == (
        "Your meeting at Thu 26 Nov 2026, 10:20 CET–10:40 is cancelled: the other member has left. "
        "The slot is free again."
    )
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Meeting)) == 0


async def test_delegations_meet_across_and_a_member_holds_at_most_20_pending_requests(
    db: Database, clock, chat_as
) -> None:
    alpha = await add_cluster(db, "Alpha", "Catalonia", "Spain", ["textile"])
    beta = await add_cluster(db, "Beta", "Norte", "Portugal", ["textile"])
    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    await add_member(db, clock.now, "Asker", cluster_id=alpha, handle="asker")
    colleague = await add_member(db, clock.now, "Colleague", cluster_id=alpha)
    guests = [await add_member(db, clock.now, f"Guest {n:02d}", cluster_id=beta) for n in range(21)]
    event = await add_event(
        db, clock.now, "Delegation day", starts_in=timedelta(days=3), duration=timedelta(hours=9)
    )
    answer = await chat_as("coord").say(
        f'/session {event} windows="08:00-16:00" tables=30 who=cluster:Alpha>cluster:Beta'
    )
    assert "24 slots of 20 min, 30 tables" in answer
    chat = chat_as("asker")
    assert "can't book a meeting at this event" in await chat.say(f"/meet #{colleague} {event}")
    for number, guest in enumerate(guests[:20]):
        slot = f"{8 + number // 3:02d}:{number % 3 * 20:02d}"
        assert "I've asked Guest" in await chat.say(f"/meet at {event} #{guest} {slot}")
    refused = await chat.say(f"/meet at {event} #{guests[20]} 15:20")
    assert "You have 20 requests waiting for an answer" in refused
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Meeting)) == 20


async def test_an_online_session_gives_each_meeting_its_link_and_reminds_5_minutes_before(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, event = await seed(db, clock, chat_as)
    answer = await chat_as("coord").say(
        f"/session {event} tables=0 online=https://meet.example/b2b-{{meeting}}"
    )
    assert "6 slots of 20 min, online." in answer
    await request_10_20(chat_as, marta_id)
    [request] = [row for row in await queued_messages(db, marta_id) if row.cause == "meeting1:ask:0"]
    assert "09:20 WET–09:40, https://meet.example/b2b-1." in request.text
    await chat_as("marta").press(request.buttons[0][1])
    starts = (await meeting(db)).starts_at
    assert await queue_meeting_reminders(db, starts - timedelta(minutes=6)) == 0
    assert await queue_meeting_reminders(db, starts - timedelta(minutes=5)) == 2
    [to_joan] = [row for row in await queued_messages(db, joan_id) if "reminder" in row.cause]
    assert "Meeting with Marta at 10:20, https://meet.example/b2b-1." in to_joan.text


async def test_booking_waits_for_the_opening_the_coordinator_set(db: Database, clock, chat_as) -> None:
    _joan_id, _marta_id, event = await seed(db, clock, chat_as)
    await chat_as("coord").say(f'/session {event} opens="2026-11-24 09:00" closes="2026-11-26 08:00"')
    joan = chat_as("joan")
    assert "Booking for B2B day is not open." in await joan.say("/meet Marta")
    assert "Booking for B2B day is not open." in await joan.say(f"/meet at {event} #2 10:20")
    clock.advance(days=1)
    assert "pick a time" in await joan.say("/meet Marta")


async def test_a_coordinator_of_one_cluster_sets_up_sessions_only_for_its_events(
    db: Database, clock, chat_as
) -> None:
    _joan, _marta, event = await seed(db, clock, chat_as)
    other = await add_cluster(db, "Elsewhere", "Bavaria", "Germany", ["textile"])
    await add_member(
        db, clock.now, "Scoped", handle="scoped", is_coordinator=True, coordinator_cluster_id=other
    )
    refused = await chat_as("scoped").say(f"/session {event} slot=30")
    assert "You coordinate Elsewhere only" in refused
    assert "6 slots of 20 min" in await chat_as("coord").say(f"/session {event}")
