"""Members, their platform identities, organisations and clusters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CONSOLE, Cluster, Identity, Member, Organisation

# Members per query when reading languages, well under SQLite's limit on bound parameters.
CHUNK = 500
# How precisely `last_seen_at` follows a member's messages (what the retention job needs).
SEEN_RESOLUTION = timedelta(days=1)


async def languages_of(session: AsyncSession, member_ids: list[int]) -> dict[int, str | None]:
    """Each member's language, in the order given; members that no longer exist are left out."""
    found: dict[int, str | None] = {}
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        rows = await session.execute(select(Member.id, Member.language).where(Member.id.in_(chunk)))
        found.update((member_id, language) for member_id, language in rows)
    return {member_id: found[member_id] for member_id in member_ids if member_id in found}


# Built once: every message runs it, and building a statement costs more than SQLite running it.
IDENTIFIED = (
    select(Member, Identity)
    .join(Identity, Identity.member_id == Member.id)
    .where(Identity.platform == bindparam("platform"), Identity.user_id == bindparam("user_id"))
)

# A find page shows ten cards: built once.
CARDS = (
    select(Member, Organisation, Cluster)
    .outerjoin(Organisation, Organisation.id == Member.organisation_id)
    .outerjoin(Cluster, Cluster.id == Member.cluster_id)
    .where(Member.id.in_(bindparam("member_ids", expanding=True)))
)
LISTED_CARDS = CARDS.where(Member.listed.is_(True))


def _seen(member: Member, now: datetime) -> None:
    """Note that the member is here (to the day, so that most messages write nothing); being here
    withdraws a retention warning."""
    if member.last_seen_at is None or now - member.last_seen_at >= SEEN_RESOLUTION:
        member.last_seen_at, member.retention_warned_at = now, None


@dataclass(frozen=True, slots=True)
class MemberCard:
    """A member with the names a profile shows, read in one query (no lazy loads after await)."""

    member: Member
    organisation: Organisation | None
    cluster: Cluster | None

    @property
    def country(self) -> str:
        if self.organisation and self.organisation.country:
            return self.organisation.country
        return self.cluster.country if self.cluster else ""

    @property
    def region(self) -> str:
        if self.organisation and self.organisation.region:
            return self.organisation.region
        return self.cluster.region if self.cluster else ""


