"""Outcome prompts: three and six months after a meeting or introduction that one side marked
"Cooperation possible", each side gets the ladder once per milestone.

The milestone is counted in calendar months from the meeting's end or the introduction's
acceptance (the 31st becomes the month's last day). An outcome row is written when the prompt is
queued, and the outbox cause is unique per member, so a second run or a second process asks
nothing twice. Only milestones reached in the last `CATCH_UP` are looked at, so a new deployment
does not ask about cooperations from years ago, and a week of downtime still loses nothing.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from functools import partial

from handlers.engine.confirmations import confirmation_for
from handlers.meeting_notices import tell
from handlers.notify import UNCONFIGURED, Notifier
from handlers.outcomes import ladder_question
from store.db import Database
from store.models import OUTCOME_STEPS, Member
from store.outcomes import Cooperation
from store.repository import Store, store_transaction

MILESTONES = (3, 6)
CATCH_UP = timedelta(days=7)
# Months differ in length: the candidates are read with this margin and then checked exactly.
MONTH_SLACK = timedelta(days=4)
BUTTON_LIFETIME = timedelta(days=30)


def add_months(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months later (or earlier), on the month's last day if the
    day does not exist there."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


async def queue_outcome_prompts(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    queued = 0
    async with store_transaction(db) as store:
        for milestone in MILESTONES:
            since = add_months(now - CATCH_UP, -milestone) - MONTH_SLACK
            until = add_months(now, -milestone) + MONTH_SLACK
            for cooperation in await store.outcomes.cooperations(since, until):
                due = add_months(cooperation.happened_at, milestone)
                if not now - CATCH_UP < due <= now:
                    continue
                people = await store.meetings.members(list(cooperation.member_ids))
                one, two = (people[member_id] for member_id in cooperation.member_ids)
                for member, other in ((one, two), (two, one)):
                    queued += await _ask(store, notifier, cooperation, milestone, member, other, now)
    return queued


async def _ask(
    store: Store,
    notifier: Notifier,
    cooperation: Cooperation,
    milestone: int,
    member: Member,
    other: Member,
    now: datetime,
) -> int:
    """Queue the ladder for `member` unless they were asked already; 1 if it was queued."""
    row = await store.outcomes.ask(cooperation, milestone, member.id, other.id, now)
    if row is None:
        return 0
    payloads = tuple(
        [
            await confirmation_for(store, member.id, f"outcome answer {row.id} {step}", now, BUTTON_LIFETIME)
            for step in OUTCOME_STEPS
        ]
    )
    build = partial(ladder_question, other, milestone, payloads)
    cause = f"outcome:{cooperation.subject}{cooperation.subject_id}:{milestone}m"
    await tell(notifier, store, member, cause, build, now)
    return 1
