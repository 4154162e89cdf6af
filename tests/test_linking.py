"""`link`: one person's Telegram and Slack accounts become one member, and hear everything once."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from bot.http import HttpServer
from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.telegram import TelegramAdapter
from core.types import Incoming
from handlers.engine.assistant import Assistant
from scheduler.delivery import OutboxWorker
from scheduler.jobs import queue_event_reminders
from scheduler.ratelimit import SLACK_LIMITS, TELEGRAM_LIMITS, RateLimiter
from store.db import Database
from store.models import Follow, Identity, Introduction, LinkCode, Member, OutboxMessage, Rsvp
from store.outbox import Outbox
from store.repository import Store
from tests.conftest import Chat, Clock
from tests.factories import add_event, add_member, add_opportunity
from tests.fakes.slack_api import FakeSlackApi, SlackSender
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, User
from tests.test_slack_events import slack_settings
from tests.test_telegram_adapter import say

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

CODE = re.compile(r"link ([A-Z0-9]{8})")


def code_in(answer: str) -> str:
    found = CODE.search(answer)
    assert found, answer
    return found.group(1)


async def join(chat: Chat, code: str) -> str:
    """`chat` types the code from the other account and presses Join, as the person would."""
    asked = await chat.say(f"/link {code}")
    assert "Join this account with" in asked, asked
    return await chat.tap("Join the accounts")


async def members(db: Database) -> list[Member]:
    async with db.transaction() as session:
        return list((await session.scalars(select(Member).order_by(Member.id))).all())


async def count(db: Database, model: type, **where: object) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query) or 0)


async def two_accounts(chat_as, clock: Clock) -> tuple[Chat, Chat]:  # type: ignore[no-untyped-def]
    """Ana on Telegram first, then a minute later on Slack: the Telegram record is the older one."""
    telegram, slack = chat_as("1001", "telegram"), chat_as("T0:U0ANA", "slack")
    await telegram.say("/profile set bio Recycled polyester finishing")
    clock.advance(minutes=1)
    await slack.say("/profile set email ana@teixits.example")
    return telegram, slack


async def test_link_joins_both_accounts_into_the_older_member_and_moves_rsvps_and_follows(
    db: Database, clock: Clock, chat_as
) -> None:  # type: ignore[no-untyped-def]
    both = await add_event(db, clock.now, "Learning visit Terrassa", starts_in=timedelta(days=3))
    slack_only = await add_event(db, clock.now, "B2B session Porto", starts_in=timedelta(days=5))
    shared_call = await add_opportunity(db, clock.now, "Digital textiles call")
    slack_call = await add_opportunity(db, clock.now, "Partner for smart-textile pilot")
    telegram, slack = await two_accounts(chat_as, clock)
    await telegram.say(f"/notgoing {both}")
    await telegram.say(f"/follow {shared_call}")
    for command in (
        f"/going {both}",
        f"/going {slack_only}",
        f"/follow {shared_call}",
        f"/follow {slack_call}",
    ):
        await slack.say(command)
    await slack.say("/interests add circular economy")

    # The code comes from the newer account; the older record wins all the same.
    answer = await join(telegram, code_in(await slack.say("/link")))

    assert "Joined your Telegram and Slack accounts: 2 RSVPs, 1 follow, interests merged" in answer
    assert "filled in email" in answer
    [member] = await members(db)
    assert member.name == "1001" and member.bio == "Recycled polyester finishing"
    assert member.email == "ana@teixits.example" and member.tags == ["circular economy"]
    async with db.transaction() as session:
        statuses = dict((await session.execute(select(Rsvp.event_id, Rsvp.status))).all())
        platforms = set((await session.scalars(select(Identity.platform))).all())
    assert statuses == {both: "going", slack_only: "going"}, "going beats not going"
    assert platforms == {"telegram", "slack"}
    assert await count(db, Follow, member_id=member.id) == 2


async def test_merge_moves_introductions_and_waiting_messages_without_doubles(
    db: Database, clock: Clock
) -> None:
    older = await add_member(db, clock.now, "Ana Puig", tags=["recycling"])
    clock.advance(minutes=1)
    newer = await add_member(db, clock.now, "Ana P.", tags=["recycling", "dyeing"], bio="Dyer")
    other = await add_member(db, clock.now, "Rui Costa")
    async with db.transaction() as session:
        session.add_all(
            Introduction(requester_id=requester, target_id=target, status=status, created_at=clock.now)
            for requester, target, status in (
                (newer, other, "accepted"),
                (older, other, "suggested"),
                (other, newer, "requested"),
                (older, newer, "suggested"),
            )
        )
        await Outbox(session).enqueue([older, newer], "announce:1", {"spans": []}, clock.now)
        await Outbox(session).enqueue([newer], "announce:2", {"spans": []}, clock.now)

    async with db.transaction() as session:
        store = Store(session)
        first, second = await store.people.get(newer), await store.people.get(older)
        assert first is not None and second is not None
        report = await store.linking.merge(first, second, clock.now)

    assert (report.member.id, report.introductions, report.messages, report.tags_added) == (older, 1, 1, 1)
    assert report.filled == ("bio",)
    async with db.transaction() as session:
        pairs = (
            await session.execute(
                select(Introduction.requester_id, Introduction.target_id, Introduction.status)
            )
        ).all()
        messages = (await session.execute(select(OutboxMessage.member_id, OutboxMessage.cause))).all()
    assert sorted(pairs) == sorted([(older, other, "accepted"), (other, older, "requested")])
    assert sorted(messages) == [(older, "announce:1"), (older, "announce:2")]
    assert [m.id for m in await members(db)] == [older, other]


async def test_a_code_expires_after_ten_minutes(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    telegram, slack = await two_accounts(chat_as, clock)
    code = code_in(await telegram.say("/link"))

    clock.advance(minutes=11)

    assert "That code has expired" in await slack.say(f"/link {code}")
    assert len(await members(db)) == 2


async def test_a_code_works_once_and_a_new_code_replaces_the_old(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    telegram, slack = await two_accounts(chat_as, clock)
    first = code_in(await telegram.say("/link"))
    second = code_in(await telegram.say("/link"))
    assert "That code is not right. 4 tries left" in await slack.say(f"/link {first}")

    assert "Joined your" in await join(slack, f"{second.lower()[:4]} {second[4:]}")
    stranger = chat_as("U0EVE", "slack")
    assert "That code has been used already" in await stranger.say(f"/link {second}")
    assert len(await members(db)) == 2
    async with db.transaction() as session:
        assert all(len(h) == 64 for h in (await session.scalars(select(LinkCode.code_hash))).all())


async def test_five_wrong_codes_lock_linking_for_fifteen_minutes(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    telegram, slack = await two_accounts(chat_as, clock)
    for tries_left in (4, 3, 2, 1):
        assert f"{tries_left} tr" in await slack.say("/link AAAA2222")

    assert "Too many wrong codes: linking is locked for 15 minutes" in await slack.say("/link AAAA2222")
    right = code_in(await telegram.say("/link"))
    assert "locked" in await slack.say(f"/link {right}"), "even a right code waits for the lock"
    assert len(await members(db)) == 2

    clock.advance(minutes=15)
    assert "Joined your" in await join(slack, code_in(await telegram.say("/link")))
    [member] = await members(db)
    assert member.link_failures == 0


async def test_linking_an_account_to_itself_changes_nothing(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    telegram, _slack = await two_accounts(chat_as, clock)
    code = code_in(await telegram.say("/link"))

    assert "nothing to join" in await telegram.say(f"/link {code}")
    assert "letters and digits" in await telegram.say("/link 12")
    assert len(await members(db)) == 2


async def test_codes_are_never_shown_or_taken_in_a_group(assistant: Assistant, db: Database) -> None:
    [reply] = await assistant.respond(
        Incoming("telegram", "1001", "-100500", text="/link", chat_kind="group", display_name="Ana")
    )

    assert "private chat" in reply.plain_text
    assert await count(db, LinkCode) == 0


async def test_notifications_go_to_a_platform_the_member_is_on(db: Database, clock: Clock, chat_as) -> None:  # type: ignore[no-untyped-def]
    telegram, slack = await two_accounts(chat_as, clock)
    assert "I can reach you on telegram" in await telegram.say("/settings platform slack")

    await join(slack, code_in(await telegram.say("/link")))

    assert "Notifications will come on Slack" in await telegram.say("/settings platform slack")
    overview = await slack.say("/settings")
    assert "Notifications on: Slack (also linked: Telegram)" in overview
    [member] = await members(db)
    assert member.preferred_platform == "slack"


@dataclass
class Platforms:
    telegram: FakeTelegram
    telegram_adapter: TelegramAdapter
    slack_api: FakeSlackApi
    slack: SlackSender
    slack_adapter: SlackAdapter


@pytest.fixture
async def platforms(assistant: Assistant, db: Database) -> AsyncIterator[Platforms]:
    """The real python-telegram-bot and slack-bolt adapters, each talking to its fake service."""
    async with (
        FakeTelegram(per_chat=RateLimit(1, 0.02), overall=RateLimit(30, 0.02)) as telegram,
        FakeSlackApi() as slack_api,
    ):
        slack_api.add_user("U0ANA", "Ana Puig", tz="Europe/Madrid", locale="ca-ES")
        telegram_adapter = TelegramAdapter(
            Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url), assistant, db
        )
        telegram_adapter.poll_timeout, telegram_adapter.backoff = 0.5, 0.01
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        slack_adapter = SlackAdapter(slack_settings(slack_api), assistant, db, http)
        await http.start()
        await slack_adapter.start()
        await telegram_adapter.start()
        try:
            slack = SlackSender(f"{http.url}/slack/events")
            yield Platforms(telegram, telegram_adapter, slack_api, slack, slack_adapter)
        finally:
            await telegram_adapter.stop()
            await slack_adapter.stop()
            await http.stop()


async def slack_dm(platforms: Platforms, text: str) -> str:
    """Ana writes to the bot in Slack; the text of the bot's answer."""
    before = len(platforms.slack_api.dm_messages("U0ANA"))
    await platforms.slack.dm("U0ANA", text)
    await platforms.slack_api.wait_for(lambda: len(platforms.slack_api.dm_messages("U0ANA")) > before)
    return platforms.slack_api.dm_messages("U0ANA")[before].text


