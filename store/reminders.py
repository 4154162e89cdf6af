"""What is due: members going to events that start soon, followers of opportunities that close soon."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Event, Follow, Member, Opportunity, Rsvp

# Reminders can be set up to 14 days ahead (handlers.settings); look no further than that.
REMINDER_HORIZON = timedelta(days=15)
DEADLINE_HORIZON = timedelta(days=8)


class Reminders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def attendees_of_events_starting_soon(
        self, now: datetime
    ) -> list[tuple[Event, int, str, list[str], str | None]]:
        """(event, member id, time zone, reminder offsets, language) for upcoming events."""
        rows = await self.session.execute(
            select(Event, Member.id, Member.timezone, Member.reminder_offsets, Member.language)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .join(Member, Member.id == Rsvp.member_id)
            .where(
                Rsvp.status == "going",
                Event.cancelled.is_(False),
                Event.starts_at > now,
                Event.starts_at <= now + REMINDER_HORIZON,
            )
            .order_by(Event.starts_at, Member.id)
        )
        return [
            (event, member_id, zone, list(offsets or []), language)
            for event, member_id, zone, offsets, language in rows.all()
        ]

    async def followers_of_closing_opportunities(
        self, now: datetime
    ) -> list[tuple[Opportunity, int, str, str | None]]:
        """(opportunity, member id, time zone, language) for open opportunities closing soon."""
        rows = await self.session.execute(
            select(Opportunity, Member.id, Member.timezone, Member.language)
            .join(Follow, Follow.opportunity_id == Opportunity.id)
            .join(Member, Member.id == Follow.member_id)
            .where(
                Opportunity.status == "open",
                Opportunity.deadline > now,
                Opportunity.deadline <= now + DEADLINE_HORIZON,
            )
            .order_by(Opportunity.deadline, Member.id)
        )
        return [
            (opportunity, member_id, zone, language) for opportunity, member_id, zone, language in rows.all()
        ]
