"""B2B sessions and their one-to-one meetings; the seats table is what makes double booking impossible.

A pending request already holds its slot for both members (and a table): its seats are inserted
in a savepoint, and a UNIQUE constraint refuses the second of two bookings of the same member or
table at the same start, whichever process wrote it first. No Python check decides that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.calendars import FEED_PAST
from store.models import Event, Meeting, MeetingSeat, MeetingSession, Member, Rsvp

HOLDING = ("requested", "proposed", "accepted")  # proposed: by a published schedule (handlers/delegations.py)
UID_DOMAIN = "clusterbot"


class SlotTaken(Exception):
    """One of the two members, or every table, was booked at that time meanwhile."""


def meeting_uid(meeting_id: int) -> str:
    """The .ics UID of a meeting: stable, so calendars update the entry instead of adding one."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


@dataclass(frozen=True, slots=True)
class SessionCounts:
    """`requested` includes `proposed`: a published schedule's meetings not yet confirmed by both."""

    requested: int
    proposed: int
    accepted: int
    held: int
    no_show: int
    expired: int


# Every `event` card runs this one: built once.
SESSION_OF = select(MeetingSession).where(MeetingSession.event_id == bindparam("event_id"))
# Every `find` runs it (for its Meet buttons): built once, as building costs more than running it.
OPEN_SESSIONS = (
    select(MeetingSession, Event)
    .join(Event, Event.id == MeetingSession.event_id)
    .where(Event.cancelled.is_(False), Event.ends_at > bindparam("now"))
    .order_by(Event.starts_at, Event.id)
)


