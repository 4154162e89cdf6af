"""Periodic jobs: find what is due in the store and write it to the outbox.

Each job derives what is due from the data and the outbox's dedupe key, not from the scheduler's
memory: after downtime a job catches up in one run, and a second run (or a second process) adds
nothing. Of several reminders that came due while we were down, only the latest is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from handlers.engine.timefmt import parse_duration
from handlers.notices import deadline_reminder, event_reminder
from handlers.notify import UNCONFIGURED, Notifier
from store.db import Database
from store.repository import store_transaction

DEADLINE_OFFSETS = ("7d", "1d")


def latest_due(offsets: Iterable[str], target: datetime, now: datetime) -> str | None:
    """The smallest offset whose moment (`target - offset`) has come, or None if none has."""
    due = [(parse_duration(offset), offset) for offset in offsets if target - parse_duration(offset) <= now]
    return min(due)[1] if due else None


async def queue_event_reminders(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    queued = 0
    async with store_transaction(db) as store:
        for (
            event,
            member_id,
            timezone,
            offsets,
            language,
        ) in await store.reminders.attendees_of_events_starting_soon(now):
            offset = latest_due(offsets, event.starts_at, now)
            if offset is None:
                continue
            # The start time is part of the key: a moved event gets its reminders again.
            cause = f"reminder:event{event.id}:{int(event.starts_at.timestamp())}:{offset}"
            await notifier.tell(
                store,
                [member_id],
                cause,
                partial(event_reminder, event, timezone),
                now,
                languages={member_id: language},
            )
            queued += 1
    return queued


async def queue_deadline_reminders(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    queued = 0
    async with store_transaction(db) as store:
        for (
            opportunity,
            member_id,
            timezone,
            language,
        ) in await store.reminders.followers_of_closing_opportunities(now):
            assert opportunity.deadline is not None
            offset = latest_due(DEADLINE_OFFSETS, opportunity.deadline, now)
            if offset is None:
                continue
            cause = f"deadline:opp{opportunity.id}:{int(opportunity.deadline.timestamp())}:{offset}"
            await notifier.tell(
                store,
                [member_id],
                cause,
                partial(deadline_reminder, opportunity, timezone, now),
                now,
                languages={member_id: language},
            )
            queued += 1
    return queued
