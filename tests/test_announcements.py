"""Coordinators announce to a segment: preview with a count, confirm once, follow delivery."""

from __future__ import annotations

from sqlalchemy import select

from bot.cli import announce_from_script
from bot.settings import Settings
from store.db import Database
from store.models import AuditEntry
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


async def test_the_cli_announce_queues_what_the_chat_queues_and_is_audited(
    db: Database, clock, chat_as
) -> None:
    await setup_network(db, clock.now)
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator(db, "coord")
    await coordinator.say("/announce country:Norway Ferry times are out.")
    [send] = [payload for label, payload in coordinator.buttons if label == "Send to 2"]
    assert "Queued announcement #1 for 2 members" in await coordinator.press(send)

    url = db.engine.url.set(drivername=db.dialect).render_as_string(hide_password=False)
    settings = Settings(database_url=url, default_language="en")
    assert (
        await announce_from_script(settings, "country", "Norway", "Ferry times are out.", "coord", yes=True)
        == 0
    )

    def without_cause(cause: str) -> list[tuple[int, str, list[tuple[str, str]]]]:
        return [(m.member_id, m.text, m.buttons) for m in messages if m.cause == cause]

    messages = await queued_messages(db)
    assert len(without_cause("announce:2")) == 2
    assert without_cause("announce:2") == without_cause("announce:1")
    async with db.transaction() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.actor_name, e.action, e.detail, e.segment) for e in entries if e.action == "announce"] == [
        ("coord", "announce", "announcement #1 to 2 members", "country:Norway"),
        ("system", "announce", "announcement #2 to 2 members", "country:Norway"),
    ]
