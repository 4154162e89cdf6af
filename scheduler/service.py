"""APScheduler for the periodic jobs, plus the outbox worker, started and stopped together.

APScheduler's own job stores must not be shared between processes, so every process schedules
every job in memory and a lease in the store (`job_runs`) decides which process runs each tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.adapter import Adapter
from core.metrics import JOB_LAST_SUCCESS, OUTBOX_DEPTH, OUTBOX_OLDEST_AGE
from handlers.notify import UNCONFIGURED, Notifier
from scheduler.checkbacks import queue_checkbacks
from scheduler.delivery import DeliveryPolicy, OutboxWorker, utc_now
from scheduler.jobs import queue_deadline_reminders, queue_event_reminders
from scheduler.meetings import expire_meeting_requests, nudge_unanswered_meetings, queue_meeting_reminders
from scheduler.outcomes import queue_outcome_prompts
from scheduler.ratelimit import RateLimiter
from scheduler.retention import RetentionPolicy, empty_old_messages, warn_and_erase_inactive
from scheduler.synergy import (
    INCREMENTAL_JOB,
    queue_incremental_synergy_alerts,
    queue_synergy_alerts,
    queue_weekly_digests,
)
from store.db import Database
from store.models import OUTBOX_STATUSES
from store.repository import store_transaction

log = logging.getLogger(__name__)

Job = Callable[[Database, datetime], Awaitable[int]]
# How long stopping waits for the platform to answer the sends in flight, then for the release of
# the rest of the batch: within a container's 10 s together with closing everything else.
IN_FLIGHT_SECONDS = 4.0
RELEASE_SECONDS = 1.5


async def update_store_gauges(db: Database, now: datetime) -> None:
    """The database-wide gauges: outbox depth, the oldest undelivered message's age, and when each
    periodic job last finished (in whichever process ran it, so a process that has not won a tick
    since it started still reports the truth)."""
    async with store_transaction(db) as store:
        counts, oldest = await store.delivery.counts(), await store.delivery.oldest_waiting_since()
        finished = await store.jobs.finish_times()
    for status in OUTBOX_STATUSES:
        OUTBOX_DEPTH.labels(status).set(counts.get(status, 0))
    OUTBOX_OLDEST_AGE.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    for name, at in finished.items():
        JOB_LAST_SUCCESS.labels(name).set(at.timestamp())


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A leased job: `every` is its period; `nightly_at` (an hour, UTC) pins it to the night instead
    of running it at start-up, for work too heavy to repeat each time a process starts."""

    name: str
    job: Job
    every: timedelta
    nightly_at: int | None = None


def periodic_jobs(notifier: Notifier) -> tuple[PeriodicJob, ...]:
    """The jobs every process schedules, each given the process's one notifier (so each speaks
    CLUSTERBOT_LANGUAGE); the lease in the store lets one process run each tick."""
    return (
        PeriodicJob(
            "event_reminders", partial(queue_event_reminders, notifier=notifier), timedelta(seconds=30)
        ),
        PeriodicJob(
            "deadline_reminders", partial(queue_deadline_reminders, notifier=notifier), timedelta(minutes=5)
        ),
        PeriodicJob(
            INCREMENTAL_JOB,
            partial(queue_incremental_synergy_alerts, notifier=notifier),
            timedelta(minutes=10),
        ),
        PeriodicJob(
            "synergy_full",
            partial(queue_synergy_alerts, notifier=notifier),
            timedelta(hours=24),
            nightly_at=3,
        ),
        PeriodicJob("weekly_digest", partial(queue_weekly_digests, notifier=notifier), timedelta(hours=1)),
        PeriodicJob(
            "meeting_reminders", partial(queue_meeting_reminders, notifier=notifier), timedelta(seconds=30)
        ),
        PeriodicJob(
            "meeting_expiry", partial(expire_meeting_requests, notifier=notifier), timedelta(minutes=5)
        ),
        PeriodicJob(
            "meeting_nudges", partial(nudge_unanswered_meetings, notifier=notifier), timedelta(hours=1)
        ),
        PeriodicJob("checkbacks", partial(queue_checkbacks, notifier=notifier), timedelta(minutes=1)),
        PeriodicJob("outcomes", partial(queue_outcome_prompts, notifier=notifier), timedelta(hours=1)),
    )


