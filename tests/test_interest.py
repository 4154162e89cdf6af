"""Who's going (directory members by name, the others counted), my events, my opportunities, and
"I'm interested": the poster is told with a Reply button and answers once through the bot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from store.db import Database
from store.models import OpportunityInterest
from tests.factories import add_event, add_member, add_opportunity, queued_messages
from tests.test_erasure import erase_through_the_button


async def test_whos_going_names_only_members_listed_in_the_directory(db: Database, clock, chat_as) -> None:
    event = await add_event(db, clock.now, "B2B session Porto", starts_in=timedelta(days=3), capacity=3)
    for name, listed in (("Ana Puig", True), ("Hidden Person", False), ("Tiago Costa", True)):
        await add_member(db, clock.now, name, handle=name.split()[0].lower(), listed=listed)
        await chat_as(name.split()[0].lower()).say(f"/going {event}")
    await add_member(db, clock.now, "Late Listed", handle="late")
    await chat_as("late").say(f"/going {event}")  # waitlisted: not going
    someone = chat_as("someone")

    await someone.say(f"/event {event}")
    answer = await someone.tap("Who's going")

    assert answer.startswith("Who's going to B2B session Porto\n\n• Ana Puig\n• Tiago Costa\n")
    assert "1 more going who are not listed in the directory." in answer
    assert "Hidden" not in answer and "Late Listed" not in answer
    assert someone.buttons == [("Going", f"/going {event}")]


async def test_whos_going_when_nobody_is(db: Database, clock, chat_as) -> None:
    event = await add_event(db, clock.now, "Webinar", starts_in=timedelta(days=3))
    assert "Nobody has said they're going yet." in await chat_as("someone").say(f"/attendees {event}")


async def test_my_events_lists_going_and_waitlisted_upcoming_events_only(
    db: Database, clock, chat_as
) -> None:
    full = await add_event(db, clock.now, "Full fair", starts_in=timedelta(days=8), capacity=1)
    visit = await add_event(db, clock.now, "Learning visit", starts_in=timedelta(days=2))
    soon = await add_event(db, clock.now, "Over soon", starts_in=timedelta(hours=1))
    await add_event(db, clock.now, "Not mine", starts_in=timedelta(days=1))
    await add_member(db, clock.now, "Ana Puig", handle="ana")
    await chat_as("ana").say(f"/going {full}")
    me = chat_as("me")
    for event in (full, visit, soon):
        await me.say(f"/going {event}")
    clock.advance(hours=4)

    answer = await me.say("/myevents")

    assert "Learning visit" in answer and "Full fair" in answer
    assert answer.index("Learning visit") < answer.index("Full fair")
    assert "⏳ waitlisted" in answer and "✅ you're going" in answer
    assert "Over soon" not in answer and "Not mine" not in answer
    details = {
        label: payload.partition(" for:")[0] for label, payload in me.buttons if label.startswith("Details")
    }
    assert all(" for:" in payload for label, payload in me.buttons if label.startswith("Details")), (
        "an item's Details acts only for the reader"
    )
    assert [(label, details.get(label, payload)) for label, payload in me.buttons] == [
        (f"Details #{visit}", f"/event {visit}"),
        (f"Not going #{visit}", f"/notgoing {visit}"),
        (f"Details #{full}", f"/event {full}"),
        (f"Not going #{full}", f"/notgoing {full}"),
    ]
    assert await me.say("/going") == answer, "going alone lists the same events"


async def test_opportunity_buttons_follow_and_interested_and_my_opportunities(
    db: Database, clock, chat_as
) -> None:
    poster = await add_member(db, clock.now, "Ana Puig", handle="ana", organisation="Reteix")
    theirs = await add_opportunity(db, clock.now, "Dyeing trials partner", posted_by=poster)
    me = chat_as("me")
    mine = await add_opportunity(db, clock.now, "Looking for spinners")
    assert "no_poster" not in await me.say("hello")  # create the member before posting
    followed = await add_opportunity(
        db, clock.now, "Digital textiles call", deadline=clock.now + timedelta(days=20)
    )

    await me.say(f"/opportunity {theirs}")
    assert me.buttons == [("Follow", f"/follow {theirs}"), ("I'm interested", f"/interested {theirs}")]
    told = await me.tap("I'm interested")
    assert "I told Ana Puig you're interested in Dyeing trials partner" in told
    await me.say(f"/follow {followed}")
    await me.say(f"/opportunity {theirs}")
    assert me.buttons == [("Unfollow", f"/unfollow {theirs}"), ("I'm interested", f"/interested {theirs}")]
    assert "You already told Ana Puig" in await me.tap("I'm interested")

    answer = await me.say("/myopportunities")

    assert "You said you're interested\n• #1 Dyeing trials partner" in answer
    assert "You follow\n• #3 Digital textiles call · deadline" in answer
    assert "Looking for spinners" not in answer and mine == 2
    [message] = await queued_messages(db, poster)
    assert "me is interested in your opportunity #1 Dyeing trials partner." in message.text
    assert message.buttons == [("Reply", "/interested reply 1")]


async def test_only_the_poster_answers_and_only_once(db: Database, clock, chat_as) -> None:
    poster = await add_member(db, clock.now, "Ana Puig", handle="ana")
    opportunity = await add_opportunity(db, clock.now, "Dyeing trials partner", posted_by=poster)
    asker = chat_as("asker")
    await asker.say(f'/interested {opportunity} "We have a pilot line"')
    [told] = await queued_messages(db, poster)
    assert "“We have a pilot line”" in told.text

    assert "Only the member who posted the opportunity can answer." in await chat_as("other").say(
        "/interested reply 1 hi"
    )
    ana = chat_as("ana")
    assert "What would you like to answer?" in await ana.press("/interested reply 1")
    assert "Sent to asker." in await ana.say("Glad to hear it, call me Monday")
    assert "You've already answered asker through me." in await ana.say("/interested reply 1 again")

    answers = [m for m in await queued_messages(db) if m.cause == "interest:1:reply"]
    assert [m.text for m in answers] == [
        "✉️ Ana Puig answers about Dyeing trials partner:\nGlad to hear it, call me Monday"
    ]


async def test_forget_erases_the_interests_a_member_showed(db: Database, clock, chat_as) -> None:
    poster = await add_member(db, clock.now, "Ana Puig", handle="ana")
    opportunity = await add_opportunity(db, clock.now, "Dyeing trials partner", posted_by=poster)
    asker = chat_as("asker")
    await asker.say(f"/interested {opportunity} we have a pilot line")
    await asker.say("/mydata")
    [export] = [reply.attachment for reply in asker.last if reply.attachment is not None]
    assert "we have a pilot line" in export.content.decode()

    await erase_through_the_button(asker)

    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OpportunityInterest)) == 0
