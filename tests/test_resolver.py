"""One resolver for typed clusters, places and members: exact or short name, else "did you mean"."""

from __future__ import annotations

from sqlalchemy import select

from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from store.models import Announcement, Member
from store.repository import Store
from store.resolver import match, short_names
from tests.conftest import Chat, Clock
from tests.factories import add_cluster, add_member, make_coordinator

TEXCAT = "TEXCAT Catalan Advanced Textiles Cluster"
FIBRALP = "Fibralp Technical Textiles Cluster"
CLUSTERS = {1: TEXCAT, 2: FIBRALP, 3: "Plastivallée Polymer Cluster"}
ALIASES = {key: short_names(name) for key, name in CLUSTERS.items()}


def test_exact_names_match_ignoring_case_accents_and_spaces() -> None:
    assert match("plastivallee   polymer CLUSTER", CLUSTERS, ALIASES).key == 3
    assert match(f"  {TEXCAT.lower()} ", CLUSTERS, ALIASES).key == 1


def test_a_short_name_or_code_matches_its_cluster() -> None:
    assert match("TEXCAT", CLUSTERS, ALIASES).key == 1
    assert match("texcat", CLUSTERS, ALIASES).key == 1
    assert match("Fibralp", CLUSTERS, ALIASES).key == 2


def test_an_unknown_name_is_never_guessed_but_gets_the_closest_candidates() -> None:
    found = match("Nonexistent Cluster", CLUSTERS, ALIASES)
    assert found.key is None
    assert match("Fibralp Textiles", CLUSTERS, ALIASES).key is None
    assert match("Fibralp Textiles", CLUSTERS, ALIASES).candidates[0] == 2


def test_a_short_name_two_clusters_share_is_not_guessed() -> None:
    names = {1: "Porto Têxtil", 2: "Porto Moda"}
    shared = match("porto", names, {key: short_names(name) for key, name in names.items()})
    assert shared.key is None
    assert set(shared.candidates) == {1, 2}


async def test_the_store_resolves_clusters_regions_and_sectors_by_their_spelling(db: Database) -> None:
    await add_cluster(db, TEXCAT, "Catalonia", "Spain", ["textiles", "circular economy"])
    await add_cluster(db, FIBRALP, "Auvergne-Rhône-Alpes", "France", ["technical textiles"])
    async with db.transaction() as session:
        resolver = Store(session).resolver
        cluster = await resolver.cluster("texcat")
        assert cluster.found is not None and cluster.found.name == TEXCAT
        assert (await resolver.place("region", "auvergne-rhone-alpes")).found == "Auvergne-Rhône-Alpes"
        assert (await resolver.place("sector", "Circular  Economy")).found == "circular economy"
        unknown = await resolver.place("region", "Catalunya Nord")
        assert unknown.found is None
        assert ("Catalonia", "Catalonia") in unknown.suggestions


def chat(db: Database, clock: Clock, user: str) -> Chat:
    options = Options(admins=frozenset({"console:boss"}))
    return Chat(Assistant(db, build_router(), build_flows(), options=options, clock=clock), user)


async def cluster_of(db: Database, member_id: int) -> int | None:
    async with db.transaction() as session:
        return await session.scalar(select(Member.cluster_id).where(Member.id == member_id))


async def test_an_unknown_cluster_in_profile_set_saves_nothing_and_offers_buttons(
    db: Database, clock: Clock
) -> None:
    texcat = await add_cluster(db, TEXCAT, "Catalonia", "Spain", ["textiles"])
    fibralp = await add_cluster(db, FIBRALP, "Auvergne-Rhône-Alpes", "France", ["textiles"])
    marta = await add_member(db, clock.now, "Marta Ferrer", cluster_id=fibralp, handle="marta")
    person = chat(db, clock, "marta")

    answer = await person.say("/profile set cluster Nonexistent Cluster")

    assert "Saved" not in answer
    assert "I don't know the cluster 'Nonexistent Cluster'. Did you mean one of these?" in answer
    assert await cluster_of(db, marta) == fibralp
    assert (TEXCAT, f"/profile set cluster {TEXCAT}") in person.buttons
    assert "Saved your" in await person.press(f"/profile set cluster {TEXCAT}")
    assert await cluster_of(db, marta) == texcat
    await person.say("/profile set cluster fibralp")
    assert await cluster_of(db, marta) == fibralp


async def test_a_short_name_works_in_announce_as_in_coordinator_add(db: Database, clock: Clock) -> None:
    texcat = await add_cluster(db, TEXCAT, "Catalonia", "Spain", ["textiles"])
    await add_member(db, clock.now, "Marta Ferrer", cluster_id=texcat, handle="marta")
    admin = chat(db, clock, "boss")

    assert f"is now a coordinator for {TEXCAT}" in await admin.say(
        "/coordinator add Marta Ferrer cluster:TEXCAT"
    )
    preview = await chat(db, clock, "marta").say("/announce cluster:TEXCAT The agenda is out.")

    assert f"To: cluster {TEXCAT} (1 member)" in preview
    async with db.transaction() as session:
        drafts = (await session.scalars(select(Announcement))).all()
    assert [(a.segment_kind, a.segment_value) for a in drafts] == [("cluster", TEXCAT)]


async def test_an_unknown_segment_name_drafts_nothing_and_offers_the_closest(
    db: Database, clock: Clock
) -> None:
    await add_cluster(db, TEXCAT, "Catalonia", "Spain", ["textiles"])
    await add_member(db, clock.now, "Cora Vidal", handle="cora")
    await make_coordinator(db, "cora")
    cora = chat(db, clock, "cora")

    answer = await cora.say("/announce region:Catalunia Hello all")

    assert "I don't know the region 'Catalunia'. Did you mean one of these?" in answer
    assert ("Catalonia", "/announce region:Catalonia Hello all") in cora.buttons
    async with db.transaction() as session:
        assert (await session.scalars(select(Announcement))).all() == []


async def test_onboarding_offers_the_closest_clusters_for_an_unknown_answer(
    db: Database, clock: Clock
) -> None:
    await add_cluster(db, TEXCAT, "Catalonia", "Spain", ["textiles"])
    person = chat(db, clock, "nou")
    await person.say("/start")
    await person.say("Nou Vingut")
    await person.say("Nou SL")

    answer = await person.say("Texcatt")

    assert "I don't know the cluster 'Texcatt'. Did you mean one of these?" in answer
    assert (TEXCAT, TEXCAT) in person.buttons
    assert "(4/10)" in await person.press(TEXCAT)


async def test_a_member_name_is_not_guessed_but_offered(db: Database, clock: Clock) -> None:
    await add_member(db, clock.now, "Marta Ferrer")
    await add_member(db, clock.now, "Marta Puig")
    admin = chat(db, clock, "boss")

    answer = await admin.say("/coordinator add Marta")

    assert "I found no member called 'Marta'. Did you mean one of these?" in answer
    assert admin.buttons == [
        ("#1 Marta Ferrer", "/coordinator add 1"),
        ("#2 Marta Puig", "/coordinator add 2"),
    ]
    assert "Marta Puig (#2) is now a coordinator for all clusters." in await admin.press("/coordinator add 2")