async def slack_press(platforms: Platforms, label: str) -> str:
    """Ana presses the button labelled `label` under the bot's last Slack message; the answer's text."""
    before = len(platforms.slack_api.dm_messages("U0ANA"))
    last = platforms.slack_api.dm_messages("U0ANA")[-1]
    button = next(
        element
        for block in last.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == label
    )
    await platforms.slack.click(
        "U0ANA",
        button,
        container={"type": "message", "message_ts": last.ts, "channel_id": last.channel},
        channel={"id": last.channel},
        message={"ts": last.ts, "text": last.text, "blocks": last.blocks},
        response_url=platforms.slack_api.response_url(),
    )
    await platforms.slack_api.wait_for(lambda: len(platforms.slack_api.dm_messages("U0ANA")) > before)
    return platforms.slack_api.dm_messages("U0ANA")[before].text


async def test_one_person_on_telegram_and_slack_gets_one_reminder_on_the_preferred_platform(
    platforms: Platforms, db: Database, clock: Clock
) -> None:
    ana = User(1001, "Ana", "Puig", "ca")
    event_id = await add_event(db, clock.now, "B2B session Porto", starts_in=timedelta(hours=10))
    [shown] = await say(platforms.telegram, ana, "/link")

    await slack_dm(platforms, f"link {code_in(shown.text)}")
    joined = await slack_press(platforms, "Uneix els comptes")
    going = await slack_dm(platforms, f"going {event_id}")
    chosen = await slack_dm(platforms, "settings platform slack")

    # Ana's apps are in Catalan on both platforms, so she is answered, and reminded, in Catalan.
    assert "S'han unit els teus comptes de Telegram i Slack" in joined
    assert "Vas a" in going and "Les notificacions arribaran a *Slack*" in chosen
    assert await queue_event_reminders(db, clock.now) == 1
    telegram_before = len(platforms.telegram.sent(ana.id))
    slack_before = len(platforms.slack_api.dm_messages("U0ANA"))
    worker = OutboxWorker(
        db,
        {"telegram": platforms.telegram_adapter, "slack": platforms.slack_adapter},
        {"telegram": RateLimiter(TELEGRAM_LIMITS), "slack": RateLimiter(SLACK_LIMITS)},
        clock=clock,
    )
    assert await worker.drain_once() == 1
    assert await worker.drain_once() == 0
    assert await queue_event_reminders(db, clock.now) == 1, "queued again, but the outbox keeps one"
    assert await worker.drain_once() == 0

    [reminder] = platforms.slack_api.dm_messages("U0ANA")[slack_before:]
    assert "Recordatori" in reminder.text and "B2B session Porto" in reminder.text
    assert len(platforms.telegram.sent(ana.id)) == telegram_before, "nothing on the other platform"


