"""Coordinators' lists into rows: every row checked on its own, then created or updated by its key.

Keys: members by lower-cased e-mail, events and opportunities by the id they have in the
coordinators' own lists (`external_id`). A row equal to what is stored changes nothing, not even
`updated_at`, so importing the same file twice is a no-op. A column left out of the file leaves
that field alone; an empty cell clears it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.zones import home_zone
from store.events import own_event_id
from store.fields import FIELD_LENGTHS, MAX_TAGS, TooLong, fitting
from store.models import (
    EVENT_KINDS,
    OPPORTUNITY_KINDS,
    ORGANISATION_KINDS,
    Cluster,
    Event,
    Identity,
    Invitation,
    Member,
    Opportunity,
    Organisation,
)
from store.text import clean_tags, fold, is_web_url

Kind = Literal["members", "events", "opportunities"]
Row = dict[str, str]
REQUIRED: dict[str, tuple[str, ...]] = {
    "members": ("name", "email"),
    "events": ("id", "title", "start"),
    "opportunities": ("id", "kind", "title"),
}
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
YES = frozenset({"yes", "y", "true", "1", "si", "sí", "oui", "sim", "x"})
NO = frozenset({"no", "n", "false", "0", "non", "não", "nao", ""})
DEFAULT_EVENT_LENGTH = timedelta(hours=2)


class RowError(Exception):
    """One thing wrong with one cell; the row is rejected and the report says which and why."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class InvitationLink:
    """An imported member who has not joined yet, and the token that will bind their account."""

    member_id: int
    name: str
    email: str
    token: str


@dataclass(slots=True)
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Member values the file would have changed but left alone: the member changed them since.
    kept: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    invitations: list[InvitationLink] = field(default_factory=list)

    @property
    def taken(self) -> int:
        return self.created + self.updated + self.unchanged


def missing_columns(kind: Kind, header: Sequence[str]) -> list[str]:
    return [column for column in REQUIRED[kind] if column not in header]


def _text(row: Row, column: str, limit: int = 10_000) -> str:
    """The cell on one line."""
    return _fitting(column, " ".join(row.get(column, "").split()), limit)


def _fitting(column: str, value: str, limit: int) -> str:
    """Refused (never cut) when longer than the column holds, as the chat's forms refuse it."""
    try:
        return fitting(value, limit)
    except TooLong as error:
        raise RowError(column, str(error)) from None


def _required(row: Row, column: str, limit: int = 300) -> str:
    value = _text(row, column, limit)
    if not value:
        raise RowError(column, "is empty")
    return value


def _choice(row: Row, column: str, choices: Sequence[str], default: str) -> str:
    value = _text(row, column).lower().replace(" ", "_").replace("-", "_") or default
    if value not in choices:
        raise RowError(column, f"'{row[column]}' is not one of {', '.join(choices)}")
    return value


def _yes_no(row: Row, column: str) -> bool:
    value = _text(row, column).lower()
    if value not in YES | NO:
        raise RowError(column, f"'{row[column]}' is not yes or no")
    return value in YES


def _zone(row: Row, column: str, default: str) -> str:
    name = _text(row, column) or default
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError(column, f"'{name}' is not a time zone (e.g. Europe/Lisbon)") from None
    return name


def _moment(row: Row, column: str, zone: str | None, *, end_of_day: bool = False) -> datetime:
    """A date or date-time with an offset, or one given in the row's time zone, as aware UTC."""
    raw = _required(row, column, 60)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise RowError(column, f"'{raw}' is not a date (write 2027-03-10 09:30)") from None
    if moment.tzinfo is None:
        if zone is None:
            raise RowError(column, f"'{raw}' has no time zone: add an offset or a timezone column")
        if end_of_day and len(raw) == 10:
            moment = datetime.combine(moment.date(), time(23, 59))
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def _url(row: Row, column: str) -> str:
    value = _fitting(column, row.get(column, "").strip(), FIELD_LENGTHS["url"])
    if value and not is_web_url(value):
        raise RowError(column, f"'{value}' is not a web address (https://…)")
    return value


