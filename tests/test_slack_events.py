"""End to end through the real slack-bolt app: signed requests in, the fake Web API records what comes out."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from bot.http import HttpServer, database_check
from bot.settings import Settings
from bot.slack import SlackAdapter
from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Identity, Member, Rsvp
from tests.conftest import Clock
from tests.factories import add_cluster, add_event, add_member
from tests.fakes.slack_api import SIGNING_SECRET, TOKEN, FakeSlackApi, SlackSender, sign

USER = "U0LAIA"


@dataclass
class World:
    api: FakeSlackApi
    slack: SlackSender
    http: HttpServer
    db: Database
    clock: Clock


def slack_settings(api: FakeSlackApi) -> Settings:
    return Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_base_url=api.base_url,
    )


@pytest.fixture
async def world(db: Database, assistant: Assistant, clock: Clock) -> AsyncIterator[World]:
    async with FakeSlackApi() as api:
        # Laia's Slack is in English, so the tests read the English texts (one gives her Catalan).
        api.add_user(USER, "Laia Puig", tz="Europe/Lisbon", locale="en-GB")
        http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
        http.add_check("database", database_check(db))
        adapter = SlackAdapter(slack_settings(api), assistant, db, http)
        await http.start()
        await adapter.start()
        yield World(api, SlackSender(f"{http.url}/slack/events", api=api), http, db, clock)
        await adapter.stop()
        await http.stop()


async def count(db: Database, statement: Any) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(statement) or 0)


def section_text(blocks: list[dict[str, Any]]) -> str:
    """What the sections show: their text, and their fields (a list's items) one per line."""
    return "\n".join(
        text
        for b in blocks
        if b["type"] == "section"
        for text in [b["text"]["text"], *(field["text"] for field in b.get("fields", []))]
    )


async def test_slash_find_answers_through_response_url_and_seeds_the_profile(world: World) -> None:
    world.api.add_user(USER, "Laia Puig", tz="Europe/Lisbon", locale="ca-ES")  # her Slack in Catalan
    await add_member(
        world.db, world.clock.now, "Marta Ferrer", organisation="Teixits SL", offers="textile finishing"
    )
    response_url = world.api.response_url()

    status, _ = await world.slack.slash(USER, "find textile", response_url)

    assert status == 200
    await world.api.wait_for(lambda: world.api.responses)
    answer = world.api.responses[0].body
    assert answer["response_type"] == "ephemeral"
    assert "*Marta Ferrer*" in section_text(answer["blocks"]) and "Marta Ferrer" in answer["text"]
    async with world.db.transaction() as session:
        member = await session.scalar(
            select(Member)
            .join(Identity)
            .where(Identity.platform == "slack", Identity.user_id == "T0TEST:U0LAIA")
        )
    assert member is not None
    assert (member.name, member.timezone, member.language) == ("Laia Puig", "Europe/Lisbon", "ca")


async def test_dm_events_answers_in_the_dm(world: World) -> None:
    await add_event(world.db, world.clock.now, "Learning visit to Terrassa", starts_in=timedelta(days=3))

    await world.slack.dm(USER, "events")

    await world.api.wait_for(lambda: world.api.dm_messages(USER))
    (message,) = world.api.dm_messages(USER)
    assert "Learning visit to Terrassa" in section_text(message.blocks)
    assert "*#1 Learning visit to Terrassa*" in section_text(message.blocks)


async def test_clicking_going_stores_the_rsvp_and_updates_the_message(world: World) -> None:
    event_id = await add_event(world.db, world.clock.now, "B2B session Porto", starts_in=timedelta(days=5))
    await world.slack.dm(USER, f"event {event_id}")
    await world.api.wait_for(lambda: world.api.dm_messages(USER))
    (details,) = world.api.dm_messages(USER)
    going = next(
        e
        for b in details.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Going"
    )

    status, _ = await world.slack.click(
        USER,
        going,
        container={"type": "message", "message_ts": details.ts, "channel_id": details.channel},
        channel={"id": details.channel},
        message={"ts": details.ts, "text": details.text, "blocks": details.blocks},
        response_url=world.api.response_url(),
    )

    assert status == 200
    await world.api.wait_for(lambda: len(world.api.dm_messages(USER)) == 2)
    assert await count(world.db, select(func.count()).select_from(Rsvp).where(Rsvp.status == "going")) == 1
    confirmation = world.api.dm_messages(USER)[1]
    assert "You're going to *B2B session Porto*" in section_text(confirmation.blocks)
    assert details.history, "the message with the buttons was edited"
    assert [b["type"] for b in details.blocks][-1] == "context"
    assert "actions" not in [b["type"] for b in details.blocks]
    assert details.blocks[-1]["elements"][0]["text"] == "✓ Going"


async def test_app_home_shows_the_agenda_contacts_and_events(world: World) -> None:
    await add_event(world.db, world.clock.now, "Smart textiles fair", starts_in=timedelta(days=9))
    await add_member(world.db, world.clock.now, "Joana Silva", offers="recycled polyester yarn")
    await world.slack.dm(USER, "profile set seeks recycled polyester")
    await world.api.wait_for(lambda: world.api.dm_messages(USER))

    await world.slack.event({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"})

    await world.api.wait_for(lambda: USER in world.api.views)
    blocks = world.api.views[USER]["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert headers == [
        "Your meetings",
        "Events you're going to",
        "Suggested contacts",
        "Opportunities you follow",
        "Upcoming events",
    ]
    assert "Smart textiles fair" in section_text(blocks)
    assert "Joana Silva" in section_text(blocks)


@pytest.mark.parametrize(
    "signing",
    [{"secret": "forged"}, {"timestamp": int(time.time()) - 6 * 60}],
    ids=["forged-signature", "stale-timestamp"],
)
async def test_unsigned_or_stale_requests_get_401_and_change_nothing(
    world: World, signing: dict[str, Any]
) -> None:
    forger = SlackSender(world.slack.url, secret=signing.get("secret", SIGNING_SECRET))
    body = forger.event_body(
        {"type": "message", "channel_type": "im", "channel": "DX", "user": USER, "text": "help"}
    )

    status, _ = await forger.post(body, "application/json", timestamp=signing.get("timestamp"))

    assert status == 401
    assert [call.method for call in world.api.calls] == ["auth.test"]
    assert await count(world.db, select(func.count()).select_from(Identity)) == 0


HELP = "What I can do"


def help_and_another_answer(world: World) -> bool:
    """Both the help and the answer to the message sent after it have come (in either order)."""
    helps = [HELP in message.text for message in world.api.dm_messages(USER)]
    return True in helps and False in helps


async def test_a_redelivered_event_is_handled_once(world: World) -> None:
    body = world.slack.event_body(
        {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{USER}",
            "user": USER,
            "text": "help",
            "ts": "1.1",
        },
        event_id="Ev0DUPLICATE",
    )
    assert (await world.slack.post(body, "application/json"))[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert (await world.slack.post(body, "application/json", headers=retry))[0] == 200
    await world.slack.dm(USER, "events")

    await world.api.wait_for(lambda: help_and_another_answer(world))
    assert sorted(HELP in m.text for m in world.api.dm_messages(USER)) == [False, True]


async def test_an_event_retried_on_another_process_is_handled_once(
    world: World, assistant: Assistant
) -> None:
    other_http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
    other = SlackAdapter(slack_settings(world.api), assistant, world.db, other_http)  # same database
    await other_http.start()
    await other.start()
    body = world.slack.event_body(
        {"type": "message", "channel_type": "im", "channel": f"D{USER}", "user": USER, "text": "help"},
        event_id="Ev0ELSEWHERE",
    )
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    try:
        assert (await world.slack.post(body, "application/json"))[0] == 200
        retried = SlackSender(f"{other_http.url}/slack/events")  # signed anew, as Slack does
        assert (await retried.post(body, "application/json", headers=retry))[0] == 200
        await retried.dm(USER, "events")

        await world.api.wait_for(lambda: help_and_another_answer(world))
    finally:
        await other.stop()
        await other_http.stop()
    assert sorted(HELP in m.text for m in world.api.dm_messages(USER)) == [False, True]


async def test_a_replayed_slash_command_runs_once(world: World) -> None:
    await add_event(world.db, world.clock.now, "Trade fair Lyon", starts_in=timedelta(days=20))
    captured = world.api.response_url()
    form = {"command": "/cluster", "text": "going 1", "team_id": "T0TEST", "user_id": USER}
    body = urlencode({**form, "channel_id": "C0GENERAL", "response_url": captured})
    signed_at = int(time.time())

    first = await world.slack.post(body, "application/x-www-form-urlencoded", timestamp=signed_at)
    replayed = await world.slack.post(body, "application/x-www-form-urlencoded", timestamp=signed_at)
    later = world.api.response_url()
    await world.slack.slash(USER, "help going", later)

    await world.api.wait_for(lambda: any(r.url_id == later.rsplit("/", 1)[1] for r in world.api.responses))
    assert (first[0], replayed[0]) == (200, 200)
    answers = [r for r in world.api.responses if r.url_id == captured.rsplit("/", 1)[1]]
    assert len(answers) == 1 and "You're going to *Trade fair Lyon*" in answers[0].body["text"]


async def test_a_malformed_unsigned_body_gets_401_and_is_not_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    forger = SlackSender(world.slack.url, secret="forged")
    body = '{"type": "event_callback", "event": {"text": "PRIVATE-MARKER' + "x" * 100_000

    with caplog.at_level(logging.DEBUG):
        status, _ = await forger.post(body, "application/json")
        unsigned, _ = await forger.post(body, "application/json", headers={"X-Slack-Request-Timestamp": "x"})

    assert (status, unsigned) == (401, 401)
    assert "PRIVATE-MARKER" not in caplog.text and "Traceback" not in caplog.text
    assert [call.method for call in world.api.calls] == ["auth.test"]


@pytest.mark.parametrize(
    "body",
    [b'{"type": "event_callback", "event":', b"payload=%7Bnot-json", b"\xff\xfe{}"],
    ids=["broken-json", "broken-payload", "not-utf8"],
)
async def test_a_malformed_signed_body_gets_400_not_a_crash(
    world: World, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Content-Type": "application/json", **sign(body)}

    with caplog.at_level(logging.DEBUG):
        async with (
            aiohttp.ClientSession() as session,
            session.post(world.slack.url, data=body, headers=headers) as response,
        ):
            status = response.status

    assert status == 400
    assert "Traceback" not in caplog.text


async def test_hostile_profile_text_renders_escaped(world: World) -> None:
    await add_member(
        world.db,
        world.clock.now,
        "<!channel> Mallory & Co",
        offers="textile <https://evil.example|free money> <@U0BOSS>",
    )
    response_url = world.api.response_url()

    await world.slack.slash(USER, "find textile", response_url)

    await world.api.wait_for(lambda: world.api.responses)
    body = world.api.responses[0].body
    # Button labels are plain_text, which Slack never reads as mrkdwn: a name there cannot ping.
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    buttons += [b["accessory"] for b in body["blocks"] if "accessory" in b]
    assert buttons and {button["text"]["type"] for button in buttons} == {"plain_text"}
    texts = [
        {k: v for k, v in b.items() if k != "accessory"} for b in body["blocks"] if b["type"] != "actions"
    ]
    text = json.dumps(body | {"blocks": texts})
    assert "<!channel>" not in text and "<https://evil" not in text and "<@U0BOSS>" not in text
    assert "&lt;!channel&gt; Mallory &amp; Co" in section_text(world.api.responses[0].body["blocks"])


async def test_a_429_from_post_message_is_waited_out_with_nothing_lost(world: World) -> None:
    world.api.throttle("chat.postMessage")

    await world.slack.dm(USER, "help")

    await world.api.wait_for(lambda: world.api.dm_messages(USER))
    attempts = [call.status for call in world.api.calls if call.method == "chat.postMessage"]
    assert attempts == [429, 200]
    assert len(world.api.dm_messages(USER)) == 1


async def test_a_mention_in_a_channel_answers_only_the_person(world: World) -> None:
    await world.slack.event(
        {
            "type": "app_mention",
            "user": USER,
            "channel": "C0GENERAL",
            "text": "<@U0BOT> help find",
            "ts": "1.2",
        }
    )

    await world.api.wait_for(lambda: world.api.ephemeral)
    (message,) = world.api.ephemeral
    assert (message.channel, message.ephemeral_for) == ("C0GENERAL", USER)
    assert "`/cluster find TEXT [in:PLACE]`" in section_text(message.blocks)


async def test_a_calendar_file_is_uploaded_to_the_dm(world: World) -> None:
    event_id = await add_event(world.db, world.clock.now, "Trade fair Lyon", starts_in=timedelta(days=20))

    await world.slack.slash(USER, f"ics {event_id}", world.api.response_url())

    await world.api.wait_for(lambda: world.api.responses)
    (upload,) = world.api.files.values()
    assert upload["channel"] == f"D{USER}" and upload["content"].startswith(b"BEGIN:VCALENDAR")
    assert "Trade fair Lyon" in upload["comment"]
    assert "direct messages" in world.api.responses[0].body["text"]


async def test_a_failed_upload_falls_back_to_text(world: World) -> None:
    event_id = await add_event(world.db, world.clock.now, "Trade fair Lyon", starts_in=timedelta(days=20))
    world.api.fail("files.completeUploadExternal", "access_denied")

    await world.slack.dm(USER, f"ics {event_id}")

    await world.api.wait_for(lambda: world.api.dm_messages(USER))
    assert "BEGIN:VCALENDAR" in world.api.dm_messages(USER)[0].text


async def test_url_verification_challenge_is_answered(world: World) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c0ffee"})

    status, text = await world.slack.post(body, "application/json")

    assert status == 200 and "c0ffee" in text


async def test_readyz_counts_the_slack_connection(world: World) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{world.http.url}/readyz") as response:
        assert response.status == 200
        assert (await response.json())["checks"] == {"database": "ok", "slack": "ok"}


async def test_a_button_on_an_ephemeral_answer_replies_through_its_response_url(world: World) -> None:
    event_id = await add_event(world.db, world.clock.now, "Staff exchange Prato", starts_in=timedelta(days=4))
    await world.slack.slash(USER, f"event {event_id}", world.api.response_url())
    await world.api.wait_for(lambda: world.api.responses)
    going = world.api.responses[0].body["blocks"][-2]["elements"][0]
    response_url = world.api.response_url()

    await world.slack.click(
        USER,
        going,
        container={"type": "message", "message_ts": "1.1", "channel_id": "C0GENERAL", "is_ephemeral": True},
        channel={"id": "C0GENERAL"},
        response_url=response_url,
    )

    await world.api.wait_for(lambda: len(world.api.responses) == 2)
    answer = world.api.responses[1]
    assert answer.url_id == response_url.rsplit("/", 1)[1]
    assert (answer.body["response_type"], answer.body["replace_original"]) == ("ephemeral", False)
    assert "You're going to *Staff exchange Prato*" in answer.body["text"]


async def test_socket_mode_takes_no_http_route(db: Database, assistant: Assistant) -> None:
    http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
    settings = Settings(
        slack_bot_token=TOKEN, slack_app_token="xapp-test", slack_api_base_url="http://127.0.0.1:9/"
    )

    SlackAdapter(settings, assistant, db, http)

    assert "/slack/events" not in [resource.canonical for resource in http.app.router.resources()]
    assert "slack" in http.checks


async def test_onboarding_keeps_the_zone_slack_gives_over_the_clusters_country(world: World) -> None:
    """users.info says Lisbon; her cluster is in Spain: Slack's own `tz` wins, shown before it is kept."""
    await add_cluster(world.db, "Tèxtil Innova", "Catalonia", "Spain", ["textiles"])
    answers = ["start", "Laia Puig", "Teixits", "Tèxtil Innova", "skip", "finishing", "sensors", "skip"]
    for sent, answer in enumerate([*answers, "yes", "skip", "no"], start=1):
        await world.slack.dm(USER, answer)
        await world.api.wait_for(lambda sent=sent: len(world.api.dm_messages(USER)) == sent)
        last = section_text(world.api.dm_messages(USER)[-1].blocks)
        if answer == "Tèxtil Innova":
            assert "Suggested: Europe/Lisbon (Lisbon)." in last
    assert "You're all set" in last
    async with world.db.transaction() as session:
        member = await session.scalar(select(Member).where(Member.onboarded))
    assert member is not None and member.timezone == "Europe/Lisbon"
