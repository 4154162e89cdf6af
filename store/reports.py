"""What a partnership achieved in a period, as numbers: the one query behind `report`.

The text summary, the charts and the CSV files are all drawn from one `Report`, so they always
agree. A scope is a set of cluster ids (None: the whole partnership, members and events of no
cluster included); a connection (introduction or meeting) is in scope when either side is.

Definitions (README "Reports" says the same):
- members: `members` belong to the scope now, `listed` agreed to be in the directory, `new` joined
  in the period, `active` wrote to the bot (last seen), answered an event, asked for an
  introduction or a meeting, followed or posted an opportunity in the period;
- events: those starting in the period, not cancelled; `held` started before the report was made,
  `going`/`waitlisted`/`not going` are their RSVPs now, attendance is known only for B2B sessions
  (members who held at least one meeting there);
- connections are counted by when they were asked for: introductions requested in the period and
  how many of those were accepted; meetings requested in the period, accepted (no-shows included:
  they were agreed), held (accepted and over) and no-show. Each count says how many cross
  clusters, regions, countries and sectors (the two clusters share no sector);
- the matrix counts agreed connections (accepted introductions and accepted meetings) between the
  clusters of their two sides;
- reach counts the outbox messages to members of the scope queued in the period, by status;
- opportunities: posted in the period, follows they got in the period.

- outcomes (store/outcomes.py): the ladder as a funnel (pairs that reached at least each step,
  each pair at its highest step recorded in the period), the proposals, agreements and running
  projects with their call or project name, staff exchanges overlapping the period by status, and
  opportunities answered (named outcomes linked to an opportunity).
Only the named outcomes name people, and only members listed in the directory; every other figure
is a count.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    OPPORTUNITY_KINDS,
    Cluster,
    Event,
    Follow,
    Introduction,
    Meeting,
    MeetingSession,
    Member,
    Opportunity,
    OutboxMessage,
    Rsvp,
)
from store.outcomes import Outcomes, funnel
from store.report_values import (
    CONNECTION_STAGES,
    NO_CLUSTER,
    REACH_KINDS,
    STATUSES,
    Crossing,
    EventLine,
    MemberCounts,
    NamedLine,
    OutcomeSection,
    Period,
    ReachLine,
    Report,
    Stage,
)


def reach_kind(cause: str) -> str | None:
    """Which reach line an outbox cause counts toward (see the causes in handlers/ and scheduler/)."""
    if cause.startswith("announce:"):
        return "announcements"
    if cause.startswith(("reminder:", "deadline:")) or (
        cause.startswith("meeting") and ":reminder:" in cause
    ):
        return "reminders"
    if cause.startswith("synergy:"):
        return "alerts"
    return None


def reach_status(status: str) -> str:
    """Outbox statuses as the report names them: `dead` (given up on) is failed, the rest waits."""
    if status in ("sent", "unreachable"):
        return status
    return "failed" if status == "dead" else "pending"


@dataclass(slots=True)
class _Groups:
    """Member counts accumulated per label."""

    counts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))

    def add(self, label: str, flags: tuple[bool, bool, bool]) -> None:
        row = self.counts[label]
        row[0] += 1
        for index, flag in enumerate(flags, start=1):
            row[index] += int(flag)

    def rows(self) -> tuple[tuple[str, MemberCounts], ...]:
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1][0], item[0]))
        return tuple((label, MemberCounts(*row)) for label, row in ordered)


class Reports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def report(self, cluster_ids: Sequence[int] | None, period: Period, now: datetime) -> Report:
        clusters = {
            c.id: c for c in (await self.session.scalars(select(Cluster).order_by(Cluster.name))).all()
        }
        scope = None if cluster_ids is None else set(cluster_ids)

        def in_scope(cluster_id: int | None) -> bool:
            return scope is None or cluster_id in scope

        member_rows = (
            await self.session.execute(
                select(Member.id, Member.cluster_id, Member.listed, Member.created_at, Member.last_seen_at)
            )
        ).all()
        cluster_of = {row.id: row.cluster_id for row in member_rows}
        active = await self._active(period)
        groups = {"cluster": _Groups(), "region": _Groups(), "country": _Groups(), "sector": _Groups()}
        total = _Groups()
        for row in member_rows:
            if not in_scope(row.cluster_id):
                continue
            is_new = period.start <= row.created_at < period.end
            seen = row.last_seen_at is not None and period.start <= row.last_seen_at < period.end
            flags = (bool(row.listed), seen or row.id in active, is_new)
            total.add("", flags)
            cluster = clusters.get(row.cluster_id) if row.cluster_id else None
            groups["cluster"].add(cluster.name if cluster else NO_CLUSTER, flags)
            groups["region"].add(cluster.region if cluster else NO_CLUSTER, flags)
            groups["country"].add(cluster.country if cluster else NO_CLUSTER, flags)
            for sector in (cluster.sectors if cluster else None) or [NO_CLUSTER]:
                groups["sector"].add(sector, flags)
        totals = total.rows()
        connections, pairs = await self._connections(period, now, clusters, cluster_of, in_scope)
        labels, matrix = _matrix(pairs, clusters)
        in_scope_names = tuple(c.name for c in clusters.values() if in_scope(c.id))
        return Report(
            period=period,
            clusters=in_scope_names,
            whole_partnership=scope is None,
            members=totals[0][1] if totals else MemberCounts(),
            by_cluster=groups["cluster"].rows(),
            by_region=groups["region"].rows(),
            by_country=groups["country"].rows(),
            by_sector=groups["sector"].rows(),
            events=await self._events(period, now, clusters, in_scope),
            connections=connections,
            matrix_labels=labels,
            matrix=matrix,
            reach=await self._reach(period, cluster_of, in_scope),
            opportunities=await self._opportunities(period, in_scope),
            outcomes=await self._outcomes(scope, period),
        )

    async def _outcomes(self, scope: set[int] | None, period: Period) -> OutcomeSection:
        outcomes = Outcomes(self.session)
        named = await outcomes.named(scope, period)
        return OutcomeSection(
            funnel=tuple(funnel(await outcomes.ladder(scope, period)).items()),
            named=tuple(NamedLine(n.step, n.line or n.opportunity_title, n.names, n.unlisted) for n in named),
            exchanges=tuple((await outcomes.exchanges(scope, period)).items()),
            answered=sum(1 for n in named if n.opportunity_id is not None),
        )

    async def _active(self, period: Period) -> set[int]:
        """Members who did something in the period that the store keeps a time for."""
        start, end = period.start, period.end
        queries = [
            select(Rsvp.member_id).where(Rsvp.updated_at >= start, Rsvp.updated_at < end),
            select(Introduction.requester_id).where(
                Introduction.status != "suggested",
                Introduction.created_at >= start,
                Introduction.created_at < end,
            ),
            select(Meeting.requester_id).where(Meeting.created_at >= start, Meeting.created_at < end),
            select(Follow.member_id).where(Follow.created_at >= start, Follow.created_at < end),
            select(Opportunity.posted_by).where(
                Opportunity.created_at >= start, Opportunity.created_at < end
            ),
        ]
        found: set[int] = set()
        for query in queries:
            found.update(member_id for member_id in (await self.session.scalars(query)).all() if member_id)
        return found

    async def _connections(
        self,
        period: Period,
        now: datetime,
        clusters: dict[int, Cluster],
        cluster_of: dict[int, int | None],
        in_scope: Callable[[int | None], bool],
    ) -> tuple[tuple[Stage, ...], list[tuple[int | None, int | None]]]:
        """Each stage's count and crossings, and the cluster pairs of the agreed connections."""
        start, end = period.start, period.end
        intros = await self.session.execute(
            select(Introduction.requester_id, Introduction.target_id, Introduction.status).where(
                Introduction.status != "suggested",
                Introduction.created_at >= start,
                Introduction.created_at < end,
            )
        )
        meetings = await self.session.execute(
            select(Meeting.requester_id, Meeting.invitee_id, Meeting.status, Meeting.ends_at).where(
                Meeting.created_at >= start, Meeting.created_at < end
            )
        )
        staged: dict[tuple[str, str], list[tuple[int | None, int | None]]] = defaultdict(list)
        agreed: list[tuple[int | None, int | None]] = []
        for first, second, status in intros.all():
            pair = (cluster_of.get(first), cluster_of.get(second))
            if not (in_scope(pair[0]) or in_scope(pair[1])):
                continue
            staged["introductions", "requested"].append(pair)
            if status == "accepted":
                staged["introductions", "accepted"].append(pair)
                agreed.append(pair)
        for first, second, status, ends_at in meetings.all():
            pair = (cluster_of.get(first), cluster_of.get(second))
            if not (in_scope(pair[0]) or in_scope(pair[1])):
                continue
            staged["meetings", "requested"].append(pair)
            if status in ("accepted", "no_show"):
                staged["meetings", "accepted"].append(pair)
                agreed.append(pair)
            if status == "accepted" and ends_at <= now:
                staged["meetings", "held"].append(pair)
            if status == "no_show":
                staged["meetings", "no_show"].append(pair)
        stages = tuple(
            Stage(kind, stage, len(staged[kind, stage]), _crossing(staged[kind, stage], clusters))
            for kind, stage in CONNECTION_STAGES
        )
        return stages, agreed

    async def _events(
        self,
        period: Period,
        now: datetime,
        clusters: dict[int, Cluster],
        in_scope: Callable[[int | None], bool],
    ) -> tuple[EventLine, ...]:
        events = [
            event
            for event in (
                await self.session.scalars(
                    select(Event)
                    .where(Event.starts_at >= period.start, Event.starts_at < period.end, ~Event.cancelled)
                    .order_by(Event.starts_at, Event.id)
                )
            ).all()
            if in_scope(event.cluster_id)
        ]
        ids = [event.id for event in events]
        answers: dict[tuple[int, str], int] = {}
        attended: dict[int, int] = {}
        if ids:
            rows = await self.session.execute(
                select(Rsvp.event_id, Rsvp.status, func.count())
                .where(Rsvp.event_id.in_(ids))
                .group_by(Rsvp.event_id, Rsvp.status)
            )
            answers = {(event_id, status): int(count) for event_id, status, count in rows.all()}
            held = await self.session.execute(
                select(MeetingSession.event_id, Meeting.requester_id, Meeting.invitee_id)
                .join(Meeting, Meeting.session_id == MeetingSession.id)
                .where(MeetingSession.event_id.in_(ids), Meeting.status == "accepted", Meeting.ends_at <= now)
            )
            met: dict[int, set[int]] = defaultdict(set)
            for event_id, first, second in held.all():
                met[event_id].update((first, second))
            sessions = await self.session.scalars(
                select(MeetingSession.event_id).where(MeetingSession.event_id.in_(ids))
            )
            attended = {event_id: len(met[event_id]) for event_id in sessions.all()}
        return tuple(
            EventLine(
                id=event.id,
                title=event.title,
                starts_at=event.starts_at,
                cluster=clusters[event.cluster_id].name if event.cluster_id in clusters else NO_CLUSTER,
                held=event.starts_at < now,
                going=answers.get((event.id, "going"), 0),
                waitlisted=answers.get((event.id, "waitlisted"), 0),
                not_going=answers.get((event.id, "not_going"), 0),
                attended=attended.get(event.id),
            )
            for event in events
        )

    async def _reach(
        self, period: Period, cluster_of: dict[int, int | None], in_scope: Callable[[int | None], bool]
    ) -> tuple[ReachLine, ...]:
        rows = await self.session.execute(
            select(OutboxMessage.member_id, OutboxMessage.cause, OutboxMessage.status).where(
                OutboxMessage.created_at >= period.start, OutboxMessage.created_at < period.end
            )
        )
        counted: Counter[tuple[str, str]] = Counter()
        for member_id, cause, status in rows.all():
            kind = reach_kind(cause)
            # Posts in linked places (no member) are not members reached.
            if kind is not None and member_id is not None and in_scope(cluster_of.get(member_id)):
                counted[kind, reach_status(status)] += 1
        return tuple(ReachLine(kind, *(counted[kind, status] for status in STATUSES)) for kind in REACH_KINDS)

    async def _opportunities(
        self, period: Period, in_scope: Callable[[int | None], bool]
    ) -> tuple[tuple[str, int, int], ...]:
        start, end = period.start, period.end
        posted = await self.session.execute(
            select(Opportunity.kind, Opportunity.cluster_id).where(
                Opportunity.created_at >= start, Opportunity.created_at < end
            )
        )
        follows = await self.session.execute(
            select(Opportunity.kind, Opportunity.cluster_id)
            .join(Follow, Follow.opportunity_id == Opportunity.id)
            .where(Follow.created_at >= start, Follow.created_at < end)
        )
        posted_by_kind = Counter(kind for kind, cluster_id in posted.all() if in_scope(cluster_id))
        follows_by_kind = Counter(kind for kind, cluster_id in follows.all() if in_scope(cluster_id))
        return tuple(
            (kind, posted_by_kind[kind], follows_by_kind[kind])
            for kind in OPPORTUNITY_KINDS
            if posted_by_kind[kind] or follows_by_kind[kind]
        )


