"""Check-back: one "how did it go?" to each side after a meeting and an introduction, answered with
buttons only its reader can press; no-shows counted; requests left to expire pause new ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scheduler.checkbacks import queue_checkbacks
from scheduler.meetings import expire_meeting_requests
from store.db import Database
from store.models import Checkback
from tests.factories import queued_messages
from tests.test_meetings import accepted, meeting, request_10_20, seed

LABELS = ["Did not take place", "Not a fit", "Useful, no cooperation planned", "Cooperation possible"]


async def checkbacks(db: Database) -> list[Checkback]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Checkback).order_by(Checkback.id))).all())


async def questions(db: Database, member: int, cause: str):  # type: ignore[no-untyped-def]
    return [row for row in await queued_messages(db, member) if row.cause == cause]


async def asked_after_the_meeting(db: Database, clock, chat_as):  # type: ignore[no-untyped-def]
    """Joan and Marta's accepted meeting is over and each got the question: (joan, marta, theirs)."""
    joan_id, marta_id = await accepted(db, clock, chat_as)
    clock.now = (await meeting(db)).ends_at + timedelta(minutes=30)
    await queue_checkbacks(db, clock.now)
    [to_joan] = await questions(db, joan_id, "checkback:meeting1")
    [to_marta] = await questions(db, marta_id, "checkback:meeting1")
    return joan_id, marta_id, to_joan, to_marta


