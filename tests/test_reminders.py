"""Reminders fire at the right instant in members' zones, once, also after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.jobs import queue_deadline_reminders, queue_event_reminders
from store.db import Database
from tests.factories import add_event, add_opportunity, queued_messages


async def queued(db: Database) -> list[tuple[str, str]]:
    return [(m.cause.split(":")[-1], m.text) for m in await queued_messages(db)]


async def test_reminders_fire_24h_and_1h_before_across_a_clock_change(db: Database, clock, chat_as) -> None:
    # Summer time starts in Madrid on Sunday 28 March 2027 at 02:00. The event is on Monday
    # 29 March at 10:00 CEST = 08:00 UTC; 24 hours before is 08:00 UTC on the Sunday.
    clock.now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)
    event_id = await add_event(
        db,
        clock.now,
        "Smart textiles training",
        starts_in=datetime(2027, 3, 29, 8, 0, tzinfo=UTC) - clock.now,
    )
    await chat_as("marta").say(f"/going {event_id}")

    clock.now = datetime(2027, 3, 28, 7, 59, tzinfo=UTC)
    assert await queue_event_reminders(db, clock.now) == 0
    clock.now = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert await queue_event_reminders(db, clock.now) == 1
    [(offset, text)] = await queued(db)
    assert offset == "24h" and "Mon 29 Mar 2027, 10:00 CEST" in text

    clock.now = datetime(2027, 3, 29, 6, 59, tzinfo=UTC)
    await queue_event_reminders(db, clock.now)
    assert len(await queued(db)) == 1
    clock.now = datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    await queue_event_reminders(db, clock.now)
    await queue_event_reminders(db, clock.now)  # another tick, or another process
    assert [offset for offset, _ in await queued(db)] == ["24h", "1h"]


async def test_after_downtime_only_the_latest_due_reminder_is_sent_once(db: Database, clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "B2B session", starts_in=timedelta(days=3))
    await chat_as("ana").say(f"/going {event_id}")
    clock.advance(days=3, minutes=-30)  # the process was down for both moments
    await queue_event_reminders(db, clock.now)
    await queue_event_reminders(db, clock.now)
    assert [offset for offset, _ in await queued(db)] == ["1h"]


async def test_members_choose_their_reminders_or_none(db: Database, clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "Fair", starts_in=timedelta(days=5))
    custom, silent = chat_as("custom"), chat_as("silent")
    assert "48h, 2h before" in await custom.say("/settings reminders 2h,48h")
    assert "off" in await silent.say("/settings reminders off")
    for chat in (custom, silent):
        await chat.say(f"/going {event_id}")
    clock.advance(days=3)
    await queue_event_reminders(db, clock.now)
    assert [offset for offset, _ in await queued(db)] == ["48h"]
    assert "Give one to 4 times" in await custom.say("/settings reminders 1h,2h,3h,4h,5h")


async def test_cancelled_events_and_people_not_going_get_no_reminder(db: Database, clock, chat_as) -> None:
    event_id = await add_event(db, clock.now, "Cancelled", starts_in=timedelta(hours=20), cancelled=True)
    other_id = await add_event(db, clock.now, "Other", starts_in=timedelta(hours=20))
    await chat_as("ana").say(f"/notgoing {other_id}")
    assert event_id and await queue_event_reminders(db, clock.now) == 0


async def test_followers_hear_7_days_and_1_day_before_a_deadline(db: Database, clock, chat_as) -> None:
    opportunity_id = await add_opportunity(
        db, clock.now, "Digital textiles call", deadline=clock.now + timedelta(days=10)
    )
    follower = chat_as("follower")
    assert "You follow opportunity" in await follower.say(f"/follow {opportunity_id}")
    assert await queue_deadline_reminders(db, clock.now) == 0
    clock.advance(days=3)
    await queue_deadline_reminders(db, clock.now)
    clock.advance(days=6)
    await queue_deadline_reminders(db, clock.now)
    reminders = await queued(db)
    assert [offset for offset, _ in reminders] == ["7d", "1d"]
    assert "Deadline in 7 days: Digital textiles call" in reminders[0][1]
    assert "Deadline tomorrow" in reminders[1][1]
    assert "no longer follow" in await follower.say(f"/unfollow {opportunity_id}")


async def test_settings_show_and_change_alerts_and_suggestions(db: Database, chat_as) -> None:
    chat = chat_as("ana")
    shown = await chat.say("/settings")
    assert "Event reminders: 24h, 1h before" in shown and "Suggested to other members: yes" in shown
    assert "Suggesting you to other members: off" in await chat.say("/settings suggestions off")
    assert "Suggestions and alerts: off" in await chat.say("/settings alerts off")
    shown = await chat.say("/settings")
    assert "Suggested to other members: no" in shown and "Suggestions and alerts: off" in shown
    assert "Say settings suggestions on" in await chat.say("/settings suggestions maybe")
