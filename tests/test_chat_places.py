"""Cluster places on Telegram, end to end: the real python-telegram-bot against the fake Bot API.

A coordinator links a group to a cluster, an announcement is posted there once (through the outbox,
within the group limit, once across a restart of the worker), and personal answers asked for in a
group arrive in a private chat.
"""

from __future__ import annotations

import asyncio
import math
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.telegram import TelegramAdapter
from core.types import Text
from scheduler.delivery import DeliveryPolicy, OutboxWorker
from scheduler.ratelimit import TELEGRAM_LIMITS, RateLimiter
from store.chat_places import place_cause
from store.db import Database
from store.migrate import upgrade
from store.models import AuditEntry, Follow, Member, OutboxMessage, Place, Rsvp
from store.repository import store_transaction
from tests.conftest import Clock
from tests.factories import add_cluster, add_event, add_opportunity, make_coordinator
from tests.fakes.telegram_api import FakeTelegram, RateLimit, Sent, User
from tests.test_broadcast import start_bot, until_finished
from tests.test_slack_install import until
from tests.test_telegram_adapter import bot, say_help, telegram

__all__ = ["bot", "telegram"]  # the Telegram adapter's fixtures, shared

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

ANA = User(1001, "Ana", "Puig", "en")
JOAO = User(1002, "João", "Silva", "en")
GROUP = {"id": -100500, "title": "TEXCAT members"}


async def in_group(telegram: FakeTelegram, user: User, text: str) -> str:
    before = len(telegram.sent(GROUP["id"]))
    await telegram.send_text(user, text, group=GROUP)
    return (await telegram.wait_for_messages(GROUP["id"], before + 1))[-1].text


async def in_private(telegram: FakeTelegram, user: User, text: str, *, expect: int = 1) -> list[str]:
    before = len(telegram.sent(user.id))
    await telegram.send_text(user, text)
    return [sent.text for sent in (await telegram.wait_for_messages(user.id, before + expect))[before:]]


async def coordinator(telegram: FakeTelegram, db: Database) -> None:
    await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    await say_help(telegram, ANA)
    await make_coordinator(db, str(ANA.id))


def worker(db: Database, bot: TelegramAdapter, clock: Clock, waits: list[float]) -> OutboxWorker:
    """A worker with Telegram's own limits on the test's clock: the waits it asks for are recorded."""

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=math.ceil(seconds * 1e6) / 1e6)  # the clock counts whole microseconds
        await asyncio.sleep(0.05)  # the fake's own flood limit runs on real time, compressed

    limiter = RateLimiter(TELEGRAM_LIMITS, clock=lambda: clock.now.timestamp(), sleep=sleep)
    # One at a time, so that the waits are the limiter's spacing and nothing else.
    policy = DeliveryPolicy(concurrency=1)
    return OutboxWorker(db, {"telegram": bot}, {"telegram": limiter}, policy=policy, clock=clock)


async def test_a_coordinator_links_a_group_and_an_announcement_is_posted_there_once(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    await coordinator(telegram, db)
    answer = await in_group(telegram, ANA, "/channel link cluster:TEXCAT")
    assert "Linked" in answer and "TEXCAT" in answer
    async with db.transaction() as session:
        [place] = (await session.scalars(select(Place))).all()
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "channel link"))).all()
    assert (place.platform, place.chat_id) == ("telegram", str(GROUP["id"]))
    assert len(audit) == 1

    [listed] = await in_private(telegram, ANA, "/channel list")
    assert "TEXCAT" in listed and str(GROUP["id"]) in listed

    for number in range(3):
        [preview] = await in_private(telegram, ANA, f"/announce channels:TEXCAT Porto agenda {number}")
        assert f"Also posted in 1 linked chats: TEXCAT members (telegram {GROUP['id']})" in preview
        shown = telegram.sent(ANA.id)[-1]
        await telegram.press(ANA, shown, dict(shown.buttons)["Send to 0"])
        await telegram.wait_until(lambda: "Queued" in telegram.sent(ANA.id)[-1].text)

    waits: list[float] = []
    first = worker(db, bot, clock, waits)
    await first.drain_once()
    # A worker started afresh (the process restarted) finds nothing more to post.
    await worker(db, bot, clock, waits).drain_once()
    posted = [m.text for m in telegram.sent(GROUP["id"]) if "Porto agenda" in m.text]
    assert sorted(posted) == sorted(f"📣 Announcement\nPorto agenda {n}\n\n— Ana Puig" for n in range(3)), (
        posted
    )
    # Three posts in one group: Telegram allows 20 a minute there, so 3 s apart, and our margin.
    assert [round(w, 1) for w in waits if w > 0.5] == [3.1, 3.1]
    async with db.transaction() as session:
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.place_id.is_not(None)))).all()
    assert [row.status for row in rows] == ["sent"] * 3


