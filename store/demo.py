"""The demo network that `clusterbot demo` loads: ten fictional clusters and the people in them.

The text lives in `store.demo_network`; this module turns it into rows. Everything is derived
from a fixed random seed and the `now` it is given, so two runs build the same network and a
test can pin what the demo tour will show.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import Database
from store.demo_network import (
    BIOS,
    CLUSTERS,
    COUNTRY_TIMEZONES,
    DEMO_MEMBER_EVENTS,
    DEMO_MEMBER_NAME,
    EVENT_CITY_ZONES,
    EVENTS,
    EXCHANGES,
    EXTRA_LANGUAGES,
    FEATURED_MEMBERS,
    FIRST_NAMES,
    LANGUAGES,
    OPPORTUNITIES,
    ORGANISATIONS,
    OUTCOMES,
    ROLES,
    SURNAMES,
    TOPICS,
    ClusterRow,
    EventRow,
    OrganisationRow,
)
from store.models import (
    Cluster,
    Event,
    Exchange,
    Identity,
    MeetingSession,
    MeetingWish,
    Member,
    Opportunity,
    Organisation,
    Outcome,
    Rsvp,
)
from store.text import words

DEMO_HANDLE = "marta"
DEMO_SEED = 2026
MEMBERS_PER_CLUSTER = 16
LISTED_SHARE = 0.94
# Events this small are seeded full, so that the demo can show the waitlist.
FULL_EVENT_CAPACITY = 3
LEGAL_FORMS = frozenset({"sl", "sa", "sas", "sarl", "as", "asa", "lda"})


async def seed_demo(db: Database, now: datetime) -> bool:
    """Fill an empty, migrated database with the demo network; False (and no change) if it has clusters.

    One transaction, so an interrupted load leaves nothing half-made and a second run is a no-op.
    """
    if now.tzinfo is None:
        raise ValueError("seed_demo needs an aware datetime")
    async with db.transaction() as session:
        if await session.scalar(select(Cluster.id).limit(1)) is not None:
            return False
        await _DemoBuilder(session, random.Random(DEMO_SEED), now.astimezone(UTC)).build()
    return True


def local_to_utc(day: datetime, hhmm: str, zone: str) -> datetime:
    """The UTC instant of a wall-clock time on `day`'s date in `zone` (daylight saving included)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day.date(), time(hour, minute), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def website(name: str) -> str:
    """A plausible address on the reserved `.example` domain, so nobody follows it anywhere real."""
    slug = "-".join(w for w in words(name.replace("'", " ")) if w not in LEGAL_FORMS)
    return f"https://{slug}.example"


def email(person: str, organisation: str) -> str:
    first, *rest = words(person)
    return f"{first}.{rest[-1] if rest else 'contact'}@{website(organisation).removeprefix('https://')}"


