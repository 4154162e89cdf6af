"""Invitation links: binding the account of whoever followed one to their imported record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    Announcement,
    AuditEntry,
    Event,
    Follow,
    Identity,
    Introduction,
    Invitation,
    Member,
    Opportunity,
    OutboxMessage,
    Rsvp,
)


class Invitations:
    """Binding the platform account of someone who followed an invitation link to their imported record."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def unused(self, token: str) -> Invitation | None:
        return await self.session.scalar(
            select(Invitation).where(Invitation.token == token, Invitation.used_at.is_(None))
        )

    async def address(self, member_id: int, platform: str, user_id: str, now: datetime) -> int:
        """The member whose outbox row reaches this account: the account's own member if it has
        written to us already, else the invited member, given the account as an identity (with no
        chat yet: the adapter opens the DM) so the outbox can deliver the invitation to it."""
        known = await self.session.scalar(
            select(Identity.member_id).where(Identity.platform == platform, Identity.user_id == user_id)
        )
        if known is not None:
            return known
        self.session.add(
            Identity(member_id=member_id, platform=platform, user_id=user_id, chat_id="", created_at=now)
        )
        await self.session.flush()
        return member_id

    async def holds_something(self, member: Member, identity: Identity) -> bool:
        """Whether the record made on first contact has anything of its own besides this identity."""
        if member.onboarded:
            return True
        owned = [
            exists().where(Identity.member_id == member.id, Identity.id != identity.id),
            exists().where(Rsvp.member_id == member.id),
            exists().where(Follow.member_id == member.id),
            exists().where(or_(Introduction.requester_id == member.id, Introduction.target_id == member.id)),
            exists().where(OutboxMessage.member_id == member.id),
            exists().where(Event.created_by == member.id),
            exists().where(Opportunity.posted_by == member.id),
            exists().where(Announcement.author_id == member.id),
            exists().where(AuditEntry.actor_id == member.id),
        ]
        return bool(await self.session.scalar(select(or_(*owned))))

    async def bind(self, invitation: Invitation, member: Member, identity: Identity, now: datetime) -> Member:
        """Move `identity` to the invited member and drop the empty record first contact made."""
        invited = await self.session.get(Member, invitation.member_id)
        assert invited is not None  # the foreign key cascades: an invitation always has its member
        identity.member_id = invited.id
        invitation.used_at = now
        invited.onboarded = True
        invited.updated_at = now
        await self.session.flush()
        if member.id != invited.id:
            await self.session.execute(delete(Member).where(Member.id == member.id))
        return invited