async def test_only_a_coordinator_of_the_cluster_may_link_a_chat(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    answer = await in_group(telegram, JOAO, "/channel link cluster:TEXCAT")
    assert "Linked" not in answer
    async with db.transaction() as session:
        assert (await session.scalars(select(Place))).all() == []


async def test_a_personal_answer_asked_for_in_a_group_arrives_in_private(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database
) -> None:
    telegram.open_chat(ANA)
    await say_help(telegram, ANA)
    before = len(telegram.sent(ANA.id))
    await telegram.send_text(ANA, "/profile", group=GROUP)
    await telegram.wait_for_messages(ANA.id, before + 1)
    assert telegram.sent(GROUP["id"]) == []


async def test_a_personal_answer_for_someone_without_a_private_chat_offers_one(
    telegram: FakeTelegram, bot: TelegramAdapter
) -> None:
    telegram.never_started.add(JOAO.id)
    answer = await in_group(telegram, JOAO, "/mydata")
    assert "private chat" in answer
    [(label, url)] = telegram.sent(GROUP["id"])[-1].buttons
    assert label == "Continue in private"
    assert url == "https://t.me/ClusterTestBot?start=private"


async def test_removing_the_bot_from_a_linked_group_unlinks_it_and_tells_the_coordinator(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    await coordinator(telegram, db)
    telegram.open_chat(ANA)
    await in_group(telegram, ANA, "/channel link cluster:TEXCAT")

    await telegram.remove_bot(JOAO, GROUP)

    async def unlinked() -> bool:
        async with db.transaction() as session:
            return not (await session.scalars(select(Place))).all()

    await until(unlinked)
    before = len(telegram.sent(ANA.id))
    await worker(db, bot, clock, []).drain_once()
    [told] = (await telegram.wait_for_messages(ANA.id, before + 1))[before:]
    assert told.text == (
        f"I was removed from TEXCAT members (telegram {GROUP['id']}), so it is no longer linked to TEXCAT."
    )


async def test_a_killed_process_posts_an_announcement_in_each_linked_group_once_after_restart(
    tmp_path: Path,
) -> None:
    """`clusterbot run` is killed (SIGKILL) while an announcement goes out to 150 linked groups;
    the next one finishes it: every group has it, repeated at most for the posts in flight."""
    groups, db_path = 150, tmp_path / "bot.db"
    db = Database(f"sqlite:///{db_path}")
    await upgrade(db)
    cluster = await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    payload = Text().add("The Porto B2B agenda is out.").reply().to_dict()
    async with store_transaction(db) as store:
        texcat = await store.people.get_cluster(cluster)
        assert texcat is not None
        for number in range(groups):
            await store.places.link(
                "telegram", "", str(-200_000 - number), "", texcat, None, datetime.now(UTC)
            )
        places = await store.places.of_clusters([cluster])
        await store.places.enqueue(places, place_cause(1), lambda _: payload, datetime.now(UTC))
    await db.close()

    async with FakeTelegram(overall=RateLimit(300, 1.0), per_chat=RateLimit(10, 1.0)) as telegram:
        for number in range(groups):
            telegram.open_group({"id": -200_000 - number, "title": f"Group {number}"})
        first = start_bot(db_path, telegram, tmp_path, rate=100)
        await telegram.wait_until(lambda: sum(telegram.received_by_chat().values()) >= groups // 3, within=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = start_bot(db_path, telegram, tmp_path, rate=100)
        try:
            await until_finished(db_path, tmp_path)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.to_thread(second.wait, 30)
        received = telegram.received_by_chat()
    duplicates = sum(count - 1 for count in received.values())
    print(f"\n{groups} groups, killed once: {duplicates} posts repeated")
    assert set(received) == {-200_000 - number for number in range(groups)}
    assert duplicates <= DeliveryPolicy().concurrency


async def linked_texcat(telegram: FakeTelegram, db: Database) -> int:
    """Ana, coordinator of TEXCAT, links the group to it: the cluster's id."""
    await coordinator(telegram, db)
    await in_group(telegram, ANA, "/channel link cluster:TEXCAT")
    async with db.transaction() as session:
        texcat = await session.scalar(select(Place.cluster_id))
    assert texcat is not None
    return texcat


async def posted_twice(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock, command: str, title: str
) -> Sent:
    """Ana posts with `command` twice; the worker runs: the one card in the group."""
    [answer] = await in_private(telegram, ANA, command)
    assert answer == "Posted in 1 linked chats."
    await in_private(telegram, ANA, command)  # again: still one post
    await worker(db, bot, clock, []).drain_once()
    [card] = [m for m in telegram.sent(GROUP["id"]) if title in m.text]
    return card


async def test_an_event_posted_in_a_group_answers_each_presser_of_going_in_private(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    texcat = await linked_texcat(telegram, db)
    event = await add_event(db, clock.now, "Porto B2B", starts_in=timedelta(days=3), cluster_id=texcat)
    card = await posted_twice(telegram, bot, db, clock, f"/event post {event}", "Porto B2B")
    assert [label for label, _ in card.buttons] == ["Going"]

    telegram.open_chat(JOAO)  # João has a private chat with the bot, and has never used it
    group_before = len(telegram.sent(GROUP["id"]))
    await telegram.press(JOAO, card, dict(card.buttons)["Going"])
    [going] = await telegram.wait_for_messages(JOAO.id, 1)
    assert "Porto B2B" in going.text
    async with db.transaction() as session:
        rsvps = (await session.execute(select(Rsvp.event_id, Rsvp.status))).all()
    assert [tuple(row) for row in rsvps] == [(event, "going")]
    assert len(telegram.sent(GROUP["id"])) == group_before


async def test_an_opportunity_posted_in_a_group_answers_each_presser_of_follow_in_private(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    texcat = await linked_texcat(telegram, db)
    async with db.transaction() as session:
        ana = await session.scalar(select(Member.id))
    number = await add_opportunity(db, clock.now, "Smart-textile pilot", cluster_id=texcat, posted_by=ana)
    card = await posted_twice(telegram, bot, db, clock, f"/opportunity post {number}", "Smart-textile pilot")
    assert [label for label, _ in card.buttons] == ["Follow", "I'm interested"]

    telegram.open_chat(JOAO)
    group_before = len(telegram.sent(GROUP["id"]))
    await telegram.press(JOAO, card, dict(card.buttons)["Follow"])
    [followed] = await telegram.wait_for_messages(JOAO.id, 1)
    assert f"You follow opportunity #{number}" in followed.text
    async with db.transaction() as session:
        joao = await session.scalar(select(Member.id).where(Member.id != ana))
        follows = (await session.execute(select(Follow.member_id, Follow.opportunity_id))).all()
        audit = (
            await session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "opportunity post"))
        ).all()
    assert [tuple(row) for row in follows] == [(joao, number)]
    assert set(audit) == {f"opportunity #{number} in 1 chats"}
    assert len(telegram.sent(GROUP["id"])) == group_before


async def test_only_a_coordinator_or_the_poster_may_post_an_opportunity_in_linked_chats(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    texcat = await linked_texcat(telegram, db)
    number = await add_opportunity(db, clock.now, "Smart-textile pilot", cluster_id=texcat)
    await in_private(telegram, JOAO, "/myopportunities")
    [answer] = await in_private(telegram, JOAO, f"/opportunity post {number}")
    assert answer == "Only the member who posted it or a coordinator can change it."
    async with db.transaction() as session:
        assert (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.place_id.is_not(None)))
        ).all() == []


async def test_the_member_who_posted_an_opportunity_may_post_it_in_linked_chats(
    telegram: FakeTelegram, bot: TelegramAdapter, db: Database, clock: Clock
) -> None:
    texcat = await linked_texcat(telegram, db)
    await in_private(telegram, JOAO, "/myopportunities")
    async with db.transaction() as session:
        joao = await session.scalar(select(Member.id).order_by(Member.id.desc()))
    number = await add_opportunity(db, clock.now, "Smart-textile pilot", cluster_id=texcat, posted_by=joao)
    assert await in_private(telegram, JOAO, f"/opportunity post {number}") == ["Posted in 1 linked chats."]
