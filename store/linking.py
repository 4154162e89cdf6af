"""One person, one member: one-time link codes, and the merge of the two member records they join.

A code is shown once and kept only as its sha256, so a copy of the database holds no usable code.
The merge keeps the older record and loses nothing the other one had: what clashes is resolved
row by row (the stronger RSVP, the decided introduction), the rest moves over.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Base, Follow, Identity, Introduction, LinkCode, Member, OutboxMessage, Rsvp

# No 0/O or 1/I/L: the code is read off one screen and typed on another.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=10)
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

RSVP_STRENGTH = {"not_going": 0, "waitlisted": 1, "going": 2}
# A decision by the person introduced outweighs a suggestion or a request still waiting for one.
INTRODUCTION_STRENGTH = {"suggested": 0, "requested": 1, "declined": 2, "accepted": 3}
# Profile fields the newer record may fill in when the older one left them empty.
FILLABLE = ("role", "bio", "offers", "seeks", "email", "language", "calendar_token", "preferred_platform")
# Tables whose rows need more than a new member id (link codes are simply dropped with the loser);
# every other reference to a member just moves.
MERGED_BY_HAND = frozenset({"rsvps", "follows", "introductions", "outbox", "identities", "link_codes"})

# "valid": a code that may join, once the person confirms (see `claim`).
Outcome = Literal["valid", "joined", "own", "unknown", "expired", "used", "locked"]


@dataclass(frozen=True, slots=True)
class Redemption:
    outcome: Outcome
    owner: Member | None = None
    tries_left: int = MAX_FAILURES
    locked_until: datetime | None = None
    code_id: int | None = None


@dataclass(frozen=True, slots=True)
class MergeReport:
    """What the surviving member gained from the other record, to show the person."""

    member: Member
    kept_platforms: tuple[str, ...]
    joined_platforms: tuple[str, ...]
    rsvps: int
    follows: int
    introductions: int
    messages: int
    tags_added: int
    filled: tuple[str, ...]
    # The newer record was a coordinator beyond what the kept one is: linking does not carry that.
    rights_left: bool = False


def normalise(code: str) -> str:
    """People type codes with spaces, dashes or in lower case; none of that should matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_code(code: str) -> bool:
    cleaned = normalise(code)
    return len(cleaned) == CODE_LENGTH and all(ch in ALPHABET for ch in cleaned)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


