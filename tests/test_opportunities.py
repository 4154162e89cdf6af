"""Opportunities: nearest deadline first, typo-tolerant filter, posting, and who may change them."""

from __future__ import annotations

from datetime import timedelta

from store.db import Database
from tests.factories import add_opportunity


async def test_open_opportunities_come_nearest_deadline_first(db: Database, clock, chat_as) -> None:
    await add_opportunity(db, clock.now, "Later call", deadline=clock.now + timedelta(days=60))
    await add_opportunity(db, clock.now, "Sooner call", deadline=clock.now + timedelta(days=5))
    await add_opportunity(db, clock.now, "Undated offer", kind="offer")
    await add_opportunity(db, clock.now, "Past call", deadline=clock.now - timedelta(days=1))
    await add_opportunity(db, clock.now, "Closed call", status="closed")
    answer = await chat_as("someone").say("/opportunities")
    assert answer.index("Sooner call") < answer.index("Later call") < answer.index("Undated offer")
    assert "Past call" not in answer and "Closed call" not in answer


async def test_filter_forgives_typos(db: Database, clock, chat_as) -> None:
    await add_opportunity(db, clock.now, "Partner for textile recycling pilot", tags=["circular economy"])
    await add_opportunity(db, clock.now, "Offshore wind tender")
    answer = await chat_as("someone").say("/opportunities recyclng")
    assert "textile recycling" in answer and "Offshore" not in answer


async def test_post_guided_flow_publishes(db: Database, chat_as) -> None:
    chat = chat_as("poster")
    assert "What kind of opportunity" in await chat.say("/post")
    await chat.press("staff_exchange")
    too_long = await chat.say("T" * 301)
    assert "Your answer is 301 characters long, and at most 300 fit. Nothing was saved." in too_long
    await chat.say("Two-week exchange in a Porto knitting mill")
    await chat.say("Host one technician from a partner cluster.")
    await chat.say("skills, knitting")
    published = await chat.say("2027-03-01")
    assert "Published #1 Two-week exchange" in published
    details = await chat.say("/opportunity 1")
    assert "Staff exchange" in details and "Deadline: 1 Mar 2027" in details and "skills, knitting" in details


async def test_one_line_post_and_only_the_poster_may_close(chat_as) -> None:
    poster, other = chat_as("poster"), chat_as("other")
    published = await poster.say('/post kind=request title="Need a dyeing lab" deadline=2027-02-01')
    assert "Published #1" in published
    assert "Only the member who posted it" in await other.say("/opportunity close 1")
    assert "Closed #1" in await poster.say("/opportunity close 1")
    assert "No open opportunities" in await other.say("/opportunities")


async def test_a_past_deadline_is_refused(chat_as) -> None:
    answer = await chat_as("poster").say("/post kind=offer title=Old deadline=2020-01-01")
    assert "deadline has to be in the future" in answer
    assert "No open opportunities" in await chat_as("poster").say("/opportunities")
