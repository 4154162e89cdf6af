"""Coordinators' announcements: a draft with its recipient count, then queued to every recipient."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.chat_places import Places, place_cause
from store.models import Announcement, Cluster, Event, Place
from store.outbox import Outbox
from store.segments import segment_members


def announcement_cause(announcement_id: int) -> str:
    return f"announce:{announcement_id}"


class Announcements:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def draft(
        self, author_id: int | None, text: str, kind: str, value: str, now: datetime, places: str = ""
    ) -> Announcement:
        recipients = [] if places == "only" else await segment_members(self.session, kind, value)
        announcement = Announcement(
            author_id=author_id,
            text=text,
            segment_kind=kind,
            segment_value=value,
            status="draft",
            recipients=len(recipients),
            places=places,
            created_at=now,
        )
        self.session.add(announcement)
        await self.session.flush()
        return announcement

    async def places_of(self, announcement: Announcement) -> list[Place]:
        """The linked places an announcement is posted in: those of its segment's cluster (an
        event's cluster), or every place for `everyone`."""
        if not announcement.places:
            return []
        places = Places(self.session)
        if announcement.segment_kind == "everyone":
            return await places.of_clusters(None)
        if announcement.segment_kind == "event":
            event = await self.session.get(Event, int(announcement.segment_value))
            return await places.of_clusters([event.cluster_id] if event and event.cluster_id else [])
        cluster = await self.session.scalar(select(Cluster).where(Cluster.name == announcement.segment_value))
        return await places.of_clusters([cluster.id] if cluster else [])

    async def get(self, announcement_id: int) -> Announcement | None:
        return await self.session.get(Announcement, announcement_id)

    async def discard(self, announcement: Announcement) -> None:
        """A draft the coordinator dropped: kept for the audit trail, never sent."""
        announcement.status = "discarded"
        await self.session.flush()

    async def send(
        self,
        announcement: Announcement,
        payload_for: Callable[[str | None], dict[str, Any]],
        now: datetime,
    ) -> int:
        """Queue it for the segment as it is now; the outbox makes a second confirm a no-op.

        `payload_for` gets each recipient's stored language: the text is the coordinator's, but
        the frame around it is in the reader's language.
        """
        recipients = []
        if announcement.places != "only":
            recipients = await segment_members(
                self.session, announcement.segment_kind, announcement.segment_value
            )
        await Outbox(self.session).enqueue_translated(
            recipients, announcement_cause(announcement.id), payload_for, now
        )
        # A place reads it in the default language: a group has no one language.
        await Places(self.session).enqueue(
            await self.places_of(announcement), place_cause(announcement.id), lambda _: payload_for(None), now
        )
        announcement.status, announcement.sent_at, announcement.recipients = "sent", now, len(recipients)
        await self.session.flush()
        return len(recipients)
