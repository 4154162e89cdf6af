"""Outcomes (the ladder from "No further contact" to "Joint project running") and staff exchanges.

Writing: the three- and six-month prompts after a cooperation (`cooperations`, `ask`, `answer`),
a member's own `outcome` command (`record`), and exchanges (`add_exchange`, `set_exchange_status`).

Reading, for reports: `ladder` (pairs at each step; `funnel` turns it into pairs that reached at
least each step), `named` (the proposals, agreements and running projects, naming listed members
only) and `exchanges` (by status). Every one takes the same two arguments:
- `scope`: a set of cluster ids, or None for the whole partnership. An outcome is in scope when
  either member belongs to one of the clusters; an exchange when its visitor, its host member, its
  host organisation or its host cluster does.
- `period`: anything with `start` and `end`, aware datetimes, start included and end excluded
  (`Between(start, end)`, or a report's own period object). An outcome counts in the period it
  was recorded in; an exchange when its days overlap the period.

An outcome is about a pair of members, and both sides may tell it (and at 3 and at 6 months): the
counts are per pair, each pair at the highest step either side recorded in the period, so one
proposal told by both partners counts once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import (
    EXCHANGE_STATUSES,
    OUTCOME_STEPS,
    Checkback,
    Cluster,
    Exchange,
    Follow,
    Introduction,
    Meeting,
    Member,
    Opportunity,
    Organisation,
    Outcome,
)

Scope = Collection[int] | None
# The steps a report names one by one (with the call or project and the members listed).
NAMED_STEPS = ("proposal", "agreement", "project")
# How many opportunities `linkable_opportunities` offers as buttons.
LINKABLE_LIMIT = 6
# An exchange's days are whole days: the period's last day is the one before its end.
MICROSECOND = timedelta(microseconds=1)


class Period(Protocol):
    """[start, end): what the report queries take as their period."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Between:
    """The plainest Period."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Cooperation:
    """A meeting or an introduction one side marked "Cooperation possible", and when it happened
    (the meeting's end, the introduction's acceptance)."""

    subject: str
    subject_id: int
    happened_at: datetime
    member_ids: tuple[int, int]


@dataclass(frozen=True, slots=True)
class NamedOutcome:
    """One pair's proposal, agreement or running project, as a report names it.

    `names` holds only members listed in the directory (an unlisted side is left out, never named,
    and counted in `unlisted`); `line` is the call or project name as the members wrote it, "" when
    they gave none; `opportunity_title` the call it answers, "" when none was linked.
    """

    step: str
    line: str
    opportunity_id: int | None
    opportunity_title: str
    names: tuple[str, ...]
    unlisted: int
    cluster_ids: tuple[int, ...]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ExchangeView:
    exchange: Exchange
    visitor: str
    host: str


def funnel(counts: dict[str, int]) -> dict[str, int]:
    """Pairs that reached at least each step (`ladder` gives the pairs AT each step); "none" is
    left as it is, since no further contact is not a rung the others climb past."""
    reached: dict[str, int] = {"none": counts.get("none", 0)}
    total = 0
    for step in reversed(OUTCOME_STEPS[1:]):
        total += counts.get(step, 0)
        reached[step] = total
    return {step: reached[step] for step in OUTCOME_STEPS}


class Outcomes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Prompts ------------------------------------------------------------------------------------

    async def cooperations(self, since: datetime, until: datetime) -> list[Cooperation]:
        """Meetings that ended, and introductions accepted, in (since, until] with a "Cooperation
        possible" answer from at least one side."""
        marked = select(Checkback.subject, Checkback.subject_id).where(Checkback.answer == "cooperation")
        found: list[Cooperation] = []
        meetings = await self.session.execute(
            select(Meeting.id, Meeting.ends_at, Meeting.requester_id, Meeting.invitee_id).where(
                Meeting.ends_at > since,
                Meeting.ends_at <= until,
                Meeting.id.in_(
                    marked.where(Checkback.subject == "meeting").with_only_columns(Checkback.subject_id)
                ),
            )
        )
        for meeting_id, ended, one, two in meetings.all():
            found.append(Cooperation("meeting", meeting_id, ended, (one, two)))
        introductions = await self.session.execute(
            select(
                Introduction.id, Introduction.decided_at, Introduction.requester_id, Introduction.target_id
            ).where(
                Introduction.status == "accepted",
                Introduction.decided_at > since,
                Introduction.decided_at <= until,
                Introduction.id.in_(
                    marked.where(Checkback.subject == "introduction").with_only_columns(Checkback.subject_id)
                ),
            )
        )
        for introduction_id, decided, one, two in introductions.all():
            assert decided is not None  # selected by it
            found.append(Cooperation("introduction", introduction_id, decided, (one, two)))
        return found

    async def ask(
        self, cooperation: Cooperation, milestone: int, member_id: int, other_id: int, now: datetime
    ) -> Outcome | None:
        """A new unanswered row for this side at this milestone; None when they were asked already."""
        found = await self.session.scalar(
            select(Outcome.id).where(
                Outcome.subject == cooperation.subject,
                Outcome.subject_id == cooperation.subject_id,
                Outcome.milestone == milestone,
                Outcome.member_id == member_id,
            )
        )
        if found is not None:
            return None
        row = Outcome(
            member_id=member_id,
            other_id=other_id,
            subject=cooperation.subject,
            subject_id=cooperation.subject_id,
            milestone=milestone,
            asked_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, outcome_id: int) -> Outcome | None:
        return await self.session.get(Outcome, outcome_id)

    async def answer(self, row: Outcome, step: str, now: datetime) -> None:
        row.step, row.recorded_at = step, now
        await self.session.flush()

    async def describe(
        self, row: Outcome, *, line: str | None = None, opportunity_id: int | None = None
    ) -> None:
        """Add the call or project name, or the opportunity the outcome answers."""
        if line is not None:
            row.line = line
        if opportunity_id is not None:
            row.opportunity_id = opportunity_id
        await self.session.flush()

    async def record(
        self,
        member_id: int,
        other_id: int,
        step: str,
        now: datetime,
        *,
        line: str = "",
        opportunity_id: int | None = None,
    ) -> Outcome:
        """A member's own outcome with another. Telling the same step with the same member again
        updates that row (its line, its opportunity, its date) instead of counting it twice."""
        row = await self.session.scalar(
            select(Outcome).where(
                Outcome.member_id == member_id,
                Outcome.other_id == other_id,
                Outcome.step == step,
                Outcome.subject.is_(None),
            )
        )
        if row is None:
            row = Outcome(member_id=member_id, other_id=other_id, step=step)
            self.session.add(row)
        row.recorded_at = now
        if line:
            row.line = line
        if opportunity_id is not None:
            row.opportunity_id = opportunity_id
        await self.session.flush()
        return row

    async def linkable_opportunities(self, member_id: int) -> list[Opportunity]:
        """Opportunities the member follows or posted, newest first: what an outcome may answer."""
        followed = select(Follow.opportunity_id).where(Follow.member_id == member_id)
        query = (
            select(Opportunity)
            .where(or_(Opportunity.posted_by == member_id, Opportunity.id.in_(followed)))
            .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
            .limit(LINKABLE_LIMIT)
        )
        return list((await self.session.scalars(query)).all())

    # Exchanges ----------------------------------------------------------------------------------

    async def add_exchange(
        self,
        visitor_id: int,
        starts_on: date,
        ends_on: date,
        now: datetime,
        *,
        host_member_id: int | None = None,
        host_organisation_id: int | None = None,
        host_cluster_id: int | None = None,
        status: str = "planned",
    ) -> Exchange:
        exchange = Exchange(
            visitor_id=visitor_id,
            host_member_id=host_member_id,
            host_organisation_id=host_organisation_id,
            host_cluster_id=host_cluster_id,
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
            created_at=now,
            updated_at=now,
        )
        self.session.add(exchange)
        await self.session.flush()
        return exchange

    async def get_exchange(self, exchange_id: int) -> Exchange | None:
        return await self.session.get(Exchange, exchange_id)

    async def set_exchange_status(self, exchange: Exchange, status: str, now: datetime) -> None:
        exchange.status, exchange.updated_at = status, now
        await self.session.flush()

    async def organisation_named(self, typed: str) -> Organisation | None:
        """The organisation of exactly this name, ignoring case (the first one if clusters share it)."""
        query = select(Organisation).where(func.lower(Organisation.name) == typed.strip().lower())
        return await self.session.scalar(query.order_by(Organisation.id).limit(1))

    async def exchange_view(self, exchange: Exchange) -> ExchangeView:
        """The exchange with its visitor's and host's names, for the member who recorded it."""
        visitor = await self.session.get(Member, exchange.visitor_id)
        host: Member | Organisation | Cluster | None = None
        if exchange.host_member_id is not None:
            host = await self.session.get(Member, exchange.host_member_id)
        elif exchange.host_organisation_id is not None:
            host = await self.session.get(Organisation, exchange.host_organisation_id)
        elif exchange.host_cluster_id is not None:
            host = await self.session.get(Cluster, exchange.host_cluster_id)
        return ExchangeView(exchange, visitor.name if visitor else "", host.name if host else "")

    # Reports ------------------------------------------------------------------------------------

    async def ladder(self, scope: Scope, period: Period) -> dict[str, int]:
        """How many pairs of members are at each step (every step of OUTCOME_STEPS, zeros
        included): each pair at the highest step either side recorded in the period."""
        counts = dict.fromkeys(OUTCOME_STEPS, 0)
        for step in (await self._pairs(scope, period)).values():
            counts[step[0].step] += 1
        return counts

    async def named(self, scope: Scope, period: Period) -> list[NamedOutcome]:
        """Each pair's proposal, agreement or running project (its highest step in the period),
        oldest first (lower rung first on the same instant); only members listed in the directory
        are named."""
        pairs = await self._pairs(scope, period)
        member_ids = {member_id for pair in pairs for member_id in pair}
        people = {
            member.id: member
            for member in (await self.session.scalars(select(Member).where(Member.id.in_(member_ids)))).all()
        }
        opportunity_ids = {
            row.opportunity_id for rows in pairs.values() for row in rows if row.opportunity_id
        }
        titles = dict(
            (
                await self.session.execute(
                    select(Opportunity.id, Opportunity.title).where(Opportunity.id.in_(opportunity_ids))
                )
            ).all()
        )
        named: list[NamedOutcome] = []
        for pair, rows in pairs.items():
            best = rows[0]
            if best.step not in NAMED_STEPS:
                continue
            line = next((row.line for row in rows if row.line), "")
            opportunity_id = next((row.opportunity_id for row in rows if row.opportunity_id), None)
            members = [people[member_id] for member_id in pair if member_id in people]
            assert best.recorded_at is not None  # only recorded rows are read
            named.append(
                NamedOutcome(
                    step=best.step,
                    line=line,
                    opportunity_id=opportunity_id,
                    opportunity_title=titles.get(opportunity_id, "") if opportunity_id else "",
                    names=tuple(member.name for member in members if member.listed),
                    unlisted=sum(1 for member in members if not member.listed),
                    cluster_ids=tuple(sorted({m.cluster_id for m in members if m.cluster_id is not None})),
                    recorded_at=best.recorded_at,
                )
            )
        return sorted(named, key=lambda outcome: (outcome.recorded_at, OUTCOME_STEPS.index(outcome.step)))

    async def exchanges(self, scope: Scope, period: Period) -> dict[str, int]:
        """Exchanges whose days overlap the period, by status (every EXCHANGE_STATUSES, zeros included)."""
        start, end = period.start, period.end
        visitor, host = aliased(Member), aliased(Member)
        query = (
            select(Exchange.status, func.count(Exchange.id))
            .join(visitor, visitor.id == Exchange.visitor_id)
            .outerjoin(host, host.id == Exchange.host_member_id)
            .outerjoin(Organisation, Organisation.id == Exchange.host_organisation_id)
            .where(Exchange.starts_on <= (end - MICROSECOND).date(), Exchange.ends_on >= start.date())
            .group_by(Exchange.status)
        )
        if scope is not None:
            clusters = list(scope)
            query = query.where(
                or_(
                    visitor.cluster_id.in_(clusters),
                    host.cluster_id.in_(clusters),
                    Organisation.cluster_id.in_(clusters),
                    Exchange.host_cluster_id.in_(clusters),
                )
            )
        counts = dict.fromkeys(EXCHANGE_STATUSES, 0)
        counts.update({status: int(count) for status, count in (await self.session.execute(query)).all()})
        return counts

    async def _pairs(self, scope: Scope, period: Period) -> dict[tuple[int, int], list[Outcome]]:
        """The period's recorded outcomes in scope, by unordered pair (lower id first), each
        pair's rows highest step first, then latest first."""
        start, end = period.start, period.end
        one, two = aliased(Member), aliased(Member)
        query = (
            select(Outcome)
            .join(one, one.id == Outcome.member_id)
            .join(two, two.id == Outcome.other_id)
            .where(Outcome.step != "", Outcome.recorded_at >= start, Outcome.recorded_at < end)
        )
        if scope is not None:
            clusters = list(scope)
            in_scope: ColumnElement[bool] = or_(one.cluster_id.in_(clusters), two.cluster_id.in_(clusters))
            query = query.where(in_scope)
        pairs: dict[tuple[int, int], list[Outcome]] = {}
        for row in (await self.session.scalars(query.order_by(Outcome.id))).all():
            pair = (min(row.member_id, row.other_id), max(row.member_id, row.other_id))
            pairs.setdefault(pair, []).append(row)
        rank = {step: index for index, step in enumerate(OUTCOME_STEPS)}
        for rows in pairs.values():
            rows.sort(key=lambda row: (rank[row.step], row.recorded_at or start), reverse=True)
        return pairs
