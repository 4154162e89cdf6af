"""Proactive messages (the outbox's path): each Slack answer becomes the outcome the outbox needs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.slack import SlackAdapter
from core.adapter import Recipient
from core.types import Attachment, Button, Incoming, Text, text_reply
from handlers.engine.assistant import Assistant
from store.db import Database
from store.models import Identity
from store.repository import Store
from tests.conftest import Clock
from tests.factories import add_reachable_member
from tests.fakes.slack_api import SIGNING_SECRET, TOKEN, FakeSlackApi
from tests.test_outbox import deliver_until_done, enqueue

USER = "U0JOAN"
TO = Recipient("slack", f"T0TEST:{USER}", f"D{USER}")
FIRST_CONTACT = Incoming("slack", TO.user_id, TO.chat_id, text="/help", display_name="Joan Vidal")


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as fake:
        fake.add_user(USER, "Joan Vidal")
        yield fake


@pytest.fixture
async def adapter(api: FakeSlackApi, assistant: Assistant, db: Database) -> AsyncIterator[SlackAdapter]:
    settings = Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_base_url=api.base_url,
    )
    slack = SlackAdapter(settings, assistant, db)
    await slack.start()
    yield slack
    await slack.stop()


async def identity_of(db: Database) -> Identity | None:
    async with db.transaction() as session:
        return await session.scalar(select(Identity).where(Identity.user_id == TO.user_id))


async def test_a_proactive_message_opens_the_dm_and_posts_it(
    adapter: SlackAdapter, api: FakeSlackApi
) -> None:
    reminder = Text().add("Reminder: ").bold("B2B session").add(" starts in 1 hour.")

    result = await adapter.send(TO, [reminder.reply(buttons=((Button("Details", "/event 3"),),))])

    assert result.outcome == "sent"
    assert api.calls_to("conversations.open")[0]["users"] == USER
    (message,) = api.dm_messages(USER)
    assert message.blocks[0]["text"]["text"] == "Reminder: *B2B session* starts in 1 hour."
    assert message.blocks[1]["elements"][0]["value"] == "/event 3"


@pytest.mark.parametrize(
    "error", ["account_inactive", "channel_not_found", "not_in_channel", "user_not_found"]
)
async def test_a_person_who_left_is_marked_unreachable_and_not_retried(
    adapter: SlackAdapter, api: FakeSlackApi, assistant: Assistant, db: Database, error: str
) -> None:
    await assistant.respond(FIRST_CONTACT)
    api.unreachable[USER] = error

    result = await adapter.send(TO, [text_reply("Hello")])

    assert (result.outcome, result.error) == ("unreachable", error)
    identity = await identity_of(db)
    assert identity is not None and identity.unreachable


async def test_a_rate_limit_goes_back_to_the_outbox_at_once_with_retry_after(
    adapter: SlackAdapter, api: FakeSlackApi
) -> None:
    """An outbox send took one slot from the rate limiter: the SDK may not repeat it in place,
    or a broadcast's repeats go out on no slot and push Slack over its rate."""
    api.throttle("chat.postMessage", times=1)

    result = await adapter.send(TO, [text_reply("Hello")])

    assert (result.outcome, result.retry_after) == ("retry", 1.0)
    assert [call.status for call in api.calls if call.method == "chat.postMessage"] == [429]
    assert api.dm_messages(USER) == []


async def test_a_server_error_is_retried_later_with_backoff(adapter: SlackAdapter, api: FakeSlackApi) -> None:
    api.fail("chat.postMessage", "service_unavailable", status=502, times=2)

    first = await adapter.send(TO, [text_reply("Hello")])
    second = await adapter.send(TO, [text_reply("Hello")])

    assert (first.outcome, second.outcome) == ("retry", "retry")
    assert 0 < first.retry_after < second.retry_after


async def test_a_network_failure_is_retried_later(assistant: Assistant, db: Database) -> None:
    settings = Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_app_token="",
        slack_api_base_url="http://127.0.0.1:9/api/",
    )
    slack = SlackAdapter(settings, assistant, db)

    result = await slack.send(TO, [text_reply("Hello")])

    assert result.outcome == "retry" and result.retry_after > 0


