"""Who is in a segment (everyone, a cluster, region, country, sector, interest, an event's attendees).

Lists (tags, sectors) are filtered in Python: JSON containment differs between SQLite and
PostgreSQL, and a segment is at most the size of the network, read once per announcement.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Member, Organisation, Rsvp
from store.text import fold

SEGMENT_KINDS = ("everyone", "cluster", "region", "country", "sector", "tag", "event")


async def segment_members(session: AsyncSession, kind: str, value: str) -> list[int]:
    """Member ids in the segment, in id order; `value` is matched ignoring case and accents."""
    if kind == "event":
        rows = await session.scalars(
            select(Rsvp.member_id)
            .where(Rsvp.event_id == int(value), Rsvp.status.in_(("going", "waitlisted")))
            .order_by(Rsvp.member_id)
        )
        return list(rows.all())
    query = (
        select(
            Member.id,
            Member.tags,
            Cluster.name,
            Cluster.sectors,
            Cluster.region,
            Cluster.country,
            Organisation.region,
            Organisation.country,
        )
        .outerjoin(Organisation, Organisation.id == Member.organisation_id)
        .outerjoin(Cluster, Cluster.id == Member.cluster_id)
        .order_by(Member.id)
    )
    wanted = fold(value).strip()
    chosen: list[int] = []
    for member_id, tags, cluster, sectors, cl_region, cl_country, org_region, org_country in (
        await session.execute(query)
    ).all():
        candidates: list[str] = {
            "everyone": [""],
            "cluster": [cluster or ""],
            "region": [org_region or cl_region or ""],
            "country": [org_country or cl_country or ""],
            "sector": list(sectors or []),
            "tag": list(tags or []),
        }[kind]
        if kind == "everyone" or any(fold(candidate) == wanted for candidate in candidates):
            chosen.append(member_id)
    return chosen
