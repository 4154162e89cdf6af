"""Chat places: group chats and channels linked to a cluster, where its announcements are posted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Cluster, Place
from store.outbox import Outbox


def place_cause(announcement_id: int) -> str:
    return f"announce:{announcement_id}:place"


class Places:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, platform: str, team_id: str, chat_id: str) -> Place | None:
        return await self.session.scalar(
            select(Place).where(
                Place.platform == platform, Place.team_id == team_id, Place.chat_id == chat_id
            )
        )

    async def link(
        self, platform: str, team_id: str, chat_id: str, title: str, cluster: Cluster, by: int, now: datetime
    ) -> Place:
        """Link the chat to `cluster`; a chat linked before moves to the new cluster."""
        place = await self.find(platform, team_id, chat_id)
        if place is None:
            place = Place(platform=platform, team_id=team_id, chat_id=chat_id)
            self.session.add(place)
        place.title, place.cluster_id, place.linked_by_id, place.linked_at = title[:200], cluster.id, by, now
        await self.session.flush()
        return place

    async def unlink(self, place: Place) -> None:
        await self.session.execute(delete(Place).where(Place.id == place.id))

    async def listed(self, cluster_id: int | None) -> list[tuple[Place, str]]:
        """Linked places with their cluster's name, of one cluster or of all (None)."""
        query = select(Place, Cluster.name).join(Cluster, Cluster.id == Place.cluster_id)
        if cluster_id is not None:
            query = query.where(Place.cluster_id == cluster_id)
        rows = await self.session.execute(query.order_by(Cluster.name, Place.id))
        return [(place, name) for place, name in rows.all()]

    async def of_clusters(self, cluster_ids: list[int] | None) -> list[Place]:
        """The places of these clusters (None: every linked place)."""
        query = select(Place).order_by(Place.id)
        if cluster_ids is not None:
            query = query.where(Place.cluster_id.in_(cluster_ids))
        return list((await self.session.scalars(query)).all())

    async def enqueue(
        self, places: list[Place], cause: str, payload_for: Callable[[Place], dict[str, Any]], now: datetime
    ) -> None:
        """One outbox row per place for `cause`; a (place, cause) already queued is left as it is."""
        if not places:
            return
        rows = [
            {
                "place_id": place.id,
                "cause": cause,
                "payload": payload_for(place),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for place in places
        ]
        await Outbox(self.session).insert_new(rows, ("place_id", "cause"))

    async def by_ids(self, place_ids: list[int]) -> dict[int, Place]:
        if not place_ids:
            return {}
        return {p.id: p for p in (await self.session.scalars(select(Place).where(Place.id.in_(place_ids))))}
