""" "I'm interested" on an opportunity: who told its poster, and whether the poster answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Follow, Opportunity, OpportunityInterest


class OpportunityInterests:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, interest_id: int) -> OpportunityInterest | None:
        return await self.session.get(OpportunityInterest, interest_id)

    async def declare(
        self, opportunity_id: int, member_id: int, note: str, now: datetime
    ) -> tuple[OpportunityInterest, bool]:
        """The member's interest, and True when it is new (the poster is told only once)."""
        found = await self.session.scalar(
            select(OpportunityInterest).where(
                OpportunityInterest.opportunity_id == opportunity_id,
                OpportunityInterest.member_id == member_id,
            )
        )
        if found is not None:
            return found, False
        interest = OpportunityInterest(
            opportunity_id=opportunity_id, member_id=member_id, note=note, created_at=now
        )
        self.session.add(interest)
        await self.session.flush()
        return interest, True

    async def mark_replied(self, interest: OpportunityInterest, now: datetime) -> None:
        interest.replied_at = now
        await self.session.flush()

    async def of_member(self, member_id: int, now: datetime) -> dict[str, list[Opportunity]]:
        """The member's open opportunities: those they posted, follow, and said they are interested in."""
        still_open = (Opportunity.status == "open") & (
            Opportunity.deadline.is_(None) | (Opportunity.deadline >= now)
        )
        order = (Opportunity.deadline.is_(None), Opportunity.deadline, Opportunity.id)
        posted = select(Opportunity).where(Opportunity.posted_by == member_id, still_open)
        followed = (
            select(Opportunity)
            .join(Follow, Follow.opportunity_id == Opportunity.id)
            .where(Follow.member_id == member_id, still_open)
        )
        interested = (
            select(Opportunity)
            .join(OpportunityInterest, OpportunityInterest.opportunity_id == Opportunity.id)
            .where(OpportunityInterest.member_id == member_id, still_open)
        )
        return {
            name: list((await self.session.scalars(query.order_by(*order))).all())
            for name, query in (("posted", posted), ("followed", followed), ("interested", interested))
        }
