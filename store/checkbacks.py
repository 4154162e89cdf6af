"""Check-back answers after meetings and introductions, and what they say about who stayed away."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Checkback, Introduction, Meeting, Member

# Did not take place / Not a fit / Useful, no cooperation planned / Cooperation possible.
ANSWERS = ("none", "nofit", "useful", "cooperation")
# After "Did not take place": the other side did not come, I did not, or neither of us.
ABSENT = ("other", "me", "both")
MEETING, INTRODUCTION = "meeting", "introduction"


class Checkbacks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ask(self, subject: str, subject_id: int, member_id: int, now: datetime) -> Checkback | None:
        """A new unanswered row for this member about this subject; None when they were asked already."""
        found = await self.session.scalar(
            select(Checkback.id).where(
                Checkback.subject == subject,
                Checkback.subject_id == subject_id,
                Checkback.member_id == member_id,
            )
        )
        if found is not None:
            return None
        row = Checkback(subject=subject, subject_id=subject_id, member_id=member_id, asked_at=now)
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, checkback_id: int) -> Checkback | None:
        return await self.session.get(Checkback, checkback_id)

    async def answer(self, row: Checkback, answer: str, now: datetime) -> None:
        row.answer, row.answered_at = answer, now
        if answer != "cooperation":
            row.next_step, row.follow_up_on = "", None
        await self.session.flush()

    async def plan(self, row: Checkback, next_step: str, on: date) -> None:
        row.next_step, row.follow_up_on = next_step, on
        await self.session.flush()

    async def answers(self, subject: str, subject_id: int) -> dict[int, str]:
        """Each asked member's answer ("" while unanswered)."""
        rows = await self.session.execute(
            select(Checkback.member_id, Checkback.answer).where(
                Checkback.subject == subject, Checkback.subject_id == subject_id
            )
        )
        return {int(member_id): str(answer) for member_id, answer in rows.all()}

    async def absences(self, subject: str, subject_id: int) -> list[str]:
        """What each asked member said about who did not come ("" when they did not say)."""
        rows = await self.session.scalars(
            select(Checkback.absent).where(Checkback.subject == subject, Checkback.subject_id == subject_id)
        )
        return [str(absent) for absent in rows.all()]

    async def follow_ups(self, since: date, until: date) -> list[Checkback]:
        query = select(Checkback).where(
            Checkback.answer == "cooperation",
            Checkback.follow_up_on >= since,
            Checkback.follow_up_on <= until,
        )
        return list((await self.session.scalars(query.order_by(Checkback.id))).all())

    # What is due ---------------------------------------------------------------------------------

    async def meetings_ended(self, since: datetime, until: datetime) -> list[Meeting]:
        """Agreed meetings that ended in (since, until]."""
        query = select(Meeting).where(
            Meeting.status == "accepted", Meeting.ends_at > since, Meeting.ends_at <= until
        )
        return list((await self.session.scalars(query.order_by(Meeting.id))).all())

    async def introductions_accepted(self, since: datetime, until: datetime) -> list[Introduction]:
        query = select(Introduction).where(
            Introduction.status == "accepted",
            Introduction.decided_at > since,
            Introduction.decided_at <= until,
        )
        return list((await self.session.scalars(query.order_by(Introduction.id))).all())

    # Requests left unanswered ------------------------------------------------------------------

    async def unanswered_requests(self, member: Member) -> int:
        """Requests to `member` that expired without their answer since they last looked at them."""
        # Whose answer was missing is who the request awaited (after a counter-proposal, the requester).
        query = select(func.count()).where(Meeting.awaiting_id == member.id, Meeting.status == "expired")
        if member.requests_seen_at is not None:
            query = query.where(Meeting.decided_at > member.requests_seen_at)
        return int(await self.session.scalar(query) or 0)

    async def seen_requests(self, member: Member, now: datetime) -> None:
        member.requests_seen_at = now
        await self.session.flush()

    async def report_absent(self, row: Checkback, absent: str) -> None:
        """Who did not come, as this member says: "other", "me" or "both" (ABSENT)."""
        row.answer, row.absent = "none", absent
        await self.session.flush()

    async def absentees(self, session_id: int) -> set[tuple[int, int]]:
        """(meeting, member) for each member said by either side not to have come to a meeting of
        the session; both sides saying so about one member counts once."""
        rows = await self.session.execute(
            select(
                Meeting.id, Meeting.requester_id, Meeting.invitee_id, Checkback.member_id, Checkback.absent
            )
            .join(Checkback, (Checkback.subject == MEETING) & (Checkback.subject_id == Meeting.id))
            .where(Meeting.session_id == session_id, Checkback.absent != "")
        )
        found: set[tuple[int, int]] = set()
        for meeting_id, requester_id, invitee_id, reporter_id, absent in rows.all():
            other_id = invitee_id if reporter_id == requester_id else requester_id
            who = {"me": (reporter_id,), "other": (other_id,), "both": (reporter_id, other_id)}[absent]
            found.update((meeting_id, member_id) for member_id in who)
        return found

    async def mark_no_show(self, meeting: Meeting) -> None:
        """The meeting was agreed but one side did not come (their seats are kept: the time passed)."""
        meeting.status = "no_show"
        await self.session.flush()
