"""Booking a B2B meeting through the real adapters: Telegram with buttons only, and a Slack press."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select, update

from bot.http import HttpServer
from bot.slack import SlackAdapter
from handlers.engine.assistant import Assistant
from scheduler.checkbacks import queue_checkbacks
from scheduler.meetings import queue_meeting_reminders
from store.db import Database
from store.demo import seed_demo
from store.models import Checkback, Cluster, Identity, Meeting, Member, OutboxMessage, Rsvp
from store.repository import Store
from tests.conftest import Clock
from tests.factories import add_cluster, add_event, add_member
from tests.fakes.slack_api import FakeSlackApi, SlackSender
from tests.fakes.telegram_api import FakeTelegram, User
from tests.test_outbox import worker
from tests.test_slack_events import USER as LAIA
from tests.test_slack_events import section_text, slack_settings
from tests.test_telegram_adapter import ANA, bot, press, say, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)
PAU = User(1003, "Pau", "Vidal", "en")


async def b2b_day(db: Database, clock: Clock, member_ids: list[int]) -> int:
    """Event #1 in three days, 10:00-12:00 Madrid time in 20-minute slots at 4 tables, all going."""
    event = await add_event(db, clock.now, "B2B day", starts_in=timedelta(days=3), kind="b2b_session")
    async with db.transaction() as session:
        await Store(session).meetings.set_up(
            event, clock.now, windows=["10:00-12:00"], tables=["1", "2", "3", "4"]
        )
        session.add_all(
            Rsvp(member_id=m, event_id=event, status="going", updated_at=clock.now) for m in member_ids
        )
    return event


async def drain(db: Database, clock: Clock, deliver: Any) -> None:
    """Drain the outbox; a message Telegram refused for flood control is retried on the clock."""
    for _ in range(5):
        await deliver.drain_once()
        async with db.transaction() as session:
            waiting = await session.scalar(
                select(func.count()).where(OutboxMessage.status.in_(("pending", "failed")))
            )
        if not waiting:
            return
        clock.advance(seconds=10)
        await asyncio.sleep(0.05)  # the fake's per-chat window is real time
    raise AssertionError("the outbox did not drain")


async def member_of(db: Database, platform: str, user_id: str) -> int:
    """The member behind an account (a Slack id is stored with its team in front)."""
    async with db.transaction() as session:
        found = await session.scalar(
            select(Identity.member_id).where(
                Identity.platform == platform, Identity.user_id.endswith(user_id)
            )
        )
        assert found is not None
        return found


async def test_two_telegram_members_book_accept_and_get_the_card_and_invitation_with_buttons(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
) -> None:
    for user in (ANA, PAU):
        await say(telegram, user, "/events")
    ana, pau = await member_of(db, "telegram", str(ANA.id)), await member_of(db, "telegram", str(PAU.id))
    event = await b2b_day(db, clock, [ana, pau])

    [slots] = await say(telegram, ANA, f"/meet #{pau} {event}")
    assert "pick a time" in slots.text
    before = len(telegram.sent(ANA.id))
    await telegram.press(ANA, slots, dict(slots.buttons)["10:20"])
    asked = (await telegram.wait_for_messages(ANA.id, before + 1))[-1]
    assert "I've asked Pau Vidal to meet you" in asked.text

    await worker(db, clock, bot).drain_once()
    [request] = (await telegram.wait_for_messages(PAU.id, 2))[1:]
    assert "Ana Puig would like to meet you at B2B day" in request.text
    assert [label for label, _ in request.buttons] == ["Accept", "Propose another time", "Decline"]
    await telegram.press(PAU, request, request.buttons[0][1])
    card, invitation = (await telegram.wait_for_messages(PAU.id, 4))[2:]
    assert "Meeting confirmed with Ana Puig at B2B day" in card.text + invitation.text
    assert invitation.document is not None

    await worker(db, clock, bot).drain_once()
    sent = await telegram.wait_for_messages(ANA.id, before + 3)
    assert any("Meeting confirmed with Pau Vidal" in message.text for message in sent)
    [document] = [message.document for message in sent if message.document]
    [entry] = Calendar.from_ical(document).walk("VEVENT")
    assert (str(entry["UID"]), entry["SEQUENCE"]) == ("meeting-1@clusterbot", 0)