class _DemoBuilder:
    """Adds the rows table by table, remembering ids the next table needs."""

    def __init__(self, session: AsyncSession, rng: random.Random, now: datetime) -> None:
        self.session, self.rng, self.now = session, rng, now
        self.clusters: dict[str, Cluster] = {}
        self.cluster_rows = {row.key: row for row in CLUSTERS}
        self.organisations: dict[str, tuple[Organisation, OrganisationRow]] = {}
        self.members_by_cluster: dict[str, list[Member]] = {row.key: [] for row in CLUSTERS}
        self.coordinators: dict[str, Member] = {}
        self.demo_member: Member | None = None
        self.featured: dict[str, Member] = {}

    async def build(self) -> None:
        await self._add_clusters()
        await self._add_organisations()
        await self._add_members()
        await self._add_events()
        await self._add_opportunities()
        await self._add_outcomes()

    async def _add_clusters(self) -> None:
        for row in CLUSTERS:
            self.clusters[row.key] = Cluster(
                name=row.name, region=row.region, country=row.country, sectors=list(row.sectors)
            )
        self.session.add_all(self.clusters.values())
        await self.session.flush()

    async def _add_organisations(self) -> None:
        for row in ORGANISATIONS:
            cluster = self.clusters[row.cluster]
            organisation = Organisation(
                name=row.name,
                kind=row.kind,
                cluster_id=cluster.id,
                country=cluster.country,
                region=cluster.region,
                website=website(row.name),
            )
            self.organisations[row.name] = (organisation, row)
        self.session.add_all(organisation for organisation, _ in self.organisations.values())
        await self.session.flush()

    async def _add_members(self) -> None:
        taken = {featured.name for featured in FEATURED_MEMBERS}
        for featured in FEATURED_MEMBERS:
            organisation, org_row = self.organisations[featured.organisation]
            member = self._member(
                featured.name,
                organisation,
                org_row,
                role=featured.role,
                bio=featured.bio,
                offers=featured.offers,
                seeks=featured.seeks,
                tags=list(featured.tags),
                listed=True,
                is_coordinator=featured.is_coordinator,
            )
            self.featured[featured.name] = member
            if featured.is_coordinator:
                self.coordinators.setdefault(org_row.cluster, member)
            if featured.name == DEMO_MEMBER_NAME:
                self.demo_member = member
        for cluster_row in CLUSTERS:
            org_rows = [row for row in ORGANISATIONS if row.cluster == cluster_row.key]
            for index in range(MEMBERS_PER_CLUSTER):
                org_row = org_rows[index % len(org_rows)]
                self._generated_member(cluster_row, org_row, self._unique_name(cluster_row, taken))
        await self.session.flush()
        assert self.demo_member is not None, "the demo member is one of FEATURED_MEMBERS"
        self.session.add(
            Identity(
                member_id=self.demo_member.id,
                platform="console",
                user_id=DEMO_HANDLE,
                chat_id=DEMO_HANDLE,
                display_name=DEMO_MEMBER_NAME.split()[0],
                created_at=self.now,
            )
        )

    def _unique_name(self, cluster: ClusterRow, taken: set[str]) -> str:
        pool_key = cluster.region if cluster.region in FIRST_NAMES else cluster.country
        while True:
            name = f"{self.rng.choice(FIRST_NAMES[pool_key])} {self.rng.choice(SURNAMES[pool_key])}"
            if name not in taken:
                taken.add(name)
                return name

    def _generated_member(self, cluster: ClusterRow, org_row: OrganisationRow, name: str) -> Member:
        """A plausible person: offers what their organisation does, seeks what their cluster lacks."""
        rng = self.rng
        organisation, _ = self.organisations[org_row.name]
        offered = rng.sample(org_row.topics, k=min(len(org_row.topics), rng.choice((1, 1, 2))))
        sought = rng.sample(cluster.needs, k=rng.choice((1, 1, 2)))
        role = rng.choice(ROLES[org_row.kind])
        tags = [tag for key in offered for tag in TOPICS[key].tags] + [TOPICS[sought[0]].tags[0]]
        bio = rng.choice(BIOS).format(
            role=role,
            role_lower=role if role[:2].isupper() else role[0].lower() + role[1:],
            organisation=org_row.name,
            city=org_row.city,
            years=rng.randint(4, 25),
            field=TOPICS[offered[0]].field,
            sector=cluster.sectors[0],
        )
        return self._member(
            name,
            organisation,
            org_row,
            role=role,
            bio=bio,
            offers="; ".join(TOPICS[key].offer for key in offered),
            seeks="; ".join(TOPICS[key].seek for key in sought),
            tags=list(dict.fromkeys(tags)),
            listed=rng.random() < LISTED_SHARE,
            is_coordinator=False,
        )

    def _member(
        self,
        name: str,
        organisation: Organisation,
        org_row: OrganisationRow,
        *,
        role: str,
        bio: str,
        offers: str,
        seeks: str,
        tags: list[str],
        listed: bool,
        is_coordinator: bool,
    ) -> Member:
        cluster = self.cluster_rows[org_row.cluster]
        languages = list(LANGUAGES.get(cluster.region, LANGUAGES.get(cluster.country, ("en",))))
        extra = self.rng.choice(EXTRA_LANGUAGES)
        if self.rng.random() < 0.25 and extra not in languages:
            languages.append(extra)
        member = Member(
            name=name,
            organisation_id=organisation.id,
            cluster_id=organisation.cluster_id,
            role=role,
            bio=bio,
            offers=offers,
            seeks=seeks,
            tags=tags,
            languages=languages,
            email=email(name, org_row.name),
            language=None,
            timezone=COUNTRY_TIMEZONES[cluster.country],
            listed=listed,
            share_contact=self.rng.random() < 0.5,
            is_coordinator=is_coordinator,
            onboarded=True,
            reminder_offsets=["24h", "1h"],
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(member)
        self.members_by_cluster[org_row.cluster].append(member)
        return member

    async def _add_events(self) -> None:
        events = [self._event(row) for row in EVENTS]
        self.session.add_all(events)
        await self.session.flush()
        self._add_rsvps(events)
        self._add_meeting_session(events)
        await self._add_delegation_day(events)

    def _add_meeting_session(self, events: Sequence[Event]) -> None:
        """The B2B session the demo promises: 20-minute slots at 12 tables, TEXCAT members meeting
        Plastivallée's, all slots still open, so a newcomer can book one with buttons."""
        [event] = [event for event in events if event.title == DEMO_MEMBER_EVENTS[0]]
        starts = event.starts_at.astimezone(ZoneInfo(event.timezone))
        self.session.add(
            MeetingSession(
                event_id=event.id,
                slot_minutes=20,
                break_minutes=0,
                windows=[f"{starts:%H:%M}-{starts + timedelta(hours=3):%H:%M}"],
                tables=[str(number) for number in range(1, 13)],
                online_url="",
                expiry_hours=48,
                pairing={"from": [self.clusters["texcat"].id], "to": [self.clusters["plastivallee"].id]},
                created_at=self.now,
                updated_at=self.now,
            )
        )

    async def _add_delegation_day(self, events: Sequence[Event]) -> None:
        """The learning visit's first day as a delegation day: morning and afternoon slots at six
        tables, and a few Must meet / Meet / No thanks wishes (two of them about the demo member), so
        `participants` shows them and the coordinator can `schedule draft` it."""
        [event] = [event for event in events if event.title == DEMO_MEMBER_EVENTS[1]]
        day = MeetingSession(
            event_id=event.id,
            windows=["10:00-12:00", "15:00-17:00"],
            tables=[str(number) for number in range(1, 7)],
            pairing=None,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(day)
        await self.session.flush()
        going = await self.session.scalars(
            select(Rsvp.member_id)
            .where(Rsvp.event_id == event.id, Rsvp.status == "going")
            .order_by(Rsvp.member_id)
        )
        demo = self.demo_member
        assert demo is not None
        others = [member_id for member_id in going.all() if member_id != demo.id]
        wishes = [(others[0], demo.id, "must"), (others[1], demo.id, "meet"), (others[0], others[1], "must")]
        wishes += [(others[2], others[0], "meet"), (others[1], others[2], "no_thanks")]
        self.session.add_all(
            MeetingWish(session_id=day.id, member_id=member, other_id=other, level=level, updated_at=self.now)
            for member, other, level in wishes
        )

    def _event(self, row: EventRow) -> Event:
        cluster = self.cluster_rows[row.cluster]
        zone = EVENT_CITY_ZONES[row.city] if row.city else COUNTRY_TIMEZONES[cluster.country]
        starts_at = local_to_utc(_weekday(self.now + timedelta(days=row.day)), row.local_start, zone)
        slug = "-".join(words(row.title))[:60].strip("-")
        creator = self.coordinators.get(row.cluster)
        return Event(
            title=row.title,
            kind=row.kind,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=row.hours),
            timezone=zone,
            place=f"{row.venue}, {row.city}" if row.city else row.venue,
            online_url="" if row.city else f"https://meet.example/{slug}",
            description=row.description,
            cluster_id=self.clusters[row.cluster].id,
            capacity=row.capacity,
            tags=list(row.tags),
            cancelled=False,
            created_by=creator.id if creator else None,
            created_at=self.now,
            updated_at=self.now,
        )

    def _add_rsvps(self, events: Sequence[Event]) -> None:
        """Members going to each event, mostly from the organising cluster; the 3-seat session full.

        Answers are spread a few minutes apart so that a waitlist would be served in a stable order.
        """
        demo = self.demo_member
        assert demo is not None
        everyone = [m for members in self.members_by_cluster.values() for m in members if m is not demo]
        for row, event in zip(EVENTS, events, strict=True):
            home = [m for m in self.members_by_cluster[row.cluster] if m is not demo]
            guests = [m for m in everyone if m.cluster_id != event.cluster_id]
            if event.capacity is not None and event.capacity <= FULL_EVENT_CAPACITY:
                going = self.rng.sample(home, k=event.capacity)
            else:
                # Leave room below the capacity so that the demo member can still say "going".
                count = min(self.rng.randint(3, 10), (event.capacity or 100) - 2)
                at_home = count * 2 // 3
                going = self.rng.sample(home, k=at_home) + self.rng.sample(guests, k=count - at_home)
            if row.title in DEMO_MEMBER_EVENTS:
                going.append(demo)
            for order, member in enumerate(going):
                answered_at = self.now - timedelta(days=3) + timedelta(minutes=7 * order)
                self.session.add(
                    Rsvp(member_id=member.id, event_id=event.id, status="going", updated_at=answered_at)
                )

    async def _add_opportunities(self) -> None:
        for row in OPPORTUNITIES:
            cluster = self.clusters[row.cluster]
            zone = COUNTRY_TIMEZONES[cluster.country]
            poster = self.coordinators.get(row.cluster) if row.kind == "funding_call" else None
            if poster is None:
                poster = self.rng.choice(self.members_by_cluster[row.cluster])
            deadline = (
                None
                if row.deadline_day is None
                else local_to_utc(self.now + timedelta(days=row.deadline_day), "23:59", zone)
            )
            self.session.add(
                Opportunity(
                    kind=row.kind,
                    title=row.title,
                    description=row.description,
                    tags=list(row.tags),
                    deadline=deadline,
                    region=row.region or cluster.region,
                    url=row.url,
                    cluster_id=cluster.id,
                    posted_by=poster.id,
                    status="open",
                    created_at=self.now,
                    updated_at=self.now,
                )
            )
        await self.session.flush()

    async def _add_outcomes(self) -> None:
        """A few outcomes between featured members and one staff exchange (store.demo_network)."""
        titles = dict((await self.session.execute(select(Opportunity.title, Opportunity.id))).all())
        for row in OUTCOMES:
            self.session.add(
                Outcome(
                    member_id=self.featured[row.member].id,
                    other_id=self.featured[row.other].id,
                    step=row.step,
                    line=row.line,
                    opportunity_id=titles[row.opportunity] if row.opportunity else None,
                    recorded_at=self.now - timedelta(days=row.days_ago),
                )
            )
        for exchange in EXCHANGES:
            starts_on = (self.now + timedelta(days=exchange.starts_day)).date()
            self.session.add(
                Exchange(
                    visitor_id=self.featured[exchange.visitor].id,
                    host_cluster_id=self.clusters[exchange.host_cluster].id,
                    starts_on=starts_on,
                    ends_on=starts_on + timedelta(days=exchange.days - 1),
                    status=exchange.status,
                    created_at=self.now,
                    updated_at=self.now,
                )
            )
        await self.session.flush()


def _weekday(day: datetime) -> datetime:
    """The same day, or the Monday after when it falls on a weekend: nobody runs a B2B on Sunday."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day