async def test_twenty_wrong_codes_at_once_get_at_most_five_answers_the_rest_are_locked(
    db: Database, clock: Clock
) -> None:
    async with db.transaction() as session:
        guesser = Member(name="Guesser", created_at=clock.now, updated_at=clock.now)
        session.add(guesser)
        await session.flush()
        member_id = guesser.id

    async def guess(number: int) -> str:
        async with db.transaction() as session:
            member = await session.get(Member, member_id)
            assert member is not None
            redemption = await Store(session).linking.redeem(member, f"AAAA{number:04d}", clock.now)
            return redemption.outcome

    outcomes = await asyncio.gather(*(guess(number) for number in range(2000, 2020)))

    assert outcomes.count("unknown") <= 4 and len(outcomes) == 20
    assert set(outcomes) <= {"unknown", "locked"}
    assert outcomes.count("locked") >= 16
    async with db.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None and member.link_locked_until is not None


async def test_a_right_code_asks_before_joining_and_only_its_typist_can_press_join(
    db: Database, clock: Clock, chat_as
) -> None:  # type: ignore[no-untyped-def]
    telegram, slack = await two_accounts(chat_as, clock)
    code = code_in(await telegram.say("/link"))

    asked = await slack.say(f"/link {code}")

    assert "Join this account with the Telegram account of 1001?" in asked
    assert len(await members(db)) == 2, "nothing is joined before the press"
    [join_button] = [payload for label, payload in slack.buttons if label == "Join the accounts"]
    stranger = chat_as("U0EVE", "slack")
    assert "meant for someone else" in await stranger.press(join_button)
    assert "new code" in await stranger.say("/link join 1")
    assert len(await members(db)) == 3

    assert "Joined your" in await slack.press(join_button)
    assert len(await members(db)) == 2
    assert "has expired or was used already" in await slack.press(join_button)
