"""The secret of a member's personal calendar feed, and the events the feed shows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Event, Member, Rsvp

# A feed shows the events still to come and those of the last weeks, as calendar apps expect.
FEED_PAST = timedelta(days=30)


class Calendars:
    """The secret of a member's personal calendar feed, and the events the feed shows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def member_for(self, token: str) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.calendar_token == token))

    async def going_events(self, member_id: int, now: datetime) -> list[Event]:
        """Events the member holds a place at, from a month ago on, soonest first."""
        query = (
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(Rsvp.member_id == member_id, Rsvp.status == "going", Event.ends_at > now - FEED_PAST)
            .order_by(Event.starts_at, Event.id)
        )
        return list((await self.session.scalars(query)).all())
