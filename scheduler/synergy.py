"""Synergy alerts and the weekly digest: run the matcher over the store and ration what it finds.

The matcher (`scheduler.matcher.scan`) is pure and CPU-bound, so it runs in a worker thread while
the event loop keeps answering. What was already suggested lives in the store (introductions and
outbox causes), so a run after a restart, a second process or the nightly scan after the
incremental one never suggests the same pair twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from functools import partial

from core.types import Reply
from handlers.digest import Suggestion, weekly_digest
from handlers.engine.timefmt import zone
from handlers.meetings import meet_button, shared_session
from handlers.notices import member_suggestion, opportunity_suggestion
from handlers.notify import UNCONFIGURED, Notifier
from scheduler.matcher import Match, scan, scan_members, scan_opportunities
from store import synergy
from store.db import Database
from store.repository import Store, store_transaction
from store.synergy import OpportunityProfile, Profile

INCREMENTAL_JOB = "synergy_incremental"
# Alerts a member gets per 7 days; the best matches over the cap wait for the digest.
WEEKLY_ALERTS = 3
DIGEST_CONTACTS = 3
# The incremental run looks back a little before the last run finished, so that a profile saved
# while that run was reading is not missed (seeing it twice costs nothing: dedupe).
INCREMENTAL_OVERLAP = timedelta(minutes=5)
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 9


async def queue_synergy_alerts(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    """The full scan: every member against every member and open opportunity (nightly)."""
    async with store_transaction(db) as store:
        people = await store.synergy.profiles()
        opportunities = await store.synergy.open_opportunities(now)
        pairs = await store.synergy.known_pairs()
        alerted = await store.synergy.alerted_opportunities()
    matches = await asyncio.to_thread(
        scan, people, opportunities, known_pairs=pairs, known_opportunities=alerted
    )
    return await dispatch(db, matches, now, notifier)


async def queue_incremental_synergy_alerts(
    db: Database, now: datetime, notifier: Notifier = UNCONFIGURED
) -> int:
    """Only members changed and opportunities posted since the last run (every few minutes)."""
    async with store_transaction(db) as store:
        # The first run looks back only a little: the whole network is the nightly scan's work,
        # not something to repeat (in memory and CPU) every time a process starts.
        last = await store.jobs.last_finished(INCREMENTAL_JOB) or now
        since = last - INCREMENTAL_OVERLAP
        changed = set(await store.synergy.changed_members(since))
        new_opportunities = await store.synergy.open_opportunities(now, created_since=since)
        if not changed and not new_opportunities:
            return 0
        people = await store.synergy.profiles()
        opportunities = await store.synergy.open_opportunities(now)
        pairs = await store.synergy.known_pairs()
        alerted = await store.synergy.alerted_opportunities()
    matches = await asyncio.to_thread(
        _scan_changes, people, opportunities, new_opportunities, changed, pairs, alerted
    )
    return await dispatch(db, matches, now, notifier)


def _scan_changes(
    people: Sequence[Profile],
    opportunities: Sequence[OpportunityProfile],
    new_opportunities: Sequence[OpportunityProfile],
    changed: Collection[int],
    pairs: Collection[tuple[int, int]],
    alerted: Collection[tuple[int, int]],
) -> list[Match]:
    """Changed members as recipients and as suggestions, plus everyone against new opportunities."""
    found = scan_members(people, known_pairs=pairs, recipients=changed)
    found += scan_members(people, known_pairs=pairs, candidates=changed)
    found += scan_opportunities(people, opportunities, known=alerted, recipients=changed)
    found += scan_opportunities(people, new_opportunities, known=alerted)
    return sorted(found, key=lambda m: (-m.score, m.member_id, m.kind, m.other_id))


async def dispatch(
    db: Database, matches: Sequence[Match], now: datetime, notifier: Notifier = UNCONFIGURED
) -> int:
    """Alert each member of their best matches, up to WEEKLY_ALERTS per 7 days; returns how many.

    Matches arrive best first. A member pair is handled once, whichever side found it; member
    matches over the cap are recorded as suggestions for the digest.
    """
    queued = 0
    async with store_transaction(db) as store:
        sent = Counter(await store.synergy.alerts_since(now - synergy.ALERT_WINDOW))
        taken = {(min(a, b), max(a, b)) for a, b in await store.synergy.known_pairs()}
        kept: Counter[int] = Counter()
        suggestions: list[tuple[int, int, str, float]] = []
        seen = set()
        languages = await store.people.languages(sorted({match.member_id for match in matches}))
        for match in matches:
            if match.cause in seen:  # the incremental scan's parts overlap
                continue
            seen.add(match.cause)
            if match.kind == "member":
                pair = (min(match.member_id, match.other_id), max(match.member_id, match.other_id))
                if pair in taken:
                    continue
                if sent[match.member_id] >= WEEKLY_ALERTS and kept[match.member_id] >= DIGEST_CONTACTS:
                    continue
                taken.add(pair)
                suggestions.append((match.member_id, match.other_id, match.reason.encode(), match.score))
            if sent[match.member_id] >= WEEKLY_ALERTS:
                kept[match.member_id] += match.kind == "member"
                continue
            meet = await _meet_event(store, match, now)
            await notifier.tell(
                store,
                [match.member_id],
                match.cause,
                partial(_alert, match, meet),
                now,
                languages=languages,
            )
            sent[match.member_id] += 1
            queued += 1
        await store.synergy.record_suggestions(suggestions, now)
    return queued


def _as_it_is(reply: Reply, _language: str) -> Reply:
    """A reply already built in its reader's language, for `Notifier.tell`."""
    return reply


