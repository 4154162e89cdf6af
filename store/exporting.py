"""What `clusterbot export` writes: rows of text, with the same column names the import reads.

The members export is the directory as members see it: only those who agreed to be listed, and
an e-mail address only for those who agreed to share their contact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Event, Member, Organisation, Rsvp

MEMBER_COLUMNS = [
    "name",
    "email",
    "organisation",
    "organisation_kind",
    "cluster",
    "role",
    "bio",
    "offers",
    "seeks",
    "tags",
    "languages",
]
EVENT_COLUMNS = [
    "id",
    "number",
    "title",
    "start",
    "end",
    "timezone",
    "kind",
    "place",
    "url",
    "description",
    "cluster",
    "capacity",
    "tags",
    "cancelled",
    "going",
    "waitlisted",
]
RSVP_COLUMNS = [
    "event_number",
    "event_id",
    "event_title",
    "event_start",
    "member",
    "email",
    "status",
    "answered",
]


def _local(moment: datetime, zone: str) -> str:
    """ISO time with the offset, in the zone the organiser gave, as people and spreadsheets read it."""
    try:
        return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")
    except (ZoneInfoNotFoundError, ValueError):
        return moment.isoformat(timespec="minutes")


class Exports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def members(self) -> list[list[str]]:
        query = (
            select(Member, Organisation, Cluster.name)
            .outerjoin(Organisation, Organisation.id == Member.organisation_id)
            .outerjoin(Cluster, Cluster.id == Member.cluster_id)
            .where(Member.listed.is_(True))
            .order_by(Member.id)
        )
        return [
            [
                member.name,
                member.email if member.share_contact else "",
                organisation.name if organisation else "",
                organisation.kind if organisation else "",
                cluster or "",
                member.role,
                member.bio,
                member.offers,
                member.seeks,
                ", ".join(member.tags),
                ", ".join(member.languages),
            ]
            for member, organisation, cluster in (await self.session.execute(query)).all()
        ]

    async def events(self) -> list[list[str]]:
        counts: dict[tuple[int, str], int] = {
            (event_id, status): count
            for event_id, status, count in (
                await self.session.execute(
                    select(Rsvp.event_id, Rsvp.status, func.count()).group_by(Rsvp.event_id, Rsvp.status)
                )
            ).all()
        }
        query = (
            select(Event, Cluster.name).outerjoin(Cluster, Cluster.id == Event.cluster_id).order_by(Event.id)
        )
        return [
            [
                event.external_id or "",
                str(event.id),
                event.title,
                _local(event.starts_at, event.timezone),
                _local(event.ends_at, event.timezone),
                event.timezone,
                event.kind,
                event.place,
                event.online_url,
                event.description,
                cluster or "",
                str(event.capacity or ""),
                ", ".join(event.tags),
                "yes" if event.cancelled else "no",
                str(counts.get((event.id, "going"), 0)),
                str(counts.get((event.id, "waitlisted"), 0)),
            ]
            for event, cluster in (await self.session.execute(query)).all()
        ]

    async def rsvps(self) -> list[list[str]]:
        """Who answered what: organisers need names for lists at the door, contacts only if shared."""
        query = (
            select(Rsvp, Event, Member)
            .join(Event, Event.id == Rsvp.event_id)
            .join(Member, Member.id == Rsvp.member_id)
            .order_by(Event.starts_at, Event.id, Rsvp.updated_at, Rsvp.id)
        )
        return [
            [
                str(event.id),
                event.external_id or "",
                event.title,
                _local(event.starts_at, event.timezone),
                member.name,
                member.email if member.share_contact else "",
                rsvp.status,
                rsvp.updated_at.isoformat(timespec="seconds"),
            ]
            for rsvp, event, member in (await self.session.execute(query)).all()
        ]


Reader = Callable[[Exports], Awaitable[list[list[str]]]]
EXPORTS: dict[str, tuple[list[str], Reader]] = {
    "members": (MEMBER_COLUMNS, Exports.members),
    "events": (EVENT_COLUMNS, Exports.events),
    "rsvps": (RSVP_COLUMNS, Exports.rsvps),
}