@pytest.fixture
async def slack(
    db: Database, assistant: Assistant
) -> AsyncIterator[tuple[FakeSlackApi, SlackSender, SlackAdapter]]:
    async with FakeSlackApi() as api:
        api.add_user(LAIA, "Laia Puig", tz="Europe/Lisbon", locale="en-GB")
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        adapter = SlackAdapter(slack_settings(api), assistant, db, http)
        await http.start()
        await adapter.start()
        yield api, SlackSender(f"{http.url}/slack/events"), adapter
        await adapter.stop()
        await http.stop()


async def ana_and_laia(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],
    db: Database,
    clusters: tuple[int, int],
) -> tuple[int, int]:
    """Ana on Telegram and Laia on Slack write first, then are listed members of the two clusters."""
    api, sender, _adapter = slack
    await say(telegram, ANA, "/events")
    await sender.dm(LAIA, "events")
    await api.wait_for(lambda: api.dm_messages(LAIA))
    ana, laia = await member_of(db, "telegram", str(ANA.id)), await member_of(db, "slack", LAIA)
    async with db.transaction() as session:
        for member_id, cluster_id in zip((ana, laia), clusters, strict=True):
            await session.execute(
                update(Member)
                .where(Member.id == member_id)
                .values(cluster_id=cluster_id, listed=True, onboarded=True)
            )
    return ana, laia


async def press_on_slack(sender: SlackSender, user: str, message: Any, label: str, item: str = "") -> None:
    """`user` presses the button labelled `label` on a Slack message the bot sent them; with
    `item`, the one beside the list item whose title holds `item`."""
    if item:
        button = next(
            b["accessory"] for b in message.blocks if "accessory" in b and item in b["text"]["text"]
        )
        assert button["text"]["text"] == label
    else:
        button = next(
            e
            for b in message.blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["text"]["text"] == label
        )
    await click_on_slack(sender, user, message, button)


async def click_on_slack(sender: SlackSender, user: str, message: Any, button: dict[str, Any]) -> None:
    """`user` presses `button` (as the bot sent it) on a Slack message the bot sent them."""
    status, _ = await sender.click(
        user,
        button,
        container={"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        channel={"id": message.channel},
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
    )
    assert status == 200


async def test_a_slack_member_accepts_a_request_with_one_press(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter], db: Database, clock: Clock, chat_as
) -> None:
    api, sender, adapter = slack
    await sender.dm(LAIA, "events")
    await api.wait_for(lambda: api.dm_messages(LAIA))
    laia = await member_of(db, "slack", LAIA)
    joan = await add_member(db, clock.now, "Joan", handle="joan")
    event = await b2b_day(db, clock, [laia, joan])
    assert "I've asked Laia Puig" in await chat_as("joan").say(f"/meet at {event} #{laia} 10:20")

    await worker(db, clock, adapter).drain_once()
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    request = api.dm_messages(LAIA)[1]
    assert "would like to meet you at B2B day: Thu 26 Nov 2026, 09:20 WET–09:40, table 1" in section_text(
        request.blocks
    )
    await press_on_slack(sender, LAIA, request, "Accept")
    await api.wait_for(api.shared_files)
    async with db.transaction() as session:
        assert (await session.get(Meeting, 1)).status == "accepted"  # type: ignore[union-attr]
    [upload] = api.shared_files()
    assert upload["content"].startswith(b"BEGIN:VCALENDAR") and b"METHOD:REQUEST" in upload["content"]


