"""Meeting jobs: requests that expire, reminders before each meeting, one nudge a day at most.

Like the other jobs, each derives what is due from the store and the outbox's dedupe key (the
cause), so a second run or a second process adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from handlers.engine.timefmt import parse_duration
from handlers.meeting_notices import ended_notice, meeting_view, nudge_notice, reminder_notice, tell
from handlers.notify import UNCONFIGURED, Notifier
from store.db import Database
from store.models import Meeting, Member
from store.repository import store_transaction

IN_PERSON_REMINDER = timedelta(minutes=15)
ONLINE_REMINDER = timedelta(minutes=5)
# `settings meetings` allows at most 2 h; look no further ahead than that.
REMINDER_HORIZON = timedelta(hours=2, minutes=1)
# A request is worth a nudge once it has waited this long (the request itself was the first word).
NUDGE_AFTER = timedelta(hours=12)


def reminder_offset(member: Member, meeting: Meeting) -> timedelta:
    if member.meeting_reminder:
        return parse_duration(member.meeting_reminder)
    return IN_PERSON_REMINDER if meeting.place else ONLINE_REMINDER


async def expire_meeting_requests(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    """Requests nobody answered in time: the slot is freed and whoever asked last is told. A
    published schedule's meeting not confirmed by both in time expires the same way; both sides
    are told (one of them may have confirmed)."""
    queued = 0
    async with store_transaction(db) as store:
        for meeting in await store.meetings.due_to_expire(now):
            view = await meeting_view(store, meeting)
            if meeting.status == "proposed":
                told, notice = [view.requester, view.invitee], "unconfirmed"
            else:
                told, notice = [view.other(meeting.awaiting_id or meeting.invitee_id)], "expired"
            await store.meetings.end(meeting, "expired", now)
            for member in told:
                build = partial(ended_notice, view, member, notice, was_agreed=False)
                await tell(notifier, store, member, f"meeting{meeting.id}:expired", build, now)
                queued += 1
    return queued


async def queue_meeting_reminders(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    queued = 0
    async with store_transaction(db) as store:
        for meeting in await store.meetings.starting_within(now, REMINDER_HORIZON):
            view = await meeting_view(store, meeting)
            for member in (view.requester, view.invitee):
                if meeting.starts_at - reminder_offset(member, meeting) > now:
                    continue
                # The start is in the key: a moved meeting is reminded again.
                cause = f"meeting{meeting.id}:reminder:{int(meeting.starts_at.timestamp())}"
                await tell(notifier, store, member, cause, partial(reminder_notice, view, member), now)
                queued += 1
    return queued


async def nudge_unanswered_meetings(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    """At most one message a day to each member who has requests waiting for their answer."""
    queued = 0
    async with store_transaction(db) as store:
        waiting = await store.meetings.awaiting_answers(now - NUDGE_AFTER)
        people = await store.meetings.members(list(waiting))
        for member_id, count in waiting.items():
            cause = f"meetings:nudge:{now.date().isoformat()}"
            await tell(notifier, store, people[member_id], cause, partial(nudge_notice, count), now)
            queued += 1
    return queued
