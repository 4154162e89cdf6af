"""The audit log, and the coordinator rights whose every change it records.

An entry keeps the actor's name as text so that it still reads after the actor is erased or merged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, Cluster, Member


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


class Roles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def grant(self, member: Member, cluster_id: int | None, now: datetime) -> None:
        """Coordinator rights for one cluster, or for all clusters when `cluster_id` is None."""
        member.is_coordinator, member.coordinator_cluster_id, member.updated_at = True, cluster_id, now
        await self.session.flush()

    async def revoke(self, member: Member, now: datetime) -> None:
        member.is_coordinator, member.coordinator_cluster_id, member.updated_at = False, None, now
        await self.session.flush()

    async def coordinators(self) -> list[tuple[Member, str]]:
        """Every coordinator with the name of their cluster ("" when they coordinate all of them)."""
        rows = await self.session.execute(
            select(Member, Cluster.name)
            .outerjoin(Cluster, Cluster.id == Member.coordinator_cluster_id)
            .where(Member.is_coordinator.is_(True))
            .order_by(Member.name, Member.id)
        )
        return [(member, cluster or "") for member, cluster in rows.all()]
