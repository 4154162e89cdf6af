"""The personal calendar feed: served over real HTTP, parsable, the member's own events only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from icalendar import Calendar
from prometheus_client import CollectorRegistry

from bot.calendar_feed import add_calendar_feed
from bot.http import HttpServer
from store.db import Database
from tests.conftest import Clock
from tests.factories import add_event, add_event_with_bad_link

FEED = re.compile(r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
async def server(db: Database, clock: Clock) -> AsyncIterator[HttpServer]:
    http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
    add_calendar_feed(http, db, clock=clock)
    await http.start()
    yield http
    await http.stop()


async def fetch(server: HttpServer, path: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as client, client.get(server.url + path) as response:
        return response.status, response.content_type, await response.read()


async def test_the_feed_shows_only_the_events_the_member_is_going_to(
    server: HttpServer, db: Database, clock: Clock, chat_as
) -> None:
    starts = {"starts_in": timedelta(days=5)}
    going = await add_event(db, clock.now, "B2B session Porto", **starts)
    declined = await add_event(db, clock.now, "Trade fair Paris", **starts)
    full = await add_event(db, clock.now, "Learning visit Bergen", capacity=1, **starts)
    elsewhere = await add_event(db, clock.now, "Webinar on DPP", **starts)
    marta, other = chat_as("marta"), chat_as("ola")
    await other.say(f"/going {full}")
    await other.say(f"/going {elsewhere}")
    for line in (f"/going {going}", f"/going {declined}", f"/notgoing {declined}", f"/going {full}"):
        await marta.say(line)

    answer = await marta.say("/calendar")
    match = FEED.search(answer)
    assert match is not None and "http://127.0.0.1:8080/calendar/" in answer
    assert len(match.group(1)) >= 43
    status, content_type, body = await fetch(server, match.group(0))
    assert (status, content_type) == (200, "text/calendar")
    summaries = [str(entry["SUMMARY"]) for entry in Calendar.from_ical(body).walk("VEVENT")]
    assert summaries == ["B2B session Porto"]


async def test_a_wrong_or_reset_token_gets_a_bare_404(server: HttpServer, chat_as) -> None:
    marta = chat_as("marta")
    first = FEED.search(await marta.say("/calendar"))
    again = FEED.search(await marta.say("/calendar"))
    assert first is not None and again is not None and first.group(0) == again.group(0)

    wrong = first.group(0).replace(first.group(1), first.group(1)[::-1])
    for path in (wrong, "/calendar/short.ics", "/calendar/%27%20OR%201=1.ics"):
        status, _type, body = await fetch(server, path)
        assert status == 404 and first.group(1).encode() not in body

    renewed = FEED.search(await marta.say("/calendar reset"))
    assert renewed is not None and renewed.group(0) != first.group(0)
    assert (await fetch(server, first.group(0)))[0] == 404
    assert (await fetch(server, renewed.group(0)))[0] == 200


async def test_a_bad_link_stored_before_does_not_break_the_feed(
    server: HttpServer, db: Database, clock: Clock, chat_as
) -> None:
    event_id = await add_event_with_bad_link(db, clock.now, "B2B session Porto")
    marta = chat_as("marta")
    await marta.say(f"/going {event_id}")
    match = FEED.search(await marta.say("/calendar"))
    assert match is not None

    status, _type, body = await fetch(server, match.group(0))

    assert status == 200 and b"X-INJECTED" not in body
    assert [str(entry["SUMMARY"]) for entry in Calendar.from_ical(body).walk("VEVENT")] == [
        "B2B session Porto"
    ]
