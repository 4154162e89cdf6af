"""Members who follow an opportunity hear about its deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Follow, Opportunity


class Follows:
    """Members who follow an opportunity hear about its deadline."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follow(self, member_id: int, opportunity_id: int, now: datetime) -> bool:
        """True when newly followed, False when the member already followed it."""
        if await self.is_following(member_id, opportunity_id):
            return False
        self.session.add(Follow(member_id=member_id, opportunity_id=opportunity_id, created_at=now))
        await self.session.flush()
        return True

    async def followed(self, member_id: int, *, limit: int = 15) -> list[Opportunity]:
        """The open opportunities the member follows, nearest deadline first, undated ones last."""
        query = (
            select(Opportunity)
            .join(Follow, Follow.opportunity_id == Opportunity.id)
            .where(Follow.member_id == member_id, Opportunity.status == "open")
            .order_by(nulls_last(Opportunity.deadline.asc()), Opportunity.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def is_following(self, member_id: int, opportunity_id: int) -> bool:
        found = await self.session.scalar(
            select(Follow.id).where(Follow.member_id == member_id, Follow.opportunity_id == opportunity_id)
        )
        return found is not None

    async def unfollow(self, member_id: int, opportunity_id: int) -> bool:
        removed = await self.session.execute(
            delete(Follow).where(Follow.member_id == member_id, Follow.opportunity_id == opportunity_id)
        )
        return bool(removed.rowcount)  # type: ignore[attr-defined]
