"""Organiser-built schedules: wishes with buttons, a solver's draft that keeps booked meetings,
publishing that the seats table guards, and confirmations only each person can press."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from scheduler.meetings import expire_meeting_requests
from store.db import Database
from store.models import Meeting, MeetingSeat, MeetingWish, Member, ScheduleDraft
from tests.conftest import Chat
from tests.factories import add_cluster, add_event, add_member, make_coordinator, queued_messages

PEOPLE = ("Ana", "Ben", "Cris", "Dana")


async def seed(db: Database, clock, chat_as) -> tuple[dict[str, int], int]:  # type: ignore[no-untyped-def]
    """Four participants of a delegation day of cluster Tèxtil three days ahead: three 20-minute
    slots (10:00, 10:20, 10:40 Madrid time) at one table; Ben and Cris already agreed on 10:00."""
    textil = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textile"])
    ids = {
        name: await add_member(db, clock.now, name, cluster_id=textil, handle=name.lower()) for name in PEOPLE
    }
    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    event = await add_event(
        db, clock.now, "Delegation day", starts_in=timedelta(days=3), kind="b2b_session", cluster_id=textil
    )
    answer = await chat_as("coord").say(f'/session {event} slot=20 windows="10:00-11:00" tables=1')
    assert "3 slots of 20 min, 1 table" in answer
    for name in PEOPLE:
        await chat_as(name.lower()).say(f"/going {event}")
    await chat_as("ben").say(f"/meet at {event} #{ids['Cris']} 10:00")
    [ask] = [row for row in await queued_messages(db, ids["Cris"]) if row.cause == "meeting1:ask:0"]
    assert "Meeting confirmed" in await chat_as("cris").press(ask.buttons[0][1])
    return ids, event


async def wishes(db: Database) -> list[tuple[int, int, str]]:
    async with db.transaction() as session:
        rows = await session.scalars(select(MeetingWish).order_by(MeetingWish.id))
        return [(w.member_id, w.other_id, w.level) for w in rows]


async def drafted(db: Database) -> list[ScheduleDraft]:
    async with db.transaction() as session:
        return list((await session.scalars(select(ScheduleDraft).order_by(ScheduleDraft.starts_at))).all())


async def meetings(db: Database) -> list[Meeting]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Meeting).order_by(Meeting.id))).all())


async def mark_wishes(chat_as, event: int) -> None:  # type: ignore[no-untyped-def]
    """Ana must meet Ben and would like Cris; Cris must meet Dana; Ben wants no meeting with Dana."""
    for who, other, level in (("ana", "Ben", "must"), ("ana", "Cris", "meet"), ("cris", "Dana", "must")):
        assert "noted" in await chat_as(who).say(f"/wish {event} {other} {level}")
    assert "No meeting with Dana" in await chat_as("ben").say(f"/wish {event} Dana no")


async def drafted_with_wishes(chat_as, event: int) -> Chat:  # type: ignore[no-untyped-def]
    """The wishes marked and the coordinator's draft made; the coordinator's chat, to publish it."""
    await mark_wishes(chat_as, event)
    coord = chat_as("coord")
    await coord.say(f"/schedule draft {event}")
    return coord


async def test_wishes_are_marked_with_buttons_and_changed(db: Database, clock, chat_as) -> None:
    ids, event = await seed(db, clock, chat_as)
    ana = chat_as("ana")
    listing = await ana.say(f"/participants {event}")
    assert "Participants of Delegation day: whom would you like to meet?" in listing
    assert "Ana" not in listing.split("\n", 1)[1]  # not herself
    assert ("Must meet Ben", f"/wish {event} #{ids['Ben']} must") in ana.buttons
    assert "You must meet Ben at Delegation day: noted." in await ana.tap("Must meet Ben")
    assert await wishes(db) == [(ids["Ana"], ids["Ben"], "must")]

    assert "No meeting with Ben" in await ana.say(f"/wish {event} Ben no")
    assert await wishes(db) == [(ids["Ana"], ids["Ben"], "no_thanks")]
    assert "Ben · No thanks" in await ana.say(f"/participants {event}")

    # Bad input changes nothing and says why.
    assert "must, meet or no" in await ana.say(f"/wish {event} Ben maybe")
    outsider = await add_member(db, clock.now, "Olga", handle="olga")
    assert "not a participant" in await ana.say(f"/wish {event} #{outsider} must")
    assert "Only participants" in await chat_as("olga").say(f"/wish {event} Ben must")
    assert await wishes(db) == [(ids["Ana"], ids["Ben"], "no_thanks")]


async def test_a_draft_keeps_booked_meetings_and_never_seats_anyone_twice(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    await mark_wishes(chat_as, event)
    coord = chat_as("coord")
    review = await coord.say(f"/schedule draft {event}")
    assert "Draft for Delegation day: 2 new meetings, 1 booked kept; solver optimal" in review
    assert "Every Must-meet is matched." in review
    rows = await drafted(db)
    pairs = {frozenset((row.first_id, row.second_id)) for row in rows}
    assert pairs == {frozenset((ids["Ana"], ids["Ben"])), frozenset((ids["Cris"], ids["Dana"]))}
    booked = (await meetings(db))[0]
    # Ben × Cris keep 10:00 and its only table: nothing else is drafted then.
    assert all(row.starts_at != booked.starts_at for row in rows)
    seated = Counter((person, row.starts_at) for row in rows for person in (row.first_id, row.second_id))
    assert max(seated.values()) == 1 and len({row.starts_at for row in rows}) == len(rows)
    sheet = list(csv.reader(io.StringIO(coord.last[0].attachment.content.decode())))  # type: ignore[union-attr]
    assert sheet[0] == ["start", "place", "first", "second", "already_booked"] and len(sheet) == 4
    assert ["10:00", "table 1", "Ben", "Cris", "yes"] in sheet

    # Drafting again replaces the unpublished draft; a Must-meet that cannot fit is named.
    assert "noted" in await chat_as("dana").say(f"/wish {event} Ana must")
    review = await coord.say(f"/schedule draft {event}")
    assert "Must-meets not matched: " in review  # three Must-meets, two free slots at one table
    assert len(await drafted(db)) == 2


async def test_publish_holds_seats_skips_a_clash_and_each_side_confirms_or_declines(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    coord = await drafted_with_wishes(chat_as, event)
    rows = await drafted(db)
    [ana_ben] = [row for row in rows if {row.first_id, row.second_id} == {ids["Ana"], ids["Ben"]}]
    # Meanwhile Ben books Ana's table at that time himself, with Dana.
    local = f"{ana_ben.starts_at.astimezone(ZoneInfo('Europe/Madrid')):%H:%M}"
    assert "I've asked" in await chat_as("ben").say(f"/meet at {event} #{ids['Dana']} {local}")

    answer = await coord.tap("Publish")
    assert "Published 1 meeting at Delegation day; each side confirms or declines." in answer
    assert f"{local} Ana × Ben" in answer or f"{local} Ben × Ana" in answer
    assert await drafted(db) == []
    proposed = [m for m in await meetings(db) if m.status == "proposed"]
    assert [{m.requester_id, m.invitee_id} for m in proposed] == [{ids["Cris"], ids["Dana"]}]
    async with db.transaction() as session:
        seats = await session.scalar(select(func.count()).where(MeetingSeat.meeting_id == proposed[0].id))
    assert seats == 3  # both people and the table: nobody can book them then

    [notice] = [row for row in await queued_messages(db, ids["Cris"]) if row.cause.startswith("schedule")]
    assert "Your meetings at Delegation day, please confirm each:" in notice.text and "Dana" in notice.text
    confirm, _decline = notice.buttons
    assert "meant for someone else" in await chat_as("dana").press(confirm[1])
    cris = chat_as("cris")
    assert "Confirmed; waiting for Dana to confirm too." in await cris.press(confirm[1])
    [dana_notice] = [
        row for row in await queued_messages(db, ids["Dana"]) if row.cause.startswith("schedule")
    ]
    dana = chat_as("dana")
    assert "Meeting confirmed with Cris at Delegation day" in await dana.press(dana_notice.buttons[0][1])
    assert dana.last[0].attachment is not None and b"METHOD:REQUEST" in dana.last[0].attachment.content
    assert [m.status for m in await meetings(db) if m.id == proposed[0].id] == ["accepted"]
    card = [
        row
        for row in await queued_messages(db, ids["Cris"])
        if row.cause == f"meeting{proposed[0].id}:accepted"
    ]
    assert "Meeting confirmed with Dana" in card[0].text
    assert "already answered" in await cris.say(f"/schedule decline {proposed[0].id}")


async def test_declining_a_published_meeting_frees_its_seats_and_tells_the_other(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    coord = await drafted_with_wishes(chat_as, event)
    assert "Published 2 meetings" in await coord.say(f"/schedule publish {event}")
    [notice] = [row for row in await queued_messages(db, ids["Ben"]) if row.cause.startswith("schedule")]
    assert "Declined. I've let Ana know." in await chat_as("ben").press(notice.buttons[1][1])
    [declined] = [m for m in await meetings(db) if m.status == "declined"]
    async with db.transaction() as session:
        left = await session.scalar(select(func.count()).where(MeetingSeat.meeting_id == declined.id))
    assert left == 0
    told = [
        row for row in await queued_messages(db, ids["Ana"]) if row.cause == f"meeting{declined.id}:declined"
    ]
    assert "Ben can't meet at" in told[0].text


async def test_a_published_meeting_not_confirmed_in_time_expires_like_a_request_and_is_counted(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    coord = await drafted_with_wishes(chat_as, event)
    await coord.say(f"/session {event} expiry=1h")
    assert "Published 2 meetings" in await coord.say(f"/schedule publish {event}")
    assert (
        "Requested: 2 (of which 2 from the published schedule) · accepted: 1 · held: 0 · no-show: 0 "
        "(0 members did not come) · expired: 0"
    ) in await coord.say(f"/session status {event}")
    [notice] = [row for row in await queued_messages(db, ids["Ana"]) if row.cause.startswith("schedule")]
    assert "Unconfirmed meetings are released at Mon 23 Nov 2026, 11:00 CET." in notice.text
    assert "Confirmed; waiting for Ben to confirm too." in await chat_as("ana").press(notice.buttons[0][1])

    clock.advance(minutes=59)
    assert await expire_meeting_requests(db, clock.now) == 0
    clock.advance(minutes=2)
    assert await expire_meeting_requests(db, clock.now) == 4  # two meetings, both sides told
    expired = [m for m in await meetings(db) if m.status == "expired"]
    assert len(expired) == 2
    async with db.transaction() as session:
        left = await session.scalar(
            select(func.count()).where(MeetingSeat.meeting_id.in_([m.id for m in expired]))
        )
    assert left == 0
    [told] = [row for row in await queued_messages(db, ids["Ana"]) if row.cause.endswith(":expired")]
    assert "Your meeting with Ben at" in told.text and "was not confirmed by both in time" in told.text
    assert (
        "Requested: 0 (of which 0 from the published schedule) · accepted: 1 · held: 0 · no-show: 0 "
        "(0 members did not come) · expired: 2"
    ) in await coord.say(f"/session status {event}")


async def test_a_coordinator_of_another_cluster_is_refused_and_nothing_is_drafted(
    db: Database, clock, chat_as
) -> None:
    _ids, event = await seed(db, clock, chat_as)
    await mark_wishes(chat_as, event)
    other = await add_cluster(db, "Plastivallée", "Auvergne-Rhône-Alpes", "France", ["plastics"])
    await add_member(db, clock.now, "Scoped", handle="scoped")
    await make_coordinator(db, "scoped")
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.name == "Scoped").values(coordinator_cluster_id=other)
        )
    answer = await chat_as("scoped").say(f"/schedule draft {event}")
    assert "You coordinate Plastivallée only, and event #" in answer
    assert "is for coordinators only" in await chat_as("ana").say(f"/schedule draft {event}")
    assert await drafted(db) == []


async def test_mydata_lists_wishes_and_drafts_and_forget_erases_them_both_ways(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    await drafted_with_wishes(chat_as, event)
    ana = chat_as("ana")
    await ana.say("/mydata")
    assert ana.last[0].attachment is not None
    exported = json.loads(ana.last[0].attachment.content)
    assert sorted((w["other_member"], w["level"]) for w in exported["meeting_wishes"]) == [
        (ids["Ben"], "must"),
        (ids["Cris"], "meet"),
    ]
    assert [d["other_member"] for d in exported["schedule_drafts"]] == [ids["Ben"]]

    ben = chat_as("ben")
    await ben.say("/forget")
    await ben.tap("Erase my data")
    # Ana's wish about Ben and Ben's about Dana go, and so does their drafted meeting.
    assert (ids["Ana"], ids["Ben"], "must") not in await wishes(db)
    assert all(ids["Ben"] not in (member, other) for member, other, _level in await wishes(db))
    assert all(ids["Ben"] not in (row.first_id, row.second_id) for row in await drafted(db))
    assert len(await drafted(db)) == 1


async def test_forget_tells_the_other_side_of_a_published_meeting_that_it_is_off(
    db: Database, clock, chat_as
) -> None:
    ids, event = await seed(db, clock, chat_as)
    coord = await drafted_with_wishes(chat_as, event)
    await coord.say(f"/schedule publish {event}")
    [published] = [
        m
        for m in await meetings(db)
        if m.status == "proposed" and ids["Ben"] in (m.requester_id, m.invitee_id)
    ]
    ben = chat_as("ben")
    await ben.say("/forget")
    await ben.tap("Erase my data")
    told = [
        row for row in await queued_messages(db, ids["Ana"]) if row.cause == f"meeting{published.id}:left"
    ]
    assert "is cancelled: the other member has left" in told[0].text


async def test_a_published_meeting_can_be_confirmed_from_meetings_when_the_message_is_lost(
    db: Database, clock, chat_as
) -> None:
    _ids, event = await seed(db, clock, chat_as)
    coord = await drafted_with_wishes(chat_as, event)
    assert "Published 2 meetings" in await coord.say(f"/schedule publish {event}")
    ben = chat_as("ben")
    listing = await ben.say("/meetings")
    assert "Ana, from the published schedule:" in listing
    [(accept_label, accept), (_decline_label, _decline)] = ben.buttons
    assert accept_label.startswith("Accept ")
    assert "meant for someone else" in await chat_as("ana").press(accept)
    assert "Confirmed; waiting for Ana to confirm too." in await ben.press(accept)
    # Confirmed on his side: the list now says whom he is waiting for, with nothing to press.
    assert "→ waiting for Ana:" in await ben.say("/meetings")
    assert ben.buttons == []
