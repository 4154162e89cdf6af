"""Slack lists whose entries carry several buttons (the agenda, meeting requests, participants):
each entry is a card, its section then its own row of buttons, through slack-bolt against the fake."""

# ruff: noqa: F811 - the slack fixture is imported, then named as a parameter

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.slack import SlackAdapter
from store.db import Database
from store.models import Meeting, MeetingWish
from tests.conftest import Clock
from tests.factories import add_member
from tests.fakes.slack_api import FakeSlackApi, Message, SlackSender
from tests.test_meetings_adapters import b2b_day, click_on_slack, member_of, slack  # noqa: F401 - a fixture
from tests.test_slack_events import USER as LAIA
from tests.test_slack_events import section_text

PERE = "U0PERE"
Block = dict[str, Any]


def cards(message: Message) -> dict[str, list[str]]:
    """Each list item of a message by its title line, with the labels of the buttons right under it."""
    shown: dict[str, list[str]] = {}
    for block, after in zip(message.blocks, [*message.blocks[1:], {"type": "end"}], strict=True):
        if str(block.get("block_id", "")).startswith("item_"):
            labels = [e["text"]["text"] for e in after["elements"]] if after["type"] == "actions" else []
            shown[block["text"]["text"]] = labels
    return shown


def button_under(message: Message, title: str, label: str) -> Block:
    """The button labelled `label` in the row under the item whose title line is `title`."""
    place = next(n for n, b in enumerate(message.blocks) if b.get("text", {}).get("text") == title)
    row = message.blocks[place + 1]
    assert row["type"] == "actions"
    return next(e for e in row["elements"] if e["text"]["text"] == label)


async def ask(api: FakeSlackApi, sender: SlackSender, line: str) -> Message:
    """What Laia gets when she sends `line` in her DM with the bot."""
    before = len(api.dm_messages(LAIA))
    await sender.dm(LAIA, line)
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) > before)
    return api.dm_messages(LAIA)[-1]


async def laia_and_two_guests(
    api: FakeSlackApi, sender: SlackSender, db: Database, clock: Clock
) -> tuple[int, int, int, int]:
    """Laia (Slack, Lisbon time) and Joan and Marta at a B2B day: its number and their members."""
    await ask(api, sender, "events")
    laia = await member_of(db, "slack", LAIA)
    joan = await add_member(db, clock.now, "Joan Serra", handle="joan")
    marta = await add_member(db, clock.now, "Marta Vila", handle="marta")
    return await b2b_day(db, clock, [laia, joan, marta]), laia, joan, marta


async def meeting_statuses(db: Database) -> dict[int, str]:
    async with db.transaction() as session:
        return dict((await session.execute(select(Meeting.requester_id, Meeting.status))).all())


async def test_slack_meeting_requests_are_cards_with_accept_and_decline_only_their_reader_can_use(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter], db: Database, clock: Clock, chat_as
) -> None:
    api, sender, _adapter = slack
    api.add_user(PERE, "Pere Soler", tz="Europe/Madrid", locale="en-GB")
    event, laia, joan, marta = await laia_and_two_guests(api, sender, db, clock)
    assert "I've asked Laia Puig" in await chat_as("joan").say(f"/meet at {event} #{laia} 10:20")
    assert "I've asked Laia Puig" in await chat_as("marta").say(f"/meet at {event} #{laia} 11:00")

    listing = await ask(api, sender, "meetings")

    # Each request is a section (name, what it is, when) with its own Accept and Decline under it
    # (09:20 and 10:00 in Lisbon); no other row of buttons.
    assert cards(listing) == {
        "*Joan Serra* · asks to meet you": ["Accept 09:20", "Decline 09:20"],
        "*Marta Vila* · asks to meet you": ["Accept 10:00", "Decline 10:00"],
    }
    assert [b["type"] for b in listing.blocks] == ["section", "actions", "section", "actions"]
    assert "*When*\nThu 26 Nov 2026, 09:20 WET–09:40" in section_text(listing.blocks)
    accept_joan = button_under(listing, "*Joan Serra* · asks to meet you", "Accept 09:20")

    # Pere pressing Laia's button (seen in a channel they share) changes nothing.
    channel = {"type": "message", "message_ts": listing.ts, "channel_id": "C0GENERAL"}
    await sender.click(PERE, accept_joan, container=channel, channel={"id": "C0GENERAL"})
    await api.wait_for(lambda: api.ephemeral or api.dm_messages(PERE))
    told = [*api.ephemeral, *api.dm_messages(PERE)]
    assert "meant for someone else" in section_text(told[0].blocks)
    assert all(m.ephemeral_for in ("", PERE) for m in api.ephemeral)
    assert await meeting_statuses(db) == {joan: "requested", marta: "requested"}

    await click_on_slack(sender, LAIA, listing, accept_joan)
    await api.wait_for(api.shared_files)  # the accepted meeting's invitation
    assert await meeting_statuses(db) == {joan: "accepted", marta: "requested"}


