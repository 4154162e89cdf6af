"""Cluster places on Slack, end to end through the real slack-bolt app and the fake Web API: a
coordinator links a channel, an announcement is posted there once, and a personal answer asked
for in a channel arrives as a direct message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from bot.http import HttpServer
from bot.slack import SlackAdapter
from handlers.engine.assistant import Assistant
from scheduler.delivery import OutboxWorker
from scheduler.ratelimit import SLACK_LIMITS, RateLimiter
from store.db import Database
from store.models import AuditEntry, Follow, Member, OutboxMessage, Place
from tests.conftest import Clock
from tests.factories import add_cluster, add_opportunity, make_coordinator
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackApi, SlackSender
from tests.test_slack_events import section_text, slack_settings
from tests.test_slack_install import until

LAIA = "U0LAIA"
MARC = "U0MARC"
CHANNEL = "C0TEXCAT"


@dataclass
class World:
    api: FakeSlackApi
    slack: SlackSender
    adapter: SlackAdapter


@pytest.fixture
async def world(db: Database, assistant: Assistant) -> AsyncIterator[World]:
    async with FakeSlackApi() as api:
        api.add_user(LAIA, "Laia Puig", tz="Europe/Madrid", locale="en-GB")
        api.add_user(MARC, "Marc Soler", tz="Europe/Madrid", locale="en-GB")
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        adapter = SlackAdapter(slack_settings(api), assistant, db, http)
        await http.start()
        await adapter.start()
        yield World(api, SlackSender(f"{http.url}/slack/events"), adapter)
        await adapter.stop()
        await http.stop()


async def mention(world: World, text: str) -> None:
    event = {"type": "app_mention", "user": LAIA, "channel": CHANNEL, "text": f"<@U0BOT> {text}", "ts": "1.2"}
    await world.slack.event(event)


async def link_as_coordinator(world: World, db: Database) -> None:
    """Laia, coordinator, links the channel to TEXCAT by mentioning the bot there."""
    await add_cluster(db, "TEXCAT", "Catalonia", "Spain", ["textiles"])
    await world.slack.dm(LAIA, "help")
    await world.api.wait_for(lambda: world.api.dm_messages(LAIA))
    await make_coordinator(db, f"{TEAM_ID}:{LAIA}")
    await mention(world, "channel link cluster:TEXCAT")
    await world.api.wait_for(lambda: world.api.ephemeral)


async def test_a_coordinator_links_a_channel_and_an_announcement_is_posted_there_once(
    world: World, db: Database, clock: Clock
) -> None:
    await link_as_coordinator(world, db)
    assert "Linked" in section_text(world.api.ephemeral[-1].blocks)
    async with db.transaction() as session:
        [place] = (await session.scalars(select(Place))).all()
    assert (place.platform, place.team_id, place.chat_id) == ("slack", TEAM_ID, CHANNEL)

    before = len(world.api.dm_messages(LAIA))
    await world.slack.dm(LAIA, "announce channels:TEXCAT Porto agenda")
    await world.api.wait_for(lambda: len(world.api.dm_messages(LAIA)) > before)
    preview = world.api.dm_messages(LAIA)[-1]
    assert f"Also posted in 1 linked chats: slack {CHANNEL}" in section_text(preview.blocks)
    before = len(world.api.dm_messages(LAIA))
    await world.slack.dm(LAIA, "announce confirm 1")  # typed: the preview again, with its button
    await world.api.wait_for(lambda: len(world.api.dm_messages(LAIA)) > before)
    [send] = [
        element
        for block in world.api.dm_messages(LAIA)[-1].blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == "Send to 0"
    ]
    dm = world.api.dm_messages(LAIA)[-1]
    await world.slack.click(
        LAIA,
        send,
        container={"type": "message", "channel_id": dm.channel, "message_ts": dm.ts},
        channel={"id": dm.channel},
    )

    def posted() -> list[str]:
        return [m.text for m in world.api.messages.values() if m.channel == CHANNEL]

    limiter = RateLimiter(SLACK_LIMITS, clock=lambda: clock.now.timestamp())
    await world.api.wait_for(lambda: "Queued" in world.api.messages[dm.ts].text)
    for _ in range(2):  # the second worker stands for the process started again: nothing is left
        await OutboxWorker(db, {"slack": world.adapter}, {"slack": limiter}, clock=clock).drain_once()
    assert len(posted()) == 1 and "Porto agenda" in posted()[0]


async def test_a_personal_answer_asked_for_in_a_channel_arrives_as_a_direct_message(world: World) -> None:
    await mention(world, "profile")
    await world.api.wait_for(lambda: world.api.dm_messages(LAIA))
    assert world.api.ephemeral == []
    assert [m for m in world.api.messages.values() if m.channel == CHANNEL] == []


async def test_removing_the_bot_from_a_linked_channel_unlinks_it_and_tells_the_coordinator(
    world: World, db: Database, clock: Clock
) -> None:
    await link_as_coordinator(world, db)

    await world.slack.event({"type": "member_left_channel", "user": BOT_USER_ID, "channel": CHANNEL})

    async def unlinked() -> bool:
        async with db.transaction() as session:
            return not (await session.scalars(select(Place))).all()

    await until(unlinked)
    before = len(world.api.dm_messages(LAIA))
    limiter = RateLimiter(SLACK_LIMITS, clock=lambda: clock.now.timestamp())
    await OutboxWorker(db, {"slack": world.adapter}, {"slack": limiter}, clock=clock).drain_once()
    told = world.api.dm_messages(LAIA)[before:]
    assert [m.text for m in told] == [
        f"I was removed from slack {CHANNEL}, so it is no longer linked to TEXCAT."
    ]


async def linked_opportunity(world: World, db: Database, clock: Clock) -> int:
    """The channel linked to TEXCAT by Laia, and an opportunity of TEXCAT: its number."""
    await link_as_coordinator(world, db)
    async with db.transaction() as session:
        texcat = await session.scalar(select(Place.cluster_id))
    return await add_opportunity(db, clock.now, "Smart-textile pilot", cluster_id=texcat)


async def post_opportunity(world: World, user: str, number: int) -> str:
    before = len(world.api.dm_messages(user))
    await world.slack.dm(user, f"opportunity post {number}")
    await world.api.wait_for(lambda: len(world.api.dm_messages(user)) > before)
    return section_text(world.api.dm_messages(user)[-1].blocks)


async def test_an_opportunity_posted_in_a_channel_follows_it_for_whoever_presses_follow(
    world: World, db: Database, clock: Clock
) -> None:
    number = await linked_opportunity(world, db, clock)
    assert "Posted in 1 linked chats." in await post_opportunity(world, LAIA, number)
    await post_opportunity(world, LAIA, number)  # again: still one post
    limiter = RateLimiter(SLACK_LIMITS, clock=lambda: clock.now.timestamp())
    await OutboxWorker(db, {"slack": world.adapter}, {"slack": limiter}, clock=clock).drain_once()
    [card] = [m for m in world.api.messages.values() if m.channel == CHANNEL]
    assert "Smart-textile pilot" in card.text
    [follow] = [
        element
        for block in card.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == "Follow"
    ]

    await world.slack.click(
        MARC,
        follow,
        container={"type": "message", "channel_id": CHANNEL, "message_ts": card.ts},
        channel={"id": CHANNEL},
    )
    await world.api.wait_for(lambda: [m for m in world.api.ephemeral if m.ephemeral_for == MARC])
    [answer] = [m for m in world.api.ephemeral if m.ephemeral_for == MARC]  # seen by Marc alone
    assert f"You follow opportunity #{number}" in section_text(answer.blocks)
    async with db.transaction() as session:
        marc = await session.scalar(select(Member.id).where(Member.name == "Marc Soler"))
        follows = (await session.execute(select(Follow.member_id, Follow.opportunity_id))).all()
        audit = await session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "opportunity post"))
    assert [tuple(row) for row in follows] == [(marc, number)]
    assert audit == f"opportunity #{number} in 1 chats"
    assert len([m for m in world.api.messages.values() if m.channel == CHANNEL]) == 1


async def test_a_member_who_neither_coordinates_nor_posted_it_cannot_post_an_opportunity(
    world: World, db: Database, clock: Clock
) -> None:
    number = await linked_opportunity(world, db, clock)
    refused = await post_opportunity(world, MARC, number)
    assert "Only the member who posted it or a coordinator can change it." in refused
    async with db.transaction() as session:
        assert (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.place_id.is_not(None)))
        ).all() == []