class Linking:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue(self, member: Member, now: datetime) -> str:
        """A fresh code for `member`; codes they asked for before and never used stop working."""
        await self.session.execute(
            delete(LinkCode).where(LinkCode.member_id == member.id, LinkCode.used_at.is_(None))
        )
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        self.session.add(
            LinkCode(
                member_id=member.id, code_hash=code_hash(code), expires_at=now + CODE_LIFETIME, created_at=now
            )
        )
        await self.session.flush()
        return code

    async def redeem(self, member: Member, typed: str, now: datetime) -> Redemption:
        """Check a code typed by `member`; wrong guesses count against them, and lock them out.

        The try is counted before the code is looked at, by one UPDATE … RETURNING that waits for
        any other try of the same member (a row lock on PostgreSQL; SQLite serialises writers), so
        at most MAX_FAILURES guesses are ever looked at however many arrive at once. Only unknown
        codes count: an expired or used code was a real one, not a guess, and gets its try back.
        A right code is not used up here: `claim` does that once the person confirms the join.
        """
        tries = await self._take_try(member.id, now)
        if tries is None:
            locked_until = await self.session.scalar(
                select(Member.link_locked_until).where(Member.id == member.id)
            )
            return Redemption("locked", locked_until=locked_until)
        code = await self.session.scalar(select(LinkCode).where(LinkCode.code_hash == code_hash(typed)))
        if code is None:
            if tries < MAX_FAILURES:
                return Redemption("unknown", tries_left=MAX_FAILURES - tries)
            await self._set_failures(member.id, 0, now + LOCKOUT)
            return Redemption("locked", locked_until=now + LOCKOUT)
        outcome = _state(code, member, now)
        if outcome != "valid":
            await self._set_failures(member.id, tries - 1, None)
            return Redemption(outcome)
        await self._set_failures(member.id, 0, None)
        owner = await self.session.get(Member, code.member_id)
        return Redemption("valid", owner=owner, code_id=code.id)

    async def claim(self, member: Member, code_id: int, now: datetime) -> Redemption:
        """Use up a code `member` redeemed and confirmed; "joined" with its owner when it still may.

        Locked on PostgreSQL, so the same code confirmed twice at once joins only once.
        """
        code = await self.session.scalar(select(LinkCode).where(LinkCode.id == code_id).with_for_update())
        if code is None:  # its owner asked for a new code meanwhile
            return Redemption("expired")
        outcome = _state(code, member, now)
        if outcome != "valid":
            return Redemption(outcome)
        code.used_at = now
        await self.session.flush()
        return Redemption("joined", owner=await self.session.get(Member, code.member_id))

    async def _take_try(self, member_id: int, now: datetime) -> int | None:
        """Count one more try and return the count, or None while the member is locked out."""
        counted = await self.session.execute(
            update(Member)
            .where(
                Member.id == member_id,
                or_(Member.link_locked_until.is_(None), Member.link_locked_until <= now),
            )
            .values(link_failures=Member.link_failures + 1)
            .returning(Member.link_failures)
        )
        return counted.scalar_one_or_none()

    async def _set_failures(self, member_id: int, failures: int, locked_until: datetime | None) -> None:
        await self.session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(link_failures=failures, link_locked_until=locked_until)
        )

    async def merge(self, first: Member, second: Member, now: datetime) -> MergeReport:
        """Join two members into the older one; the newer row is deleted once nothing points at it."""
        winner, loser = sorted((first, second), key=lambda member: (member.created_at, member.id))
        kept_platforms = await self._platforms(winner.id)
        joined_platforms = await self._platforms(loser.id)
        rsvps = await self._move_rsvps(winner.id, loser.id)
        follows = await self._move_follows(winner.id, loser.id)
        introductions = await self._move_introductions(winner.id, loser.id)
        messages = await self._move_outbox(winner.id, loser.id)
        await self.session.execute(
            update(Identity).where(Identity.member_id == loser.id).values(member_id=winner.id)
        )
        await self._move_references(winner.id, loser.id)
        leftovers = {column.key: getattr(loser, column.key) for column in Member.__table__.columns}
        # Deleted before its fields are copied: a unique value (the calendar token) cannot be on both.
        await self.session.delete(loser)
        await self.session.flush()
        rights_left = _wider_rights(leftovers, winner)
        tags_added, filled = _fill_in(winner, leftovers)
        winner.updated_at = now
        await self.session.flush()
        return MergeReport(
            winner,
            kept_platforms,
            joined_platforms,
            rsvps,
            follows,
            introductions,
            messages,
            tags_added,
            filled,
            rights_left,
        )

    async def _platforms(self, member_id: int) -> tuple[str, ...]:
        found = await self.session.scalars(
            select(Identity.platform).where(Identity.member_id == member_id).order_by(Identity.id)
        )
        return tuple(dict.fromkeys(found.all()))

    async def _move_rsvps(self, winner_id: int, loser_id: int) -> int:
        """Every answer of the loser carries over; where both answered, the stronger one stays."""
        rows = (
            await self.session.scalars(select(Rsvp).where(Rsvp.member_id.in_((winner_id, loser_id))))
        ).all()
        kept = {rsvp.event_id: rsvp for rsvp in rows if rsvp.member_id == winner_id}
        moved = 0
        for rsvp in (row for row in rows if row.member_id == loser_id):
            mine = kept.get(rsvp.event_id)
            if mine is None:
                rsvp.member_id, moved = winner_id, moved + 1
                continue
            if RSVP_STRENGTH[rsvp.status] > RSVP_STRENGTH[mine.status]:
                # The loser's timestamp keeps their place in the waitlist.
                mine.status, mine.updated_at, moved = rsvp.status, rsvp.updated_at, moved + 1
            await self.session.delete(rsvp)
        await self.session.flush()
        return moved

    async def _move_follows(self, winner_id: int, loser_id: int) -> int:
        followed = set(
            (
                await self.session.scalars(select(Follow.opportunity_id).where(Follow.member_id == winner_id))
            ).all()
        )
        moved = 0
        for follow in (await self.session.scalars(select(Follow).where(Follow.member_id == loser_id))).all():
            if follow.opportunity_id in followed:
                await self.session.delete(follow)
            else:
                follow.member_id, moved = winner_id, moved + 1
        await self.session.flush()
        return moved

    async def _move_introductions(self, winner_id: int, loser_id: int) -> int:
        """Pairs are re-keyed to the winner; an introduction between the two records is dropped."""
        rows = (
            await self.session.scalars(
                select(Introduction).where(
                    or_(
                        Introduction.requester_id.in_((winner_id, loser_id)),
                        Introduction.target_id.in_((winner_id, loser_id)),
                    )
                )
            )
        ).all()
        involved = [row for row in rows if loser_id in (row.requester_id, row.target_id)]
        kept = {(row.requester_id, row.target_id): row for row in rows if row not in involved}
        moved = 0
        for intro in involved:
            requester, target = (
                winner_id if who == loser_id else who for who in (intro.requester_id, intro.target_id)
            )
            existing = kept.get((requester, target))
            if requester == target or existing is not None:
                if (
                    existing is not None
                    and INTRODUCTION_STRENGTH[intro.status] > INTRODUCTION_STRENGTH[existing.status]
                ):
                    existing.status, existing.decided_at = intro.status, intro.decided_at
                await self.session.delete(intro)
                continue
            intro.requester_id, intro.target_id, moved = requester, target, moved + 1
            kept[(requester, target)] = intro
        await self.session.flush()
        return moved

    async def _move_outbox(self, winner_id: int, loser_id: int) -> int:
        """Messages move too (sent ones keep the dedupe history); a message both would get goes once."""
        causes = set(
            (
                await self.session.scalars(
                    select(OutboxMessage.cause).where(OutboxMessage.member_id == winner_id)
                )
            ).all()
        )
        waiting = 0
        rows = await self.session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == loser_id))
        for row in rows.all():
            if row.cause in causes:
                await self.session.delete(row)
                continue
            row.member_id = winner_id
            waiting += row.status in ("pending", "sending", "failed")
        await self.session.flush()
        return waiting

    async def _move_references(self, winner_id: int, loser_id: int) -> None:
        """Every other column that points at a member (events created, opportunities posted, audit
        entries, invitations…), including tables added after this was written."""
        for table in Base.metadata.sorted_tables:
            if table.name in MERGED_BY_HAND:
                continue
            for column in table.columns:
                if any(key.column.table.name == Member.__tablename__ for key in column.foreign_keys):
                    await self.session.execute(
                        update(table).where(column == loser_id).values({column.name: winner_id})
                    )
        await self.session.flush()


