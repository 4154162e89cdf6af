"""Introductions through the real adapters: a find card's button, Accept on the other platform, and
the exact way to reach each other (a Telegram @username, a Slack mention) or the bot as relay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from bot.http import HttpServer
from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.telegram import TelegramAdapter
from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Identity
from tests.conftest import Clock
from tests.factories import add_member
from tests.fakes.slack_api import TEAM_ID, FakeSlackApi, Message, SlackSender
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, Sent, User
from tests.test_outbox import worker
from tests.test_slack_events import section_text, slack_settings

ANA = User(1001, "Ana", "Puig", "en", username="ana_puig")
LAIA, PERE = "U0LAIA", "U0PERE"


@dataclass
class Both:
    telegram: FakeTelegram
    telegram_bot: TelegramAdapter
    slack_api: FakeSlackApi
    slack: SlackSender
    slack_bot: SlackAdapter
    db: Database
    clock: Clock

    async def deliver(self) -> None:
        """What the running bot's outbox worker does: send every queued message once."""
        await worker(self.db, self.clock, self.telegram_bot, self.slack_bot).drain_once()  # type: ignore[arg-type]


@pytest.fixture
async def both(db: Database, assistant: Assistant, clock: Clock) -> AsyncIterator[Both]:
    async with (
        FakeTelegram(per_chat=RateLimit(100, 0.02), overall=RateLimit(100, 0.02)) as telegram,
        FakeSlackApi() as slack_api,
    ):
        slack_api.add_user(LAIA, "Laia Serra", tz="Europe/Madrid", locale="en-GB")
        slack_api.add_user(PERE, "Pere Vidal", tz="Europe/Madrid", locale="en-GB")
        telegram_bot = TelegramAdapter(
            Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url), assistant, db
        )
        telegram_bot.poll_timeout, telegram_bot.backoff = 0.5, 0.01
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        slack_bot = SlackAdapter(slack_settings(slack_api), assistant, db, http)
        await http.start()
        await telegram_bot.start()
        await slack_bot.start()
        yield Both(
            telegram, telegram_bot, slack_api, SlackSender(f"{http.url}/slack/events"), slack_bot, db, clock
        )
        await slack_bot.stop()
        await telegram_bot.stop()
        await http.stop()


async def member_on(both: Both, name: str, platform: str, user_id: str, **fields: Any) -> int:
    """A listed member with an account on `platform` (no username known until they write)."""
    member_id = await add_member(both.db, both.clock.now, name, **fields)
    async with both.db.transaction() as session:
        session.add(
            Identity(
                member_id=member_id,
                platform=platform,
                user_id=user_id,
                chat_id=user_id.rpartition(":")[2],
                created_at=both.clock.now,
            )
        )
    return member_id


def slack_button(message: Message, label: str) -> dict[str, Any]:
    """The button labelled `label`, in a row or beside an item of a list."""
    beside = [block["accessory"] for block in message.blocks if "accessory" in block]
    in_rows = [
        element for block in message.blocks if block["type"] == "actions" for element in block["elements"]
    ]
    return next(element for element in beside + in_rows if element["text"]["text"] == label)


