"""Outbox delivery: claim due rows, send each through its member's platform, record the outcome.

Each outcome is committed on its own right after the platform answers, so a crash can repeat
only the messages that were in flight at that moment (at most `concurrency` of them): their
rows are still `sending` and are picked up again when their lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.adapter import Adapter, Recipient, SendResult
from core.errors import Unavailable
from core.types import Reply
from scheduler.ratelimit import RateLimiter
from store.db import Database
from store.models import Identity, OutboxMessage
from store.outbox import Delivery

log = logging.getLogger(__name__)

# First pause before writing an outcome again while the database is out of reach; it doubles.
OUTCOME_RETRY_SECONDS = 0.25


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    batch_size: int = 200
    concurrency: int = 16
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 8
    first_backoff_seconds: float = 2.0
    max_backoff_seconds: float = 900.0


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        adapters: Mapping[str, Adapter],
        limiters: Mapping[str, RateLimiter],
        *,
        policy: DeliveryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.db, self.adapters, self.limiters = db, adapters, limiters
        self.policy = policy or DeliveryPolicy()
        self.clock, self.jitter = clock, jitter
        self._slots = asyncio.Semaphore(self.policy.concurrency)

    async def drain_once(self) -> int:
        """Send one batch of due messages; returns how many were claimed."""
        async with self.db.transaction() as session:
            delivery = Delivery(session)
            rows = await delivery.claim(self.clock(), limit=self.policy.batch_size, lease=self.policy.lease)
            recipients = await delivery.recipients(sorted({row.member_id for row in rows}))
        await asyncio.gather(
            *(
                self._deliver(row, self._identity_for(*recipients.get(row.member_id, (None, []))))
                for row in rows
            )
        )
        return len(rows)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Drain until `stop` is set, polling every `idle_seconds` when there is nothing due."""
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except Exception:
                log.exception("outbox delivery failed; retrying shortly")
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)

    def _identity_for(self, preferred: str | None, identities: list[Identity]) -> Identity | None:
        """The preferred platform's identity if we can send there, else the oldest one we can."""
        usable = [identity for identity in identities if identity.platform in self.adapters]
        for identity in usable:
            if identity.platform == preferred:
                return identity
        return usable[0] if usable else None

    async def _deliver(self, row: OutboxMessage, identity: Identity | None) -> None:
        if identity is None:
            await self._record(row.id, "unreachable", error="no platform on which to reach this member")
            return
        # A slot is held until the outcome is committed, so at most `concurrency` messages are ever
        # sent but not yet recorded: the most a crash can make us send twice.
        async with self._slots:
            await self.limiters[identity.platform].acquire(identity.chat_id)
            recipient = Recipient(identity.platform, identity.user_id, identity.chat_id)
            try:
                result = await self.adapters[identity.platform].send(
                    recipient, [Reply.from_dict(row.payload)]
                )
            except Exception as error:
                log.exception("adapter %s raised on outbox row %s", identity.platform, row.id)
                result = SendResult("retry", error=f"{type(error).__name__}: {error}")
            await self._apply(row, identity, result)

    async def _apply(self, row: OutboxMessage, identity: Identity, result: SendResult) -> None:
        if result.outcome == "sent":
            await self._record(row.id, "sent")
        elif result.outcome == "unreachable":
            await self._record(row.id, "unreachable", error=result.error)
        elif result.outcome == "failed" or row.attempts >= self.policy.max_attempts:
            log.warning("outbox row %s is dead after %s attempts: %s", row.id, row.attempts, result.error)
            await self._record(row.id, "dead", error=result.error)
        else:
            delay = max(result.retry_after, self._backoff(row.attempts))
            if result.retry_after:
                self.limiters[identity.platform].hold(identity.chat_id, result.retry_after)
            at = self.clock() + timedelta(seconds=delay)
            await self._write_outcome(
                row.id, lambda delivery: delivery.retry_later(row.id, at, result.error or "retry")
            )

    def _backoff(self, attempts: int) -> float:
        """Exponential with jitter (0.5x to 1.5x), so retries of many rows do not arrive together."""
        base = self.policy.first_backoff_seconds * 2 ** max(attempts - 1, 0)
        return min(base, self.policy.max_backoff_seconds) * (0.5 + self.jitter())

    async def _record(self, message_id: int, status: str, *, error: str = "") -> None:
        await self._write_outcome(
            message_id, lambda delivery: delivery.finish(message_id, status, self.clock(), error=error)
        )

    async def _write_outcome(self, message_id: int, write: Callable[[Delivery], Awaitable[None]]) -> None:
        """Commit what happened to a message, waiting out a database outage for up to one lease.

        The message is already out (or refused) by now: giving up on its outcome would leave the row
        `sending`, and it would be sent again when the lease runs out.
        """
        give_up = time.monotonic() + self.policy.lease.total_seconds()
        pause = OUTCOME_RETRY_SECONDS
        while True:
            try:
                async with self.db.transaction() as session:
                    await write(Delivery(session))
                return
            except Unavailable:
                if time.monotonic() + pause > give_up:
                    raise
                log.warning(
                    "outbox row %s: database unavailable; recording its outcome again soon", message_id
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
