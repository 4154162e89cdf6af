"""The outbox: every proactive message is a row, written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self, member_ids: list[int], cause: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Queue one message per member; a (member, cause) already queued is left as it is."""
        if not member_ids:
            return
        rows = [
            {
                "member_id": member_id,
                "cause": cause,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for member_id in member_ids
        ]
        dialect = self.session.get_bind().dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(OutboxMessage).on_conflict_do_nothing(
                index_elements=["member_id", "cause"]
            )
        elif dialect == "sqlite":
            statement = sqlite.insert(OutboxMessage).on_conflict_do_nothing(
                index_elements=["member_id", "cause"]
            )
        else:
            statement = insert(OutboxMessage)
        await self.session.execute(statement, rows)

    async def for_member(self, member_id: int) -> list[OutboxMessage]:
        return list(
            (
                await self.session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.member_id == member_id)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )
