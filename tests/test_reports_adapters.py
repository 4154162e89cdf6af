"""Charts reach people as pictures: Telegram photos (python-telegram-bot against the fake Bot API)
and Slack image blocks of uploaded files (slack-bolt against the fake Web API); `announce status`
replaces its picture in place when Refresh is pressed."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from bot.slack import SlackAdapter
from store.db import Database
from store.models import Identity, Member, OutboxMessage
from tests.conftest import Clock
from tests.fakes.slack_api import FakeSlackApi, SlackSender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_meetings_adapters import press_on_slack, slack  # noqa: F401 - fixture
from tests.test_reports import CHARTS, seed
from tests.test_slack_events import USER as LAIA
from tests.test_telegram_adapter import ANA, bot, say, say_help, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)


def png_width(image: bytes) -> int:
    with Image.open(io.BytesIO(image)) as picture:
        assert picture.format == "PNG"
        return picture.size[0]


async def make_coordinator_of(db: Database, platform: str, user_id: str) -> None:
    async with db.transaction() as session:
        member = select(Identity.member_id).where(
            Identity.platform == platform, Identity.user_id.endswith(user_id)
        )
        await session.execute(
            update(Member).where(Member.id == member.scalar_subquery()).values(is_coordinator=True)
        )


async def announce_to_valtex(chat_as, db: Database) -> None:  # type: ignore[no-untyped-def]
    """Announcement #2 (the seeded network sent #1), queued for Valtex's one member."""
    coordinator = chat_as("coord")
    await coordinator.say("/help")
    await make_coordinator_of(db, "console", "coord")
    await coordinator.say("/announce cluster:Valtex Samples are in")
    [send] = [payload for label, payload in coordinator.buttons if label == "Send to 1"]
    await coordinator.press(send)


async def ana_coordinates_the_seeded_network(fake: FakeTelegram, db: Database, clock: Clock) -> None:
    await say_help(fake, ANA)
    await make_coordinator_of(db, "telegram", str(ANA.id))
    await seed(db, clock.now)


async def laia_coordinates_the_seeded_network(
    api: FakeSlackApi, sender: SlackSender, db: Database, clock: Clock
) -> None:
    await sender.dm(LAIA, "help")
    await api.wait_for(lambda: api.dm_messages(LAIA))
    await make_coordinator_of(db, "slack", LAIA)
    await seed(db, clock.now)


async def mark_announcement_sent(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.cause == "announce:2").values(status="sent")
        )