class Lookups:
    """What validation needs from the store, read once per batch: clusters and organisations."""

    def __init__(self, clusters: list[Cluster], organisations: list[Organisation]) -> None:
        self.clusters = {fold(c.name): c for c in clusters}
        self.organisations = {(o.name.lower(), o.cluster_id): o for o in organisations}

    def cluster(self, row: Row) -> Cluster | None:
        name = _text(row, "cluster")
        if not name:
            return None
        cluster = self.clusters.get(fold(name))
        if cluster is None:
            raise RowError("cluster", f"unknown cluster '{name}'")
        return cluster


def member_values(row: Row, lookups: Lookups, default_timezone: str) -> dict[str, Any]:
    """The member fields a row sets (only for the columns it has), plus its organisation."""
    values: dict[str, Any] = {"name": _required(row, "name", 200)}
    email = _required(row, "email").lower()
    if not EMAIL.match(email):
        raise RowError("email", f"'{row['email']}' is not an e-mail address")
    values["email"] = email
    cluster = lookups.cluster(row) if "cluster" in row else None
    if "cluster" in row:
        values["cluster_id"] = cluster.id if cluster else None
    for column in ("role", "bio", "offers", "seeks"):
        if column in row:
            values[column] = _text(row, column, 200 if column == "role" else 2000)
    for column in ("tags", "languages"):
        if column in row:
            values[column] = clean_tags(row[column])[:MAX_TAGS]
    zone_of_cluster = home_zone(cluster.country, cluster.region) if cluster else None
    if _text(row, "timezone") or ("timezone" in row and not zone_of_cluster):
        values["timezone"] = _zone(row, "timezone", default_timezone)
    elif zone_of_cluster:
        values["timezone"] = zone_of_cluster  # where their cluster is, as onboarding suggests
    for column in ("listed", "share_contact"):
        if column in row:
            values[column] = _yes_no(row, column)
    if "organisation_kind" in row:
        values["organisation_kind"] = _choice(row, "organisation_kind", ORGANISATION_KINDS, "sme")
    if "organisation" in row:
        name = _text(row, "organisation", 200)
        values["organisation"] = (name, cluster) if name else None
    return values


def event_values(row: Row, lookups: Lookups, default_timezone: str) -> dict[str, Any]:
    given_zone = _text(row, "timezone")
    zone = _zone(row, "timezone", default_timezone) if given_zone else None
    starts = _moment(row, "start", zone)
    ends = _moment(row, "end", zone) if _text(row, "end") else starts + DEFAULT_EVENT_LENGTH
    if ends <= starts:
        raise RowError("end", "the event ends before it starts")
    values: dict[str, Any] = {
        "external_id": _required(row, "id"),
        "title": _required(row, "title", FIELD_LENGTHS["title"]),
        "starts_at": starts,
        "ends_at": ends,
        "timezone": zone or default_timezone,
    }
    if "capacity" in row:
        values["capacity"] = _capacity(row)
    optional: dict[str, Callable[[], Any]] = {
        "kind": lambda: _choice(row, "kind", EVENT_KINDS, "meeting"),
        "place": lambda: _text(row, "place", FIELD_LENGTHS["place"]),
        "url": lambda: _url(row, "url"),
        "description": lambda: _text(row, "description", FIELD_LENGTHS["description"]),
        "cluster": lambda: c.id if (c := lookups.cluster(row)) else None,
        "tags": lambda: clean_tags(row["tags"])[:MAX_TAGS],
        "cancelled": lambda: _yes_no(row, "cancelled"),
    }
    names = {"url": "online_url", "cluster": "cluster_id"}
    values.update({names.get(col, col): read() for col, read in optional.items() if col in row})
    return values


def _capacity(row: Row) -> int | None:
    raw = _text(row, "capacity")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise RowError("capacity", f"'{raw}' is not a positive whole number")
    return int(raw)


