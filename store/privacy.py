"""What we hold about one member: the export they may ask for and the erasure, table by table.

Erasure keeps the member row (events and opportunities they posted still point at it) but leaves
nothing in it that names them, deletes every row that exists only because of them (and their
organisation when nobody else is in it), and scrubs their name and contacts out of the texts other
rows kept (messages to others, stored button payloads, the audit log). Once it has committed, the
database files are purged of the old bytes (`store.purge`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.events import Events
from store.models import (
    Announcement,
    AuditEntry,
    Base,
    ButtonPayload,
    Cluster,
    Confirmation,
    Conversation,
    Event,
    Follow,
    Identity,
    Introduction,
    Invitation,
    LinkCode,
    Meeting,
    MeetingSeat,
    MeetingWish,
    Member,
    Opportunity,
    Organisation,
    OutboxMessage,
    Rsvp,
    ScheduleDraft,
)
from store.personal import NotPersonal, PersonalData
from store.purge import owe_purge

FORMER_MEMBER = "former member"
PROFILE_FIELDS = ("name", "role", "bio", "offers", "seeks", "tags", "languages", "email", "language")
SETTING_FIELDS = (
    "timezone",
    "listed",
    "share_contact",
    "suggestible",
    "muted",
    "preferred_platform",
    "meeting_reminder",
)
# Erased texts shorter than this are not scrubbed from other rows: "Al" would eat half the words.
SCRUB_MIN_LENGTH = 3


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class Privacy:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def export(self, member: Member) -> dict[str, Any]:
        """Everything held about `member`, as JSON-safe values, for the `mydata` file."""
        exported: dict[str, Any] = {}
        for personal in ALL_PERSONAL.values():
            if personal.export is not None:
                section, _, part = personal.section.partition(".")
                value = await personal.export(self, member)
                if part:
                    exported.setdefault(section, {})[part] = value
                else:
                    exported[section] = value
        return exported

    async def _identities(self, member: Member) -> list[dict[str, Any]]:
        return [
            {
                "platform": i.platform,
                "user_id": i.user_id,
                "username": i.username,
                "created": _iso(i.created_at),
            }
            for i in await self._rows(select(Identity).where(Identity.member_id == member.id))
        ]

    async def _messages(self, member: Member) -> list[dict[str, Any]]:
        return [
            {"cause": m.cause, "status": m.status, "created": _iso(m.created_at), "sent": _iso(m.sent_at)}
            for m in await self._rows(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
        ]

    async def _audit(self, member: Member) -> list[dict[str, Any]]:
        return [
            {"action": a.action, "detail": a.detail, "segment": a.segment, "at": _iso(a.created_at)}
            for a in await self._rows(select(AuditEntry).where(AuditEntry.actor_id == member.id))
        ]

    async def _link_codes(self, member: Member) -> int:
        return await self._count(LinkCode, LinkCode.member_id == member.id)

    async def _invitations(self, member: Member) -> int:
        return await self._count(Invitation, Invitation.member_id == member.id)

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

    async def _rsvps(self, member: Member) -> list[dict[str, Any]]:
        member_id = member.id
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

    async def _follows(self, member: Member) -> list[dict[str, Any]]:
        member_id = member.id
        rows = await self.session.execute(
            select(Follow, Opportunity.title)
            .join(Opportunity, Opportunity.id == Follow.opportunity_id)
            .where(Follow.member_id == member_id)
        )
        return [
            {"opportunity": f.opportunity_id, "title": title, "since": _iso(f.created_at)}
            for f, title in rows.all()
        ]

    async def _introductions(self, member: Member) -> list[dict[str, Any]]:
        member_id = member.id
        rows = await self._with_other(
            Introduction, Introduction.requester_id, Introduction.target_id, member_id
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
            for i, other_id, other_name in rows
        ]

    async def _meetings(self, member: Member) -> list[dict[str, Any]]:
        member_id = member.id
        rows = await self._with_other(Meeting, Meeting.requester_id, Meeting.invitee_id, member_id)
        return [
            {
                "role": "requester" if m.requester_id == member_id else "invitee",
                "other_member": {"id": other_id, "name": other_name},
                "session": m.session_id,
                "starts": _iso(m.starts_at),
                "ends": _iso(m.ends_at),
                "place": m.place,
                "status": m.status,
                "reason": m.reason,
                "created": _iso(m.created_at),
                "decided": _iso(m.decided_at),
            }
            for m, other_id, other_name in rows
        ]

    async def _with_other(self, model: Any, one: Any, two: Any, member_id: int) -> list[Any]:
        """Rows of a two-member table (introductions, meetings) with the other member's id and name."""
        other = aliased(Member)
        mine = or_((one == member_id) & (other.id == two), (two == member_id) & (other.id == one))
        rows = await self.session.execute(
            select(model, other.id, other.name).join(other, mine).order_by(model.id)
        )
        return list(rows.all())

    async def _delete_meetings(self, member: Member, _now: datetime) -> None:
        """Their meetings go, and with them (ON DELETE CASCADE) the seats: the other side's slot is free."""
        await self.session.execute(
            delete(Meeting).where(or_(Meeting.requester_id == member.id, Meeting.invitee_id == member.id))
        )

    async def _wishes(self, member: Member) -> list[dict[str, Any]]:
        """The member's own wishes (what others wished about them is theirs, and goes on forget)."""
        wishes = await self._rows(select(MeetingWish).where(MeetingWish.member_id == member.id))
        return [
            {
                "session": w.session_id,
                "other_member": w.other_id,
                "level": w.level,
                "updated": _iso(w.updated_at),
            }
            for w in wishes
        ]

    async def _delete_wishes(self, member: Member, _now: datetime) -> None:
        await self.session.execute(
            delete(MeetingWish).where(
                or_(MeetingWish.member_id == member.id, MeetingWish.other_id == member.id)
            )
        )

    async def _schedule_drafts(self, member: Member) -> list[dict[str, Any]]:
        drafts = await self._rows(
            select(ScheduleDraft).where(
                or_(ScheduleDraft.first_id == member.id, ScheduleDraft.second_id == member.id)
            )
        )
        return [
            {
                "session": d.session_id,
                "other_member": d.second_id if d.first_id == member.id else d.first_id,
                "starts": _iso(d.starts_at),
                "place": d.place,
            }
            for d in drafts
        ]

    async def _delete_schedule_drafts(self, member: Member, _now: datetime) -> None:
        await self.session.execute(
            delete(ScheduleDraft).where(
                or_(ScheduleDraft.first_id == member.id, ScheduleDraft.second_id == member.id)
            )
        )

    async def _posted_events(self, member: Member) -> list[dict[str, Any]]:
        events = await self._rows(select(Event).where(Event.created_by == member.id))
        return [{"id": e.id, "title": e.title} for e in events]

    async def _posted_opportunities(self, member: Member) -> list[dict[str, Any]]:
        offers = await self._rows(select(Opportunity).where(Opportunity.posted_by == member.id))
        return [{"id": o.id, "title": o.title} for o in offers]

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
        await self._scrub_others(member, personal, redacted)
        organisation_id = member.organisation_id
        for held in ALL_PERSONAL.values():
            if held.erase is not None:
                await held.erase(self, member, now)
        self.session.add(
            AuditEntry(actor_id=member.id, actor_name=FORMER_MEMBER, action="erase", created_at=now)
        )
        await self.session.flush()
        await self._drop_if_empty(organisation_id)
        owe_purge(self.session, PERSONAL_TABLES)
        return promotions

    async def _delete_identities(self, member: Member, _now: datetime) -> None:
        """A member's accounts go, and with them where each account was in a guided flow."""
        for identity in await self._rows(select(Identity).where(Identity.member_id == member.id)):
            await self.session.execute(
                delete(Conversation).where(
                    Conversation.platform == identity.platform, Conversation.user_id == identity.user_id
                )
            )
        await self._delete_owned(Identity.member_id, member)

    async def _delete_owned(self, column: Any, member: Member) -> None:
        await self.session.execute(delete(column.class_).where(column == member.id))

    async def _delete_introductions(self, member: Member, _now: datetime) -> None:
        await self.session.execute(
            delete(Introduction).where(
                or_(Introduction.requester_id == member.id, Introduction.target_id == member.id)
            )
        )

    async def _rename_actor(self, member: Member, _now: datetime) -> None:
        """Audit entries keep what the member did, under a name that is no longer theirs."""
        await self.session.execute(
            update(AuditEntry).where(AuditEntry.actor_id == member.id).values(actor_name=FORMER_MEMBER)
        )

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

    async def _anonymise(self, member: Member, now: datetime) -> None:
        value: object
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

        Audit entries keep what was done, with the member's names replaced in their details. A stored
        button payload that names them (a search's "More results") is deleted. A message to someone
        else that mentions them (an introduction carries a name, a bio, an e-mail) is deleted if it
        has not gone out yet, and its stored copy replaced by `redacted` if it has.
        """
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


def _deleting(column: Any) -> Callable[[Privacy, Member, datetime], Awaitable[None]]:
    """An eraser for a table whose rows exist only because of the member: they all go."""

    async def erase(privacy: Privacy, member: Member, _now: datetime) -> None:
        await privacy._delete_owned(column, member)

    return erase


@dataclass(frozen=True, slots=True)
class Personal:
    """How one table's rows about a member reach `mydata` and leave on `forget`.

    `section` names the export's key ("a.b" for a key inside "a"); `export` is None when the rows
    are not exported, `erase` None when they stay (they point at the anonymised member row).
    `text` says the rows held personal text, so their old bytes are purged from the files after an
    erasure (`store.purge`).
    """

    section: str
    export: Callable[[Privacy, Member], Awaitable[Any]] | None
    erase: Callable[[Privacy, Member, datetime], Awaitable[None]] | None
    text: bool = False


# Every table with a foreign key to members.id is here, in NOT_PERSONAL, or declares its own
# `__personal__` in store/models.py (tests/test_privacy.py checks); a new simple table declares.
# Export keys come out in this order; erasers run in it, after other rows have been scrubbed.
PERSONAL: dict[type[Base], Personal] = {
    Member: Personal("profile", Privacy._profile, Privacy._anonymise, text=True),
    Identity: Personal("identities", Privacy._identities, Privacy._delete_identities, text=True),
    Rsvp: Personal("rsvps", Privacy._rsvps, _deleting(Rsvp.member_id)),
    Follow: Personal("follows", Privacy._follows, _deleting(Follow.member_id)),
    Introduction: Personal("introductions", Privacy._introductions, Privacy._delete_introductions, text=True),
    Meeting: Personal("meetings", Privacy._meetings, Privacy._delete_meetings, text=True),
    MeetingSeat: Personal("meeting_seats", None, _deleting(MeetingSeat.member_id)),
    MeetingWish: Personal("meeting_wishes", Privacy._wishes, Privacy._delete_wishes),
    ScheduleDraft: Personal("schedule_drafts", Privacy._schedule_drafts, Privacy._delete_schedule_drafts),
    OutboxMessage: Personal("messages", Privacy._messages, _deleting(OutboxMessage.member_id), text=True),
    LinkCode: Personal("link_codes", Privacy._link_codes, _deleting(LinkCode.member_id)),
    Invitation: Personal("invitations", Privacy._invitations, _deleting(Invitation.member_id)),
    AuditEntry: Personal("audit", Privacy._audit, Privacy._rename_actor, text=True),
    Event: Personal("posted.events", Privacy._posted_events, None),
    Opportunity: Personal("posted.opportunities", Privacy._posted_opportunities, None),
}
# Tables with a member foreign key that hold nothing to export or erase, each with the reason.
NOT_PERSONAL: dict[type[Base], str] = {
    Announcement: "a coordinator's message to a segment, kept as the cluster's record of what was sent",
    Confirmation: "a one-use button that expires within minutes and holds only the command it confirms",
}
# Rows without a member key that held an erased member's text: a conversation's answers, an
# organisation named after a freelancer, a button payload naming them in a search's "More results".
SCRUBBED: tuple[type[Base], ...] = (Conversation, Organisation, ButtonPayload)


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def declared(model: type[Base], declaration: PersonalData) -> Personal:
    """The entry a model's `__personal__ = PersonalData(...)` stands for (see store/personal.py).

    Export: the rows where an owner column is the member, every column, in primary-key order.
    Erase: those rows deleted, or kept with their `text_columns` blanked.
    """
    table = model.__table__
    owners = [table.c[name] for name in declaration.owner]
    blanked = {table.c[name]: "" for name in declaration.text_columns}

    async def export(privacy: Privacy, member: Member) -> list[dict[str, Any]]:
        rows = await privacy.session.execute(
            select(table).where(or_(*(c == member.id for c in owners))).order_by(*table.primary_key)
        )
        return [{key: _json_safe(value) for key, value in row._mapping.items()} for row in rows]

    async def erase(privacy: Privacy, member: Member, _now: datetime) -> None:
        mine = or_(*(c == member.id for c in owners))
        if declaration.erase == "delete":
            await privacy.session.execute(delete(model).where(mine))
        elif blanked:
            await privacy.session.execute(update(model).where(mine).values(blanked))

    return Personal(declaration.section, export, erase, text=bool(declaration.text_columns))


def _declarations() -> list[tuple[type[Base], PersonalData | NotPersonal]]:
    """Every model's own `__personal__`, dependent tables first (so that deleting rows never
    leaves a row pointing at a deleted one)."""
    by_table = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
    models = (by_table[table] for table in reversed(Base.metadata.sorted_tables) if table in by_table)
    return [(model, model.__personal__) for model in models if model.__personal__ is not None]


# What privacy does with each table: the hand-written entries above, then the models' declarations.
ALL_PERSONAL: dict[type[Base], Personal] = {
    **PERSONAL,
    **{model: declared(model, d) for model, d in _declarations() if isinstance(d, PersonalData)},
}
ALL_NOT_PERSONAL: dict[type[Base], str] = {
    **NOT_PERSONAL,
    **{model: d.reason for model, d in _declarations() if isinstance(d, NotPersonal)},
}
PERSONAL_TABLES = tuple(
    model.__tablename__ for model in (*(m for m, p in ALL_PERSONAL.items() if p.text), *SCRUBBED)
)