async def test_telegram_gets_the_report_as_photos_and_a_refreshed_delivery_picture(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:
    bot.live.every = 3600  # no redraw of its own: this test presses Refresh
    await ana_coordinates_the_seeded_network(telegram, db, clock)

    summary, *photos = await say(telegram, ANA, "/report all 2026Q4", expect=len(CHARTS) + 1)
    assert "Meetings: 4 requested, 2 accepted, 1 held, 1 no-show" in summary.text
    assert [photo.filename for photo in photos] == CHARTS
    assert all(photo.photo is not None and png_width(photo.photo) == 1080 for photo in photos)

    await announce_to_valtex(chat_as, db)
    [status] = await say(telegram, ANA, "/announce status 2")
    assert status.photo is not None and status.filename == "announcement-2.png"
    assert "sent 0 · pending 1 · unreachable 0 · failed 0" in status.text  # the photo's caption
    first_picture = status.photo

    await mark_announcement_sent(db)
    before = len(telegram.sent(ANA.id))
    await telegram.press(ANA, status, dict(status.buttons)["Refresh"])
    await telegram.wait_until(lambda: status.edits == 1)
    assert len(telegram.sent(ANA.id)) == before  # the same message, edited in place
    assert "sent 1 · pending 0 · unreachable 0 · failed 0" in status.text
    assert status.photo != first_picture and png_width(status.photo) == 1080
    assert [name for name, _ in telegram.calls].count("editMessageMedia") == 1


def pictures(api: FakeSlackApi, blocks: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """The uploaded files a message's image blocks show, by name and content."""
    shown = [api.files[block["slack_file"]["id"]] for block in blocks if block["type"] == "image"]
    return [(file["filename"], file["content"]) for file in shown]


async def test_slack_gets_the_report_as_image_blocks_and_a_refreshed_delivery_picture(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:
    api, sender, adapter = slack
    adapter.live.every = 3600  # no redraw of its own: this test presses Refresh
    await laia_coordinates_the_seeded_network(api, sender, db, clock)

    await sender.dm(LAIA, "report all 2026Q4")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    report = api.dm_messages(LAIA)[1]
    assert "Meetings: 4 requested, 2 accepted, 1 held, 1 no-show" in report.text
    shown = pictures(api, report.blocks)
    assert [name for name, _ in shown] == CHARTS
    assert all(png_width(content) == 1080 for _, content in shown)
    # Uploaded privately and shown in the message: no file message of their own in the channel.
    assert {file.get("channel") for file in api.files.values()} == {None}

    await announce_to_valtex(chat_as, db)
    await sender.dm(LAIA, "announce status 2")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 3)
    status = api.dm_messages(LAIA)[2]
    [(name, first_picture)] = pictures(api, status.blocks)
    assert name == "announcement-2.png" and "sent 0 · pending 1" in status.text

    await mark_announcement_sent(db)
    await press_on_slack(sender, LAIA, status, "Refresh")
    await api.wait_for(lambda: status.history)
    assert len(api.dm_messages(LAIA)) == 3  # chat.update: the same message
    assert "sent 1 · pending 0" in status.text
    [(_, picture)] = pictures(api, status.blocks)
    assert picture != first_picture and png_width(picture) == 1080


async def test_telegram_redraws_a_running_broadcasts_status_until_nothing_waits(
    telegram: FakeTelegram,  # noqa: F811 - the fixture imported above
    bot,  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:
    bot.live.every = 0.05
    await ana_coordinates_the_seeded_network(telegram, db, clock)
    await announce_to_valtex(chat_as, db)

    [status] = await say(telegram, ANA, "/announce status 2")
    assert "pending 1" in status.text
    await telegram.wait_until(lambda: bot.live.watching == 1)
    messages = len(telegram.sent(ANA.id))
    await mark_announcement_sent(db)
    await telegram.wait_until(lambda: "sent 1 · pending 0" in status.text)
    async with asyncio.timeout(5):
        await bot.live.settled()  # nothing waits: the redrawing stopped
    assert status.edits >= 1 and len(telegram.sent(ANA.id)) == messages


async def test_slack_redraws_a_running_broadcasts_status_until_nothing_waits(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
    chat_as,
) -> None:
    api, sender, adapter = slack
    adapter.live.every = 0.05
    await laia_coordinates_the_seeded_network(api, sender, db, clock)
    await announce_to_valtex(chat_as, db)

    await sender.dm(LAIA, "announce status 2")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    status = api.dm_messages(LAIA)[1]
    assert "pending 1" in status.text
    await api.wait_for(lambda: adapter.live.watching == 1)
    await mark_announcement_sent(db)
    await api.wait_for(lambda: "sent 1 · pending 0" in status.text)
    async with asyncio.timeout(5):
        await adapter.live.settled()
    assert len(api.dm_messages(LAIA)) == 2  # the same message, updated
    [(name, picture)] = pictures(api, status.blocks)
    assert name == "announcement-2.png" and png_width(picture) == 1080


async def test_slack_refusing_the_pictures_still_gets_the_text(
    slack: tuple[FakeSlackApi, SlackSender, SlackAdapter],  # noqa: F811 - the fixture imported above
    db: Database,
    clock: Clock,
) -> None:
    api, sender, _adapter = slack
    await laia_coordinates_the_seeded_network(api, sender, db, clock)
    api.fail("chat.postMessage", "invalid_blocks")  # as Slack answers for a file not processed yet

    await sender.dm(LAIA, "report all 2026Q4")
    await api.wait_for(lambda: len(api.dm_messages(LAIA)) == 2)
    report = api.dm_messages(LAIA)[1]
    assert "Meetings: 4 requested, 2 accepted, 1 held, 1 no-show" in report.text
    assert pictures(api, report.blocks) == []