def opportunity_values(row: Row, lookups: Lookups, default_timezone: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "external_id": _required(row, "id"),
        "kind": _choice(row, "kind", OPPORTUNITY_KINDS, ""),
        "title": _required(row, "title", FIELD_LENGTHS["title"]),
    }
    zone = _zone(row, "timezone", default_timezone)
    optional: dict[str, Callable[[], Any]] = {
        "description": lambda: _text(row, "description", FIELD_LENGTHS["description"]),
        "tags": lambda: clean_tags(row["tags"])[:MAX_TAGS],
        "deadline": lambda: (
            _moment(row, "deadline", zone, end_of_day=True) if _text(row, "deadline") else None
        ),
        "region": lambda: _text(row, "region", FIELD_LENGTHS["region"]),
        "url": lambda: _url(row, "url"),
        "cluster": lambda: c.id if (c := lookups.cluster(row)) else None,
        "status": lambda: _choice(row, "status", ("open", "closed"), "open"),
    }
    values.update(
        {("cluster_id" if col == "cluster" else col): read() for col, read in optional.items() if col in row}
    )
    return values


VALIDATORS = {"members": member_values, "events": event_values, "opportunities": opportunity_values}


class Importer:
    """One import run: rows come in batches, each written in the transaction the caller gives.

    The run remembers the key of every row it has seen, so a key repeated further down the file
    is reported instead of silently overwriting the first row.
    """

    def __init__(self, kind: Kind, now: datetime, default_timezone: str) -> None:
        self.kind, self.now, self.default_timezone = kind, now, default_timezone
        self.outcome = Outcome()
        self._first_line: dict[str, int] = {}

    async def take(self, session: AsyncSession, rows: Sequence[tuple[int, Row]]) -> None:
        lookups = Lookups(
            list((await session.scalars(select(Cluster))).all()),
            list((await session.scalars(select(Organisation))).all()),
        )
        key_column = "email" if self.kind == "members" else "id"
        valid: list[tuple[int, dict[str, Any]]] = []
        for line, row in rows:
            try:
                values = VALIDATORS[self.kind](row, lookups, self.default_timezone)
                key = values["email" if self.kind == "members" else "external_id"]
                if key in self._first_line:
                    raise RowError(key_column, f"'{key}' is already on line {self._first_line[key]}")
                self._first_line[key] = line
                valid.append((line, values))
            except RowError as error:
                self.outcome.rejected.append(Rejection(line, error.column, error.reason))
        if self.kind == "members":
            await self._members(session, valid, lookups)
        else:
            await self._listings(session, valid)
        self.outcome.rejected.sort(key=lambda rejection: rejection.line)

    def _update(self, record: Any, values: dict[str, Any]) -> None:
        """Set what differs; `updated_at` moves only when something did."""
        changed = False
        for name, value in values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            record.updated_at = self.now
            self.outcome.updated += 1
        else:
            self.outcome.unchanged += 1

    async def _members(
        self, session: AsyncSession, valid: list[tuple[int, dict[str, Any]]], lookups: Lookups
    ) -> None:
        emails = [values["email"] for _, values in valid]
        found = await session.scalars(select(Member).where(func.lower(Member.email).in_(emails)))
        existing = {member.email.lower(): member for member in found.all()}
        touched: list[Member] = []
        for _line, values in valid:
            kind = values.pop("organisation_kind", None)
            if "organisation" in values:
                named: tuple[str, Cluster | None] | None = values.pop("organisation")
                values["organisation_id"] = (
                    (await self._organisation(session, lookups, *named, kind)).id if named else None
                )
            member = existing.get(values["email"])
            if member is None:
                member = Member(
                    created_at=self.now,
                    updated_at=self.now,
                    imported_values=values,
                    **self._new_member(values),
                )
                session.add(member)
                self.outcome.created += 1
            else:
                if member.onboarded:
                    # Consent is the member's own once they have joined; a list never overrides it.
                    values.pop("listed", None)
                    values.pop("share_contact", None)
                self._update(member, self._still_imported(member, values))
            touched.append(member)
        await session.flush()
        await self._invite(session, touched)

    def _still_imported(self, member: Member, values: dict[str, Any]) -> dict[str, Any]:
        """The values to write: those whose field still holds what the last import set.

        A field the member (or anyone but an import) changed since is kept and counted. A field
        no import ever set counts as imported while it is empty, or while the member has not
        joined (nobody else could have written it).
        """
        last = member.imported_values or {}
        writable: dict[str, Any] = {}
        for name, value in values.items():
            current = getattr(member, name)
            if name in last:
                owned_by_import = current == last[name]
            else:
                owned_by_import = not member.onboarded or current in (None, "", [])
            if owned_by_import or current == value:
                writable[name] = value
            else:
                self.outcome.kept += 1
        if last != values:
            member.imported_values = values
        return writable

    def _new_member(self, values: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "tags": [],
            "languages": [],
            "reminder_offsets": ["24h", "1h"],
            "timezone": self.default_timezone,
            "listed": False,
            "share_contact": False,
        }
        return fields | values

    async def _organisation(
        self, session: AsyncSession, lookups: Lookups, name: str, cluster: Cluster | None, kind: str | None
    ) -> Organisation:
        cluster_id = cluster.id if cluster else None
        organisation = lookups.organisations.get((name.lower(), cluster_id))
        if organisation is None:
            organisation = Organisation(
                name=name,
                kind=kind or "sme",
                cluster_id=cluster_id,
                country=cluster.country if cluster else "",
                region=cluster.region if cluster else "",
                website="",
            )
            session.add(organisation)
            await session.flush()
            lookups.organisations[(name.lower(), cluster_id)] = organisation
        elif kind is not None and organisation.kind != kind:
            organisation.kind = kind
        return organisation

    async def _invite(self, session: AsyncSession, members: list[Member]) -> None:
        """An unused invitation for every member of the file who has not joined yet (kept across runs)."""
        ids = [member.id for member in members]
        joined = set(
            (await session.scalars(select(Identity.member_id).where(Identity.member_id.in_(ids)))).all()
        )
        pending = {
            invitation.member_id: invitation
            for invitation in (
                await session.scalars(
                    select(Invitation).where(Invitation.member_id.in_(ids), Invitation.used_at.is_(None))
                )
            ).all()
        }
        for member in members:
            if member.id in joined:
                continue
            invitation = pending.get(member.id)
            if invitation is None:
                invitation = Invitation(
                    member_id=member.id, token=secrets.token_urlsafe(32), created_at=self.now
                )
                session.add(invitation)
                pending[member.id] = invitation
            self.outcome.invitations.append(
                InvitationLink(member.id, member.name, member.email, invitation.token)
            )
        await session.flush()

    async def _listings(self, session: AsyncSession, valid: list[tuple[int, dict[str, Any]]]) -> None:
        """Events or opportunities by external id; a new opportunity must still be open to answer."""
        model: Any = Event if self.kind == "events" else Opportunity
        keys = [values["external_id"] for _, values in valid]
        found = await session.scalars(select(model).where(model.external_id.in_(keys)))
        existing = {record.external_id: record for record in found.all()}
        ours = await self._own_events(session, keys) if self.kind == "events" else {}
        for line, values in valid:
            record = existing.get(values["external_id"])
            if record is None and values["external_id"] in ours:
                # Our own .ics coming back: the event it was exported from, which keeps its own id.
                record = ours[values.pop("external_id")]
            deadline = values.get("deadline")
            if record is not None:
                self._update(record, values)
            elif deadline is not None and deadline <= self.now:
                self.outcome.rejected.append(Rejection(line, "deadline", "has passed (new ones only)"))
            else:
                session.add(model(created_at=self.now, updated_at=self.now, **values))
                self.outcome.created += 1
        await session.flush()

    async def _own_events(self, session: AsyncSession, uids: list[str]) -> dict[str, Event]:
        """Events named by the UIDs our calendar files carry (`event-12@clusterbot`), by UID."""
        numbers = {number: uid for uid in uids if (number := own_event_id(uid)) is not None}
        found = await session.scalars(select(Event).where(Event.id.in_(list(numbers))))
        return {numbers[event.id]: event for event in found.all()}