async def test_slack_agenda_is_a_card_per_meeting_with_cancel_and_running_late_under_it(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter], db: Database, clock: Clock, chat_as
) -> None:
    api, sender, _adapter = slack
    event, laia, joan, marta = await laia_and_two_guests(api, sender, db, clock)
    await chat_as("joan").say(f"/meet at {event} #{laia} 10:20")
    await chat_as("marta").say(f"/meet at {event} #{laia} 11:00")
    async with db.transaction() as session:
        await session.execute(update(Meeting).values(status="accepted", awaiting_id=None))

    agenda = await ask(api, sender, "agenda")

    assert cards(agenda) == {
        "*Joan Serra*": ["Cancel 09:20", "Running late 09:20"],
        "*Marta Vila*": ["Cancel 10:00", "Running late 10:00"],
    }
    [joan_card] = [b for b in agenda.blocks if b.get("text", {}).get("text") == "*Joan Serra*"]
    assert [f["text"] for f in joan_card["fields"]] == ["*When*\n09:20–09:40", "*Place*\ntable 1"]
    assert agenda.blocks[0]["text"]["text"] == "*B2B day*"
    assert agenda.blocks[-1]["text"]["text"] == "(Europe/Lisbon)"

    await click_on_slack(sender, LAIA, agenda, button_under(agenda, "*Marta Vila*", "Cancel 10:00"))
    await api.wait_for(api.shared_files)  # the cancelled meeting's invitation, to take it off calendars
    assert await meeting_statuses(db) == {joan: "accepted", marta: "cancelled"}


async def test_slack_participants_are_cards_with_their_wish_buttons_under_each(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter], db: Database, clock: Clock
) -> None:
    api, sender, _adapter = slack
    event, laia, joan, _marta = await laia_and_two_guests(api, sender, db, clock)

    listing = await ask(api, sender, f"participants {event}")

    assert listing.blocks[0]["text"]["text"] == "Participants of *B2B day*: whom would you like to meet?"
    # Beside the name, Must meet need not say whom (a Telegram row says "Must meet Joan Serra").
    assert cards(listing) == {
        "*Joan Serra*": ["Must meet", "Meet", "No thanks"],
        "*Marta Vila*": ["Must meet", "Meet", "No thanks"],
    }
    await click_on_slack(sender, LAIA, listing, button_under(listing, "*Joan Serra*", "Must meet"))
    await api.wait_for(lambda: "You must meet Joan Serra" in api.dm_messages(LAIA)[-1].text)
    async with db.transaction() as session:
        wishes = (
            await session.execute(select(MeetingWish.member_id, MeetingWish.other_id, MeetingWish.level))
        ).all()
    assert wishes == [(laia, joan, "must")]

    again = await ask(api, sender, f"participants {event}")
    assert "*Joan Serra* · Must meet" in cards(again)
