"""Retention: members gone quiet are warned, then erased; old message texts are dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import String, cast, select, update

from bot.settings import SettingsError, load_settings
from scheduler.retention import RetentionPolicy, empty_old_messages, warn_and_erase_inactive
from scheduler.service import Scheduler, retention_jobs
from store.db import Database
from store.models import Identity, Member, OutboxMessage
from store.outbox import Outbox
from tests.conftest import Clock
from tests.factories import add_member, queued_messages

SIX_MONTHS = RetentionPolicy(inactive_months=6)


async def _names(db: Database) -> dict[str, str]:
    """Each platform account's member name."""
    async with db.transaction() as session:
        rows = await session.execute(select(Identity.user_id, Member.name).join(Member))
        return {user_id: name for user_id, name in rows}


async def _warned(db: Database) -> list[str]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Identity.user_id)
            .join(OutboxMessage, OutboxMessage.member_id == Identity.member_id)
            .where(OutboxMessage.cause.startswith("retention:warning:"))
            .order_by(Identity.user_id)
        )
        return list(rows)


async def test_a_member_silent_for_the_set_months_is_warned_then_erased_unless_they_write(
    db: Database, clock: Clock, chat_as
) -> None:
    for handle in ("quentin", "rosa", "sol"):
        await chat_as(handle).say(f"/profile set name {handle.title()} Example")
    clock.advance(days=170)
    await chat_as("sol").say("/events")  # Sol is still around
    clock.advance(days=11)
    scheduler = Scheduler(db, {}, {}, retention=SIX_MONTHS, clock=clock)
    [job] = [job for job in scheduler.periodic_jobs if job.name == "retention_inactive"]
    assert await scheduler.run_leased(job.name, job.job, job.every)
    assert not await scheduler.run_leased(job.name, job.job, job.every)  # leased: once across processes
    assert await _warned(db) == ["quentin", "rosa"]
    [(_, _, text, buttons), _] = await queued_messages(db)
    assert "You have not written to me for 6 months" in text and "in the next 30 days" in text
    assert buttons == [("Keep my profile", "/profile")]

    clock.advance(days=10)
    await chat_as("rosa").say("/profile")  # writing withdraws the warning
    clock.advance(days=21)
    assert await warn_and_erase_inactive(db, clock.now, SIX_MONTHS) == 0
    names = await _names(db)
    assert "quentin" not in names  # erased: the account is free, the next message starts over
    assert names == {"rosa": "Rosa Example", "sol": "Sol Example"}
    async with db.transaction() as session:
        assert await session.scalar(select(Member.id).where(Member.name == "Quentin Example")) is None
        assert await session.scalar(select(Member.id).where(Member.name == "former member")) is not None


async def test_texts_of_messages_sent_or_given_up_on_are_dropped_after_the_set_days(
    db: Database, clock: Clock
) -> None:
    member = await add_member(db, clock.now, "Ona Puig")
    old = clock.now
    async with db.transaction() as session:
        outbox = Outbox(session)
        for cause in ("sent-old", "dead-old", "pending-old"):
            await outbox.enqueue([member], cause, {"text": f"About Ona Puig: {cause}"}, old)
        await outbox.enqueue([member], "sent-new", {"text": "About Ona Puig: new"}, old + timedelta(days=25))
        for status in ("sent", "dead"):
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.cause.startswith(status)).values(status=status)
            )
    clock.advance(days=31)
    await empty_old_messages(db, clock.now, RetentionPolicy(outbox_days=30))
    async with db.transaction() as session:
        await Outbox(session).enqueue([member], "sent-old", {"text": "again"}, clock.now)  # still a no-op
        rows = await session.execute(
            select(OutboxMessage.cause, cast(OutboxMessage.payload, String)).order_by(OutboxMessage.id)
        )
        payloads = {cause: payload for cause, payload in rows}
    assert payloads["sent-old"] == payloads["dead-old"] == "{}"
    assert "pending-old" in payloads["pending-old"] and "new" in payloads["sent-new"]


def test_retention_jobs_are_scheduled_as_the_settings_say() -> None:
    assert [job.name for job in retention_jobs(RetentionPolicy())] == ["retention_outbox"]
    both = retention_jobs(RetentionPolicy(inactive_months=12, outbox_days=30))
    assert [(job.name, job.nightly_at) for job in both] == [
        ("retention_inactive", 4),
        ("retention_outbox", 4),
    ]
    assert retention_jobs(RetentionPolicy(outbox_days=0)) == ()
    with pytest.raises(SettingsError, match="CLUSTERBOT_RETENTION_INACTIVE_MONTHS"):
        load_settings(retention_inactive_months=-1)