async def test_each_side_is_asked_once_thirty_minutes_after_the_meeting_and_a_no_show_is_counted(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id = await accepted(db, clock, chat_as)
    ends = (await meeting(db)).ends_at
    clock.now = ends + timedelta(minutes=29)
    assert await queue_checkbacks(db, clock.now) == 0
    clock.now = ends + timedelta(minutes=30)
    assert await queue_checkbacks(db, clock.now) == 2
    assert await queue_checkbacks(db, clock.now + timedelta(minutes=5)) == 0  # once, however often it runs
    [to_joan] = await questions(db, joan_id, "checkback:meeting1")
    [to_marta] = await questions(db, marta_id, "checkback:meeting1")
    assert "How was your meeting with Marta at B2B day?" in to_joan.text
    assert [label for label, _ in to_joan.buttons] == LABELS

    # Joan's button is Joan's: Marta pressing it answers nothing.
    assert "meant for someone else" in await chat_as("marta").press(to_joan.buttons[2][1])
    assert "Thank you, noted." in await chat_as("joan").press(to_joan.buttons[2][1])
    assert (await meeting(db)).status == "accepted"
    # Marta says it did not take place while Joan says it did: a no-show.
    marta = chat_as("marta")
    assert "Thank you. Who did not come?" in await marta.press(to_marta.buttons[0][1])
    assert [label for label, _ in marta.buttons] == [
        "Joan did not come",
        "I could not come",
        "Neither of us came",
    ]
    assert [(row.member_id, row.answer) for row in await checkbacks(db)] == [
        (joan_id, "useful"),
        (marta_id, "none"),
    ]
    assert (await meeting(db)).status == "no_show"
    status = await chat_as("coord").say("/session status 1")
    assert "no-show: 1 (0 members did not come)" in status
    # Who stayed away is recorded per person: Marta says she could not come.
    assert "meant for someone else" in await chat_as("joan").press(marta.buttons[1][1])
    assert "Thank you, noted." in await marta.tap("I could not come")
    assert [(row.member_id, row.absent) for row in await checkbacks(db)] == [(joan_id, ""), (marta_id, "me")]
    assert "no-show: 1 (1 members did not come)" in await chat_as("coord").say("/session status 1")


async def test_each_side_says_who_did_not_come_and_each_absent_member_counts_once(
    db: Database, clock, chat_as
) -> None:
    _joan_id, _marta_id, to_joan, to_marta = await asked_after_the_meeting(db, clock, chat_as)
    joan, marta = chat_as("joan"), chat_as("marta")
    await joan.press(to_joan.buttons[0][1])
    assert "Thank you, noted." in await joan.tap("Marta did not come")
    assert (await meeting(db)).status == "no_show"  # one side's word is enough to count the meeting
    await marta.press(to_marta.buttons[0][1])
    assert "Thank you, noted." in await marta.tap("Neither of us came")
    # Joan says Marta did not come, Marta says neither did: Marta once, Joan once.
    assert "no-show: 1 (2 members did not come)" in await chat_as("coord").say("/session status 1")


async def test_cooperation_possible_asks_for_a_next_step_and_follows_up_on_its_date(
    db: Database, clock, chat_as
) -> None:
    joan_id, _marta_id, to_joan, _to_marta = await asked_after_the_meeting(db, clock, chat_as)
    joan = chat_as("joan")
    answer = await joan.press(to_joan.buttons[3][1])
    assert "Good news!" in answer and "(1/2) What is the next step?" in answer
    answer = await joan.say("send the denim samples")
    assert "(2/2) When should I check with you about it?" in answer
    assert [label for label, _ in joan.buttons] == ["In 1 week", "In 2 weeks", "In 1 month", "Type a date"]
    assert "Type the date as YYYY-MM-DD" in await joan.tap("Type a date")
    assert "must be after today" in await joan.say(clock.now.date().isoformat())
    await joan.say("/agenda")  # a command in between leaves the flow where it was
    two_weeks = clock.now.date() + timedelta(days=14)
    assert f"Noted: send the denim samples. I'll remind you on {two_weeks.isoformat()}." in await joan.say(
        "2w"
    )
    [row, _] = await checkbacks(db)
    assert (row.answer, row.next_step, row.follow_up_on) == (
        "cooperation",
        "send the denim samples",
        two_weeks,
    )

    # The typed form still works, and plans again.
    on = clock.now.date() + timedelta(days=10)
    assert "before today" not in await joan.say(f'/checkback 1 next="send samples" date={on.isoformat()}')
    assert "Give the date as YYYY-MM-DD" in await joan.say('/checkback 1 next="x" date=tomorrow')
    [row, _] = await checkbacks(db)
    assert (row.answer, row.next_step, row.follow_up_on) == ("cooperation", "send samples", on)
    assert "You have no check-back #2." in await joan.say("/checkback 2 useful")

    clock.now += timedelta(days=9)
    await queue_checkbacks(db, clock.now)
    assert await questions(db, joan_id, "checkback1:follow-up") == []
    clock.now += timedelta(days=1)
    await queue_checkbacks(db, clock.now)
    await queue_checkbacks(db, clock.now + timedelta(hours=1))
    [follow_up] = await questions(db, joan_id, "checkback1:follow-up")
    assert "Today is the day you planned a next step with Marta: send samples" in follow_up.text


async def test_each_side_of_an_accepted_introduction_is_asked_two_weeks_later(
    db: Database, clock, chat_as
) -> None:
    joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await chat_as("joan").say(f"/introduce #{marta_id}")
    await chat_as("marta").press("/intro accept 1")
    clock.advance(days=13, hours=23)
    assert await queue_checkbacks(db, clock.now) == 0
    clock.advance(hours=1)
    assert await queue_checkbacks(db, clock.now) == 2
    assert await queue_checkbacks(db, clock.now) == 0
    [to_marta] = await questions(db, marta_id, "checkback:introduction1")
    assert "Two weeks ago you were introduced to Joan. How did it go?" in to_marta.text
    assert "Thank you, noted." in await chat_as("marta").press(to_marta.buttons[1][1])
    assert [row.answer for row in await checkbacks(db) if row.member_id == marta_id] == ["nofit"]
    assert len(await questions(db, joan_id, "checkback:introduction1")) == 1


async def test_three_requests_left_to_expire_pause_new_ones_until_the_member_acts(
    db: Database, clock, chat_as
) -> None:
    _joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await chat_as("coord").say("/session 1 expiry=1h")
    for _ in range(3):
        await request_10_20(chat_as, marta_id)
        clock.advance(hours=2)
        assert await expire_meeting_requests(db, clock.now) == 1
    joan = chat_as("joan")
    assert "Marta isn't taking new requests right now." in await joan.say("/meet Marta")
    # A slot button from before is refused the same way.
    assert "Marta isn't taking new requests right now." in await joan.say("/meet at 1 #2 11:00")
    # Nobody else's action lifts it: Marta's own does (opening her requests).
    await chat_as("coord").say("/meetings")
    assert "isn't taking new requests" in await joan.say("/meet Marta")
    await chat_as("marta").say("/meetings")
    assert "Meet Marta at B2B day: pick a time" in await joan.say("/meet Marta")


async def test_an_expired_counter_proposal_counts_against_the_requester_not_the_invitee(
    db: Database, clock, chat_as
) -> None:
    """Marta answered three requests with other times; Joan let the counter-proposals expire.
    The missing answers were Joan's, so Marta still takes requests and Joan is the one paused."""
    _joan_id, marta_id, _event = await seed(db, clock, chat_as)
    await chat_as("coord").say("/session 1 expiry=1h")
    joan, marta = chat_as("joan"), chat_as("marta")
    for asked, proposed in (("10:00", "10:00"), ("10:20", "10:20"), ("10:40", "10:40")):
        await joan.say("/meet Marta")
        await joan.tap(asked)
        request = [row for row in await queued_messages(db, marta_id) if ":ask:" in row.cause][-1]
        await marta.press(request.buttons[1][1])
        assert "I've proposed" in await marta.tap(proposed)  # Lisbon time: 11:00, 11:20, 11:40 in Madrid
    clock.advance(hours=2)
    assert await expire_meeting_requests(db, clock.now) == 3
    assert "Meet Marta at B2B day: pick a time" in await joan.say("/meet Marta")
    assert "Joan isn't taking new requests right now." in await marta.say("/meet Joan")
