"""Coordinator rights; every change to them is recorded in the audit log by the command that makes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Member


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
