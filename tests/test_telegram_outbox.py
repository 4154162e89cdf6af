"""The outbox's sends on Telegram: the real adapter and worker against the fake Bot API, each planned
answer to a refusal, and what the outbox row holds afterwards.

The outbox sends without building PTB's `Message` from each answer (bot/telegram.py, `_Sends.lean`),
so these pin that every refusal is still read the way the interactive path reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.telegram import TelegramAdapter
from core.types import Attachment, Text
from scheduler.delivery import OutboxWorker
from store.db import Database
from store.models import Identity, OutboxMessage
from store.outbox import Outbox
from tests.conftest import Clock
from tests.factories import add_reachable_member
from tests.fakes.telegram_api import FakeTelegram, RateLimit
from tests.test_outbox import enqueue, rows, worker
from tests.test_telegram_adapter import ANA, bot, telegram  # noqa: F401 - fixtures

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)
NOTICE = "New call: smart textiles <pilot> & demo"


@dataclass
class AnaOutbox:
    """Ana's outbox on Telegram: she once started the bot, so it may write to her."""

    db: Database
    clock: Clock
    telegram: FakeTelegram
    worker: OutboxWorker
    member: int

    async def enqueue(self, text: str = NOTICE) -> None:
        await enqueue(self.db, self.clock.now, [self.member], "announce:1", text)

    async def row(self) -> OutboxMessage:
        [row] = await rows(self.db)
        return row

    def shown(self) -> list[str]:
        return [sent.text for sent in self.telegram.sent(ANA.id)]


@pytest.fixture
async def ana(
    db: Database,
    clock: Clock,
    telegram: FakeTelegram,  # noqa: F811 - fixture
    bot: TelegramAdapter,  # noqa: F811 - fixture
) -> AnaOutbox:
    telegram.open_chat(ANA)
    telegram.per_chat = RateLimit(100, 1.0)  # only the refusals each test injects
    member = await add_reachable_member(db, clock.now, "telegram", str(ANA.id), str(ANA.id))
    return AnaOutbox(db, clock, telegram, worker(db, clock, bot), member)


async def test_flood_control_puts_the_row_off_by_telegrams_wait_then_it_is_sent_once(ana: AnaOutbox) -> None:
    await ana.enqueue()
    ana.telegram.fail_next(1, status=429, retry_after=30)

    await ana.worker.drain_once()
    row = await ana.row()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.next_attempt_at == ana.clock.now + timedelta(seconds=30)
    assert row.last_error == "Flood control exceeded. Retry in 30 seconds"
    ana.clock.advance(seconds=29)
    assert await ana.worker.drain_once() == 0  # not due yet
    ana.clock.advance(seconds=1)
    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts) == ("sent", 2)
    assert ana.shown() == [NOTICE]


async def test_a_bad_gateway_is_retried_after_the_outbox_backoff(ana: AnaOutbox) -> None:
    await ana.enqueue()
    ana.telegram.fail_next(1, status=502)

    await ana.worker.drain_once()
    row = await ana.row()
    # The adapter's own pause (0.01 s here) is shorter than the outbox's first backoff: 2 s × (0.5 + 0.5).
    assert (row.status, row.next_attempt_at) == ("failed", ana.clock.now + timedelta(seconds=2))
    ana.clock.advance(seconds=2)
    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts) == ("sent", 2)
    assert ana.shown() == [NOTICE]


async def test_a_member_who_blocked_the_bot_is_unreachable_and_never_retried(ana: AnaOutbox) -> None:
    await ana.enqueue()
    ana.telegram.blocked.add(ANA.id)

    await ana.worker.drain_once()
    ana.clock.advance(hours=1)
    assert await ana.worker.drain_once() == 0

    row = await ana.row()
    assert (row.status, row.attempts) == ("unreachable", 1)
    assert "blocked" in row.last_error
    async with ana.db.transaction() as session:
        identity = await session.scalar(select(Identity).where(Identity.member_id == ana.member))
    assert identity is not None and identity.unreachable
    assert ana.shown() == []


async def test_html_telegram_cannot_parse_goes_out_as_plain_text_in_the_same_attempt(ana: AnaOutbox) -> None:
    await ana.enqueue()
    ana.telegram.fail_next(1, status=400, description="Bad Request: can't parse entities: unexpected end tag")

    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts) == ("sent", 1)
    refused, plain = ana.telegram.called("sendMessage")
    assert refused["parse_mode"] == "HTML" and "parse_mode" not in plain
    assert ana.shown() == [NOTICE]


async def test_a_message_telegram_refuses_for_good_is_dead_at_once(ana: AnaOutbox) -> None:
    await ana.enqueue()
    ana.telegram.fail_next(1, status=400, description="Bad Request: message is too long")

    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "Message is too long")
    assert ana.shown() == []


@pytest.mark.parametrize("garbage", ["html", "truncated", "no_result"])
async def test_an_answer_not_the_bot_apis_is_retried_and_arrives_once(ana: AnaOutbox, garbage: str) -> None:
    await ana.enqueue()
    ana.telegram.garble_next(1, garbage)

    await ana.worker.drain_once()
    row = await ana.row()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.next_attempt_at > ana.clock.now
    ana.clock.advance(hours=1)
    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts) == ("sent", 2)
    assert ana.shown() == [NOTICE]


async def test_pictures_and_files_from_the_outbox_arrive_with_their_names_and_bytes(ana: AnaOutbox) -> None:
    chart = Attachment("rsvps.png", b"\x89PNG\r\n\x1a\n chart", "image/png")
    invite = Attachment("meeting-7.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    captioned = replace(Text().bold("RSVPs").add(" for Porto").reply(), images=(chart,))
    with_file = replace(Text().add("Your meeting with Joan").reply(), attachment=invite)
    for cause, reply in (("status:1", captioned), ("meeting:7", with_file)):
        async with ana.db.transaction() as session:
            await Outbox(session).enqueue([ana.member], cause, reply.to_dict(), ana.clock.now)
        await ana.worker.drain_once()
        ana.clock.advance(seconds=1)  # the chat's pace, on the limiter's test clock

    assert [(row.status, row.attempts) for row in await rows(ana.db)] == [("sent", 1), ("sent", 1)]
    shown = {sent.filename: sent for sent in ana.telegram.sent(ANA.id)}
    assert (shown["rsvps.png"].photo, shown["rsvps.png"].text) == (chart.content, "RSVPs for Porto")
    assert {"type": "bold", "offset": 0, "length": 5} in shown["rsvps.png"].entities
    assert shown["meeting-7.ics"].document == invite.content
    assert shown[None].text == "Your meeting with Joan"


async def test_a_long_message_cut_short_after_its_first_part_sends_only_the_rest_next_time(
    ana: AnaOutbox,
) -> None:
    """Two Telegram messages' worth of text; the answer to the second is garbage. The first part is
    out, so the next attempt sends only the second: Ana never gets a part twice."""
    lines = [f"Line {number}: the delegation meets the Porto cluster at the fair" for number in range(100)]
    await ana.enqueue("\n".join(lines))
    ana.telegram.garble_next(1, after=1)

    await ana.worker.drain_once()
    row = await ana.row()
    assert (row.status, row.parts_sent) == ("failed", 1)
    assert len(ana.shown()) == 1 and ana.shown()[0].startswith("Line 0:")
    ana.clock.advance(hours=1)
    await ana.worker.drain_once()

    row = await ana.row()
    assert (row.status, row.attempts) == ("sent", 2)
    first, second = ana.shown()
    assert first.startswith("Line 0:") and not second.startswith("Line 0:")
    assert "\n".join([first, second]).split("\n") == lines
