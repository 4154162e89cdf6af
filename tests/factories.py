"""Rows for tests, written through the store the way the application writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update

from store.db import Database
from store.models import Cluster, Event, Identity, Member, Opportunity, OutboxMessage
from store.repository import Store


async def add_cluster(db: Database, name: str, region: str, country: str, sectors: list[str]) -> int:
    async with db.transaction() as session:
        cluster = Cluster(name=name, region=region, country=country, sectors=sectors)
        session.add(cluster)
        await session.flush()
        return cluster.id


async def add_member(
    db: Database,
    now: datetime,
    name: str,
    *,
    cluster_id: int | None = None,
    organisation: str = "",
    handle: str | None = None,
    **fields: Any,
) -> int:
    """A member (listed and onboarded unless told otherwise), with a console identity if `handle`."""
    async with db.transaction() as session:
        store = Store(session)
        organisation_id = None
        if organisation:
            cluster = await store.people.get_cluster(cluster_id) if cluster_id else None
            organisation_id = (await store.people.organisation_for(organisation, cluster)).id
        values: dict[str, Any] = {"listed": True, "onboarded": True, "tags": [], "languages": []}
        values.update(fields)
        member = Member(
            name=name,
            cluster_id=cluster_id,
            organisation_id=organisation_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(member)
        await session.flush()
        if handle:
            session.add(
                Identity(
                    member_id=member.id, platform="console", user_id=handle, chat_id=handle, created_at=now
                )
            )
        return member.id


async def add_reachable_member(db: Database, now: datetime, platform: str, user_id: str, chat_id: str) -> int:
    """A member with one identity on `platform`, as after their first message to the bot there."""
    member_id = await add_member(db, now, f"Member {platform} {user_id}")
    async with db.transaction() as session:
        session.add(
            Identity(member_id=member_id, platform=platform, user_id=user_id, chat_id=chat_id, created_at=now)
        )
    return member_id


async def add_event(db: Database, now: datetime, title: str, *, starts_in: timedelta, **fields: Any) -> int:
    values: dict[str, Any] = {"kind": "meeting", "timezone": "Europe/Madrid", "tags": []}
    values.update(fields)
    duration = values.pop("duration", timedelta(hours=2))
    async with db.transaction() as session:
        event = Event(
            title=title,
            starts_at=now + starts_in,
            ends_at=now + starts_in + duration,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(event)
        await session.flush()
        return event.id


async def add_opportunity(db: Database, now: datetime, title: str, **fields: Any) -> int:
    values: dict[str, Any] = {"kind": "partner_search", "tags": [], "status": "open"}
    values.update(fields)
    async with db.transaction() as session:
        opportunity = Opportunity(title=title, created_at=now, updated_at=now, **values)
        session.add(opportunity)
        await session.flush()
        return opportunity.id


async def make_coordinator(db: Database, handle: str) -> None:
    """Give coordinator rights to the person who chats as `handle` (they must have written once)."""
    async with db.transaction() as session:
        await session.execute(
            update(Member)
            .where(
                Member.id == select(Identity.member_id).where(Identity.user_id == handle).scalar_subquery()
            )
            .values(is_coordinator=True)
        )


async def add_telegram_members(db: Database, count: int, first_chat_id: int) -> list[int]:
    """`count` members reachable on Telegram in chats first_chat_id, first_chat_id + 1, … (bulk)."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        members = [
            Member(name=f"Member {n}", created_at=now, updated_at=now, tags=[], languages=[])
            for n in range(count)
        ]
        session.add_all(members)
        await session.flush()
        session.add_all(
            Identity(
                member_id=member.id,
                platform="telegram",
                user_id=str(first_chat_id + n),
                chat_id=str(first_chat_id + n),
                created_at=now,
            )
            for n, member in enumerate(members)
        )
    return [member.id for member in members]


class Queued(NamedTuple):
    """One outbox message as its recipient would read it."""

    member_id: int
    cause: str
    text: str
    # (label, payload) of every button, row after row.
    buttons: list[tuple[str, str]]


async def queued_messages(db: Database, member: int | None = None) -> list[Queued]:
    """Every outbox message (or only `member`'s), oldest first. Tests read the outbox only through
    this, so the payload's stored shape is known in one place."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if member is not None:
        query = query.where(OutboxMessage.member_id == member)
    async with db.transaction() as session:
        rows = await session.scalars(query)
        return [
            Queued(
                row.member_id,
                row.cause,
                "".join(span[0] for span in row.payload["spans"]),
                [(label, payload) for line in row.payload["buttons"] for label, payload in line],
            )
            for row in rows
        ]


# A link stored before links were checked: a line break in it once broke every calendar file.
BAD_LINK = "https://example.org/\r\nX-INJECTED:1"


async def add_event_with_bad_link(db: Database, now: datetime, title: str) -> int:
    """An event in five days whose stored link is BAD_LINK, written past today's checks."""
    event_id = await add_event(db, now, title, starts_in=timedelta(days=5))
    async with db.transaction() as session:
        await session.execute(update(Event).where(Event.id == event_id).values(online_url=BAD_LINK))
    return event_id
