"""Events and RSVPs, with capacity and a first-come waitlist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Event, Member, Rsvp

# The UID our calendar files give an event: stable, so calendar apps and re-imports recognise it.
UID_DOMAIN = "clusterbot"
OWN_UID = re.compile(rf"^event-(\d{{1,9}})@{UID_DOMAIN}$")


def event_uid(event_id: int) -> str:
    return f"event-{event_id}@{UID_DOMAIN}"


def own_event_id(uid: str) -> int | None:
    """The event number in a UID we wrote ourselves, None for anyone else's UID."""
    found = OWN_UID.match(uid.strip())
    return int(found.group(1)) if found else None


# The queries every `events` and `event` runs, built once (building costs more than running them).
UPCOMING = (
    select(Event)
    .where(Event.ends_at > bindparam("now"), Event.cancelled.is_(False))
    .order_by(Event.starts_at, Event.id)
    .limit(bindparam("limit"))
)
COUNT_BY_STATUS = select(func.count()).where(
    Rsvp.event_id == bindparam("event_id"), Rsvp.status == bindparam("status")
)
RSVP_OF = select(Rsvp).where(Rsvp.member_id == bindparam("member_id"), Rsvp.event_id == bindparam("event_id"))
STATUSES_FOR = select(Rsvp.event_id, Rsvp.status).where(
    Rsvp.member_id == bindparam("member_id"), Rsvp.event_id.in_(bindparam("event_ids", expanding=True))
)

RsvpResult = Literal["going", "waitlisted", "already_going", "already_waitlisted"]


@dataclass(frozen=True, slots=True)
class Departure:
    """What `not going` changed: whether the member held a place, and who got it."""

    was_attending: bool
    promoted_member_id: int | None


class Events:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, event_id: int) -> Event | None:
        return await self.session.get(Event, event_id)

    async def upcoming(self, now: datetime, *, limit: int = 50) -> list[Event]:
        """Events not cancelled that have not ended, soonest first."""
        return list((await self.session.scalars(UPCOMING, {"now": now, "limit": limit})).all())

    async def create(self, now: datetime, **fields: Any) -> Event:
        event = Event(created_at=now, updated_at=now, **fields)
        self.session.add(event)
        await self.session.flush()
        return event

    async def update(self, event: Event, now: datetime, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(event, name, value)
        event.updated_at = now
        await self.session.flush()

    async def _lock(self, event: Event) -> None:
        """Serialise RSVPs to one event, so two people can never both take its last place.

        SQLite's write transactions already run one at a time (BEGIN IMMEDIATE); PostgreSQL
        needs the event's row locked until the transaction ends.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())

    async def going_count(self, event_id: int) -> int:
        return await self._count(event_id, "going")

    async def waitlist_count(self, event_id: int) -> int:
        return await self._count(event_id, "waitlisted")

    async def _count(self, event_id: int, status: str) -> int:
        count = await self.session.scalar(COUNT_BY_STATUS, {"event_id": event_id, "status": status})
        return int(count or 0)

    async def rsvp_of(self, member_id: int, event_id: int) -> Rsvp | None:
        return await self.session.scalar(RSVP_OF, {"member_id": member_id, "event_id": event_id})

    async def attend(self, event: Event, member_id: int, now: datetime) -> RsvpResult:
        """Say yes: a place when there is one, the end of the waitlist otherwise."""
        await self._lock(event)
        rsvp = await self.rsvp_of(member_id, event.id)
        if rsvp is not None and rsvp.status in ("going", "waitlisted"):
            return "already_going" if rsvp.status == "going" else "already_waitlisted"
        full = event.capacity is not None and await self.going_count(event.id) >= event.capacity
        status: RsvpResult = "waitlisted" if full else "going"
        if rsvp is None:
            self.session.add(Rsvp(member_id=member_id, event_id=event.id, status=status, updated_at=now))
        else:
            rsvp.status, rsvp.updated_at = status, now
        await self.session.flush()
        return status

    async def leave(self, event: Event, member_id: int, now: datetime) -> Departure:
        """Say no: a freed place goes to whoever has waited longest."""
        await self._lock(event)
        rsvp = await self.rsvp_of(member_id, event.id)
        was_going = rsvp is not None and rsvp.status == "going"
        was_attending = rsvp is not None and rsvp.status in ("going", "waitlisted")
        if rsvp is None:
            self.session.add(Rsvp(member_id=member_id, event_id=event.id, status="not_going", updated_at=now))
        else:
            rsvp.status, rsvp.updated_at = "not_going", now
        await self.session.flush()
        promoted = await self.promote_waitlist(event, now, at_most=1) if was_going else []
        return Departure(was_attending, promoted[0] if promoted else None)

    async def promote_waitlist(self, event: Event, now: datetime, *, at_most: int | None = None) -> list[int]:
        """Give the free places (all of them, or `at_most`) to who has waited longest; their ids.

        Called when a place frees up and when the capacity is raised or lifted.
        """
        await self._lock(event)
        places = None if event.capacity is None else event.capacity - await self.going_count(event.id)
        if at_most is not None:
            places = at_most if places is None else min(places, at_most)
        if places is not None and places <= 0:
            return []
        query = (
            select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.status == "waitlisted")
            .order_by(Rsvp.updated_at, Rsvp.id)
        )
        waiting = list((await self.session.scalars(query.limit(places))).all())
        for rsvp in waiting:
            rsvp.status, rsvp.updated_at = "going", now
        await self.session.flush()
        return [rsvp.member_id for rsvp in waiting]

    async def attendee_ids(self, event_id: int) -> list[int]:
        """Members with a place or on the waitlist: both want to hear when the event changes."""
        return list(
            (
                await self.session.scalars(
                    select(Rsvp.member_id)
                    .where(Rsvp.event_id == event_id, Rsvp.status.in_(("going", "waitlisted")))
                    .order_by(Rsvp.id)
                )
            ).all()
        )

    async def going_listed(self, event_id: int) -> tuple[list[int], int]:
        """Who is going: the ids of members listed in the directory (in the order they said so),
        and how many others are going; only the directory's members may be named to others."""
        rows = await self.session.execute(
            select(Rsvp.member_id, Member.listed)
            .join(Member, Member.id == Rsvp.member_id)
            .where(Rsvp.event_id == event_id, Rsvp.status == "going")
            .order_by(Rsvp.id)
        )
        everyone = rows.all()
        listed = [member_id for member_id, is_listed in everyone if is_listed]
        return listed, len(everyone) - len(listed)

    async def of_member(self, member_id: int, now: datetime) -> list[tuple[Event, str]]:
        """The member's events not yet over, soonest first, with `going` or `waitlisted`."""
        rows = await self.session.execute(
            select(Event, Rsvp.status)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(
                Rsvp.member_id == member_id,
                Rsvp.status.in_(("going", "waitlisted")),
                Event.ends_at > now,
                Event.cancelled.is_(False),
            )
            .order_by(Event.starts_at, Event.id)
        )
        return [(event, status) for event, status in rows.all()]

    async def statuses_for(self, member_id: int, event_ids: list[int]) -> dict[int, str]:
        if not event_ids:
            return {}
        rows = await self.session.execute(STATUSES_FOR, {"member_id": member_id, "event_ids": event_ids})
        return {event_id: status for event_id, status in rows.all()}
