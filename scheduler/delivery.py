"""Outbox delivery: claim due rows, send each through its member's platform, record the outcome.

Outcomes are committed together, a few dozen to a transaction (one commit per message cost more
than the send itself), and a send's slot is held until its outcome is committed, so a crash can
repeat only the messages sent but not yet recorded at that moment (at most `concurrency` of
them): their rows are still `sending` and are picked up again when their lease runs out.
Two batches are claimed at a time, so that the platform stays busy while one batch ends.

Several processes share one outbox without sending a row twice: a claim takes only what this
process can send well within the lease at its rate, the lease is renewed while the batch is being
sent, a row is handed to a platform only while the claim is safely ours, and every write is fenced
by the claim's token, so a worker that lost its claim can no longer overwrite a newer outcome.
Stopping releases what was claimed but not yet sent, so another process takes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.adapter import Adapter, Recipient, SendResult
from core.errors import Unavailable
from core.types import Reply
from scheduler.ratelimit import RateLimiter
from store.db import Database
from store.models import Identity, OutboxMessage, Place
from store.outbox import Delivery
from store.repository import store_transaction

log = logging.getLogger(__name__)

# First pause before writing an outcome again while the database is out of reach; it doubles.
OUTCOME_RETRY_SECONDS = 0.25
# Outcomes gather this long before their commit, and at most this many go in one transaction.
OUTCOME_GATHER_SECONDS = 0.02
OUTCOMES_PER_COMMIT = 64
# Batches claimed and being sent at once by one worker.
CLAIMS_IN_FLIGHT = 2
# A claim takes what the rate allows in this share of the lease, and a row is handed to a platform
# only while at least this share of the lease is left.
LEASE_SHARE = 0.5
NO_PLATFORM = "no platform on which to reach this member"


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


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What happened to one claimed row: a final status, or `failed` with the next attempt's time
    and how many of its messages are out already."""

    token: str
    message_id: int
    status: str
    error: str = ""
    retry_at: datetime | None = None
    parts_sent: int = 0


