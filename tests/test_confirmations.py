"""A confirmation button acts only for the person it was shown to, once, while it is fresh.

Through the real adapters too: in a Telegram group everyone sees everyone's buttons, and a Slack
action can carry any value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.telegram import TelegramAdapter
from store.db import Database
from store.models import Identity, Member
from tests.conftest import Clock
from tests.factories import add_event, make_coordinator
from tests.fakes.telegram_api import FakeTelegram, User
from tests.test_slack_events import World, section_text
from tests.test_slack_events import world as world
from tests.test_telegram_adapter import bot as bot
from tests.test_telegram_adapter import telegram as telegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

ANA = User(1001, "Ana", "Puig", "en")
BEN = User(1002, "Ben", "Costa", "en")
GROUP = {"id": -100700, "title": "Textile partners"}


async def accounts(db: Database, platform: str) -> set[str]:
    async with db.transaction() as session:
        found = await session.scalars(select(Identity.user_id).where(Identity.platform == platform))
        return set(found.all())


async def test_someone_elses_erase_button_is_refused_and_erases_nobody(db: Database, chat_as: Any) -> None:
    ana, ben = chat_as("ana"), chat_as("ben")
    await ben.say("/profile set name Ben Costa")
    await ana.say("/profile set name Ana Puig")
    await ana.say("/forget")
    [erase] = [payload for label, payload in ana.buttons if label == "Erase my data"]

    assert "meant for someone else" in await ben.press(erase)
    assert await accounts(db, "console") == {"ana", "ben"}

    assert "your data is erased" in await ana.press(erase)
    assert await accounts(db, "console") == {"ben"}


async def test_typing_forget_confirm_asks_again_instead_of_erasing(db: Database, chat_as: Any) -> None:
    ana = chat_as("ana")
    assert "Erase your data?" in await ana.say("/forget confirm")
    assert await accounts(db, "console") == {"ana"}


async def test_a_confirmation_expires_and_works_once(db: Database, chat_as: Any, clock: Clock) -> None:
    ana = chat_as("ana")
    await ana.say("/forget")
    [erase] = [payload for label, payload in ana.buttons if label == "Erase my data"]
    clock.advance(minutes=16)

    expired = await ana.press(erase)

    assert "This button has expired" in expired and "/forget confirm" in expired
    assert await accounts(db, "console") == {"ana"}
    assert "Erase your data?" in await ana.say("/forget confirm")
    assert "has expired" in await ana.press("/confirm forged-token-123")


async def test_someone_elses_cancel_button_leaves_the_event_alone(
    db: Database, chat_as: Any, clock: Clock
) -> None:
    cora, dani = chat_as("cora"), chat_as("dani")
    for chat in (cora, dani):
        await chat.say("/help")
        await make_coordinator(db, chat.user)
    event_id = await add_event(db, clock.now, "Learning visit Terrassa", starts_in=timedelta(days=3))
    await cora.say(f"/event cancel {event_id}")
    [cancel] = [payload for label, payload in cora.buttons if label == "Cancel the event"]

    assert "meant for someone else" in await dani.press(cancel)
    assert "Going" in await dani.say(f"/event {event_id}")
    assert "Cancelled" in await cora.press(cancel)


async def test_in_a_telegram_group_only_the_member_who_asked_can_press_erase(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    group = GROUP["id"]
    await telegram.send_text(BEN, "/lang", group=GROUP)
    await telegram.wait_for_messages(group, 1)
    await telegram.send_text(ANA, "/forget@ClusterTestBot", group=GROUP)
    [*_, prompt] = await telegram.wait_for_messages(group, 2)
    assert "Erase your data?" in prompt.text
    erase = dict(prompt.buttons)["Erase my data"]

    await telegram.press(BEN, prompt, erase)
    [*_, refusal] = await telegram.wait_for_messages(group, 3)

    assert "This button was meant for someone else" in refusal.text
    assert await accounts(db, "telegram") == {"1001", "1002"}

    await telegram.press(ANA, prompt, erase)
    [*_, done] = await telegram.wait_for_messages(group, 4)

    assert "your data is erased" in done.text
    assert await accounts(db, "telegram") == {"1002"}


async def test_on_slack_a_press_carrying_someone_elses_erase_button_is_refused(world: World) -> None:
    world.api.add_user("U0PAU", "Pau Serra", tz="Europe/Madrid", locale="en-GB")
    await world.slack.slash("U0LAIA", "forget", world.api.response_url())
    await world.api.wait_for(lambda: world.api.responses)
    erase = next(
        element
        for block in world.api.responses[0].body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == "Erase my data"
    )
    where = {"type": "message", "message_ts": "1.1", "channel_id": "C0GENERAL", "is_ephemeral": True}

    await world.slack.click(
        "U0PAU", erase, container=where, channel={"id": "C0GENERAL"}, response_url=world.api.response_url()
    )
    await world.api.wait_for(lambda: len(world.api.responses) == 2)

    assert "meant for someone else" in world.api.responses[1].body["text"]
    assert await accounts(world.db, "slack") == {"T0TEST:U0LAIA", "T0TEST:U0PAU"}

    await world.slack.click(
        "U0LAIA", erase, container=where, channel={"id": "C0GENERAL"}, response_url=world.api.response_url()
    )
    await world.api.wait_for(lambda: len(world.api.responses) == 3)

    assert "your data is erased" in section_text(world.api.responses[2].body["blocks"])
    assert await accounts(world.db, "slack") == {"T0TEST:U0PAU"}
    async with world.db.transaction() as session:
        assert await session.scalar(select(Member.name).where(Member.name == "Pau Serra")) == "Pau Serra"
