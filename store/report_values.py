"""The values a report is made of: one `Report` per scope and period, and its tables.

`store/reports.py` fills them; the chat's text, the charts and the files all read them, so every
number is shown from one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

Cell = str | int


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC; `label` is how it was asked for (`2026Q3`, `2026`, `since 2026-01-01`)."""

    start: datetime
    end: datetime
    label: str

    @property
    def last_day(self) -> date:
        """The period's last day as people say it: a quarter ends on 30 September, `since` today."""
        return self.end.date() if self.label.startswith("since") else (self.end - timedelta(days=1)).date()


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a report: its CSV file stem, stable column keys and rows."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class MemberCounts:
    members: int = 0
    listed: int = 0
    active: int = 0
    new: int = 0


@dataclass(frozen=True, slots=True)
class Crossing:
    """How many connections cross clusters, regions, countries and sectors."""

    clusters: int = 0
    regions: int = 0
    countries: int = 0
    sectors: int = 0


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of connections (`introductions`/`meetings`, `requested`…) and its crossings."""

    kind: str
    stage: str
    count: int
    crossing: Crossing


@dataclass(frozen=True, slots=True)
class EventLine:
    id: int
    title: str
    starts_at: datetime
    cluster: str
    held: bool
    going: int
    waitlisted: int
    not_going: int
    # Members who held at least one meeting at its B2B session; None where attendance is unknown.
    attended: int | None


@dataclass(frozen=True, slots=True)
class ReachLine:
    """Outbox messages of one kind (`announcements`, `reminders`, `alerts`) by status."""

    kind: str
    sent: int = 0
    pending: int = 0
    unreachable: int = 0
    failed: int = 0


REACH_KINDS = ("announcements", "reminders", "alerts")
CONNECTION_STAGES = (
    ("introductions", "requested"),
    ("introductions", "accepted"),
    ("meetings", "requested"),
    ("meetings", "accepted"),
    ("meetings", "held"),
    ("meetings", "no_show"),
)
NO_CLUSTER = "—"


@dataclass(frozen=True, slots=True)
class NamedLine:
    """A proposal, agreement or running project: its step, its call or project name (`line`, or the
    opportunity's title when none was given) and the listed members only (`unlisted` counts the rest)."""

    step: str
    line: str
    names: tuple[str, ...]
    unlisted: int


@dataclass(frozen=True, slots=True)
class OutcomeSection:
    """The outcomes of the period: `funnel` pairs that reached at least each ladder step ("none" as
    it is), the named proposals, agreements and projects, staff exchanges by status, and
    `answered`: the named outcomes that answer an opportunity."""

    funnel: tuple[tuple[str, int], ...] = ()
    named: tuple[NamedLine, ...] = ()
    exchanges: tuple[tuple[str, int], ...] = ()
    answered: int = 0

    def reached(self, step: str) -> int:
        return dict(self.funnel).get(step, 0)

    @property
    def empty(self) -> bool:
        return not (any(count for _, count in self.funnel) or any(count for _, count in self.exchanges))


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    # The clusters in scope, by name (all of them for the whole partnership).
    clusters: tuple[str, ...]
    whole_partnership: bool
    members: MemberCounts
    by_cluster: tuple[tuple[str, MemberCounts], ...]
    by_region: tuple[tuple[str, MemberCounts], ...]
    by_country: tuple[tuple[str, MemberCounts], ...]
    by_sector: tuple[tuple[str, MemberCounts], ...]
    events: tuple[EventLine, ...]
    connections: tuple[Stage, ...]
    # Cluster labels and the symmetric count of agreed connections between each two of them.
    matrix_labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    reach: tuple[ReachLine, ...]
    # (kind, posted, follows)
    opportunities: tuple[tuple[str, int, int], ...]
    outcomes: OutcomeSection = OutcomeSection()

    def stage(self, kind: str, stage: str) -> Stage:
        return next(s for s in self.connections if (s.kind, s.stage) == (kind, stage))

    def reach_of(self, kind: str) -> ReachLine:
        return next(line for line in self.reach if line.kind == kind)

    @property
    def events_held(self) -> int:
        return sum(1 for event in self.events if event.held)

    @property
    def opportunities_posted(self) -> int:
        return sum(posted for _, posted, _ in self.opportunities)

    @property
    def follows(self) -> int:
        return sum(follows for _, _, follows in self.opportunities)

    @property
    def empty(self) -> bool:
        """Nothing happened in the period: no one joined or acted, nothing was held, asked or sent."""
        reached = sum(line.sent + line.pending + line.unreachable + line.failed for line in self.reach)
        return not (
            self.members.new
            or self.members.active
            or self.events
            or any(stage.count for stage in self.connections)
            or reached
            or self.opportunities_posted
            or self.follows
            or not self.outcomes.empty
        )

    def tables(self) -> list[Table]:
        """Every figure of the report as tables (one CSV each), with stable English column keys."""
        member_columns = ("members", "listed", "active", "new")

        def grouped(name: str, key: str, groups: Iterable[tuple[str, MemberCounts]]) -> Table:
            rows = tuple((label, c.members, c.listed, c.active, c.new) for label, c in groups)
            return Table(name, (key, *member_columns), rows)

        totals = self.members
        summary = (
            ("period", self.period.label),
            ("from", self.period.start.date().isoformat()),
            ("until", self.period.last_day.isoformat()),
            ("clusters", len(self.clusters)),
            *((column, getattr(totals, column)) for column in member_columns),
            ("events", len(self.events)),
            ("events_held", self.events_held),
            *((f"{s.kind}_{s.stage}", s.count) for s in self.connections),
            *((f"{line.kind}_{status}", getattr(line, status)) for line in self.reach for status in STATUSES),
            ("opportunities_posted", self.opportunities_posted),
            ("opportunity_follows", self.follows),
            *((f"outcomes_reached_{step}", count) for step, count in self.outcomes.funnel),
            ("opportunities_answered", self.outcomes.answered),
            *((f"exchanges_{status}", count) for status, count in self.outcomes.exchanges),
        )
        return [
            Table("summary", ("figure", "value"), summary),
            grouped("members_by_cluster", "cluster", self.by_cluster),
            grouped("members_by_region", "region", self.by_region),
            grouped("members_by_country", "country", self.by_country),
            grouped("members_by_sector", "sector", self.by_sector),
            Table(
                "events",
                (
                    "event",
                    "title",
                    "starts_at",
                    "cluster",
                    "held",
                    "going",
                    "waitlisted",
                    "not_going",
                    "attended",
                ),
                tuple(
                    (
                        e.id,
                        e.title,
                        e.starts_at.isoformat(),
                        e.cluster,
                        int(e.held),
                        e.going,
                        e.waitlisted,
                        e.not_going,
                        "" if e.attended is None else e.attended,
                    )
                    for e in self.events
                ),
            ),
            Table(
                "connections",
                ("kind", "stage", "count", "cross_cluster", "cross_region", "cross_country", "cross_sector"),
                tuple(
                    (s.kind, s.stage, s.count, *(getattr(s.crossing, f) for f in CROSSINGS))
                    for s in self.connections
                ),
            ),
            Table(
                "cluster_matrix",
                ("cluster", *self.matrix_labels),
                tuple((label, *row) for label, row in zip(self.matrix_labels, self.matrix, strict=True)),
            ),
            Table(
                "reach",
                ("kind", *STATUSES),
                tuple((line.kind, *(getattr(line, status) for status in STATUSES)) for line in self.reach),
            ),
            Table("opportunities", ("kind", "posted", "follows"), self.opportunities),
            Table("outcomes_funnel", ("step", "reached"), self.outcomes.funnel),
            Table(
                "outcomes_named",
                ("step", "line", "members", "unlisted_members"),
                tuple((n.step, n.line, "; ".join(n.names), n.unlisted) for n in self.outcomes.named),
            ),
            Table("exchanges", ("status", "count"), self.outcomes.exchanges),
        ]


STATUSES = ("sent", "pending", "unreachable", "failed")
CROSSINGS = ("clusters", "regions", "countries", "sectors")
