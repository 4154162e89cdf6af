"""GET /calendar/{token}.ics: a member's personal feed of the events they are going to.

The token in the path is the only credential (calendar apps cannot log in), so it is long and
random, and every refusal looks the same: a wrong token and a malformed one both get a bare 404
that says nothing about whether such a feed exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from bot.http import HttpServer
from handlers.ics import event_calendar
from handlers.meeting_notices import meeting_view
from store.db import Database
from store.repository import store_transaction

PATH = "/calendar/{token}.ics"
# secrets.token_urlsafe(32) gives 43 characters of this alphabet; anything else cannot be a token.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
# Calendar apps poll; a few minutes of caching spares the database without hiding changes for long.
CACHE_SECONDS = 300

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def add_calendar_feed(http: HttpServer, db: Database, *, clock: Clock = _utc_now) -> None:
    """Serve personal feeds from `http` (call before the server starts: routes freeze then)."""

    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not TOKEN_SHAPE.match(token):
            raise web.HTTPNotFound()
        async with store_transaction(db) as store:
            member = await store.calendars.member_for(token)
            if member is None:
                raise web.HTTPNotFound()
            events = await store.calendars.going_events(member.id, clock())
            meetings = [
                (await meeting_view(store, meeting)).entry()
                for meeting in await store.meetings.accepted_for_feed(member.id, clock())
            ]
        return web.Response(
            body=event_calendar(events, meetings),
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": f"private, max-age={CACHE_SECONDS}"},
        )

    http.add_route("GET", PATH, feed)