class People:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def languages(self, member_ids: list[int]) -> dict[int, str | None]:
        """Each member's language, in the order given; members that no longer exist are left out."""
        return await languages_of(self.session, member_ids)

    async def identify(
        self,
        *,
        platform: str,
        user_id: str,
        chat_id: str,
        display_name: str,
        now: datetime,
        timezone: str,
        language: str | None,
        username: str | None = None,
    ) -> tuple[Member, Identity]:
        """The member behind a platform account, created on first contact (not yet listed).

        `username` is the account's public handle as the platform gives it now (None: the platform
        has none), kept so that an introduction can pass on a way to write to them.

        Two first messages of one person can race (two processes, or two updates at once): the
        loser's insert hits the unique (platform, user_id) and it reads the winner's row instead.
        """
        found = await self._identified(platform, user_id)
        if found is None:
            try:
                async with self.session.begin_nested():
                    return await self._create(
                        platform, user_id, chat_id, display_name, now, timezone, language, username or ""
                    )
            except IntegrityError:
                found = await self._identified(platform, user_id)
                if found is None:
                    raise
        member, identity = found
        if chat_id and identity.chat_id != chat_id:
            identity.chat_id = chat_id
        if username is not None and identity.username != username[:64]:
            identity.username = username[:64]
        # A person who writes to us again can be reached again.
        if identity.unreachable:
            identity.unreachable = False
        _seen(member, now)
        return member, identity

    async def _identified(self, platform: str, user_id: str) -> tuple[Member, Identity] | None:
        row = (await self.session.execute(IDENTIFIED, {"platform": platform, "user_id": user_id})).first()
        return (row[0], row[1]) if row is not None else None

    async def _create(
        self,
        platform: str,
        user_id: str,
        chat_id: str,
        display_name: str,
        now: datetime,
        timezone: str,
        language: str | None,
        username: str,
    ) -> tuple[Member, Identity]:
        member = Member(
            name=display_name.strip()[:200] or f"{platform} user",
            timezone=timezone,
            language=language,
            created_at=now,
            updated_at=now,
            last_seen_at=now,
            tags=[],
            languages=[],
            reminder_offsets=["24h", "1h"],
        )
        self.session.add(member)
        await self.session.flush()
        identity = Identity(
            member_id=member.id,
            platform=platform,
            user_id=user_id,
            chat_id=chat_id or user_id,
            display_name=display_name[:200],
            username=username[:64],
            created_at=now,
        )
        self.session.add(identity)
        await self.session.flush()
        return member, identity

    async def seeks_and_language(self, platform: str, user_id: str) -> tuple[str | None, str | None]:
        """What the person behind a platform account is looking for, and the language they read,
        if we know them (None, None otherwise)."""
        row = (
            await self.session.execute(
                select(Member.seeks, Member.language)
                .join(Identity, Identity.member_id == Member.id)
                .where(Identity.platform == platform, Identity.user_id == user_id)
            )
        ).first()
        return (row[0], row[1]) if row is not None else (None, None)

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def card(self, member_id: int) -> MemberCard | None:
        cards = await self.cards([member_id])
        return cards[0] if cards else None

    async def cards(self, member_ids: list[int], *, listed_only: bool = False) -> list[MemberCard]:
        """Cards in the order of `member_ids`; missing (or unlisted, if asked) members are skipped."""
        if not member_ids:
            return []
        query = LISTED_CARDS if listed_only else CARDS
        rows = await self.session.execute(query, {"member_ids": member_ids})
        found = {m.id: MemberCard(m, o, c) for m, o, c in rows.all()}
        return [found[i] for i in member_ids if i in found]

    async def update(self, member: Member, now: datetime, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(member, name, value)
        member.updated_at = now
        await self.session.flush()

    async def clusters(self) -> list[Cluster]:
        return list((await self.session.scalars(select(Cluster).order_by(Cluster.name))).all())

    async def get_cluster(self, cluster_id: int) -> Cluster | None:
        return await self.session.get(Cluster, cluster_id)

    async def get_organisation(self, organisation_id: int | None) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id) if organisation_id else None

    async def organisation_place(self, name: str) -> tuple[str, str]:
        """The country and region of a known organisation of that name (empty when none says)."""
        found = (
            await self.session.execute(
                select(Organisation.country, Organisation.region)
                .where(func.lower(Organisation.name) == name.strip().lower(), Organisation.country != "")
                .order_by(Organisation.id)
                .limit(1)
            )
        ).first()
        return (found.country, found.region) if found else ("", "")

    async def organisation_for(
        self, name: str, cluster: Cluster | None, *, country: str = "", region: str = ""
    ) -> Organisation:
        """The organisation of that name in that cluster, created when it is new."""
        cluster_id = cluster.id if cluster else None
        existing = await self.session.scalar(
            select(Organisation).where(
                func.lower(Organisation.name) == name.strip().lower(),
                Organisation.cluster_id.is_(None)
                if cluster_id is None
                else Organisation.cluster_id == cluster_id,
            )
        )
        if existing is not None:
            return existing
        organisation = Organisation(
            name=name.strip()[:200],
            cluster_id=cluster_id,
            country=country or (cluster.country if cluster else ""),
            region=region or (cluster.region if cluster else ""),
            kind="sme",
            website="",
        )
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        """The platform told us this person blocked the bot or left: stop trying that identity."""
        await self.session.execute(
            update(Identity)
            .where(Identity.platform == platform, Identity.user_id == user_id)
            .values(unreachable=True)
        )

    async def mark_reachable(self, platform: str, user_id: str) -> None:
        """The person unblocked the bot (or started it again): messages may reach them once more."""
        await self.session.execute(
            update(Identity)
            .where(Identity.platform == platform, Identity.user_id == user_id)
            .values(unreachable=False)
        )

    async def coordinator_chats(self, platform: str) -> list[tuple[str, str | None]]:
        """The private chat of every coordinator's account on `platform`, with their chosen language."""
        rows = await self.session.execute(
            select(Identity.chat_id, Member.language)
            .join(Member, Member.id == Identity.member_id)
            .where(Member.is_coordinator.is_(True), Identity.platform == platform)
            .order_by(Identity.id)
        )
        return [(chat_id, language) for chat_id, language in rows.all()]

    async def identities(self, member_id: int) -> list[Identity]:
        return list(
            (
                await self.session.scalars(
                    select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)
                )
            ).all()
        )

    async def member_of(self, platform: str, user_id: str) -> Member | None:
        """The member behind a platform account, if we know them (nothing is created)."""
        found = await self._identified(platform, user_id)
        return found[0] if found else None

    async def console_handle(self, member_id: int, now: datetime) -> str:
        """The console account of a member (made on first use), so that `/as NAME` can chat as them."""
        handle = await self.session.scalar(
            select(Identity.user_id)
            .where(Identity.member_id == member_id, Identity.platform == CONSOLE)
            .order_by(Identity.id)
        )
        if handle is not None:
            return handle
        handle = f"member-{member_id}"
        self.session.add(
            Identity(member_id=member_id, platform=CONSOLE, user_id=handle, chat_id=handle, created_at=now)
        )
        await self.session.flush()
        return handle