class Meetings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Sessions -----------------------------------------------------------------------------------

    async def session_of(self, event_id: int) -> MeetingSession | None:
        return await self.session.scalar(SESSION_OF, {"event_id": event_id})

    async def session_by_id(self, session_id: int) -> MeetingSession | None:
        return await self.session.get(MeetingSession, session_id)

    async def set_up(self, event_id: int, now: datetime, **fields: Any) -> MeetingSession:
        """Create the event's session, or change the fields given of the one it has."""
        found = await self.session_of(event_id)
        if found is None:
            found = MeetingSession(event_id=event_id, created_at=now, updated_at=now, **fields)
            self.session.add(found)
        else:
            for name, value in fields.items():
                setattr(found, name, value)
            found.updated_at = now
        await self.session.flush()
        return found

    async def open_sessions(self, now: datetime) -> list[tuple[MeetingSession, Event]]:
        """Sessions of events not cancelled that have not ended, soonest first."""
        rows = await self.session.execute(OPEN_SESSIONS, {"now": now})
        return [(found, event) for found, event in rows.all()]

    async def is_going(self, event_id: int, member_ids: Sequence[int]) -> bool:
        """Whether every one of `member_ids` holds a place at the event."""
        count = await self.session.scalar(
            select(func.count()).where(
                Rsvp.event_id == event_id, Rsvp.status == "going", Rsvp.member_id.in_(member_ids)
            )
        )
        return int(count or 0) == len(set(member_ids))

    async def going_among(self, event_id: int, member_ids: Sequence[int]) -> set[int]:
        """Which of `member_ids` hold a place at the event."""
        rows = await self.session.scalars(
            select(Rsvp.member_id).where(
                Rsvp.event_id == event_id, Rsvp.status == "going", Rsvp.member_id.in_(member_ids)
            )
        )
        return set(rows.all())

    async def candidates(self, event_id: int, clusters: Sequence[int] | None) -> list[Member]:
        """Whom one may book at a session, by name: everyone going (`clusters` None), or the listed
        members of the clusters across the pairing."""
        if clusters is None:
            query = (
                select(Member)
                .join(Rsvp, Rsvp.member_id == Member.id)
                .where(Rsvp.event_id == event_id, Rsvp.status == "going")
            )
        else:
            query = select(Member).where(Member.cluster_id.in_(clusters), Member.listed.is_(True))
        return list((await self.session.scalars(query.order_by(Member.name, Member.id))).all())

    # Holding slots ------------------------------------------------------------------------------

    async def busy_starts(self, member_ids: Sequence[int]) -> set[datetime]:
        """Start times at which any of these members already sits in a meeting (pending or agreed)."""
        rows = await self.session.scalars(
            select(MeetingSeat.starts_at).where(MeetingSeat.member_id.in_(member_ids))
        )
        return set(rows.all())

    async def places_taken(self, session_id: int) -> dict[datetime, set[str]]:
        rows = await self.session.execute(
            select(MeetingSeat.starts_at, MeetingSeat.place).where(
                MeetingSeat.session_id == session_id, MeetingSeat.place.is_not(None)
            )
        )
        taken: dict[datetime, set[str]] = {}
        for starts_at, place in rows.all():
            taken.setdefault(starts_at, set()).add(str(place))
        return taken

    async def request(
        self,
        found: MeetingSession,
        requester_id: int,
        invitee_id: int,
        starts_at: datetime,
        now: datetime,
        *,
        places: Sequence[str],
        reason: str,
        expires_at: datetime,
    ) -> Meeting:
        """A new request that holds the slot for both members and the first free place of `places`
        (none for an online meeting); SlotTaken when the database refuses every seat."""
        meeting = Meeting(
            session_id=found.id,
            requester_id=requester_id,
            invitee_id=invitee_id,
            awaiting_id=invitee_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=found.slot_minutes),
            status="requested",
            reason=reason,
            sequence=0,
            created_at=now,
            expires_at=expires_at,
        )
        self.session.add(meeting)
        await self.session.flush()
        try:
            await self._hold(meeting, places)
        except SlotTaken:
            await self.session.delete(meeting)
            await self.session.flush()
            raise
        return meeting

    async def counter(
        self,
        found: MeetingSession,
        meeting: Meeting,
        proposer_id: int,
        starts_at: datetime,
        now: datetime,
        *,
        places: Sequence[str],
        expires_at: datetime,
    ) -> Meeting:
        """A counter-proposal: a new request from `proposer_id` to the other side, holding the new
        slot, that replaces `meeting` (kept, "superseded", its slot freed); SlotTaken changes nothing."""
        other_id = meeting.requester_id if proposer_id == meeting.invitee_id else meeting.invitee_id
        proposal = await self.request(
            found, proposer_id, other_id, starts_at, now, places=places, reason="", expires_at=expires_at
        )
        proposal.replaces_id = meeting.id
        await self.end(meeting, "superseded", now)
        return proposal

    async def _hold(self, meeting: Meeting, places: Sequence[str]) -> None:
        """Insert the meeting's seats in a savepoint, trying each place in turn."""
        choices: list[str | None] = [*places] or [None]
        for place in choices:
            try:
                async with self.session.begin_nested():
                    members = (meeting.requester_id, meeting.invitee_id)
                    seats = [self._seat(meeting, member_id=member_id) for member_id in members]
                    if place is not None:
                        seats.append(self._seat(meeting, place=place))
                    self.session.add_all(seats)
                    await self.session.flush()
            except IntegrityError:
                if await self.busy_starts(members) & {meeting.starts_at}:
                    raise SlotTaken() from None
                continue
            meeting.place = place or ""
            await self.session.flush()
            return
        raise SlotTaken()

    @staticmethod
    def _seat(meeting: Meeting, *, member_id: int | None = None, place: str | None = None) -> MeetingSeat:
        return MeetingSeat(
            meeting_id=meeting.id,
            session_id=meeting.session_id,
            member_id=member_id,
            place=place,
            starts_at=meeting.starts_at,
        )

    async def _release_seats(self, meeting: Meeting) -> None:
        await self.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))

    # Decisions ----------------------------------------------------------------------------------

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def accept(self, meeting: Meeting, now: datetime) -> None:
        meeting.status, meeting.decided_at, meeting.awaiting_id, meeting.expires_at = (
            "accepted",
            now,
            None,
            None,
        )
        await self.session.flush()

    async def end(self, meeting: Meeting, status: str, now: datetime) -> None:
        """Declined, cancelled, superseded or expired: the slot is free again for both and the table.
        An expired request keeps `awaiting_id`: whose answer was missing (store/checkbacks.py)."""
        await self._release_seats(meeting)
        if meeting.status == "accepted":
            meeting.sequence += 1  # a calendar that has it must be told it is cancelled
        meeting.status, meeting.decided_at = status, now
        if status != "expired":
            meeting.awaiting_id = None
        await self.session.flush()

    async def replacement(self, meeting_id: int) -> Meeting | None:
        """The counter-proposal that replaced a superseded request."""
        return await self.session.scalar(select(Meeting).where(Meeting.replaces_id == meeting_id))

    # Lists --------------------------------------------------------------------------------------

    async def pending_sent(self, member_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).where(Meeting.requester_id == member_id, Meeting.status == "requested")
        )
        return int(count or 0)

    async def of_member(
        self,
        member_id: int,
        *,
        statuses: Sequence[str] = HOLDING,
        ending_after: datetime | None = None,
        session_id: int | None = None,
    ) -> list[Meeting]:
        query = select(Meeting).where(
            or_(Meeting.requester_id == member_id, Meeting.invitee_id == member_id),
            Meeting.status.in_(statuses),
        )
        if ending_after is not None:
            query = query.where(Meeting.ends_at > ending_after)
        if session_id is not None:
            query = query.where(Meeting.session_id == session_id)
        return list((await self.session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all())

    async def due_to_expire(self, now: datetime) -> list[Meeting]:
        """Requests and a published schedule's meetings not answered in time (both expire alike)."""
        query = select(Meeting).where(
            Meeting.status.in_(("requested", "proposed")), Meeting.expires_at <= now
        )
        return list((await self.session.scalars(query.order_by(Meeting.id).with_for_update())).all())

    async def starting_within(self, now: datetime, horizon: timedelta) -> list[Meeting]:
        query = select(Meeting).where(
            Meeting.status == "accepted", Meeting.starts_at > now, Meeting.starts_at <= now + horizon
        )
        return list((await self.session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all())

    async def awaiting_answers(self, asked_before: datetime) -> dict[int, int]:
        """How many requests, asked before `asked_before`, wait for each member's answer."""
        rows = await self.session.execute(
            select(Meeting.awaiting_id, func.count())
            .where(
                Meeting.status == "requested",
                Meeting.awaiting_id.is_not(None),
                Meeting.created_at <= asked_before,
            )
            .group_by(Meeting.awaiting_id)
        )
        return {int(member_id or 0): int(count) for member_id, count in rows.all()}

    async def accepted_for_feed(self, member_id: int, now: datetime) -> list[Meeting]:
        """Agreed meetings for the personal calendar feed, over the same weeks as its events."""
        return await self.of_member(member_id, statuses=("accepted",), ending_after=now - FEED_PAST)

    async def counts(self, session_id: int, now: datetime) -> SessionCounts:
        """Requested, accepted (of which `held`: their time is over) and no-show meetings."""
        past = func.sum(case((Meeting.ends_at <= now, 1), else_=0))
        rows = await self.session.execute(
            select(Meeting.status, func.count(), past)
            .where(Meeting.session_id == session_id)
            .group_by(Meeting.status)
        )
        by = {status: (int(count), int(over or 0)) for status, count, over in rows.all()}
        proposed = by.get("proposed", (0, 0))[0]
        return SessionCounts(
            requested=by.get("requested", (0, 0))[0] + proposed,
            proposed=proposed,
            accepted=by.get("accepted", (0, 0))[0],
            held=by.get("accepted", (0, 0))[1],
            no_show=by.get("no_show", (0, 0))[0],
            expired=by.get("expired", (0, 0))[0],
        )

    async def members(self, member_ids: Sequence[int]) -> dict[int, Member]:
        rows = await self.session.scalars(select(Member).where(Member.id.in_(member_ids)))
        return {member.id: member for member in rows.all()}
