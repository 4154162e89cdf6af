"""The Telegram adapter end to end: the real python-telegram-bot polling a fake Bot API.

The fake keeps Telegram's flood limits with time compressed fifty-fold, so every conversation
here also rides out real 429s.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.settings import Settings
from bot.telegram import TelegramAdapter
from core.adapter import Recipient
from core.types import Incoming, Reply, text_reply
from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Cluster, Event, Identity, Member
from store.repository import Store
from tests.conftest import Clock
from tests.factories import add_reachable_member
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, Sent, User
from tests.test_outbox import deliver_until_done, enqueue

pytestmark = pytest.mark.filterwarnings(
    # PTB itself reads RetryAfter.retry_after while building the error; nothing for us to change.
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

# Ana's Telegram app is in English, so most tests read the English texts; the onboarding test
# gives her a Catalan app to pin that a new member is answered in their app's language.
ANA = User(1001, "Ana", "Puig", "en")
JOAO = User(1002, "João", "Silva", "pt")
GROUP = {"id": -100500, "title": "Textile partners"}
LONG_CLUSTER = "Associació Catalana de Tèxtils Tècnics i Innovació del Vallès"
HOSTILE = "<b>bold?</b> R&D </a> &amp; 🧵🧶 تكنولوجيا النسيج עברית"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(per_chat=RateLimit(1, 0.02), overall=RateLimit(30, 0.02)) as fake:
        yield fake


@pytest.fixture
async def bot(telegram: FakeTelegram, assistant: Assistant, db: Database) -> AsyncIterator[TelegramAdapter]:
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url)
    adapter = TelegramAdapter(settings, assistant, db)
    adapter.poll_timeout, adapter.backoff = 0.5, 0.01
    await adapter.start()
    yield adapter
    await adapter.stop()


async def say(telegram: FakeTelegram, user: User, text: str, *, expect: int = 1) -> list[Sent]:
    """`user` writes `text`; the `expect` messages the bot sends back."""
    before = len(telegram.sent(user.id))
    await telegram.send_text(user, text)
    return (await telegram.wait_for_messages(user.id, before + expect))[before:]


async def say_help(telegram: FakeTelegram, user: User) -> list[Sent]:
    """`user` asks for /help; every message of the answer, up to its closing line.

    The overview runs over two Telegram messages, the second after the chat's flood wait: counting
    the first alone would take the second for the answer to whatever is said next."""
    before = len(telegram.sent(user.id))
    await telegram.send_text(user, "/help")
    await telegram.wait_until(
        lambda: any("for details and an example" in sent.text for sent in telegram.sent(user.id)[before:])
    )
    return telegram.sent(user.id)[before:]


async def press(telegram: FakeTelegram, user: User, message: Sent, label: str) -> Sent:
    """`user` presses the button labelled `label`; the message the bot sends back."""
    data = dict(message.buttons)[label]
    before = len(telegram.sent(user.id))
    query_id = await telegram.press(user, message, data)
    sent = await telegram.wait_for_messages(user.id, before + 1)
    assert query_id in [answered["callback_query_id"] for answered in telegram.answered_callbacks]
    return sent[-1]


def compact(text: str) -> str:
    """Text without whitespace: where a long line was cut, Telegram trims the spaces around it."""
    return "".join(text.split())


async def add_event(db: Database, clock: Clock) -> Event:
    async with db.transaction() as session:
        return await Store(session).events.create(
            clock.now,
            title="B2B session Porto",
            kind="b2b_session",
            starts_at=clock.now + timedelta(days=10),
            ends_at=clock.now + timedelta(days=10, hours=3),
            timezone="Europe/Lisbon",
            place="Porto",
            capacity=40,
        )


async def add_member(db: Database, clock: Clock, name: str, offers: str, bio: str = "") -> None:
    async with db.transaction() as session:
        session.add(
            Member(
                name=name,
                offers=offers,
                bio=bio,
                listed=True,
                onboarded=True,
                created_at=clock.now,
                updated_at=clock.now,
            )
        )


async def test_new_user_completes_onboarding_from_the_command_menu(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    async with db.transaction() as session:
        session.add(Cluster(name=LONG_CLUSTER, region="Catalonia", country="Spain"))
    assert {"start", "find", "events", "ics"} <= {c["command"] for c in telegram.commands}

    ana = replace(ANA, language_code="ca")
    [welcome] = await say(telegram, ana, "/start")
    assert "(1/10) Com et dius?" in welcome.text
    await say(telegram, ana, "Ana Puig")
    [cluster_question] = await say(telegram, ana, "Teixits Puig")
    # The cluster's name is longer than Telegram's 64 bytes of button data: it travels as a key.
    assert dict(cluster_question.buttons)[LONG_CLUSTER].startswith("k:")
    zone_question = await press(telegram, ana, cluster_question, LONG_CLUSTER)
    assert "(4/10)" in zone_question.text and "Suggerida: Europe/Madrid (Madrid)." in zone_question.text
    assert [label for label, _ in zone_question.buttons] == ["Madrid", "Ceuta", "Illes Canàries"]
    offers_question = await press(telegram, ana, zone_question, "Illes Canàries")
    assert "(5/10)" in offers_question.text
    await say(telegram, ana, "Recycled polyester finishing")
    await say(telegram, ana, "Partners for smart-textile pilots")
    [listed_question] = await say(telegram, ana, "omet")
    await press(telegram, ana, listed_question, "Sí, incloeu-me")
    [contact_question] = await say(telegram, ana, "omet")
    done = await press(telegram, ana, contact_question, "Sí, comparteix el meu contacte")

    assert "Gràcies, Ana Puig. Ja estàs a punt." in done.text
    async with db.transaction() as session:
        member = await session.scalar(
            select(Member).join(Identity).where(Identity.platform == "telegram", Identity.user_id == "1001")
        )
        assert member is not None and member.onboarded and member.listed
        assert member.language == "ca"
        assert (member.timezone, member.share_contact, member.email) == ("Atlantic/Canary", True, "")


async def test_updates_become_neutral_messages_with_deep_links_and_addressed_commands(
    telegram: FakeTelegram, bot: TelegramAdapter, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[Incoming] = []
    respond = assistant.respond

    async def recording(msg: Incoming) -> list[Reply]:
        received.append(msg)
        return await respond(msg)

    monkeypatch.setattr(assistant, "respond", recording)
    await say(telegram, ANA, "/start invite-7f3a")
    await say(telegram, ANA, "cancel")
    await telegram.send_text(JOAO, "/help@ClusterTestBot find", group=GROUP)
    await telegram.wait_for_messages(GROUP["id"], 1)

    assert received == [
        Incoming(
            "telegram", "1001", "1001", "/start invite-7f3a", None, "private", "Ana Puig", "en", username=""
        ),
        Incoming("telegram", "1001", "1001", "cancel", None, "private", "Ana Puig", "en", username=""),
        Incoming(
            "telegram",
            "1002",
            str(GROUP["id"]),
            "/help find",
            None,
            "group",
            "João Silva",
            "pt",
            username="",
            chat_title="Textile partners",
        ),
    ]


async def test_find_events_going_button_and_calendar_file(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    event = await add_event(db, clock)
    await add_member(db, clock, "Marta Soler", "recycled fibres from post-consumer textiles")

    [found] = await say(telegram, ANA, "/find recycled fibres")
    assert "Marta Soler" in found.text
    assert {"type": "bold", "offset": found.text.index("Marta"), "length": 11} in found.entities
    [upcoming] = await say(telegram, ANA, "/events")
    assert f"/event_{event.id} B2B session Porto" in upcoming.text
    [details] = await say(telegram, ANA, f"/event {event.id}")
    going = await press(telegram, ANA, details, "Going")
    assert "You're going to B2B session Porto" in going.text
    async with db.transaction() as session:
        assert await Store(session).events.going_count(event.id) == 1

    text, document = await say(telegram, ANA, f"/ics {event.id}", expect=2)
    assert "Calendar file for B2B session Porto." in text.text
    assert document.filename == f"event-{event.id}.ics" and document.document
    [entry] = Calendar.from_ical(document.document).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "B2B session Porto"


async def test_more_results_edits_the_list_in_place(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    for number in range(12):
        await add_member(db, clock, f"Weaver {number:02d}", "jacquard weaving")
    [first_page] = await say(telegram, ANA, "/find jacquard weaving")

    data = dict(first_page.buttons)["More results"]
    query_id = await telegram.press(ANA, first_page, data)
    await telegram.wait_until(lambda: first_page.edits == 1)

    assert "(page 2)" in first_page.text and len(telegram.sent(ANA.id)) == 1
    assert query_id in [answered["callback_query_id"] for answered in telegram.answered_callbacks]


async def test_group_chatter_is_ignored_and_commands_for_us_are_answered(
    telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    await telegram.send_text(ANA, "hello everyone, who is going to Porto?", group=GROUP)
    await telegram.send_text(ANA, "/help@SomeOtherBot", group=GROUP)
    await telegram.send_text(JOAO, "/help@ClusterTestBot find", group=GROUP)
    await telegram.send_text(JOAO, "/help events", group=GROUP)

    # Updates are handled in order, so once the last is answered the others had their turn.
    await telegram.wait_for_messages(GROUP["id"], 2)
    answers = telegram.sent(GROUP["id"])
    assert [m.text.split(" — ")[0] for m in answers] == ["find", "events"]


async def test_hostile_profile_text_round_trips_through_find_and_profile(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    long_text = " ".join([HOSTILE] * 110)  # about 5,000 characters in one line
    assert len(long_text) > 5000
    await add_member(db, clock, "Zoë </a><b> & Sons", f"recycled denim {long_text}")

    def shown() -> str:
        return "".join(message.text for message in telegram.sent(ANA.id))

    await telegram.send_text(ANA, "/find recycled denim")
    await telegram.wait_until(lambda: compact(long_text) in compact(shown()))

    assert "Zoë </a><b> & Sons" in shown()
    assert len(telegram.sent(ANA.id)) > 1  # too long for one message
    # Every part went out as HTML the first time: no refusal, no plain-text fallback.
    assert all(call["parse_mode"] == "HTML" for call in telegram.called("sendMessage"))
    [saved] = await say(telegram, ANA, f"/profile set bio {HOSTILE}")
    assert "Saved your bio." in saved.text
    [profile] = await say(telegram, ANA, "/profile")
    assert HOSTILE in profile.text


async def test_blocked_user_is_marked_unreachable(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    telegram.per_chat = RateLimit(100, 1.0)  # only the refusals this test injects
    await say(telegram, ANA, "/lang")
    telegram.blocked.add(ANA.id)

    result = await bot.send(Recipient("telegram", "1001", "1001"), [text_reply("Reminder: Porto tomorrow")])

    assert result.outcome == "unreachable"
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == "1001"))
        assert identity is not None and identity.unreachable


async def test_send_tells_the_outbox_when_to_retry_and_when_to_give_up(
    telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    telegram.per_chat = RateLimit(100, 1.0)  # only the refusals this test injects
    await say(telegram, ANA, "/lang")
    ana = Recipient("telegram", "1001", "1001")
    notice = [text_reply("New call: smart textiles <pilot> & demo")]

    telegram.fail_next(1, status=429, retry_after=7)
    assert (await bot.send(ana, notice)).retry_after == 7
    telegram.fail_next(1, status=502)
    assert (await bot.send(ana, notice)).outcome == "retry"
    telegram.fail_next(1, status=400, description="Bad Request: can't parse entities: unexpected")
    assert (await bot.send(ana, notice)).outcome == "sent"
    unknown_chat = await bot.send(Recipient("telegram", "999", "999"), notice)

    assert unknown_chat.outcome == "failed" and unknown_chat.error == "Chat not found"
    fallback = telegram.called("sendMessage")[-2]
    assert fallback["text"] == "New call: smart textiles <pilot> & demo" and "parse_mode" not in fallback


async def test_a_429_storm_is_ridden_out_with_nothing_lost(
    telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    telegram.fail_next(4, status=429, retry_after=0.05)
    telegram.fail_next(2, status=502)
    topics = ["find", "events", "event", "going", "ics", "profile"]
    for topic in topics:
        await telegram.send_text(ANA, f"/help {topic}")

    await telegram.wait_for_messages(ANA.id, len(topics))
    await say(telegram, ANA, "/help start")

    assert [m.text.split(" — ")[0] for m in telegram.sent(ANA.id)] == [*topics, "start"]
    assert len(telegram.called("sendMessage")) >= len(topics) + 1 + 6


async def test_a_failing_update_is_logged_and_polling_goes_on(
    telegram: FakeTelegram, bot: TelegramAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fail_next(1, status=400, description="Bad Request: message thread not found")
    with caplog.at_level(logging.ERROR, logger="bot.telegram"):
        await telegram.send_text(ANA, "/help find")
        [answer] = await say(telegram, ANA, "/help events")

    assert answer.text.startswith("events — ")
    assert "could not be handled" in caplog.text


@pytest.mark.parametrize("garbage", ["html", "truncated", "no_result"])
async def test_a_garbage_answer_is_retried_by_the_outbox_and_the_message_arrives_once(
    db: Database, clock: Clock, telegram: FakeTelegram, bot: TelegramAdapter, garbage: str
) -> None:
    """A 200 that is no Bot API answer (a proxy's page, a body cut off, `ok` alone) is not a refusal."""
    telegram.open_chat(ANA)
    member = await add_reachable_member(db, clock.now, "telegram", str(ANA.id), str(ANA.id))
    await enqueue(db, clock.now, [member], "announce:1", "The Porto agenda is out")
    telegram.garble_next(2, garbage)

    assert await deliver_until_done(db, clock, bot) == [("sent", 3)]
    assert [sent.text for sent in telegram.sent(ANA.id)] == ["The Porto agenda is out"]


async def test_a_refusal_page_that_is_not_telegrams_does_not_mark_anyone_unreachable(
    db: Database, clock: Clock, telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    """A 403 page from a firewall in between is not Telegram saying the person blocked the bot."""
    telegram.open_chat(ANA)
    member = await add_reachable_member(db, clock.now, "telegram", str(ANA.id), str(ANA.id))
    await enqueue(db, clock.now, [member], "announce:1", "The Porto agenda is out")
    telegram.garble_next(1, "proxy_403")

    assert await deliver_until_done(db, clock, bot) == [("sent", 2)]
    async with db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.member_id == member))
    assert identity is not None and not identity.unreachable
