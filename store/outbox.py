"""The outbox: every proactive message is a row, written in the same transaction as its cause."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import dialect_insert
from store.models import CONSOLE, Identity, Member, OutboxMessage, SendBudget
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
        await self.insert_new(rows, ("member_id", "cause"))

    async def insert_new(self, rows: list[dict[str, Any]], key: tuple[str, str]) -> None:
        """Insert the rows whose `key` (recipient, cause) is not queued yet."""
        dialect = self.session.get_bind().dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(OutboxMessage).on_conflict_do_nothing(index_elements=list(key))
        elif dialect == "sqlite":
            statement = sqlite.insert(OutboxMessage).on_conflict_do_nothing(index_elements=list(key))
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

    async def newest_id(self) -> int:
        """The id of the last message queued (0 for none): what a console chat has already seen."""
        return await self.session.scalar(select(func.max(OutboxMessage.id))) or 0

    async def take_pending(
        self, member_id: int, after_id: int, now: datetime
    ) -> tuple[int, list[dict[str, Any]]]:
        """The member's messages queued after `after_id` and not sent yet, with the newest id, for
        the console to show. They are marked sent only when the member has no reachable account on
        a platform the outbox worker delivers to; otherwise the console shows a copy and the worker
        still delivers the message there (a console on a live database steals nothing)."""
        rows = (
            await self.session.execute(
                select(OutboxMessage.id, OutboxMessage.payload)
                .where(
                    OutboxMessage.member_id == member_id,
                    OutboxMessage.id > after_id,
                    OutboxMessage.status == "pending",
                )
                .order_by(OutboxMessage.id)
            )
        ).all()
        if not rows:
            return after_id, []
        delivered_elsewhere = await self.session.scalar(
            select(
                exists().where(
                    Identity.member_id == member_id,
                    Identity.platform != CONSOLE,
                    Identity.unreachable.is_(False),
                )
            )
        )
        if not delivered_elsewhere:
            await self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([message_id for message_id, _ in rows]))
                .values(status="sent", sent_at=now)
            )
        return rows[-1][0], [payload for _, payload in rows]


class Delivery:
    """The outbox as the delivery workers see it: claim due rows, then record what happened."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, now: datetime, *, limit: int, lease: timedelta) -> list[OutboxMessage]:
        """Take up to `limit` due rows for this process, all under one new claim token.

        A claimed row is `sending` until `now + lease`; if the process dies, the lease runs out and
        another claim picks it up again with a token of its own, so whatever the first process
        writes afterwards is ignored. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several processes
        claim at once without ever taking the same row.
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
        token = secrets.token_hex(16)
        for row in rows:
            row.status, row.next_attempt_at, row.attempts = "sending", now + lease, row.attempts + 1
            row.claim_token = token
        await self.session.flush()
        return rows

    async def renew(self, token: str, until: datetime) -> int:
        """Extend the lease of the claim's rows still being sent; how many are still ours."""
        return await self._claimed(token, next_attempt_at=until)

    async def release(self, token: str, message_ids: Collection[int], now: datetime) -> int:
        """Give back rows claimed but never handed to a platform: due again at once, for any
        process, and the claim does not count as an attempt."""
        if not message_ids:
            return 0
        return await self._claimed(
            token,
            OutboxMessage.id.in_(list(message_ids)),
            status="pending",
            next_attempt_at=now,
            attempts=OutboxMessage.attempts - 1,
            claim_token=None,
        )

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

    async def finish(
        self, message_id: int, token: str, status: str, now: datetime, *, error: str = ""
    ) -> bool:
        """Record a final outcome; False (and nothing written) when the claim is no longer `token`'s."""
        values: dict[str, Any] = {"status": status, "last_error": error[:2000], "claim_token": None}
        if status == "sent":
            values["sent_at"] = now
        return await self._claimed(token, OutboxMessage.id == message_id, **values) == 1

    async def finish_many(
        self, token: str, message_ids: Collection[int], status: str, now: datetime, *, error: str = ""
    ) -> int:
        """`finish` for many rows of one claim at once; how many were still the claim's."""
        values: dict[str, Any] = {"status": status, "last_error": error[:2000], "claim_token": None}
        if status == "sent":
            values["sent_at"] = now
        return await self._claimed(token, OutboxMessage.id.in_(list(message_ids)), **values)

    async def retry_later(
        self, message_id: int, token: str, at: datetime, error: str, parts_sent: int = 0
    ) -> bool:
        """Schedule another attempt, which leaves out the `parts_sent` messages already out; False
        (and nothing written) when the claim is no longer ours."""
        written = await self._claimed(
            token,
            OutboxMessage.id == message_id,
            status="failed",
            next_attempt_at=at,
            last_error=error[:2000],
            parts_sent=parts_sent,
            claim_token=None,
        )
        return written == 1

    async def _claimed(self, token: str, *where: ColumnElement[bool], **values: Any) -> int:
        """Update rows of the claim `token` that are still being sent; how many were updated."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending", *where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

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


class SendBudgets:
    """Each platform's send slots, shared by every process on this database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, platform: str, now: float, count: int, gap: float) -> float:
        """Take the next `count` slots `gap` seconds apart, none before `now` (seconds since the
        epoch); returns the first. Slots nobody used in time are gone: the budget never lends the
        past, so processes that fell behind cannot send in a burst to catch up."""
        await self.session.execute(
            dialect_insert(self.session)(SendBudget)
            .values(platform=platform, next_slot=now)
            .on_conflict_do_nothing(index_elements=["platform"])
        )
        start = case((SendBudget.next_slot > now, SendBudget.next_slot), else_=now)
        taken = await self.session.scalar(
            update(SendBudget)
            .where(SendBudget.platform == platform)
            .values(next_slot=start + count * gap)
            .returning(SendBudget.next_slot)
        )
        return float(taken or now + count * gap) - count * gap
