"""A large, realistic cluster network, generated from a seed and written with bulk inserts.

The demo's ten clusters, topics, roles, bios and name pools are reused, so the vocabulary is the
real one (textiles, polymers, offshore wind, recycling…). A few thousand organisations and a
specialty per member (a process applied to a material) make profiles distinct enough for a
labelled search set: most members can be told apart by their specialty, organisation and name.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert, select

from store.db import Database
from store.demo_network import BIOS, CLUSTERS, FIRST_NAMES, ROLES, SURNAMES, TOPICS, ClusterRow
from store.models import Cluster, Event, Identity, Member, Opportunity, Organisation
from store.synergy import OpportunityProfile, Profile

T = TypeVar("T")
SEED = 2026
LISTED_SHARE = 0.94
MATERIALS = (
    "aramid", "basalt", "lyocell", "viscose", "polylactide", "graphene", "mycelium", "polyamide",
    "merino", "alginate", "chitosan", "polypropylene", "elastane", "hemp", "flax", "jute", "ramie",
    "kapok", "cellulose", "polyurethane", "silicone", "ceramics", "titanium", "aluminium", "cork",
    "lignin", "collagen", "keratin", "polyethylene", "polyester", "nylon", "cashmere", "alpaca",
    "mohair", "seaweed", "bamboo", "kenaf", "sisal", "coir", "bioresin", "epoxy", "thermoplastics",
    "neoprene", "latex", "fluoropolymers", "aerogels", "nanofibres", "microfibres", "bioceramics",
    "hydrogels",
)  # fmt: skip
PROCESSES = (
    "electrospinning", "calendering", "laminating", "needlepunching", "spunbonding", "plasma",
    "ultrasonic", "pultrusion", "thermoforming", "moulding", "extrusion", "braiding", "embroidery",
    "sublimation", "lasercutting", "weaving", "warpknitting", "flocking", "bonding", "coating",
    "impregnation", "carding", "felting", "spinning", "twisting", "texturising", "mercerising",
    "sanforising", "bleaching", "printing", "quilting", "tufting", "crocheting", "welding", "moulding",
    "sintering", "machining", "grinding", "polishing", "anodising",
)  # fmt: skip
LEGAL_FORMS = ("SL", "SA", "SAS", "SARL", "AS", "Lda", "GmbH", "Srl")
ORGANISATION_WORDS = (
    "Tèxtil", "Fibres", "Tejidos", "Composites", "Polymères", "Marine", "Teknikk", "Têxteis",
    "Innovació", "Materials", "Solutions", "Labs", "Industrie", "Engineering", "Recycling", "Ocean",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Person:
    """A generated member before it has a database id; `position` is its place in the list."""

    position: int
    name: str
    organisation: int
    cluster: int
    role: str
    bio: str
    offers: str
    seeks: str
    tags: tuple[str, ...]
    listed: bool
    specialty: tuple[str, str]  # (process, material)


@dataclass(slots=True)
class Network:
    clusters: list[ClusterRow]
    organisations: list[tuple[str, int, str]]  # (name, cluster position, city)
    people: list[Person]


def generate(members: int, *, organisations: int | None = None, seed: int = SEED) -> Network:
    """`members` people in the demo's clusters, with about 30 people per organisation."""
    rng = random.Random(seed)
    clusters = list(CLUSTERS)
    organisations = organisations or max(len(clusters), members // 30)
    orgs = []
    seen: set[str] = set()
    while len(orgs) < organisations:
        cluster = rng.randrange(len(clusters))
        pool = _pool(clusters[cluster])
        name = f"{rng.choice(SURNAMES[pool])} {rng.choice(ORGANISATION_WORDS)} {rng.choice(LEGAL_FORMS)}"
        if name not in seen:
            seen.add(name)
            orgs.append((name, cluster, clusters[cluster].region))
    topic_keys = list(TOPICS)
    people = [_person(rng, i, orgs, clusters, topic_keys) for i in range(members)]
    return Network(clusters, orgs, people)


def _pool(cluster: ClusterRow) -> str:
    return cluster.region if cluster.region in FIRST_NAMES else cluster.country


def _person(
    rng: random.Random,
    position: int,
    orgs: list[tuple[str, int, str]],
    clusters: list[ClusterRow],
    topic_keys: list[str],
) -> Person:
    organisation = rng.randrange(len(orgs))
    org_name, cluster_position, city = orgs[organisation]
    cluster = clusters[cluster_position]
    pool = _pool(cluster)
    offered = rng.sample(topic_keys, k=rng.choice((1, 1, 2)))
    sought = rng.sample(cluster.needs, k=rng.choice((1, 1, 2)))
    role = rng.choice(ROLES[rng.choice(list(ROLES))])
    specialty = (rng.choice(PROCESSES), rng.choice(MATERIALS))
    topic = TOPICS[offered[0]]
    bio = rng.choice(BIOS).format(
        role=role,
        role_lower=role if role[:2].isupper() else role[0].lower() + role[1:],
        organisation=org_name,
        city=city,
        years=rng.randint(4, 25),
        field=topic.field,
        sector=cluster.sectors[0],
    )
    tags = [tag for key in offered for tag in TOPICS[key].tags] + [TOPICS[sought[0]].tags[0]]
    return Person(
        position=position,
        name=f"{rng.choice(FIRST_NAMES[pool])} {rng.choice(SURNAMES[pool])}",
        organisation=organisation,
        cluster=cluster_position,
        role=role,
        bio=bio,
        offers="; ".join([*(TOPICS[k].offer for k in offered), f"{specialty[0]} of {specialty[1]}"]),
        seeks="; ".join(TOPICS[key].seek for key in sought),
        tags=tuple(dict.fromkeys(tags)),
        listed=rng.random() < LISTED_SHARE,
        specialty=specialty,
    )


async def load(db: Database, network: Network, *, identities: bool = False, chunk: int = 5000) -> list[int]:
    """Insert the network in bulk; returns the member ids in `network.people` order.

    Members were last edited over the past year (not all at one instant), as in a live directory.
    """
    now = datetime.now(UTC)
    async with db.transaction() as session:
        cluster_ids = [
            (
                await session.execute(
                    insert(Cluster).returning(Cluster.id),
                    {"name": c.name, "region": c.region, "country": c.country, "sectors": list(c.sectors)},
                )
            ).scalar_one()
            for c in network.clusters
        ]
        org_rows = [
            {
                "name": name,
                "kind": "sme",
                "cluster_id": cluster_ids[cluster],
                "country": network.clusters[cluster].country,
                "region": network.clusters[cluster].region,
                "website": "",
            }
            for name, cluster, _city in network.organisations
        ]
        await session.execute(insert(Organisation), org_rows)
    async with db.transaction() as session:
        org_ids = {
            name: oid
            for name, oid in (await session.execute(select(Organisation.name, Organisation.id))).all()
        }
    start = now - timedelta(days=365)
    step = timedelta(days=365) / max(len(network.people), 1)
    for batch in _chunks(network.people, chunk):
        rows = [_member_row(p, org_ids, cluster_ids, network, start + step * p.position) for p in batch]
        async with db.transaction() as session:
            await session.execute(insert(Member), rows)
    async with db.transaction() as session:
        member_ids = list((await session.scalars(select(Member.id).order_by(Member.id))).all())
    if identities:
        for batch in _chunks(list(enumerate(member_ids)), chunk):
            async with db.transaction() as session:
                await session.execute(insert(Identity), [_identity_row(i, mid, now) for i, mid in batch])
    return member_ids


def telegram_user(position: int) -> int:
    """The Telegram user (and private chat) id of the member at `position`."""
    return 500_000 + position


def _identity_row(position: int, member_id: int, now: datetime) -> dict[str, Any]:
    user = str(telegram_user(position))
    return {
        "member_id": member_id,
        "platform": "telegram",
        "user_id": user,
        "chat_id": user,
        "display_name": "",
        "unreachable": False,
        "created_at": now,
    }


def _member_row(
    person: Person, org_ids: dict[str, int], cluster_ids: list[int], network: Network, edited: datetime
) -> dict[str, Any]:
    return {
        "name": person.name,
        "organisation_id": org_ids[network.organisations[person.organisation][0]],
        "cluster_id": cluster_ids[person.cluster],
        "role": person.role,
        "bio": person.bio,
        "offers": person.offers,
        "seeks": person.seeks,
        "tags": list(person.tags),
        "languages": ["en"],
        "listed": person.listed,
        "onboarded": True,
        "created_at": edited,
        "updated_at": edited,
    }


async def add_agenda(db: Database, *, events: int = 40, opportunities: int = 40) -> None:
    """Upcoming events (big enough for every `going`) and open opportunities, from the topics."""
    now = datetime.now(UTC)
    topics = list(TOPICS.values())
    async with db.transaction() as session:
        await session.execute(
            insert(Event),
            [
                {
                    "title": f"B2B session on {topics[i % len(topics)].field} #{i}",
                    "kind": "b2b_session",
                    "starts_at": now + timedelta(days=3 + i),
                    "ends_at": now + timedelta(days=3 + i, hours=3),
                    "place": "Terrassa",
                    "description": topics[i % len(topics)].offer,
                    "capacity": None,
                    "tags": list(topics[i % len(topics)].tags),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(events)
            ],
        )
        await session.execute(
            insert(Opportunity),
            [
                {
                    "kind": "partner_search",
                    "title": f"Partner search: {topics[i % len(topics)].seek}",
                    "description": topics[i % len(topics)].offer,
                    "tags": list(topics[i % len(topics)].tags),
                    "deadline": now + timedelta(days=10 + i),
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(opportunities)
            ],
        )


def profiles(network: Network) -> list[Profile]:
    """The network as the synergy matcher sees it (ids are positions + 1)."""
    return [
        Profile(
            id=p.position + 1,
            name=p.name,
            organisation=network.organisations[p.organisation][0],
            country=network.clusters[p.cluster].country,
            region=network.clusters[p.cluster].region,
            cluster_id=p.cluster + 1,
            sector=network.clusters[p.cluster].sectors[0],
            offers=p.offers,
            seeks=p.seeks,
            tags=p.tags,
            suggestible=p.listed,
        )
        for p in network.people
    ]


def opportunity_profiles(network: Network, count: int, *, seed: int = SEED) -> list[OpportunityProfile]:
    """Calls, partner searches and offers written from the topics and specialties."""
    rng = random.Random(seed + 1)
    topics = list(TOPICS.values())
    found = []
    for i in range(count):
        topic, cluster = rng.choice(topics), rng.randrange(len(network.clusters))
        process, material = rng.choice(PROCESSES), rng.choice(MATERIALS)
        found.append(
            OpportunityProfile(
                id=i + 1,
                title=f"Partner search: {topic.seek}",
                description=f"{topic.offer}; ideally with {process} of {material}.",
                tags=topic.tags,
                country=network.clusters[cluster].country,
                region=network.clusters[cluster].region,
                cluster_id=cluster + 1,
                sector=network.clusters[cluster].sectors[0],
                posted_by=rng.randrange(1, len(network.people) + 1),
            )
        )
    return found


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