async def test_a_refused_message_fails_without_retry(adapter: SlackAdapter, api: FakeSlackApi) -> None:
    api.fail("chat.postMessage", "restricted_action")

    result = await adapter.send(TO, [text_reply("Hello")])

    assert (result.outcome, result.error) == ("failed", "restricted_action")


async def test_an_attachment_is_uploaded_with_the_current_upload_api(
    adapter: SlackAdapter, api: FakeSlackApi
) -> None:
    calendar = Attachment("event-3.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")

    result = await adapter.send(TO, [Text().add("Your calendar file.").reply(attachment=calendar)])

    assert result.outcome == "sent"
    assert [c.method for c in api.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (upload,) = api.files.values()
    assert (upload["channel"], upload["content"], upload["comment"]) == (
        f"D{USER}",
        calendar.content,
        "Your calendar file.",
    )


async def test_long_button_payloads_are_kept_in_the_store(
    adapter: SlackAdapter, api: FakeSlackApi, db: Database
) -> None:
    payload = "/find " + "x" * 2500

    await adapter.send(TO, [Text().add("More?").reply(buttons=((Button("More", payload),),))])

    value = api.dm_messages(USER)[0].blocks[1]["elements"][0]["value"]
    assert value.startswith("cbkey:")
    async with db.transaction() as session:
        assert await Store(session).buttons.lookup(value.removeprefix("cbkey:")) == payload


@pytest.mark.parametrize(
    ("method", "garbage"),
    [
        ("chat.postMessage", "html"),
        ("chat.postMessage", "truncated"),
        ("conversations.open", "html"),
        ("conversations.open", "truncated"),
        ("conversations.open", "no_result"),
    ],
)
async def test_a_garbage_answer_is_retried_by_the_outbox_and_the_message_arrives_once(
    adapter: SlackAdapter, api: FakeSlackApi, db: Database, clock: Clock, method: str, garbage: str
) -> None:
    """A 200 that is no Web API answer (a proxy's page, a body cut off, `ok` alone) is not a refusal."""
    member = await add_reachable_member(db, clock.now, "slack", TO.user_id, TO.chat_id)
    await enqueue(db, clock.now, [member], "announce:1", "The Porto agenda is out")
    api.garble(method, garbage, times=2)

    assert await deliver_until_done(db, clock, adapter) == [("sent", 3)]
    assert [message.text for message in api.dm_messages(USER)] == ["The Porto agenda is out"]


async def test_an_error_code_slack_never_documented_is_retried(
    adapter: SlackAdapter, api: FakeSlackApi
) -> None:
    api.fail("chat.postMessage", "some_new_error_slack_added")

    result = await adapter.send(TO, [text_reply("Hello")])

    assert (result.outcome, result.error) == ("retry", "some_new_error_slack_added")


async def test_a_long_message_cut_short_after_its_first_part_sends_only_the_rest_next_time(
    adapter: SlackAdapter, api: FakeSlackApi, db: Database, clock: Clock
) -> None:
    """Text for two Slack messages; Slack fails the second with a 500. The next attempt posts only
    the second: Joan never gets the first part twice."""
    lines = [
        f"Line {number}: the delegation meets the Porto cluster at the fair, hall 3" for number in range(250)
    ]
    member = await add_reachable_member(db, clock.now, "slack", TO.user_id, TO.chat_id)
    await enqueue(db, clock.now, [member], "announce:1", "\n".join(lines))
    api.fail("chat.postMessage", "internal_error", status=500, after=1)

    assert await deliver_until_done(db, clock, adapter) == [("sent", 2)]
    shown = [message.text for message in api.dm_messages(USER)]
    assert len(shown) == 2 and shown[0].startswith("Line 0:") and not shown[1].startswith("Line 0:")
    assert sum(text.count("Line ") for text in shown) == len(lines)