async def slack_press(both: Both, user: str, message: Message, label: str) -> Message:
    """`user` presses the button labelled `label`; the DM the bot answers with."""
    before = len(both.slack_api.dm_messages(user))
    await both.slack.click(
        user,
        slack_button(message, label),
        container={"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        channel={"id": message.channel},
        message={"ts": message.ts, "text": message.text, "blocks": message.blocks},
        response_url=both.slack_api.response_url(),
    )
    await both.slack_api.wait_for(lambda: len(both.slack_api.dm_messages(user)) > before)
    return both.slack_api.dm_messages(user)[-1]


async def slack_dm(both: Both, user: str, text: str) -> Message:
    before = len(both.slack_api.dm_messages(user))
    await both.slack.dm(user, text)
    await both.slack_api.wait_for(lambda: len(both.slack_api.dm_messages(user)) > before)
    return both.slack_api.dm_messages(user)[-1]


async def telegram_press(both: Both, user: User, message: Sent, label: str, *, expect: int = 1) -> list[Sent]:
    before = len(both.telegram.sent(user.id))
    await both.telegram.press(user, message, dict(message.buttons)[label])
    return (await both.telegram.wait_for_messages(user.id, before + expect))[before:]


async def test_a_find_card_button_on_slack_and_accept_on_telegram_pass_on_the_telegram_username(
    both: Both,
) -> None:
    await member_on(both, "Ana Puig", "telegram", str(ANA.id), offers="recycled polyester finishing")
    await member_on(both, "Laia Serra", "slack", f"{TEAM_ID}:{LAIA}", offers="smart textile sensors")
    both.telegram.open_chat(ANA)

    found = await slack_dm(both, LAIA, "find recycled polyester")
    assert "*Ana Puig*" in section_text(found.blocks)
    asked = await slack_press(both, LAIA, found, "Introduce me to Ana Puig")
    assert "I've asked Ana Puig whether they'd like to be introduced" in section_text(asked.blocks)

    await both.deliver()
    [request] = await both.telegram.wait_for_messages(ANA.id, 1)
    assert "Laia Serra would like to be introduced to you." in request.text
    assert [label for label, _ in request.buttons] == ["Accept", "Decline"]
    [done] = await telegram_press(both, ANA, request, "Accept")
    assert "I've introduced you to Laia Serra" in done.text

    await both.deliver()
    [to_ana] = (await both.telegram.wait_for_messages(ANA.id, 3))[2:]
    assert "You are introduced to Laia Serra." in to_ana.text
    assert "I have no direct way to put you in touch, so I'll carry one message each way." in to_ana.text
    assert "I gave them: Telegram @ana_puig." in to_ana.text
    assert [label for label, _ in to_ana.buttons] == ["Write to them"]
    to_laia = section_text(both.slack_api.dm_messages(LAIA)[-1].blocks)
    assert "You are introduced to Ana Puig." in to_laia
    assert "Telegram: <https://t.me/ana_puig|@ana_puig>" in to_laia
    assert "They got no contact of yours; they can write to you once through me." in to_laia

    [question] = await telegram_press(both, ANA, to_ana, "Write to them")
    assert "What would you like to tell them?" in question.text
    before = len(both.telegram.sent(ANA.id))
    await both.telegram.send_text(ANA, "Hello Laia, shall we talk on Thursday?")
    [sent] = (await both.telegram.wait_for_messages(ANA.id, before + 1))[before:]
    assert "Sent to Laia Serra" in sent.text
    await both.deliver()
    await both.deliver()
    relayed = [m for m in both.slack_api.dm_messages(LAIA) if "writes to you through me" in m.text]
    assert len(relayed) == 1
    assert "Ana Puig writes to you through me:\nHello Laia, shall we talk on Thursday?" in section_text(
        relayed[0].blocks
    )


async def test_two_members_of_one_slack_workspace_get_each_others_mention_and_dm_link(both: Both) -> None:
    await member_on(both, "Laia Serra", "slack", f"{TEAM_ID}:{LAIA}", offers="smart textile sensors")
    await member_on(both, "Pere Vidal", "slack", f"{TEAM_ID}:{PERE}", offers="robotics")

    asked = await slack_dm(both, PERE, 'introduce Laia Serra "sensors for our cutting robots"')
    assert "I've asked Laia Serra" in section_text(asked.blocks)
    await both.deliver()
    request = both.slack_api.dm_messages(LAIA)[-1]
    assert "Their note:_ sensors for our cutting robots" in section_text(request.blocks)
    await slack_press(both, LAIA, request, "Accept")

    await both.deliver()
    to_pere = section_text(both.slack_api.dm_messages(PERE)[-1].blocks)
    to_laia = section_text(both.slack_api.dm_messages(LAIA)[-1].blocks)
    assert f"Slack: <@{LAIA}> (<https://slack.com/app_redirect?team={TEAM_ID}&amp;channel={LAIA}|" in to_pere
    assert f"Slack: <@{PERE}> (<https://slack.com/app_redirect?team={TEAM_ID}&amp;channel={PERE}|" in to_laia
    assert "I gave them: your Slack account." in to_pere and "I gave them: your Slack account." in to_laia
    assert "through me" not in to_pere
