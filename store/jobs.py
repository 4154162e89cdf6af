"""Leases for periodic jobs: every process schedules them, one process runs each tick."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import dialect_insert
from store.models import JobRun


class JobLeases:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, name: str, now: datetime, every: timedelta) -> bool:
        """True for the one process that may run `name` now; the lease lasts until the next tick."""
        insert = dialect_insert(self.session)
        await self.session.execute(
            insert(JobRun)
            .values(name=name, lease_until=now - timedelta(seconds=1))
            .on_conflict_do_nothing(index_elements=["name"])
        )
        claimed = await self.session.execute(
            update(JobRun)
            .where(JobRun.name == name, JobRun.lease_until <= now)
            .values(lease_until=now + every, last_started_at=now)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def finished(self, name: str, now: datetime) -> None:
        await self.session.execute(update(JobRun).where(JobRun.name == name).values(last_finished_at=now))

    async def last_finished(self, name: str) -> datetime | None:
        return await self.session.scalar(select(JobRun.last_finished_at).where(JobRun.name == name))

    async def finish_times(self) -> dict[str, datetime]:
        """When each periodic job last finished, in any process (the jobs' success gauge)."""
        rows = await self.session.execute(
            select(JobRun.name, JobRun.last_finished_at).where(JobRun.last_finished_at.is_not(None))
        )
        return {name: finished for name, finished in rows.all() if finished is not None}
