"""Synergy alerts: the right pairs, in the right order, for the right people, once, rationed."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select, update

from scheduler.matcher import scan
from scheduler.synergy import queue_incremental_synergy_alerts, queue_synergy_alerts
from store.db import Database
from store.jobs import JobLeases
from store.models import Introduction, Member, Rsvp
from store.repository import Store
from store.synergy import OpportunityProfile, Profile, Synergy
from tests.factories import add_cluster, add_event, add_member, add_opportunity, queued_messages

FINISHING = "recycled-polyester finishing and dyeing trials on our pilot line"
SEEKS_FINISHING = "a finishing house to run dyeing trials on recycled polyester"
KNITTING = "seamless 3D-knit prototypes delivered within two weeks"
SEEKS_KNITTING = "a knitting partner for seamless 3D-knit prototypes"


def test_scan_pairs_seekers_with_offers_and_says_why() -> None:
    marta = Profile(1, "Marta", "Fil Vert", "France", "Auvergne-Rhône-Alpes", 1, "textile", offers=FINISHING)
    joan = Profile(2, "Joan", "Teixits Sala", "Spain", "Catalonia", 2, "textile", seeks=SEEKS_FINISHING)
    ines = Profile(3, "Inês", "Malhas Norte", "Portugal", "Norte", 3, "textile", offers=KNITTING)
    [match] = scan([marta, joan, ines], [])
    assert (match.member_id, match.other_id, match.kind) == (2, 1, "member")
    assert match.cause == "synergy:m2:m1"
    assert match.reason.text("en") == (
        f"Marta — Fil Vert, France — offers {FINISHING}; you seek {SEEKS_FINISHING}"
    )


def test_cross_cluster_pairs_rank_above_same_cluster_ones_at_equal_similarity() -> None:
    seeker = Profile(1, "Joan", cluster_id=1, country="Spain", seeks=SEEKS_FINISHING)
    neighbour = Profile(2, "Pau", cluster_id=1, country="Spain", offers=FINISHING)
    abroad = Profile(3, "Marta", cluster_id=2, country="France", offers=FINISHING)
    other_cluster = Profile(4, "Laia", cluster_id=3, country="Spain", offers=FINISHING)
    ranked = [m.other_id for m in scan([seeker, neighbour, abroad, other_cluster], [])]
    assert ranked == [3, 4, 2]


def test_scan_respects_muted_and_unsuggestible_members_and_known_pairs() -> None:
    muted = Profile(1, "Joan", seeks=SEEKS_FINISHING, alerts=False)
    hidden = Profile(2, "Marta", offers=FINISHING, suggestible=False)
    open_ = Profile(3, "Laia", offers=FINISHING, seeks=SEEKS_KNITTING)
    seeker = Profile(4, "Pau", seeks=SEEKS_FINISHING)
    found = {(m.member_id, m.other_id) for m in scan([muted, hidden, open_, seeker], [])}
    assert found == {(4, 3)}
    assert scan([muted, hidden, open_, seeker], [], known_pairs={(3, 4)}) == []


def test_scan_finds_opportunities_that_fit_a_member() -> None:
    member = Profile(1, "Joan", seeks=SEEKS_FINISHING, tags=("dyeing", "recycled polyester"))
    fitting = OpportunityProfile(
        7,
        "Partner search: dyeing trials on recycled polyester",
        "A finishing house for dyeing trials",
        ("dyeing",),
    )
    unrelated = OpportunityProfile(8, "Offshore wind mooring call", "Floating foundations", ("wind",))
    own = OpportunityProfile(9, "Recycled polyester dyeing trials", "", ("dyeing",), posted_by=1)
    [match] = scan([member], [fitting, unrelated, own])
    assert (match.member_id, match.other_id, match.kind) == (1, 7, "opportunity")
    assert match.cause == "synergy:m1:o7"
    assert match.reason.text("en").startswith(
        "Partner search: dyeing trials on recycled polyester — fits your interests:"
    )


async def seed_network(db: Database, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    techtera = await add_cluster(db, "Techtera", "Auvergne-Rhône-Alpes", "France", ["textile"])
    textil = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textile"])
    ocean = await add_cluster(db, "Ocean Energy Norway", "Vestland", "Norway", ["energy"])
    ids = {
        "marta": await add_member(
            db, now, "Marta", cluster_id=techtera, organisation="Fil Vert", offers=FINISHING
        ),
        "pau": await add_member(
            db, now, "Pau", cluster_id=textil, organisation="Acabats Pau", offers=FINISHING
        ),
        "joan": await add_member(
            db, now, "Joan", cluster_id=textil, organisation="Teixits Sala", seeks=SEEKS_FINISHING
        ),
        "ingrid": await add_member(
            db, now, "Ingrid", cluster_id=ocean, organisation="Fjord Knit", offers=KNITTING
        ),
        "laia": await add_member(
            db, now, "Laia", cluster_id=textil, organisation="Punt Laia", seeks=SEEKS_KNITTING
        ),
    }
    return ids


async def test_a_seeded_network_gets_its_expected_pairs_in_order_with_reasons(db: Database, clock) -> None:
    ids = await seed_network(db, clock.now)
    async with db.transaction() as session:
        found = scan(await Synergy(session).profiles(), [])
    assert [(m.member_id, m.other_id) for m in found] == [
        (ids["joan"], ids["marta"]),  # the closest texts, across clusters and countries
        (ids["laia"], ids["ingrid"]),  # looser texts, across clusters, countries and sectors
        (ids["joan"], ids["pau"]),  # Marta's offer again, but in Joan's own cluster
    ]
    assert (
        found[0]
        .reason.text("en")
        .startswith("Marta — Fil Vert, France — offers recycled-polyester finishing")
    )

    assert await queue_synergy_alerts(db, clock.now) == 3
    sent = await queued_messages(db)
    assert {(member, cause) for member, cause, _, _ in sent} == {
        (ids["laia"], f"synergy:m{ids['laia']}:m{ids['ingrid']}"),
        (ids["joan"], f"synergy:m{ids['joan']}:m{ids['marta']}"),
        (ids["joan"], f"synergy:m{ids['joan']}:m{ids['pau']}"),
    }
    marta_alert = next(a for a in sent if a[1].endswith(f":m{ids['marta']}"))
    assert "Marta — Fil Vert, France — offers" in marta_alert[2]
    assert marta_alert[3] == [("Introduce me", f"/introduce #{ids['marta']}")]


async def test_the_same_pair_is_never_suggested_twice(db: Database, clock) -> None:
    ids = await seed_network(db, clock.now)
    assert await queue_synergy_alerts(db, clock.now) == 3
    clock.advance(days=8)
    assert await queue_synergy_alerts(db, clock.now) == 0
    # Marta now also seeks what Joan offers: the pair is known, whoever would be told.
    async with db.transaction() as session:
        await session.execute(
            update(Member)
            .where(Member.id == ids["marta"])
            .values(seeks="weaving of technical fabrics", updated_at=clock.now)
        )
        await session.execute(
            update(Member).where(Member.id == ids["joan"]).values(offers="weaving of technical fabrics")
        )
    assert await queue_incremental_synergy_alerts(db, clock.now) == 0
    assert await queue_synergy_alerts(db, clock.now) == 0
    assert len(await queued_messages(db)) == 3


async def test_the_incremental_scan_matches_a_new_member_and_a_new_opportunity(db: Database, clock) -> None:
    ids = await seed_network(db, clock.now)
    await queue_synergy_alerts(db, clock.now)
    async with db.transaction() as session:
        await JobLeases(session).claim("synergy_incremental", clock.now, timedelta(minutes=9))
        await JobLeases(session).finished("synergy_incremental", clock.now)
    clock.advance(minutes=30)
    newcomer = await add_member(db, clock.now, "Nuno", organisation="Fios Nuno", seeks=SEEKS_KNITTING)
    call = await add_opportunity(
        db, clock.now, "Seamless 3D-knit prototypes for a sportswear pilot", tags=["knitting"]
    )
    assert await queue_incremental_synergy_alerts(db, clock.now) == 4
    causes = {(member, cause) for member, cause, _, _ in (await queued_messages(db))[3:]}
    assert causes == {
        (newcomer, f"synergy:m{newcomer}:m{ids['ingrid']}"),
        (newcomer, f"synergy:m{newcomer}:o{call}"),
        (ids["laia"], f"synergy:m{ids['laia']}:o{call}"),  # a new opportunity reaches everyone it fits
        (ids["ingrid"], f"synergy:m{ids['ingrid']}:o{call}"),  # she offers what it looks for
    }
    opportunity_alert = next(a for a in await queued_messages(db) if a[1] == f"synergy:m{newcomer}:o{call}")
    assert opportunity_alert[3] == [("Details", f"/opportunity {call}"), ("Follow", f"/follow {call}")]


async def test_at_most_three_alerts_a_week_and_the_rest_wait_for_the_digest(db: Database, clock) -> None:
    seeker = await add_member(db, clock.now, "Joan", seeks=SEEKS_FINISHING)
    offerers = [
        await add_member(db, clock.now, f"Finisher {n}", offers=FINISHING, muted=True) for n in range(5)
    ]
    assert await queue_synergy_alerts(db, clock.now) == 3
    async with db.transaction() as session:
        suggested = set(
            await session.scalars(select(Introduction.target_id).where(Introduction.requester_id == seeker))
        )
    assert suggested == set(offerers)  # 3 alerted, 2 kept for the digest
    clock.advance(days=3)
    await add_opportunity(db, clock.now, "Recycled polyester dyeing trials wanted", tags=["dyeing"])
    assert await queue_synergy_alerts(db, clock.now) == 0  # still within the same 7 days
    clock.advance(days=5)
    assert await queue_synergy_alerts(db, clock.now) == 1  # a new week: the opportunity


async def test_muted_unsuggestible_and_unlisted_members_are_respected(db: Database, clock) -> None:
    muted = await add_member(db, clock.now, "Muted", seeks=SEEKS_FINISHING, muted=True)
    await add_member(db, clock.now, "Private", offers=FINISHING, suggestible=False)
    await add_member(db, clock.now, "Unlisted", offers=FINISHING, listed=False)
    seeker = await add_member(db, clock.now, "Seeker", seeks=SEEKS_FINISHING)
    assert await queue_synergy_alerts(db, clock.now) == 0
    visible = await add_member(db, clock.now, "Visible", offers=FINISHING)
    assert await queue_synergy_alerts(db, clock.now) == 1
    [(member, cause, _, _)] = await queued_messages(db)
    assert (member, cause) == (seeker, f"synergy:m{seeker}:m{visible}")
    assert muted != member


async def test_a_suggestion_has_a_meet_button_when_a_b2b_session_lets_the_two_meet(
    db: Database, clock
) -> None:
    ids = await seed_network(db, clock.now)
    event = await add_event(db, clock.now, "B2B day", starts_in=timedelta(days=3), kind="b2b_session")
    async with db.transaction() as session:
        await Store(session).meetings.set_up(event, clock.now, windows=["10:00-12:00"], tables=["1"])
        session.add_all(
            Rsvp(member_id=m, event_id=event, status="going", updated_at=clock.now)
            for m in (ids["joan"], ids["marta"])
        )
    assert await queue_synergy_alerts(db, clock.now) == 3
    buttons = {cause: labels for _member, cause, _text, labels in await queued_messages(db)}
    assert buttons[f"synergy:m{ids['joan']}:m{ids['marta']}"] == [
        ("Introduce me", f"/introduce #{ids['marta']}"),
        ("Meet Marta", f"/meet #{ids['marta']} {event}"),
    ]
    # Laia and Ingrid are not going: no session lets them meet, so no Meet button.
    assert buttons[f"synergy:m{ids['laia']}:m{ids['ingrid']}"] == [
        ("Introduce me", f"/introduce #{ids['ingrid']}")
    ]


def test_a_seeker_with_tags_is_matched_with_offerers_who_have_none() -> None:
    """The tag overlap of a pair whose offering side has no tag at all crashed the whole scan."""
    marta = Profile(1, "Marta", "Fil Vert", "France", "Auvergne-Rhône-Alpes", 1, "textile", offers=FINISHING)
    joan = Profile(2, "Joan", "Teixits Sala", "Spain", "Catalonia", 2, "textile", seeks=SEEKS_FINISHING)
    joan = replace(joan, tags=("dyeing",))
    [match] = scan([marta, joan], [])
    assert (match.member_id, match.other_id) == (2, 1)
    assert match.reason.text("es").startswith("Marta — Fil Vert, France — ofrece ")


def test_a_scan_leaves_the_garbage_collector_as_it_found_it() -> None:
    """The scan pauses the cyclic collector while it runs; it must come back on, and stay off if it was."""
    marta = Profile(1, "Marta", offers=FINISHING)
    joan = Profile(2, "Joan", seeks=SEEKS_FINISHING)
    assert gc.isenabled()
    assert len(scan([marta, joan], [])) == 1
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(scan([marta, joan], [])) == 1
        assert not gc.isenabled()
    finally:
        gc.enable()