def _state(code: LinkCode, member: Member, now: datetime) -> Outcome:
    """What a real code typed by `member` can do now."""
    if code.member_id == member.id:
        return "own"
    if code.used_at is not None:
        return "used"
    if code.expires_at <= now:
        return "expired"
    return "valid"


def _fill_in(winner: Member, leftovers: dict[str, Any]) -> tuple[int, tuple[str, ...]]:
    """Copy what the winner lacks from the loser's values; returns (tags added, fields filled)."""
    filled = [name for name in FILLABLE if not getattr(winner, name) and leftovers[name]]
    for name in filled:
        setattr(winner, name, leftovers[name])
    # Organisation and cluster go together, or a member could belong to one cluster's organisation
    # while being counted in another cluster.
    if winner.organisation_id is None and winner.cluster_id is None:
        winner.organisation_id, winner.cluster_id = leftovers["organisation_id"], leftovers["cluster_id"]
        filled.extend(name for name in ("organisation_id", "cluster_id") if leftovers[name])
    new_tags = [tag for tag in leftovers["tags"] or [] if tag not in (winner.tags or [])]
    winner.tags = [*(winner.tags or []), *new_tags]
    winner.languages = list(dict.fromkeys([*(winner.languages or []), *(leftovers["languages"] or [])]))
    winner.onboarded = winner.onboarded or leftovers["onboarded"]
    return len(new_tags), tuple(filled)


def _wider_rights(leftovers: dict[str, Any], winner: Member) -> bool:
    """Whether the deleted record coordinated something the kept one does not.

    Rights stay with the record they were given to: a link code seen by the wrong person must not
    hand them a coordinator's reach, so an admin grants them again when they are meant.
    """
    if not leftovers["is_coordinator"]:
        return False
    if not winner.is_coordinator:
        return True
    return winner.coordinator_cluster_id not in (None, leftovers["coordinator_cluster_id"])
