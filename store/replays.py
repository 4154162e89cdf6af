"""Requests already taken (Slack event ids and signatures), shared by every process through the store.

Slack redelivers an event it thinks was missed, and anyone who captured a signed request can send
it again while its timestamp is fresh: each must run once, whichever process it reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import dialect_insert
from store.models import SeenRequest

# Slack retries an event after about 1 and 5 minutes, and accepts a signature whose timestamp is
# within 5 minutes of its clock either way, so a replay can come up to 10 minutes after the
# original; an hour leaves room for clock skew and slow retries.
REPLAY_WINDOW = timedelta(hours=1)


class SeenRequests:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, keys: Sequence[str], now: datetime) -> bool:
        """Record `keys`; True when none of them was recorded before (the request is new).

        Keys older than the window are dropped first, so the table holds an hour of traffic.
        """
        await self.session.execute(delete(SeenRequest).where(SeenRequest.created_at < now - REPLAY_WINDOW))
        insert = dialect_insert(self.session)
        new = True
        for key in keys:
            row = insert(SeenRequest).values(key=key, created_at=now)
            added = await self.session.execute(row.on_conflict_do_nothing(index_elements=["key"]))
            new = new and bool(added.rowcount)  # type: ignore[attr-defined]
        return new
