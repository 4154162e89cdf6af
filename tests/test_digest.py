"""The weekly digest: Monday 09:00 in each member's own zone, once a week, never empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.synergy import queue_synergy_alerts, queue_weekly_digests
from store.db import Database
from tests.factories import add_event, add_member, add_opportunity, queued_messages

FINISHING = "recycled-polyester finishing and dyeing trials on our pilot line"
SEEKS_FINISHING = "a finishing house to run dyeing trials on recycled polyester"
# Monday 23 November 2026: Lisbon is on UTC, Oslo one hour ahead.
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


async def digests(db: Database) -> list[tuple[int, str, str]]:
    messages = await queued_messages(db)
    return [(m.member_id, m.cause, m.text) for m in messages if m.cause.startswith("digest:")]


async def test_digests_go_out_at_nine_local_in_lisbon_and_oslo_once_a_week(db: Database, clock) -> None:
    clock.now = MONDAY - timedelta(days=2)
    lisbon = await add_member(db, clock.now, "Inês", timezone="Europe/Lisbon")
    oslo = await add_member(db, clock.now, "Ingrid", timezone="Europe/Oslo")
    await add_event(
        db, clock.now, "B2B session Porto", starts_in=timedelta(days=10), timezone="Europe/Lisbon"
    )

    hours = {}
    for hour in range(6, 12):
        clock.now = MONDAY + timedelta(hours=hour)
        hours[hour] = await queue_weekly_digests(db, clock.now)
        await queue_weekly_digests(db, clock.now + timedelta(minutes=30))  # a second tick in the hour
    assert hours == {6: 0, 7: 0, 8: 1, 9: 1, 10: 0, 11: 0}
    sent = await digests(db)
    assert [(member, cause) for member, cause, _ in sent] == [
        (oslo, "digest:2026-W48"),
        (lisbon, "digest:2026-W48"),
    ]
    lisbon_text = sent[1][2]
    assert "B2B session Porto" in lisbon_text and "WET" in lisbon_text  # shown in her zone
    assert "CET" in sent[0][2]


async def test_no_digest_when_there_is_nothing_new(db: Database, clock) -> None:
    clock.now = MONDAY - timedelta(days=10)
    await add_member(db, clock.now, "Inês", timezone="Europe/Lisbon")
    await add_event(db, clock.now, "Old news", starts_in=timedelta(days=20))  # announced 10 days ago
    clock.now = MONDAY + timedelta(hours=9)
    assert await queue_weekly_digests(db, clock.now) == 0
    assert await digests(db) == []


async def test_the_digest_carries_fitting_opportunities_and_contacts_over_the_alert_cap(
    db: Database, clock
) -> None:
    clock.now = MONDAY - timedelta(days=3)
    seeker = await add_member(db, clock.now, "Joan", seeks=SEEKS_FINISHING, timezone="Europe/Lisbon")
    for n in range(5):
        await add_member(db, clock.now, f"Finisher {n}", offers=FINISHING, muted=True)
    assert await queue_synergy_alerts(db, clock.now) == 3
    opportunity = await add_opportunity(
        db, clock.now, "Recycled polyester dyeing trials wanted", tags=["dyeing"]
    )
    clock.now = MONDAY + timedelta(hours=9, minutes=5)
    assert await queue_weekly_digests(db, clock.now) == 1
    [(member, _cause, text)] = await digests(db)
    assert member == seeker
    assert "Opportunities that fit you" in text and f"opportunity {opportunity}" in text
    assert "Recycled polyester dyeing trials wanted — fits your interests" in text
    assert text.count("Finisher") == 2  # the two over this week's cap of three alerts
    assert "People you could work with" in text


async def test_muted_members_get_the_events_but_no_suggestions(db: Database, clock) -> None:
    clock.now = MONDAY - timedelta(days=3)
    muted = await add_member(
        db, clock.now, "Quiet", seeks=SEEKS_FINISHING, muted=True, timezone="Europe/Lisbon"
    )
    await add_opportunity(db, clock.now, "Recycled polyester dyeing trials wanted", tags=["dyeing"])
    await add_event(db, clock.now, "Learning visit Lyon", starts_in=timedelta(days=9))
    clock.now = MONDAY + timedelta(hours=9)
    assert await queue_weekly_digests(db, clock.now) == 1
    [(member, _cause, text)] = await digests(db)
    assert member == muted
    assert "Learning visit Lyon" in text and "Opportunities" not in text


async def test_a_spanish_reader_gets_the_reasons_in_spanish_too(db: Database, clock) -> None:
    """The frame was translated and the reasons stayed English: 'offers …; you seek …'."""
    clock.now = MONDAY - timedelta(days=3)
    seeker = await add_member(
        db, clock.now, "Joan", seeks=SEEKS_FINISHING, tags=["dyeing"], timezone="Europe/Lisbon", language="es"
    )
    for n in range(4):
        await add_member(db, clock.now, f"Finisher {n}", offers=FINISHING, muted=True)
    await queue_synergy_alerts(db, clock.now)
    await add_opportunity(db, clock.now, "Dyeing trials on recycled polyester", tags=["dyeing"])
    clock.now = MONDAY + timedelta(hours=9, minutes=5)
    await queue_weekly_digests(db, clock.now)
    [(member, _cause, text)] = await digests(db)
    assert member == seeker
    assert "Personas con las que podrías colaborar" in text
    assert "— ofrece recycled-polyester finishing" in text and "; tú buscas a finishing house" in text
    assert "Dyeing trials on recycled polyester — encaja con tus intereses:" in text
    assert "offers" not in text and "you seek" not in text and "fits your interests" not in text
