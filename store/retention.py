"""The queries of the retention job: members gone quiet, and message texts kept long enough."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Identity, Member, OutboxMessage
from store.purge import owe_purge

# Outcomes after which a message is never sent again: its text has served its purpose.
FINAL_STATUSES = ("sent", "unreachable", "dead")
# What an emptied message keeps instead of its text.
EMPTIED: dict[str, str] = {}


class Retention:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def warn_quiet(self, quiet_since: datetime, now: datetime) -> list[int]:
        """Mark as warned the members we can write to who have been silent since before
        `quiet_since` and were not warned yet; their ids, for the warning to go to them."""
        quiet = (
            Member.last_seen_at < quiet_since,
            Member.retention_warned_at.is_(None),
            exists().where(Identity.member_id == Member.id),
        )
        member_ids = list((await self.session.scalars(select(Member.id).where(*quiet))).all())
        await self.session.execute(update(Member).where(*quiet).values(retention_warned_at=now))
        return member_ids

    async def to_erase(self, warned_before: datetime, limit: int) -> list[Member]:
        """Members warned before `warned_before` who have not written since (writing clears it)."""
        query = (
            select(Member).where(Member.retention_warned_at <= warned_before).order_by(Member.id).limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def empty_messages(self, created_before: datetime) -> int:
        """Drop the text of messages sent (or given up on) before `created_before`; how many.

        The row stays: its cause is what keeps a message from being sent twice, and `announce status`
        counts it. The old text is purged from the files as after an erasure.
        """
        emptied = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status.in_(FINAL_STATUSES),
                OutboxMessage.created_at < created_before,
                cast(OutboxMessage.payload, String) != "{}",
            )
            .values(payload=EMPTIED, last_error="")
        )
        count = int(emptied.rowcount)  # type: ignore[attr-defined]
        if count:
            owe_purge(self.session, [OutboxMessage.__tablename__])
        return count
