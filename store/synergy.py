"""What the synergy matcher and the weekly digest read and write.

Profiles and opportunities are read as plain tuples in one query each (no ORM objects: a full scan
reads 20,000 members), and what was already suggested is read from the introductions table and the
outbox, so that a pair is never suggested twice whatever process or run found it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import dialect_insert
from store.models import Cluster, Event, Introduction, Member, Opportunity, Organisation, OutboxMessage

ALERT_CAUSE = "synergy:"
ALERT_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Profile:
    """What the matcher knows of a member; `suggestible` is listed and not opted out."""

    id: int
    name: str
    organisation: str = ""
    country: str = ""
    region: str = ""
    cluster_id: int | None = None
    sector: str = ""
    offers: str = ""
    seeks: str = ""
    tags: tuple[str, ...] = ()
    alerts: bool = True
    suggestible: bool = True


@dataclass(frozen=True, slots=True)
class OpportunityProfile:
    id: int
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    country: str = ""
    region: str = ""
    cluster_id: int | None = None
    sector: str = ""
    posted_by: int | None = None


class Synergy:
    """The matcher's and the digest's reads and writes, over one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profiles(self, member_ids: list[int] | None = None) -> list[Profile]:
        """Every member as the matcher sees them (or only `member_ids`)."""
        query = (
            select(
                Member.id,
                Member.name,
                Organisation.name.label("organisation"),
                func.coalesce(func.nullif(Organisation.country, ""), Cluster.country, "").label("country"),
                func.coalesce(func.nullif(Organisation.region, ""), Cluster.region, "").label("region"),
                Member.cluster_id,
                Cluster.sectors,
                Member.offers,
                Member.seeks,
                Member.tags,
                Member.muted,
                Member.listed,
                Member.suggestible,
            )
            .outerjoin(Organisation, Organisation.id == Member.organisation_id)
            .outerjoin(Cluster, Cluster.id == Member.cluster_id)
            .order_by(Member.id)
        )
        if member_ids is not None:
            query = query.where(Member.id.in_(member_ids))
        return [
            Profile(
                id=row.id,
                name=row.name,
                organisation=row.organisation or "",
                country=row.country or "",
                region=row.region or "",
                cluster_id=row.cluster_id,
                sector=(row.sectors or [""])[0],
                offers=row.offers,
                seeks=row.seeks,
                tags=tuple(row.tags or ()),
                alerts=not row.muted,
                suggestible=bool(row.listed and row.suggestible),
            )
            for row in await self.session.execute(query)
        ]

    async def open_opportunities(
        self, now: datetime, *, created_since: datetime | None = None
    ) -> list[OpportunityProfile]:
        """Open opportunities whose deadline has not passed (only the newer ones if asked)."""
        query = (
            select(
                Opportunity.id,
                Opportunity.title,
                Opportunity.description,
                Opportunity.tags,
                Cluster.country,
                func.coalesce(func.nullif(Opportunity.region, ""), Cluster.region, ""),
                Opportunity.cluster_id,
                Cluster.sectors,
                Opportunity.posted_by,
            )
            .outerjoin(Cluster, Cluster.id == Opportunity.cluster_id)
            .where(
                Opportunity.status == "open",
                Opportunity.deadline.is_(None) | (Opportunity.deadline >= now),
            )
            .order_by(Opportunity.id)
        )
        if created_since is not None:
            query = query.where(Opportunity.created_at >= created_since)
        rows = await self.session.execute(query)
        return [
            OpportunityProfile(
                id=oid,
                title=title,
                description=description,
                tags=tuple(tags or ()),
                country=country or "",
                region=region or "",
                cluster_id=cluster_id,
                sector=(sectors or [""])[0],
                posted_by=posted_by,
            )
            for oid, title, description, tags, country, region, cluster_id, sectors, posted_by in rows
        ]

    async def known_pairs(self) -> set[tuple[int, int]]:
        """Member pairs already suggested, requested or introduced (in the order they were written)."""
        rows = await self.session.execute(select(Introduction.requester_id, Introduction.target_id))
        return {(a, b) for a, b in rows}

    async def alerted_opportunities(self) -> set[tuple[int, int]]:
        """(member, opportunity) pairs a member has already been alerted about."""
        rows = await self.session.execute(
            select(OutboxMessage.member_id, OutboxMessage.cause).where(
                OutboxMessage.cause.like("synergy:m%:o%")
            )
        )
        return {
            (member_id, int(cause.rsplit(":o", 1)[1])) for member_id, cause in rows if member_id is not None
        }

    async def alerts_since(self, since: datetime) -> dict[int, int]:
        """How many synergy alerts each member was sent from `since` on (the weekly cap counts them)."""
        rows = await self.session.execute(
            select(OutboxMessage.member_id, func.count())
            .where(OutboxMessage.cause.like(f"{ALERT_CAUSE}%"), OutboxMessage.created_at >= since)
            .group_by(OutboxMessage.member_id)
        )
        return {member_id: int(count) for member_id, count in rows if member_id is not None}

    async def record_suggestions(self, suggestions: list[tuple[int, int, str, float]], now: datetime) -> None:
        """Write (requester, target, reason, score) as `suggested` introductions; known pairs stay."""
        if not suggestions:
            return
        insert = dialect_insert(self.session)
        rows = [
            {
                "requester_id": requester,
                "target_id": target,
                "reason": reason,
                "score": score,
                "status": "suggested",
                "created_at": now,
            }
            for requester, target, reason, score in suggestions
        ]
        await self.session.execute(
            insert(Introduction).on_conflict_do_nothing(index_elements=["requester_id", "target_id"]), rows
        )

    async def changed_members(self, since: datetime) -> list[int]:
        rows = await self.session.scalars(select(Member.id).where(Member.updated_at >= since))
        return list(rows)

    async def member_zones(self) -> list[str]:
        return list(await self.session.scalars(select(Member.timezone).distinct()))

    async def members_in_zones(self, zones: list[str]) -> list[tuple[int, bool, str | None]]:
        """(member id, muted, language) of the members living in those zones."""
        rows = await self.session.execute(
            select(Member.id, Member.muted, Member.language)
            .where(Member.timezone.in_(zones))
            .order_by(Member.id)
        )
        return [(member_id, bool(muted), language) for member_id, muted, language in rows]

    async def new_events(self, since: datetime, now: datetime, *, limit: int = 8) -> list[Event]:
        """Events announced from `since` on that have not started yet, soonest first."""
        rows = await self.session.scalars(
            select(Event)
            .where(Event.created_at >= since, Event.starts_at > now, Event.cancelled.is_(False))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
        return list(rows)

    async def unsent_suggestions(
        self, member_ids: list[int], since: datetime
    ) -> dict[int, list[Introduction]]:
        """Suggestions made from `since` on that did not go out as alerts (over the weekly cap)."""
        if not member_ids:
            return {}
        rows = await self.session.scalars(
            select(Introduction)
            .where(
                Introduction.requester_id.in_(member_ids),
                Introduction.status == "suggested",
                Introduction.created_at >= since,
            )
            .order_by(Introduction.score.desc(), Introduction.id)
        )
        alerted = await self.session.execute(
            select(OutboxMessage.member_id, OutboxMessage.cause).where(
                OutboxMessage.member_id.in_(member_ids), OutboxMessage.cause.like("synergy:m%:m%")
            )
        )
        sent = set(alerted.all())
        found: dict[int, list[Introduction]] = {}
        for intro in rows:
            if (intro.requester_id, f"synergy:m{intro.requester_id}:m{intro.target_id}") not in sent:
                found.setdefault(intro.requester_id, []).append(intro)
        return found
