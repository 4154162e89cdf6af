"""The state of guided flows, kept in the database so a restart resumes the same question."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Conversation


class Conversations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, platform: str, user_id: str) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(Conversation.platform == platform, Conversation.user_id == user_id)
        )

    async def begin(
        self, platform: str, user_id: str, flow: str, now: datetime, answers: dict[str, Any] | None = None
    ) -> Conversation:
        """Start a flow, replacing any other one the person had left half-way."""
        await self.end(platform, user_id)
        conversation = Conversation(
            platform=platform, user_id=user_id, flow=flow, step=0, answers=dict(answers or {}), updated_at=now
        )
        self.session.add(conversation)
        await self.session.flush()
        return conversation

    async def advance(
        self, conversation: Conversation, step: int, answers: dict[str, Any], now: datetime
    ) -> None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        conversation.answers = dict(answers)
        conversation.step = step
        conversation.updated_at = now
        await self.session.flush()

    async def end(self, platform: str, user_id: str) -> None:
        await self.session.execute(
            delete(Conversation).where(Conversation.platform == platform, Conversation.user_id == user_id)
        )