@dataclass(slots=True)
class _Claim:
    """One claimed batch: its fencing token, its lease as last renewed, and the rows not yet sent."""

    token: str
    lease_until: datetime
    unsent: set[int] = field(default_factory=set)


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
        self._stopping = asyncio.Event()
        self._unwritten: list[tuple[_Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def drain_once(self) -> int:
        """Send one batch of due messages; returns how many were claimed."""
        now = self.clock()
        async with store_transaction(self.db) as store:
            delivery = store.delivery
            rows = await delivery.claim(now, limit=self.batch_limit(), lease=self.policy.lease)
            recipients = await delivery.recipients(sorted({row.member_id for row in rows if row.member_id}))
            places = await store.places.by_ids(sorted({row.place_id for row in rows if row.place_id}))
        if not rows:
            return 0
        claim = _Claim(rows[0].claim_token or "", now + self.policy.lease, {row.id for row in rows})
        renewing = asyncio.create_task(self._keep(claim), name="outbox-lease")
        try:
            # Every send runs to its end before the release, so nothing released is still being sent.
            outcomes = await asyncio.gather(
                *(self._deliver(claim, row, self._recipient_for(row, recipients, places)) for row in rows),
                return_exceptions=True,
            )
        finally:
            renewing.cancel()
            await self._release(claim)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(rows)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Drain until `stop` is set, polling every `idle_seconds` when there is nothing due.

        Once `stop` is set nothing more is claimed or handed to a platform: sends in flight finish
        and are recorded, and the rest of the batch is released for another process.
        """
        self._stopping = stop
        await asyncio.gather(*(self._drain(stop, idle_seconds) for _ in range(CLAIMS_IN_FLIGHT)))

    async def _drain(self, stop: asyncio.Event, idle_seconds: float) -> None:
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except Exception:
                log.exception("outbox delivery failed; retrying shortly")
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)

    def batch_limit(self) -> int:
        """As many rows as the slowest platform sends in half a lease while the other claim in
        flight takes its share, so that a claim never outlives its lease waiting for the rate
        limiter (up to `batch_size`)."""
        lease = self.policy.lease.total_seconds()
        slowest = min((limiter.per_second for limiter in self.limiters.values()), default=float("inf"))
        return max(1, min(self.policy.batch_size, int(slowest * lease * LEASE_SHARE / CLAIMS_IN_FLIGHT)))

    def _recipient_for(
        self,
        row: OutboxMessage,
        recipients: Mapping[int, tuple[str | None, list[Identity]]],
        places: Mapping[int, Place],
    ) -> Recipient | None:
        """A place's chat, or the member's preferred platform's identity if we can send there, else
        the oldest one we can."""
        if row.place_id is not None:
            place = places.get(row.place_id)
            if place is None or place.platform not in self.adapters:
                return None
            return Recipient(
                place.platform, f"{place.team_id}:" if place.team_id else "", place.chat_id, True
            )
        preferred, identities = recipients.get(row.member_id or 0, (None, []))
        usable = [identity for identity in identities if identity.platform in self.adapters]
        chosen = next((i for i in usable if i.platform == preferred), usable[0] if usable else None)
        return None if chosen is None else Recipient(chosen.platform, chosen.user_id, chosen.chat_id)

    async def _deliver(self, claim: _Claim, row: OutboxMessage, identity: Recipient | None) -> None:
        if identity is None:
            claim.unsent.discard(row.id)
            await self._record(claim, row.id, "unreachable", error=NO_PLATFORM)
            return
        # A slot is held until the outcome is committed, so at most `concurrency` messages are ever
        # sent but not yet recorded: the most a crash can make us send twice.
        async with self._slots:
            if not await self._turn(identity) or not self._still_ours(claim):
                return  # stopping, or the lease is running out: released for whoever claims next
            claim.unsent.discard(row.id)
            try:
                result = await self.adapters[identity.platform].send(
                    identity, [Reply.from_dict(row.payload)], skip=row.parts_sent
                )
            except Exception as error:
                log.exception("adapter %s raised on outbox row %s", identity.platform, row.id)
                result = SendResult("retry", error=f"{type(error).__name__}: {error}")
            await self._apply(claim, row, identity, result)

    async def _turn(self, identity: Recipient) -> bool:
        """Wait for the rate limiter's slot for this chat; False when stopping comes first."""
        if self._stopping.is_set():
            return False
        slot = asyncio.ensure_future(
            self.limiters[identity.platform].acquire(identity.chat_id, group=identity.group)
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((slot, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            slot.cancel()
            stopping.cancel()
        return not self._stopping.is_set()

    def _still_ours(self, claim: _Claim) -> bool:
        """Send only while at least half the lease is left: room for the send and its outcome."""
        return claim.lease_until - self.clock() > self.policy.lease * LEASE_SHARE

    async def _keep(self, claim: _Claim) -> None:
        """Renew the claim's lease every quarter lease while its batch is being sent."""
        while True:
            await asyncio.sleep(self.policy.lease.total_seconds() / 4)
            until = self.clock() + self.policy.lease
            try:
                async with store_transaction(self.db) as store:
                    await store.delivery.renew(claim.token, until)
            except Exception:  # the batch goes on; what it has not sent waits, or is released
                log.warning("outbox: could not renew a claim's lease", exc_info=True)
                continue
            claim.lease_until = until

    async def _release(self, claim: _Claim) -> None:
        if not claim.unsent:
            return
        try:
            async with store_transaction(self.db) as store:
                await store.delivery.release(claim.token, claim.unsent, self.clock())
        except Unavailable:
            log.warning("outbox: %s unsent rows are left to their lease", len(claim.unsent))

    async def _apply(
        self, claim: _Claim, row: OutboxMessage, identity: Recipient, result: SendResult
    ) -> None:
        if result.outcome == "sent":
            await self._record(claim, row.id, "sent")
        elif result.outcome == "unreachable":
            await self._record(claim, row.id, "unreachable", error=result.error)
        elif result.outcome == "failed" or row.attempts >= self.policy.max_attempts:
            log.warning("outbox row %s is dead after %s attempts: %s", row.id, row.attempts, result.error)
            await self._record(claim, row.id, "dead", error=result.error)
        else:
            delay = max(result.retry_after, self._backoff(row.attempts))
            if result.retry_after:
                self.limiters[identity.platform].hold(identity.chat_id, result.retry_after)
            at = self.clock() + timedelta(seconds=delay)
            parts_sent = max(row.parts_sent, result.delivered)
            await self._record(
                claim, row.id, "failed", error=result.error or "retry", retry_at=at, parts_sent=parts_sent
            )

    def _backoff(self, attempts: int) -> float:
        """Exponential with jitter (0.5x to 1.5x), so retries of many rows do not arrive together."""
        base = self.policy.first_backoff_seconds * 2 ** max(attempts - 1, 0)
        delay: float = min(base, self.policy.max_backoff_seconds) * (0.5 + self.jitter())
        return delay

    async def _record(
        self,
        claim: _Claim,
        message_id: int,
        status: str,
        *,
        error: str = "",
        retry_at: datetime | None = None,
        parts_sent: int = 0,
    ) -> None:
        """Hand the outcome to the writer and wait until it is committed."""
        committed = asyncio.get_running_loop().create_future()
        outcome = _Outcome(claim.token, message_id, status, error, retry_at, parts_sent)
        self._unwritten.append((outcome, committed))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_outcomes(), name="outbox-outcomes")
        await committed

    async def _write_outcomes(self) -> None:
        """Commit what has gathered, a few dozen outcomes at a time, until nothing is waiting."""
        while self._unwritten:
            if len(self._unwritten) < OUTCOMES_PER_COMMIT:
                await asyncio.sleep(OUTCOME_GATHER_SECONDS)
            batch = self._unwritten[:OUTCOMES_PER_COMMIT]
            del self._unwritten[:OUTCOMES_PER_COMMIT]
            try:
                await self._write_outcome([outcome for outcome, _ in batch])
            except BaseException as error:
                for _, committed in batch:
                    if not committed.done():
                        committed.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                for _, committed in batch:
                    if not committed.done():
                        committed.set_result(None)

    async def _write_outcome(self, outcomes: list[_Outcome]) -> None:
        """Commit what happened to these messages, waiting out a database outage for up to one lease.

        The messages are already out (or refused) by now: giving up on their outcomes would leave the
        rows `sending`, and they would be sent again when the lease runs out. Nothing is written for
        a row whose claim has passed to another worker meanwhile: its outcome is the newer one.
        """
        give_up = time.monotonic() + self.policy.lease.total_seconds()
        pause = OUTCOME_RETRY_SECONDS
        while True:
            try:
                async with store_transaction(self.db) as store:
                    written = await _write(store.delivery, outcomes, self.clock())
                if written < len(outcomes):
                    log.warning(
                        "outbox: %s of %s rows claimed by another worker meanwhile; their outcomes dropped",
                        len(outcomes) - written,
                        len(outcomes),
                    )
                return
            except Unavailable:
                if time.monotonic() + pause > give_up:
                    raise
                log.warning("outbox: database unavailable; recording %s outcomes again soon", len(outcomes))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)


async def _write(delivery: Delivery, outcomes: list[_Outcome], now: datetime) -> int:
    """Final outcomes of one claim and status in one statement, each retry in its own; how many rows
    were still their claim's."""
    final: dict[tuple[str, str, str], list[int]] = {}
    written = 0
    for outcome in outcomes:
        if outcome.retry_at is not None:
            retried = await delivery.retry_later(
                outcome.message_id, outcome.token, outcome.retry_at, outcome.error, outcome.parts_sent
            )
            written += int(retried)
        else:
            final.setdefault((outcome.token, outcome.status, outcome.error), []).append(outcome.message_id)
    for (token, status, error), message_ids in final.items():
        written += await delivery.finish_many(token, message_ids, status, now, error=error)
    return written