async def _meet_event(store: Store, match: Match, now: datetime) -> tuple[str, int] | None:
    """(the other member's name, the event) when a B2B session open now lets the two meet."""
    if match.kind != "member":
        return None
    people = await store.meetings.members([match.member_id, match.other_id])
    if len(people) < 2:
        return None
    event = await shared_session(store, people[match.member_id], people[match.other_id], now)
    return (people[match.other_id].name, event.id) if event else None


def _alert(match: Match, meet: tuple[str, int] | None, language: str) -> Reply:
    if match.kind == "member":
        button = meet_button(meet[0], match.other_id, meet[1], language) if meet else None
        return member_suggestion(match.other_id, match.reason.text(language), button, language)
    return opportunity_suggestion(match.other_id, match.reason.text(language), language)


async def queue_weekly_digests(db: Database, now: datetime, notifier: Notifier = UNCONFIGURED) -> int:
    """Monday 09:00 in each member's zone (run hourly): the week's events, opportunities, contacts.

    Muted members get the events only: they asked for no suggestions. Members with nothing to
    read get nothing; the cause (one per ISO week) makes a second run in the hour a no-op.
    """
    queued = 0
    async with store_transaction(db) as store:
        for name in await store.synergy.member_zones():
            local = now.astimezone(zone(name))
            if local.weekday() == DIGEST_WEEKDAY and local.hour == DIGEST_HOUR:
                queued += await _queue_zone_digests(store, name, local, now, notifier)
    return queued


async def _queue_zone_digests(
    store: Store, name: str, local: datetime, now: datetime, notifier: Notifier
) -> int:
    """The digests of the members living in one time zone, whose Monday 09:00 it is."""
    # The week runs from last Monday 09:00 to this one, so consecutive digests never overlap.
    since = local.replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    members = await store.synergy.members_in_zones([name])
    listening = [member_id for member_id, muted, _language in members if not muted]
    events = await store.synergy.new_events(since, now)
    contacts = await store.synergy.unsent_suggestions(listening, since)
    fitting: dict[int, list[Suggestion]] = {}
    for match in scan_opportunities(
        await store.synergy.profiles(listening),
        await store.synergy.open_opportunities(now, created_since=since),
        known=await store.synergy.alerted_opportunities(),
    ):
        fitting.setdefault(match.member_id, []).append(Suggestion(match.other_id, match.reason.encode()))
    iso = local.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    queued = 0
    for member_id, _muted, language in members:
        suggested = [Suggestion(i.target_id, i.reason) for i in contacts.get(member_id, [])]
        reader = notifier.language(language)
        reply = weekly_digest(week, name, reader, events, suggested, fitting.get(member_id, []))
        if reply is not None:
            await notifier.tell(
                store,
                [member_id],
                f"digest:{week}",
                partial(_as_it_is, reply),
                now,
                languages={member_id: language},
            )
            queued += 1
    return queued
