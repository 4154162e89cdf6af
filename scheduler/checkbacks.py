"""Check-back job: "how did it go?" 30 minutes after a meeting ends and two weeks after an accepted
introduction, once to each side, and the follow-up on the date of a planned next step.

A check-back row is written when the question is queued, and the outbox cause is unique per
member, so a second run or a second process asks nothing twice. Only subjects that became due in
the last `CATCH_UP` are looked at: a new deployment does not ask about last year's meetings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from handlers.checkbacks import follow_up, other_side, question
from handlers.engine.confirmations import confirmation_for
from handlers.meeting_notices import meeting_view, tell
from handlers.notify import UNCONFIGURED, Notifier
from store.checkbacks import ANSWERS, INTRODUCTION, MEETING
from store.db import Database
from store.models import Member
from store.repository import Store, store_transaction

AFTER_MEETING = timedelta(minutes=30)
AFTER_INTRODUCTION = timedelta(days=14)
CATCH_UP = timedelta(days=2)
# The buttons stay valid this long: long enough for someone back from a trip.
BUTTON_LIFETIME = timedelta(days=14)


async def queue_checkbacks(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    queued = 0
    async with store_transaction(db) as store:
        due = now - AFTER_MEETING
        for meeting in await store.checkbacks.meetings_ended(due - CATCH_UP, due):
            view = await meeting_view(store, meeting)
            for member in (view.requester, view.invitee):
                other = view.other(member.id)
                queued += await _ask(
                    store, notifier, MEETING, meeting.id, member, other, view.event.title, now
                )
        due = now - AFTER_INTRODUCTION
        for introduction in await store.checkbacks.introductions_accepted(due - CATCH_UP, due):
            people = await store.meetings.members([introduction.requester_id, introduction.target_id])
            pair = (people[introduction.requester_id], people[introduction.target_id])
            for member, other in (pair, pair[::-1]):
                queued += await _ask(store, notifier, INTRODUCTION, introduction.id, member, other, "", now)
        queued += await _follow_up(store, notifier, now)
    return queued


async def _follow_up(store: Store, notifier: Notifier, now: datetime) -> int:
    """The planned next steps whose date has come, each told once to who planned it."""
    queued = 0
    for row in await store.checkbacks.follow_ups(now.date() - CATCH_UP, now.date()):
        other = await other_side(store, row)
        me = (await store.meetings.members([row.member_id])).get(row.member_id)
        if other is None or me is None:
            continue
        build = partial(follow_up, row, other)
        await tell(notifier, store, me, f"checkback{row.id}:follow-up", build, now)
        queued += 1
    return queued


async def _ask(
    store: Store,
    notifier: Notifier,
    subject: str,
    subject_id: int,
    member: Member,
    other: Member,
    event_title: str,
    now: datetime,
) -> int:
    """Queue the question for `member` unless they were asked already; 1 if it was queued."""
    row = await store.checkbacks.ask(subject, subject_id, member.id, now)
    if row is None:
        return 0
    buttons = tuple(
        [
            await confirmation_for(store, member.id, f"checkback {row.id} {answer}", now, BUTTON_LIFETIME)
            for answer in ANSWERS
        ]
    )
    build = partial(question, subject, other, event_title, buttons)
    await tell(notifier, store, member, f"checkback:{subject}{subject_id}", build, now)
    return 1
