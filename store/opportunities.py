"""Funding calls, partner searches, tenders, staff exchanges, offers and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Follow, Opportunity


class Opportunities:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, opportunity_id: int) -> Opportunity | None:
        return await self.session.get(Opportunity, opportunity_id)

    async def open(self, now: datetime, *, limit: int = 500) -> list[Opportunity]:
        """Open ones whose deadline has not passed, nearest deadline first, undated ones last."""
        query = (
            select(Opportunity)
            .where(
                Opportunity.status == "open",
                (Opportunity.deadline.is_(None)) | (Opportunity.deadline >= now),
            )
            .order_by(nulls_last(Opportunity.deadline.asc()), Opportunity.id)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def create(self, now: datetime, **fields: Any) -> Opportunity:
        opportunity = Opportunity(created_at=now, updated_at=now, **fields)
        self.session.add(opportunity)
        await self.session.flush()
        return opportunity

    async def update(self, opportunity: Opportunity, now: datetime, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(opportunity, name, value)
        opportunity.updated_at = now
        await self.session.flush()


class Follows:
    """Members who follow an opportunity hear about its deadline."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follow(self, member_id: int, opportunity_id: int, now: datetime) -> bool:
        """True when newly followed, False when the member already followed it."""
        exists = await self.session.scalar(
            select(Follow.id).where(Follow.member_id == member_id, Follow.opportunity_id == opportunity_id)
        )
        if exists is not None:
            return False
        self.session.add(Follow(member_id=member_id, opportunity_id=opportunity_id, created_at=now))
        await self.session.flush()
        return True

    async def unfollow(self, member_id: int, opportunity_id: int) -> bool:
        removed = await self.session.execute(
            delete(Follow).where(Follow.member_id == member_id, Follow.opportunity_id == opportunity_id)
        )
        return bool(removed.rowcount)  # type: ignore[attr-defined]
