"""The audit log: who did what, for coordinators and admins to review.

An entry keeps the actor's name as text so that it still reads after the actor is erased or merged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, Member


class Audit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, actor: Member | None, action: str, now: datetime, *, detail: str = "", segment: str = ""
    ) -> AuditEntry:
        entry = AuditEntry(
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else "system",
            action=action[:60],
            detail=detail,
            segment=segment[:200],
            created_at=now,
        )
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def latest(self, limit: int) -> list[AuditEntry]:
        """Newest first; the id breaks ties between actions of the same instant."""
        query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())
