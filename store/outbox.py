"""The outbox: every proactive message is a row, written in the same transaction as its cause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Identity, Member, OutboxMessage
from store.people import languages_of


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

    async def enqueue_translated(
        self,
        member_ids: list[int],
        cause: str,
        payload_for: Callable[[str | None], dict[str, Any]],
        now: datetime,
    ) -> None:
        """Like `enqueue`, but each member reads it in their own language: `payload_for` gets a
        member's stored language (None when unknown) and is called once per language."""
        by_language: dict[str | None, list[int]] = {}
        for member_id, language in (await languages_of(self.session, member_ids)).items():
            by_language.setdefault(language, []).append(member_id)
        for language, ids in by_language.items():
            await self.enqueue(ids, cause, payload_for(language), now)

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


class Delivery:
    """The outbox as the delivery workers see it: claim due rows, then record what happened."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Take up to `limit` due rows for this process.

        A claimed row is `sending` until `now + lease`; if the process dies, the lease runs out and
        another claim picks it up again. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
        processes claim at once without ever taking the same row.
        """
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_(("pending", "failed", "sending")),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await self.session.scalars(query)).all())
        for row in rows:
            row.status, row.next_attempt_at, row.attempts = "sending", now + lease, row.attempts + 1
        await self.session.flush()
        return rows

    async def recipients(self, member_ids: list[int]) -> dict[int, tuple[str | None, list[Identity]]]:
        """Each member's preferred platform and reachable identities, oldest first."""
        if not member_ids:
            return {}
        members = await self.session.execute(
            select(Member.id, Member.preferred_platform).where(Member.id.in_(member_ids))
        )
        found: dict[int, tuple[str | None, list[Identity]]] = {mid: (pref, []) for mid, pref in members.all()}
        identities = await self.session.scalars(
            select(Identity)
            .where(Identity.member_id.in_(member_ids), Identity.unreachable.is_(False))
            .order_by(Identity.id)
        )
        for identity in identities:
            found[identity.member_id][1].append(identity)
        return found

    async def finish(self, message_id: int, status: str, now: datetime, *, error: str = "") -> None:
        values: dict[str, Any] = {"status": status, "last_error": error[:2000]}
        if status == "sent":
            values["sent_at"] = now
        await self.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="failed", next_attempt_at=at, last_error=error[:2000])
        )

    async def oldest_waiting_since(self) -> datetime | None:
        """When the oldest message not yet delivered (nor given up on) was queued; None if none is."""
        return await self.session.scalar(
            select(func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(("pending", "failed", "sending"))
            )
        )

    async def counts(self, cause: str | None = None) -> dict[str, int]:
        """Rows by status, of one cause (`announce status`) or of all (the outbox depth gauge)."""
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if cause is not None:
            query = query.where(OutboxMessage.cause == cause)
        return {status: int(count) for status, count in (await self.session.execute(query)).all()}
