"""Coordinators announce to a segment: preview with a count, confirm once, follow delivery."""

from __future__ import annotations

from store.db import Database
from tests.factories import add_cluster, add_member, make_coordinator, queued_messages


async def setup_network(db: Database, now) -> None:
    textiles = await add_cluster(db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    ocean = await add_cluster(db, "Ocean Tech Bergen", "Vestland", "Norway", ["ocean technology"])
    for name in ("Núria", "Jordi", "Laia"):
        await add_member(db, now, name, cluster_id=textiles, tags=["recycling"])
    for name in ("Ingrid", "Ola"):
        await add_member(db, now, name, cluster_id=ocean)


async def test_cluster_announcement_previews_confirms_and_reports(db: Database, clock, chat_as) -> None:
    await setup_network(db, clock.now)
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")

    preview = await coordinator.say('/announce cluster:"textil innova" The Porto B2B agenda is out!')
    assert "To: cluster Tèxtil Innova (3 members)" in preview
    [send] = [payload for label, payload in coordinator.buttons if label == "Send to 3"]
    assert await queued_messages(db) == []

    assert "Queued announcement #1 for 3 members" in await coordinator.press(send)
    await coordinator.press(send)  # a double click sends nothing twice
    messages = await queued_messages(db)
    assert len(messages) == 3 and {m.cause for m in messages} == {"announce:1"}
    assert "The Porto B2B agenda is out!" in messages[0].text
    assert "sent 0 · pending 3 · unreachable 0 · failed 0" in await coordinator.say("/announce status 1")


async def test_members_cannot_announce_and_bad_segments_are_explained(db: Database, clock, chat_as) -> None:
    await setup_network(db, clock.now)
    assert "for coordinators only" in await chat_as("member").say("/announce everyone Hi")
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")
    assert "Say who it is for first" in await coordinator.say("/announce planet:Mars Hi")
    assert "What should the announcement say?" in await coordinator.say("/announce everyone")
    unknown_country = await coordinator.say("/announce country:Atlantis Hi")
    assert "I don't know the country 'Atlantis'. Did you mean" in unknown_country
    assert "Nobody is in that segment" in await coordinator.say("/announce tag:atlantis Hi")
    assert "(3 members)" in await coordinator.say("/announce tag:recycling Hi")
    assert "(6 members)" in await coordinator.say("/announce everyone Hi all")
    assert "Discarded announcement #3" in await coordinator.say("/announce discard 3")
