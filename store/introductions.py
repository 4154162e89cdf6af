"""Introductions between members: who asked whom, and what the target answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Introduction


class Introductions:
    """Introductions between members: who asked whom, and what the target answered."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, introduction_id: int) -> Introduction | None:
        return await self.session.get(Introduction, introduction_id)

    async def between(self, requester_id: int, target_id: int) -> Introduction | None:
        return await self.session.scalar(
            select(Introduction).where(
                Introduction.requester_id == requester_id, Introduction.target_id == target_id
            )
        )

    async def request(self, requester_id: int, target_id: int, now: datetime) -> Introduction:
        """The pair's introduction, now `requested` (a suggestion becomes a request)."""
        introduction = await self.between(requester_id, target_id)
        if introduction is None:
            introduction = Introduction(
                requester_id=requester_id, target_id=target_id, reason="", score=0.0, created_at=now
            )
            self.session.add(introduction)
        introduction.status = "requested"
        await self.session.flush()
        return introduction

    async def decide(self, introduction: Introduction, status: str, now: datetime) -> None:
        introduction.status, introduction.decided_at = status, now
        await self.session.flush()