async def test_a_telegram_member_and_a_slack_member_of_two_clusters_meet_reminded_and_checked_back(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],
    db: Database,
    clock: Clock,
) -> None:
    api, sender, slack_adapter = slack
    textiles = await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    plastics = await add_cluster(db, "Plastivallée", "Auvergne-Rhône-Alpes", "France", ["plastics"])
    ana, laia = await ana_and_laia(telegram, slack, db, (textiles, plastics))
    event = await b2b_day(db, clock, [ana, laia])
    deliver = worker(db, clock, bot, slack_adapter)

    async def deliver_all() -> None:
        await drain(db, clock, deliver)

    # Ana finds Laia, presses Meet on her card, then a free slot.
    [found] = await say(telegram, ANA, "/find Laia")
    assert "Laia Puig" in found.text and "Plastivallée" in found.text
    assert [label for label, _ in found.buttons] == ["Introduce me to Laia Puig", "Meet Laia Puig"]
    assert dict(found.buttons)["Meet Laia Puig"] == f"/meet #{laia} {event}"
    slots = await press(telegram, ANA, found, "Meet Laia Puig")
    assert "Meet Laia Puig at B2B day: pick a time" in slots.text
    before = len(telegram.sent(ANA.id))
    await telegram.press(ANA, slots, dict(slots.buttons)["10:20"])
    assert "I've asked Laia Puig" in (await telegram.wait_for_messages(ANA.id, before + 1))[-1].text

    # Laia accepts on Slack with one press; both get the card and the invitation.
    await deliver_all()
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    await press_on_slack(sender, LAIA, api.dm_messages(LAIA)[1], "Accept")
    await api.wait_for(api.shared_files)
    await deliver_all()
    sent = await telegram.wait_for_messages(ANA.id, before + 3)
    assert any("Meeting confirmed with Laia Puig" in message.text for message in sent)
    assert any(message.document for message in sent)

    # Fifteen minutes before (10:20 Madrid is 09:20 UTC on the day), both are reminded.
    start = clock.now.replace(hour=9, minute=20) + timedelta(days=3)
    clock.now = start - timedelta(minutes=15)
    telegram_before, slack_before = len(telegram.sent(ANA.id)), len(api.dm_messages(LAIA))
    assert await queue_meeting_reminders(db, clock.now) == 2
    await deliver_all()
    reminded = await telegram.wait_for_messages(ANA.id, telegram_before + 1)
    assert "⏰ Meeting with Laia Puig at 10:20" in reminded[-1].text
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == slack_before + 1)
    assert "⏰ Meeting with *Ana Puig* at 09:20" in api.dm_messages(LAIA)[-1].text  # Lisbon time
    slack_before += 1

    # Thirty minutes after the 20-minute meeting, each answers the check-back with one press.
    clock.now = start + timedelta(minutes=50)
    assert await queue_checkbacks(db, clock.now) == 2
    await deliver_all()
    [question] = (await telegram.wait_for_messages(ANA.id, len(reminded) + 1))[len(reminded) :]
    assert "How was your meeting with Laia Puig" in question.text
    thanked = await press(telegram, ANA, question, "Useful, no cooperation planned")
    assert "Thank you, noted." in thanked.text
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == slack_before + 1)
    assert "How was your meeting with *Ana Puig*" in api.dm_messages(LAIA)[-1].text
    calls = len(api.calls)
    await press_on_slack(sender, LAIA, api.dm_messages(LAIA)[-1], "Cooperation possible")
    await api.wait_for(lambda: len(api.calls) > calls)  # the answer to the press, after its commit
    async with db.transaction() as session:
        rows = await session.execute(select(Checkback.member_id, Checkback.answer))
        assert {member_id: answer for member_id, answer in rows} == {ana: "useful", laia: "cooperation"}

    # "Cooperation possible" asks for the next step, then its date with buttons, one at a time.
    await api.wait_for(lambda: "What is the next step?" in api.dm_messages(LAIA)[-1].text)
    asked = len(api.dm_messages(LAIA))
    await sender.dm(LAIA, "send Ana the compound datasheets")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) > asked)
    when = api.dm_messages(LAIA)[-1]
    assert "When should I check with you about it?" in when.text
    await press_on_slack(sender, LAIA, when, "In 2 weeks")
    await api.wait_for(lambda: "I'll remind you on" in api.dm_messages(LAIA)[-1].text)
    follow_up_on = clock.now.date() + timedelta(days=14)
    assert f"I'll remind you on {follow_up_on.isoformat()}" in api.dm_messages(LAIA)[-1].text

    # On that date, the follow-up reaches Laia on Slack.
    clock.now += timedelta(days=14)
    reminded = len(api.dm_messages(LAIA))
    assert await queue_checkbacks(db, clock.now) == 1
    await deliver_all()
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) > reminded)
    assert (
        "Today is the day you planned a next step with *Ana Puig*: send Ana the compound datasheets"
        in api.dm_messages(LAIA)[-1].text
    )


