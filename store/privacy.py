"""What we hold about one member: the export they may ask for, the erasure, their calendar feed secret.

Erasure keeps the member row (events and opportunities they posted still point at it) but leaves
nothing in it that names them, deletes every row that exists only because of them (and their
organisation when nobody else is in it), and scrubs their name and contacts out of the texts other
rows kept (messages to others, stored button payloads, the audit log). Once it has committed, the
database files are purged of the old bytes (`store.purge`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.events import Events
from store.models import (
    AuditEntry,
    ButtonPayload,
    Cluster,
    Conversation,
    Event,
    Follow,
    Identity,
    Introduction,
    Invitation,
    LinkCode,
    Member,
    Opportunity,
    Organisation,
    OutboxMessage,
    Rsvp,
)
from store.purge import owe_purge

FORMER_MEMBER = "former member"
PROFILE_FIELDS = ("name", "role", "bio", "offers", "seeks", "tags", "languages", "email", "language")
SETTING_FIELDS = ("timezone", "listed", "share_contact", "suggestible", "muted", "preferred_platform")
# Erased texts shorter than this are not scrubbed from other rows: "Al" would eat half the words.
SCRUB_MIN_LENGTH = 3
# Tables whose rows held an erased member's personal text: their old bytes are purged after an erasure.
PERSONAL_TABLES = tuple(
    model.__tablename__
    for model in (
        Member,
        Identity,
        Conversation,
        OutboxMessage,
        Introduction,
        AuditEntry,
        Organisation,
        ButtonPayload,
    )
)
# A feed shows the events still to come and those of the last weeks, as calendar apps expect.
FEED_PAST = timedelta(days=30)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class Privacy:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def export(self, member: Member) -> dict[str, Any]:
        """Everything held about `member`, as JSON-safe values, for the `mydata` file."""
        return {
            "profile": await self._profile(member),
            "identities": [
                {
                    "platform": i.platform,
                    "user_id": i.user_id,
                    "username": i.username,
                    "created": _iso(i.created_at),
                }
                for i in await self._rows(select(Identity).where(Identity.member_id == member.id))
            ],
            "rsvps": await self._rsvps(member.id),
            "follows": await self._follows(member.id),
            "introductions": await self._introductions(member.id),
            "messages": [
                {"cause": m.cause, "status": m.status, "created": _iso(m.created_at), "sent": _iso(m.sent_at)}
                for m in await self._rows(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
            ],
            "link_codes": await self._count(LinkCode, LinkCode.member_id == member.id),
            "invitations": await self._count(Invitation, Invitation.member_id == member.id),
            "audit": [
                {"action": a.action, "detail": a.detail, "segment": a.segment, "at": _iso(a.created_at)}
                for a in await self._rows(select(AuditEntry).where(AuditEntry.actor_id == member.id))
            ],
            "posted": await self._posted(member.id),
        }

    async def _profile(self, member: Member) -> dict[str, Any]:
        organisation = await self.session.get(Organisation, member.organisation_id or 0)
        cluster = await self.session.get(Cluster, member.cluster_id or 0)
        profile = {field: getattr(member, field) for field in (*PROFILE_FIELDS, *SETTING_FIELDS)}
        profile.update(
            id=member.id,
            organisation=organisation.name if organisation else None,
            cluster=cluster.name if cluster else None,
            coordinator=member.is_coordinator,
            reminder_offsets=member.reminder_offsets,
            calendar_feed=member.calendar_token is not None,
            imported_values=member.imported_values,
            created=_iso(member.created_at),
            updated=_iso(member.updated_at),
        )
        return profile

    async def _rsvps(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(Rsvp, Event.title, Event.starts_at)
            .join(Event, Event.id == Rsvp.event_id)
            .where(Rsvp.member_id == member_id)
            .order_by(Event.starts_at)
        )
        return [
            {"event": r.event_id, "title": title, "starts": _iso(starts), "status": r.status}
            for r, title, starts in rows.all()
        ]

    async def _follows(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            select(Follow, Opportunity.title)
            .join(Opportunity, Opportunity.id == Follow.opportunity_id)
            .where(Follow.member_id == member_id)
        )
        return [
            {"opportunity": f.opportunity_id, "title": title, "since": _iso(f.created_at)}
            for f, title in rows.all()
        ]

    async def _introductions(self, member_id: int) -> list[dict[str, Any]]:
        other = aliased(Member)
        rows = await self.session.execute(
            select(Introduction, other.id, other.name)
            .join(
                other,
                or_(
                    (Introduction.requester_id == member_id) & (other.id == Introduction.target_id),
                    (Introduction.target_id == member_id) & (other.id == Introduction.requester_id),
                ),
            )
            .order_by(Introduction.id)
        )
        return [
            {
                "role": "requester" if i.requester_id == member_id else "target",
                "other_member": {"id": other_id, "name": other_name},
                "status": i.status,
                "reason": i.reason,
                "note": i.note,
                "created": _iso(i.created_at),
                "decided": _iso(i.decided_at),
            }
            for i, other_id, other_name in rows.all()
        ]

    async def _posted(self, member_id: int) -> dict[str, list[dict[str, Any]]]:
        events = await self._rows(select(Event).where(Event.created_by == member_id))
        offers = await self._rows(select(Opportunity).where(Opportunity.posted_by == member_id))
        return {
            "events": [{"id": e.id, "title": e.title} for e in events],
            "opportunities": [{"id": o.id, "title": o.title} for o in offers],
        }

    async def _rows(self, query: Any) -> list[Any]:
        return list((await self.session.scalars(query)).all())

    async def _count(self, table: Any, condition: Any) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(table).where(condition)) or 0)

    async def erase(self, member: Member, now: datetime, redacted: dict[str, Any]) -> list[tuple[Event, int]]:
        """Forget `member`: after this nothing in the database names them, and their accounts are free.

        The next message from one of their platform accounts finds no identity and starts over as a
        new person. `redacted` is the payload that replaces sent messages to others that mentioned
        them. Places they held at coming events go to the waitlist, as on `notgoing`; the result
        says who got which event's place, so that they can be told.
        """
        promotions = await self._free_places(member.id, now)
        identities = await self._rows(select(Identity).where(Identity.member_id == member.id))
        personal = [
            text
            for text in {member.name, member.email, *(i.user_id for i in identities)}
            | {i.display_name for i in identities}
            | {i.username for i in identities}
            if len(text) >= SCRUB_MIN_LENGTH
        ]
        for identity in identities:
            await self.session.execute(
                delete(Conversation).where(
                    Conversation.platform == identity.platform, Conversation.user_id == identity.user_id
                )
            )
        for table, column in (
            (Identity, Identity.member_id),
            (OutboxMessage, OutboxMessage.member_id),
            (Rsvp, Rsvp.member_id),
            (Follow, Follow.member_id),
            (LinkCode, LinkCode.member_id),
            (Invitation, Invitation.member_id),
        ):
            await self.session.execute(delete(table).where(column == member.id))
        await self.session.execute(
            delete(Introduction).where(
                or_(Introduction.requester_id == member.id, Introduction.target_id == member.id)
            )
        )
        await self._scrub_others(member, personal, redacted)
        organisation_id = member.organisation_id
        self._anonymise(member, now)
        self.session.add(
            AuditEntry(actor_id=member.id, actor_name=FORMER_MEMBER, action="erase", created_at=now)
        )
        await self.session.flush()
        await self._drop_if_empty(organisation_id)
        owe_purge(self.session, PERSONAL_TABLES)
        return promotions

    async def _drop_if_empty(self, organisation_id: int | None) -> None:
        """An organisation nobody belongs to any more goes with its last member: for a freelancer
        or a one-person firm its name is the person's own, and the directory lists only members."""
        if organisation_id is None or await self._count(Member, Member.organisation_id == organisation_id):
            return
        await self.session.execute(delete(Organisation).where(Organisation.id == organisation_id))

    async def _free_places(self, member_id: int, now: datetime) -> list[tuple[Event, int]]:
        attending = await self._rows(
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(Rsvp.member_id == member_id, Rsvp.status == "going", Event.ends_at > now)
        )
        promotions = []
        for event in attending:
            departure = await Events(self.session).leave(event, member_id, now)
            if departure.promoted_member_id is not None:
                promotions.append((event, departure.promoted_member_id))
        return promotions

    def _anonymise(self, member: Member, now: datetime) -> None:
        for field, value in {
            "name": FORMER_MEMBER,
            "role": "",
            "bio": "",
            "offers": "",
            "seeks": "",
            "email": "",
            "tags": [],
            "languages": [],
            "language": None,
            "organisation_id": None,
            "cluster_id": None,
            "listed": False,
            "share_contact": False,
            "suggestible": False,
            "muted": True,
            "onboarded": False,
            "is_coordinator": False,
            "coordinator_cluster_id": None,
            "preferred_platform": None,
            "calendar_token": None,
            "link_failures": 0,
            "link_locked_until": None,
            "last_seen_at": None,
            "retention_warned_at": None,
            "imported_values": None,
        }.items():
            setattr(member, field, value)
        member.updated_at = now

    async def _scrub_others(self, member: Member, names: list[str], redacted: dict[str, Any]) -> None:
        """Take the member out of what other rows kept about them.

        Audit entries keep what was done, with the member's names replaced. A stored button payload
        that names them (a search's "More results") is deleted. A message to someone
        else that mentions them (an introduction carries a name, a bio, an e-mail) is deleted if it
        has not gone out yet, and its stored copy replaced by `redacted` if it has.
        """
        await self.session.execute(
            update(AuditEntry).where(AuditEntry.actor_id == member.id).values(actor_name=FORMER_MEMBER)
        )
        for name in names:
            await self.session.execute(
                update(AuditEntry)
                .where(AuditEntry.detail.contains(name, autoescape=True))
                .values(detail=func.replace(AuditEntry.detail, name, FORMER_MEMBER))
            )
        for name in names:
            await self.session.execute(
                delete(ButtonPayload).where(ButtonPayload.payload.contains(name, autoescape=True))
            )
        texts = [
            *names,
            *(t for t in (member.bio, member.offers, member.seeks) if len(t) >= SCRUB_MIN_LENGTH),
        ]
        # JSON is stored with non-ASCII letters and newlines escaped, so look for that form too.
        forms = {form for text in texts for form in (text, json.dumps(text)[1:-1])}
        if not forms:
            return
        mentions = await self._rows(
            select(OutboxMessage).where(
                or_(*(cast(OutboxMessage.payload, String).contains(f, autoescape=True) for f in forms))
            )
        )
        for message in mentions:
            if message.status == "sent":
                message.payload = redacted
            else:
                await self.session.delete(message)


class Calendars:
    """The secret of a member's personal calendar feed, and the events the feed shows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def member_for(self, token: str) -> Member | None:
        return await self.session.scalar(select(Member).where(Member.calendar_token == token))

    async def going_events(self, member_id: int, now: datetime) -> list[Event]:
        """Events the member holds a place at, from a month ago on, soonest first."""
        query = (
            select(Event)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(Rsvp.member_id == member_id, Rsvp.status == "going", Event.ends_at > now - FEED_PAST)
            .order_by(Event.starts_at, Event.id)
        )
        return list((await self.session.scalars(query)).all())
