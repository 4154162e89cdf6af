"""Organiser-built schedules: the participants' wishes, the coordinator's draft, and who is going.

Publishing goes through `Meetings` (store/meetings.py): a drafted meeting becomes a `proposed`
meeting only if the seats table accepts it, so a schedule can never double-book anyone or any table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.meetings import HOLDING
from store.models import Meeting, MeetingSeat, MeetingWish, Member, Rsvp, ScheduleDraft


class Schedules:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def going(self, event_id: int) -> list[Member]:
        """The event's participants: members holding a place, by name."""
        rows = await self.session.scalars(
            select(Member)
            .join(Rsvp, Rsvp.member_id == Member.id)
            .where(Rsvp.event_id == event_id, Rsvp.status == "going")
            .order_by(Member.name, Member.id)
        )
        return list(rows.all())

    # Wishes -------------------------------------------------------------------------------------

    async def wish(self, session_id: int, member_id: int, other_id: int, level: str, now: datetime) -> bool:
        """Record or change what `member_id` wishes about `other_id`; False when it was already that."""
        found = await self.session.scalar(
            select(MeetingWish).where(
                MeetingWish.session_id == session_id,
                MeetingWish.member_id == member_id,
                MeetingWish.other_id == other_id,
            )
        )
        if found is not None and found.level == level:
            return False
        if found is None:
            found = MeetingWish(session_id=session_id, member_id=member_id, other_id=other_id)
            self.session.add(found)
        found.level, found.updated_at = level, now
        await self.session.flush()
        return True

    async def wishes(self, session_id: int, member_id: int | None = None) -> list[MeetingWish]:
        """Every wish of a session, or only the ones one member made."""
        query = select(MeetingWish).where(MeetingWish.session_id == session_id)
        if member_id is not None:
            query = query.where(MeetingWish.member_id == member_id)
        return list((await self.session.scalars(query.order_by(MeetingWish.id))).all())

    # Drafts -------------------------------------------------------------------------------------

    async def replace_draft(
        self, session_id: int, meetings: Sequence[tuple[int, int, datetime, str]], now: datetime
    ) -> None:
        """The session's unpublished draft becomes `meetings` (first, second, start, place)."""
        await self.discard_draft(session_id)
        self.session.add_all(
            ScheduleDraft(
                session_id=session_id,
                first_id=first,
                second_id=second,
                starts_at=starts_at,
                place=place,
                created_at=now,
            )
            for first, second, starts_at, place in meetings
        )
        await self.session.flush()

    async def draft(self, session_id: int) -> list[ScheduleDraft]:
        query = select(ScheduleDraft).where(ScheduleDraft.session_id == session_id)
        return list(
            (await self.session.scalars(query.order_by(ScheduleDraft.starts_at, ScheduleDraft.id))).all()
        )

    async def discard_draft(self, session_id: int) -> None:
        await self.session.execute(delete(ScheduleDraft).where(ScheduleDraft.session_id == session_id))

    async def holding(self, session_id: int) -> list[Meeting]:
        """Meetings of the session that hold their slot: a new draft must keep them."""
        query = select(Meeting).where(Meeting.session_id == session_id, Meeting.status.in_(HOLDING))
        return list((await self.session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all())

    async def seats_of(self, member_ids: Sequence[int]) -> list[tuple[int, datetime]]:
        """(member, start) of every slot these members already sit in, at any session."""
        rows = await self.session.execute(
            select(MeetingSeat.member_id, MeetingSeat.starts_at).where(MeetingSeat.member_id.in_(member_ids))
        )
        return [(member_id, starts_at) for member_id, starts_at in rows.all() if member_id is not None]

    async def propose(self, meeting: Meeting) -> None:
        """A booked request becomes a published schedule's meeting: both sides confirm before it
        expires like a request (store/meetings.py `due_to_expire`).

        `awaiting_id` None means both still have to confirm; after one does, it names the other.
        """
        meeting.status, meeting.awaiting_id = "proposed", None
        await self.session.flush()

    async def confirm_first(self, meeting: Meeting, other_id: int) -> None:
        meeting.awaiting_id = other_id
        await self.session.flush()

    async def drafts_of(self, member_id: int) -> list[ScheduleDraft]:
        query = select(ScheduleDraft).where(
            or_(ScheduleDraft.first_id == member_id, ScheduleDraft.second_id == member_id)
        )
        return list((await self.session.scalars(query.order_by(ScheduleDraft.id))).all())