async def test_at_demo_event_5_a_telegram_member_books_a_slack_member_with_buttons_only(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],
    db: Database,
    clock: Clock,
) -> None:
    """The Done-when of issue 12 on the demo network: from event #5's card, "Book meetings", a
    member's "Meet" button, a 20-minute slot; the other side accepts on Slack with one press."""
    api, sender, slack_adapter = slack
    await seed_demo(db, clock.now)
    async with db.transaction() as session:
        clusters = dict((await session.execute(select(Cluster.name, Cluster.id))).all())
    sides = (clusters["TEXCAT Catalan Advanced Textiles Cluster"], clusters["Plastivallée Polymer Cluster"])
    ana, _laia = await ana_and_laia(telegram, slack, db, sides)

    [card] = await say(telegram, ANA, "/event 5")
    assert "B2B session: circular textiles meet polymers" in card.text
    listing = await press(telegram, ANA, card, "Book meetings")
    assert (
        "Whom would you like to meet at B2B session: circular textiles meet polymers (TEXCAT" in listing.text
    )
    while "Meet Laia Puig" not in dict(listing.buttons):
        listing = await press(telegram, ANA, listing, "More")
    slots = await press(telegram, ANA, listing, "Meet Laia Puig")
    assert (
        "Meet Laia Puig at B2B session: circular textiles meet polymers (TEXCAT × Plastivallée): pick"
        in slots.text
    )
    asked = await press(telegram, ANA, slots, slots.buttons[0][0])
    assert "I've asked Laia Puig to meet you" in asked.text
    async with db.transaction() as session:
        booked = await session.scalar(select(Meeting).where(Meeting.requester_id == ana))
        assert booked is not None and booked.ends_at - booked.starts_at == timedelta(minutes=20)

    deliver = worker(db, clock, bot, slack_adapter)
    await drain(db, clock, deliver)
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    assert "would like to meet you at B2B session: circular textiles" in api.dm_messages(LAIA)[1].text
    before = len(telegram.sent(ANA.id))
    await press_on_slack(sender, LAIA, api.dm_messages(LAIA)[1], "Accept")
    await api.wait_for(api.shared_files)  # Laia's card and .ics
    await drain(db, clock, deliver)
    sent = await telegram.wait_for_messages(ANA.id, before + 2)
    assert any("Meeting confirmed with Laia Puig" in message.text for message in sent[before:])
    assert any(message.document for message in sent[before:])


async def test_on_telegram_requests_and_the_agenda_stay_lines_with_a_row_of_buttons_per_meeting(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:  # type: ignore[no-untyped-def]
    """Slack shows these lists as cards; Telegram keeps the lines and one row of buttons a meeting."""
    await say(telegram, ANA, "/events")
    ana = await member_of(db, "telegram", str(ANA.id))
    guests = [await add_member(db, clock.now, name, handle=name.lower()) for name in ("Joan", "Marta")]
    event = await b2b_day(db, clock, [ana, *guests])
    await chat_as("joan").say(f"/meet at {event} #{ana} 10:20")
    await chat_as("marta").say(f"/meet at {event} #{ana} 11:00")

    [requests] = await say(telegram, ANA, "/meetings")

    assert "← Joan asks to meet you: Thu 26 Nov 2026, 10:20 CET–10:40" in requests.text
    assert "← Marta asks to meet you: Thu 26 Nov 2026, 11:00 CET–11:20" in requests.text
    rows = requests.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [[b["text"] for b in row] for row in rows] == [
        ["Accept 10:20", "Decline 10:20"],
        ["Accept 11:00", "Decline 11:00"],
    ]
    before = len(telegram.sent(ANA.id))
    await telegram.press(ANA, requests, dict(requests.buttons)["Accept 10:20"])
    await telegram.wait_for_messages(ANA.id, before + 2)  # the meeting's card and its .ics

    [agenda] = await say(telegram, ANA, "/agenda")

    assert agenda.text == "B2B day\n10:20–10:40 Joan · table 1\n(Europe/Madrid)"
    rows = agenda.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [[b["text"] for b in row] for row in rows] == [["Cancel 10:20", "Running late 10:20"]]
