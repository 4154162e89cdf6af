"""Introductions between members: who asked whom, and what the target answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Introduction, OutboxMessage


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

    async def request(self, requester_id: int, target_id: int, now: datetime, note: str = "") -> Introduction:
        """The pair's introduction, now `requested` (a suggestion becomes a request) with their note."""
        introduction = await self.between(requester_id, target_id)
        if introduction is None:
            introduction = Introduction(
                requester_id=requester_id, target_id=target_id, reason="", score=0.0, created_at=now
            )
            self.session.add(introduction)
        introduction.status, introduction.note = "requested", note
        await self.session.flush()
        return introduction

    async def decide(self, introduction: Introduction, status: str, now: datetime) -> None:
        introduction.status, introduction.decided_at = status, now
        await self.session.flush()

    async def relayed(self, introduction_id: int, sender_id: int) -> bool:
        """Whether `sender_id` has used their one message through the bot for this introduction."""
        found = await self.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.cause == relay_cause(introduction_id, sender_id))
        )
        return found is not None


def relay_cause(introduction_id: int, sender_id: int) -> str:
    """The outbox cause of a relayed message: being unique per recipient, it allows one per sender."""
    return f"intro:{introduction_id}:relay:{sender_id}"
