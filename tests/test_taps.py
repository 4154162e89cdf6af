"""Tap, don't type: buttons on every list, More to the end, cards closed after a press, deep links,
and Telegram's own conventions (scoped menus, /privacy, block and unblock), through the real
python-telegram-bot and slack-bolt against the fakes."""

# ruff: noqa: F811 - the telegram, bot and slack fixtures are imported, then named as parameters

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.telegram import TelegramAdapter
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from store.models import Identity
from tests.conftest import Clock
from tests.factories import add_cluster, add_event, add_member, add_opportunity, make_coordinator
from tests.fakes.slack_api import FakeSlackApi, Message, SlackSender
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Sent, User
from tests.test_meetings_adapters import press_on_slack, slack  # noqa: F401 - a fixture
from tests.test_slack_events import USER as LAIA
from tests.test_slack_events import section_text
from tests.test_telegram_adapter import ANA, GROUP, JOAO, bot, press, say, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)
BOT_USERNAME = "ClusterTestBot"
SLACK_APP_ID = "A0CLUSTER"


@pytest.fixture
def options() -> Options:
    """João's Telegram account is an admin; the bot knows its username and app ID for share links."""
    return Options(
        admins=frozenset({f"telegram:{JOAO.id}"}),
        telegram_bot_username=BOT_USERNAME,
        slack_app_id=SLACK_APP_ID,
    )


@pytest.fixture
def assistant(db: Database, clock: Clock, options: Options) -> Assistant:
    return Assistant(db, build_router(), build_flows(), options=options, clock=clock)


async def add_events(db: Database, clock: Clock, count: int) -> list[int]:
    return [
        await add_event(db, clock.now, f"Workshop {number:02d}", starts_in=timedelta(days=number + 1))
        for number in range(count)
    ]


async def turn_page(telegram: FakeTelegram, user: User, message: Sent, label: str = "More") -> None:
    """`user` presses More under `message` and the bot edits it in place."""
    edits = message.edits
    await telegram.press(user, message, dict(message.buttons)[label])
    await telegram.wait_until(lambda: message.edits > edits)


async def identity_reachable(db: Database, user: User) -> bool:
    async with db.transaction() as session:
        found = await session.scalar(select(Identity).where(Identity.user_id == str(user.id)))
        assert found is not None
        return not found.unreachable


async def member_id(db: Database, user: User) -> int:
    async with db.transaction() as session:
        found = await session.scalar(select(Identity.member_id).where(Identity.user_id == str(user.id)))
        assert found is not None
        return found


async def eventually_reachable(db: Database, user: User, wanted: bool) -> None:
    """The adapter handles updates on its own; look again until it has (or give up)."""
    for _ in range(200):
        if await identity_reachable(db, user) == wanted:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{user.first_name} is still {'un' if wanted else ''}reachable")


# Lists: a button and a tappable command per item.


