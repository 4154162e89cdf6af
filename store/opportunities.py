"""Funding calls, partner searches, tenders, staff exchanges, offers and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, nulls_last, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Opportunity

# Every `opportunities` runs it: built once, as building costs more than running it.
OPEN = (
    select(Opportunity)
    .where(
        Opportunity.status == "open",
        (Opportunity.deadline.is_(None)) | (Opportunity.deadline >= bindparam("now")),
    )
    .order_by(nulls_last(Opportunity.deadline.asc()), Opportunity.id)
    .limit(bindparam("limit"))
)


class Opportunities:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, opportunity_id: int) -> Opportunity | None:
        return await self.session.get(Opportunity, opportunity_id)

    async def open(self, now: datetime, *, limit: int = 500) -> list[Opportunity]:
        """Open ones whose deadline has not passed, nearest deadline first, undated ones last."""
        return list((await self.session.scalars(OPEN, {"now": now, "limit": limit})).all())

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