def retention_jobs(policy: RetentionPolicy, notifier: Notifier = UNCONFIGURED) -> tuple[PeriodicJob, ...]:
    """The retention jobs the policy asks for, at night (a setting of 0 schedules nothing)."""
    nightly = timedelta(hours=24)
    jobs = []
    if policy.inactive_months:
        erase_inactive = partial(warn_and_erase_inactive, policy=policy, notifier=notifier)
        jobs.append(PeriodicJob("retention_inactive", erase_inactive, nightly, nightly_at=4))
    if policy.outbox_days:
        empty_messages = partial(empty_old_messages, policy=policy)
        jobs.append(PeriodicJob("retention_outbox", empty_messages, nightly, nightly_at=4))
    return tuple(jobs)


class Scheduler:
    def __init__(
        self,
        db: Database,
        adapters: Mapping[str, Adapter],
        limiters: Mapping[str, RateLimiter],
        *,
        policy: DeliveryPolicy | None = None,
        retention: RetentionPolicy | None = None,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db, self.clock = db, clock
        notifier = notifier or Notifier()
        self.periodic_jobs = (
            *periodic_jobs(notifier),
            *retention_jobs(retention or RetentionPolicy(), notifier),
        )
        self.worker = OutboxWorker(db, adapters, limiters, policy=policy, clock=clock)
        self.aps = AsyncIOScheduler(timezone=UTC)
        self._stop = asyncio.Event()
        self._worker_task: asyncio.Task[None] | None = None

    async def run_leased(self, name: str, job: Job, every: timedelta) -> bool:
        """Run `job` if this process wins this tick's lease; True when it ran."""
        now = self.clock()
        async with store_transaction(self.db) as store:
            # A little under the period, so that the winner's own next tick is never locked out.
            if not await store.jobs.claim(name, now, every * 0.9):
                return False
        queued = await job(self.db, now)
        async with store_transaction(self.db) as store:
            await store.jobs.finished(name, self.clock())
        if queued:
            log.info("%s queued %s messages", name, queued)
        return True

    async def start(self) -> None:
        for periodic in self.periodic_jobs:
            trigger: dict[str, object] = (
                {"trigger": "cron", "hour": periodic.nightly_at}
                if periodic.nightly_at is not None
                else {
                    "trigger": "interval",
                    "seconds": periodic.every.total_seconds(),
                    "next_run_time": datetime.now(UTC),
                }
            )
            self.aps.add_job(
                self.run_leased,
                args=[periodic.name, periodic.job, periodic.every],
                id=periodic.name,
                coalesce=True,
                max_instances=1,
                **trigger,
            )
        self.aps.add_job(
            self._update_gauges,
            "interval",
            seconds=15,
            next_run_time=datetime.now(UTC),
            id="store_gauges",
            coalesce=True,
            max_instances=1,
        )
        self.aps.start()
        self._stop.clear()
        self._worker_task = asyncio.create_task(self.worker.run(self._stop), name="outbox-worker")

    async def _update_gauges(self) -> None:
        await update_store_gauges(self.db, self.clock())

    async def health(self) -> str | None:
        """For /readyz: the periodic jobs are scheduled and the outbox worker is draining."""
        if not self.aps.running:
            return "not running"
        if self._worker_task is None or self._worker_task.done():
            return "the outbox worker has stopped"
        return None

    async def stop(self) -> None:
        """Stop claiming; wait a bounded time for the sends in flight to be recorded (the rest of
        the batch is released), then give up on them: their lease brings them back."""
        if self.aps.running:
            self.aps.shutdown(wait=False)
        self._stop.set()
        task, self._worker_task = self._worker_task, None
        if task is None:
            return
        await asyncio.wait({task}, timeout=IN_FLIGHT_SECONDS)
        if not task.done():
            log.warning(
                "outbox: sends still unanswered after %s s; leaving them to their lease", IN_FLIGHT_SECONDS
            )
            task.cancel()
            await asyncio.wait({task}, timeout=RELEASE_SECONDS)  # it releases what it had not sent
