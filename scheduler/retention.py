"""Retention: personal data the operator chose not to keep for ever, removed on schedule.

Members who have not written for `inactive_months` (of 30 days) get a warning; if they are still
silent `WARNING_NOTICE` after it, they are erased exactly as `forget confirm` erases them. Messages
sent (or given up on) more than `outbox_days` ago lose their text. A policy of 0 is not scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.notify import UNCONFIGURED, Notifier
from handlers.privacy import erase, retention_warning
from store.db import Database
from store.repository import store_transaction

MONTH = timedelta(days=30)
WARNING_NOTICE = timedelta(days=30)
# Members erased per transaction: short enough not to hold SQLite's write lock for long.
ERASE_BATCH = 50


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """CLUSTERBOT_RETENTION_INACTIVE_MONTHS and CLUSTERBOT_RETENTION_OUTBOX_DAYS; 0 keeps for ever."""

    inactive_months: int = 0
    outbox_days: int = 30


async def warn_and_erase_inactive(
    db: Database, now: datetime, policy: RetentionPolicy, notifier: Notifier = UNCONFIGURED
) -> int:
    """Erase the members warned long enough ago, then warn the newly inactive; messages queued."""
    while True:
        async with store_transaction(db) as store:
            due = await store.retention.to_erase(now - WARNING_NOTICE, ERASE_BATCH)
            for member in due:
                await erase(store, member, now, notifier)
        if len(due) < ERASE_BATCH:
            break
    async with store_transaction(db) as store:
        quiet = await store.retention.warn_quiet(now - policy.inactive_months * MONTH, now)
        await notifier.tell(
            store,
            quiet,
            f"retention:warning:{now.date().isoformat()}",
            lambda language: retention_warning(policy.inactive_months, WARNING_NOTICE.days, language),
            now,
        )
    return len(quiet)


async def empty_old_messages(db: Database, now: datetime, policy: RetentionPolicy) -> int:
    async with store_transaction(db) as store:
        await store.retention.empty_messages(now - timedelta(days=policy.outbox_days))
    return 0