async def test_every_event_in_the_list_has_a_button_and_a_tappable_command(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    [first, second] = await add_events(db, clock, 2)

    [upcoming] = await say(telegram, ANA, "/events")

    # Telegram makes `/event_1` a command a tap sends whole (its entity is Telegram's, not ours).
    assert f"/event_{first} Workshop 00" in upcoming.text
    ana = await member_id(db, ANA)
    assert upcoming.buttons == [
        (f"#{first} Workshop 00", f"/event {first} for:{ana}"),
        (f"#{second} Workshop 01", f"/event {second} for:{ana}"),
    ]
    details = await press(telegram, ANA, upcoming, f"#{second} Workshop 01")
    assert f"#{second} Workshop 01" in details.text and "Going" in dict(details.buttons)
    # Opening one item leaves the list live for the next.
    assert upcoming.edits == 0 and len(upcoming.buttons) == 2


async def test_the_tapped_event_12_form_opens_the_event(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    """Tapping `/event_12` in Telegram sends exactly that: it must open event 12, not fail."""
    [event] = await add_events(db, clock, 1)

    [details] = await say(telegram, ANA, f"/event_{event}")

    assert f"#{event} Workshop 00" in details.text
    assert "Going" in dict(details.buttons)


async def test_every_opportunity_in_the_list_has_a_button(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    opportunity = await add_opportunity(db, clock.now, "Partner for a recycling pilot")

    [found] = await say(telegram, ANA, "/opportunities")

    assert f"/opportunity_{opportunity} Partner for a recycling pilot" in found.text
    details = await press(telegram, ANA, found, f"#{opportunity} Partner for a recycling pilot")
    assert "Partner for a recycling pilot" in details.text


# More, to the end.


async def test_more_pages_the_events_to_the_end_in_the_same_message(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    events = await add_events(db, clock, 23)
    [listing] = await say(telegram, ANA, "/events")
    assert [label for label, _ in listing.buttons][-1] == "More" and "13 more." in listing.text
    assert len(listing.buttons) == 11

    await turn_page(telegram, ANA, listing)
    assert "(page 2)" in listing.text and f"/event_{events[10]} Workshop 10" in listing.text
    await turn_page(telegram, ANA, listing)

    assert "(page 3)" in listing.text and f"/event_{events[22]} Workshop 22" in listing.text
    assert "More" not in dict(listing.buttons) and len(listing.buttons) == 3
    assert len(telegram.sent(ANA.id)) == 1  # one message, edited twice


async def test_a_more_button_still_works_after_a_restart(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock, options: Options
) -> None:
    await add_events(db, clock, 12)
    [listing] = await say(telegram, ANA, "/events")
    await bot.stop()
    restarted = TelegramAdapter(
        Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url),
        Assistant(db, build_router(), build_flows(), options=options, clock=clock),
        db,
    )
    restarted.poll_timeout = 0.5
    await restarted.start()
    try:
        await turn_page(telegram, ANA, listing)
    finally:
        await restarted.stop()

    assert "(page 2)" in listing.text and "Workshop 11" in listing.text


async def test_a_more_button_turns_the_page_only_for_the_person_it_was_shown_to(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    await add_events(db, clock, 12)
    await telegram.send_text(ANA, "/events", group=GROUP)
    [listing] = await telegram.wait_for_messages(GROUP["id"], 1)

    await telegram.press(JOAO, listing, dict(listing.buttons)["More"])
    [_, refusal] = await telegram.wait_for_messages(GROUP["id"], 2)

    assert refusal.text == "Esta lista foi mostrada a outra pessoa; peça a sua."  # in João's language
    assert listing.edits == 0 and "(page 2)" not in listing.text


# Cards closed in place after a press.


async def test_going_closes_the_card_it_was_pressed_on(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    [event] = await add_events(db, clock, 1)
    [card] = await say(telegram, ANA, f"/event {event}")

    going = await press(telegram, ANA, card, "Going")

    assert "You're going to Workshop 00" in going.text
    assert card.buttons == [] and card.text.endswith("✓ Going")
    calls = [name for name, _ in telegram.calls]
    # The press was answered (the spinner stops) before any work was shown.
    assert calls.index("answerCallbackQuery") < calls.index("editMessageText")


# Shared links.


async def test_a_shared_event_link_opens_the_event_and_then_onboarding(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    [event] = await add_events(db, clock, 1)
    opportunity = await add_opportunity(db, clock.now, "Tender for recycled uniforms")

    card, welcome = await say(telegram, ANA, f"/start event_{event}", expect=2)

    assert f"#{event} Workshop 00" in card.text
    assert f"https://t.me/{BOT_USERNAME}?start=event_{event}" in card.text
    assert "What is your name?" in welcome.text
    [shared] = (await say(telegram, JOAO, f"/start opp_{opportunity}", expect=2))[:1]
    assert "Tender for recycled uniforms" in shared.text


# Telegram conventions.


async def test_menus_are_scoped_by_role_and_language(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    members_menu = telegram.menu()
    assert {"events", "find", "privacy"} <= set(members_menu)
    assert not {"announce", "session", "coordinator", "audit"} & set(members_menu)
    assert telegram.menu(language="pt") == members_menu

    await say(telegram, ANA, "/lang pt")
    ana = await member_id(db, ANA)
    await say(telegram, JOAO, f"/coordinator add #{ana}")  # staff menus are published again

    ana_menu = {c["command"]: c["description"] for c in telegram.menus[(f"chat:{ANA.id}", "")]}
    assert {"announce", "session"} <= ana_menu.keys() and "audit" not in ana_menu
    assert ana_menu["privacy"] == "o que guardo sobre si e como obter uma cópia ou apagá-lo"
    assert {"coordinator", "audit", "announce"} <= set(telegram.menu(f"chat:{JOAO.id}"))
    await say(telegram, ANA, "/lang ca")
    ana_menu = {c["command"]: c["description"] for c in telegram.menus[(f"chat:{ANA.id}", "")]}
    assert ana_menu["privacy"] == "què guardo sobre tu, i com obtenir-ne una còpia o esborrar-ho"

    await say(telegram, JOAO, f"/coordinator remove #{ana}")
    assert (f"chat:{ANA.id}", "") not in telegram.menus  # back to the members' menu


async def test_privacy_says_what_is_held_and_points_to_mydata_and_forget(
    telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    [notice] = await say(telegram, ANA, "/privacy")

    assert "I hold your profile" in notice.text and "/mydata" in notice.text and "/forget" in notice.text
    assert [label for label, _ in notice.buttons] == ["Take a copy", "Erase my data"]


async def test_blocking_marks_the_member_unreachable_and_unblocking_reachable_again(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    await say(telegram, ANA, "/help")

    await telegram.block(ANA)
    await eventually_reachable(db, ANA, False)
    await telegram.block(ANA, blocked=False)
    await eventually_reachable(db, ANA, True)


# Slack: the same lists, pressed through slack-bolt.


async def laias_events(
    api: FakeSlackApi, sender: SlackSender, db: Database, clock: Clock, count: int
) -> tuple[list[int], Message]:
    """`count` events, and the list Laia gets when she asks for them in her DM with the bot."""
    events = await add_events(db, clock, count)
    await sender.dm(LAIA, "events")
    await api.wait_for(lambda: api.dm_messages(LAIA))
    [listing] = api.dm_messages(LAIA)
    return events, listing


async def test_slack_lists_have_a_button_per_item_and_more_replaces_the_message(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],
    db: Database,
    clock: Clock,
) -> None:
    api, sender, _adapter = slack
    events, listing = await laias_events(api, sender, db, clock, 12)
    items = [b for b in listing.blocks if "accessory" in b]
    assert items[0]["text"]["text"] == f"*#{events[0]} Workshop 00*" and len(items) == 10
    assert {b["accessory"]["text"]["text"] for b in items} == {"Details"}
    labels = [e["text"]["text"] for b in listing.blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["More"]

    await press_on_slack(sender, LAIA, listing, "More")
    await api.wait_for(lambda: listing.history)
    assert "(page 2)" in section_text(listing.blocks) and len(api.dm_messages(LAIA)) == 1

    await press_on_slack(sender, LAIA, listing, "Details", f"#{events[11]} Workshop 11")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    card = section_text(api.dm_messages(LAIA)[1].blocks)
    assert len(listing.history) == 1  # the list was replaced by More only, and stays live
    assert "Workshop 11" in card
    # Slack's share link opens the app for anyone in the workspace, and says what to send there.
    link = f"https://slack.com/app_redirect?app={SLACK_APP_ID}"
    assert f"Share: {link}, then `/cluster event {events[11]}`" in card


async def test_meeting_requests_page_to_the_end(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    alpha = await add_cluster(db, "Alpha", "Catalonia", "Spain", ["textile"])
    beta = await add_cluster(db, "Beta", "Norte", "Portugal", ["textile"])
    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    await add_member(db, clock.now, "Asker", cluster_id=alpha, handle="asker")
    guests = [await add_member(db, clock.now, f"Guest {n:02d}", cluster_id=beta) for n in range(12)]
    event = await add_event(
        db, clock.now, "Delegation day", starts_in=timedelta(days=3), duration=timedelta(hours=9)
    )
    await chat_as("coord").say(
        f'/session {event} windows="08:00-16:00" tables=30 who=cluster:Alpha>cluster:Beta'
    )
    asker = chat_as("asker")
    for number, guest in enumerate(guests):
        await asker.say(f"/meet at {event} #{guest} {8 + number // 3:02d}:{number % 3 * 20:02d}")

    first = await asker.say("/meetings")
    assert "Guest 09" in first and "Guest 10" not in first and "2 more." in first
    second = await asker.tap("More")

    assert "Guest 10" in second and "Guest 11" in second and "Guest 09" not in second
    assert "More" not in dict(asker.buttons) and asker.last[0].replaces_previous


async def test_participants_page_to_the_end_and_typed_pages_still_work(
    db: Database, clock: Clock, chat_as
) -> None:  # type: ignore[no-untyped-def]
    await add_member(db, clock.now, "Coordinator", handle="coord")
    await make_coordinator(db, "coord")
    event = await add_event(db, clock.now, "Delegation day", starts_in=timedelta(days=3))
    await chat_as("coord").say(f'/session {event} windows="10:00-12:00" tables=4')
    for handle in ["asker", *(f"guest{n:02d}" for n in range(10))]:
        await add_member(db, clock.now, handle.capitalize(), handle=handle)
        await chat_as(handle).say(f"/going {event}")
    asker = chat_as("asker")

    first = await asker.say(f"/participants {event}")
    assert "Guest07" in first and "Guest08" not in first and "2 more." in first
    second = await asker.tap("More")

    assert "Guest08" in second and "Guest09" in second and "Guest07" not in second
    assert "More" not in dict(asker.buttons) and asker.last[0].replaces_previous
    assert "Guest09" in await asker.say(f"/participants {event} 2")


async def test_slack_list_items_are_sections_with_fields_and_a_button_only_their_reader_can_use(
    db: Database, clock: Clock, slack: tuple[FakeSlackApi, SlackSender, SlackAdapter]
) -> None:
    api, sender, _adapter = slack
    api.add_user("U0PERE", "Pere Soler", tz="Europe/Madrid", locale="en-GB")
    [fair], listing = await laias_events(api, sender, db, clock, 1)
    [item] = [b for b in listing.blocks if "accessory" in b]
    assert item["type"] == "section" and item["text"]["text"] == f"*#{fair} Workshop 00*"
    labels = [field["text"].split("\n")[0] for field in item["fields"]]
    assert labels == ["*When*", "*Kind*"]  # no place, so no Place field
    button = item["accessory"]
    assert button["type"] == "button" and button["text"]["text"] == "Details"
    assert not [b for b in listing.blocks if b["type"] == "actions"]  # no second row of the same button

    # Someone else pressing it (the list shown in a channel they share) is told to ask for their own.
    channel = {"type": "message", "message_ts": listing.ts, "channel_id": "C0GENERAL"}
    await sender.click("U0PERE", button, container=channel, channel={"id": "C0GENERAL"})
    await api.wait_for(lambda: api.ephemeral)
    [refusal] = api.ephemeral
    assert refusal.ephemeral_for == "U0PERE" and "shown to someone else" in section_text(refusal.blocks)
    assert not api.dm_messages("U0PERE")

    await press_on_slack(sender, LAIA, listing, "Details", "Workshop 00")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    card = api.dm_messages(LAIA)[1]
    assert "Workshop 00" in section_text(card.blocks)
    assert "Going" in [
        e["text"]["text"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]
    ]