def _crossing(pairs: Sequence[tuple[int | None, int | None]], clusters: dict[int, Cluster]) -> Crossing:
    counts = [0, 0, 0, 0]
    for first_id, second_id in pairs:
        first, second = clusters.get(first_id or 0), clusters.get(second_id or 0)
        if first is None or second is None or first.id == second.id:
            continue
        counts[0] += 1
        counts[1] += int(first.region != second.region)
        counts[2] += int(first.country != second.country)
        counts[3] += int(
            bool(first.sectors and second.sectors) and not set(first.sectors) & set(second.sectors)
        )
    return Crossing(*counts)


def _matrix(
    pairs: Sequence[tuple[int | None, int | None]], clusters: dict[int, Cluster]
) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """The clusters that agreed connections touch, and how many join each two (symmetric)."""
    names = {cluster_id: cluster.name for cluster_id, cluster in clusters.items()}
    involved = sorted({names.get(side or 0, NO_CLUSTER) for pair in pairs for side in pair})
    index = {label: number for number, label in enumerate(involved)}
    grid = [[0] * len(involved) for _ in involved]
    for first, second in pairs:
        a, b = index[names.get(first or 0, NO_CLUSTER)], index[names.get(second or 0, NO_CLUSTER)]
        grid[a][b] += 1
        if a != b:
            grid[b][a] += 1
    return tuple(involved), tuple(tuple(row) for row in grid)
