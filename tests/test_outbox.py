"""The outbox: each message once, on the member's preferred platform, retried, never lost."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select

from core.adapter import Adapter, SendResult
from core.types import Reply, Text
from scheduler.delivery import DeliveryPolicy, OutboxWorker
from scheduler.ratelimit import Limits, RateLimiter
from store.db import Database
from store.models import Identity, OutboxMessage
from store.outbox import Delivery, Outbox
from tests.factories import add_member, queued_messages
from tests.fakes.recording_adapter import RecordingAdapter

FAST = Limits(overall_per_second=10_000, per_chat_per_second=10_000)


async def member_on(
    db: Database, now: datetime, name: str, *platforms: str, preferred: str | None = None
) -> int:
    member_id = await add_member(db, now, name, preferred_platform=preferred)
    async with db.transaction() as session:
        for platform in platforms:
            session.add(
                Identity(
                    member_id=member_id,
                    platform=platform,
                    user_id=f"{platform}-{name}",
                    chat_id=f"{platform}-{name}",
                    created_at=now,
                )
            )
    return member_id


async def enqueue(
    db: Database, now: datetime, member_ids: list[int], cause: str, text: str = "Hello"
) -> None:
    async with db.transaction() as session:
        await Outbox(session).enqueue(member_ids, cause, Text().add(text).reply().to_dict(), now)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


def worker(db: Database, clock, *adapters: RecordingAdapter, **policy: object) -> OutboxWorker:
    return OutboxWorker(
        db,
        {a.platform: a for a in adapters},
        # Limiter time follows the test clock, so a retry-after hold never makes the test wait.
        {a.platform: RateLimiter(FAST, clock=lambda: clock.now.timestamp(), sleep=no_wait) for a in adapters},
        policy=DeliveryPolicy(**policy),  # type: ignore[arg-type]
        clock=clock,
        jitter=lambda: 0.5,
    )


async def deliver_until_done(db: Database, clock, adapter: Adapter) -> list[tuple[str, int]]:
    """Drain as the running bot would, an hour apart, until nothing is left to try: (status, attempts)."""
    delivery = worker(db, clock, adapter)  # type: ignore[arg-type]
    for _ in range(DeliveryPolicy().max_attempts + 1):
        await delivery.drain_once()
        clock.advance(hours=1)
    return [(row.status, row.attempts) for row in await rows(db)]


async def test_writing_the_same_cause_twice_queues_one_message(db: Database, clock) -> None:
    member = await member_on(db, clock.now, "ana", "telegram")
    await enqueue(db, clock.now, [member], "reminder:event1:24h")
    await enqueue(db, clock.now, [member], "reminder:event1:24h", "A second text")
    assert [m.text for m in await queued_messages(db)] == ["Hello"]


async def test_a_member_on_two_platforms_gets_it_once_on_the_preferred_one(db: Database, clock) -> None:
    telegram, slack = RecordingAdapter("telegram"), RecordingAdapter("slack")
    both = await member_on(db, clock.now, "ana", "telegram", "slack", preferred="slack")
    await enqueue(db, clock.now, [both], "announce:1")
    assert await worker(db, clock, telegram, slack).drain_once() == 1
    assert dict(slack.received) == {"slack-ana": ["Hello"]} and not telegram.received
    [row] = await rows(db)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now)


async def test_a_blocked_member_is_unreachable_and_never_retried(db: Database, clock) -> None:
    adapter = RecordingAdapter(blocked={"telegram-bo"})
    member = await member_on(db, clock.now, "bo", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    delivery = worker(db, clock, adapter)
    await delivery.drain_once()
    clock.advance(hours=1)
    assert await delivery.drain_once() == 0
    [row] = await rows(db)
    assert row.status == "unreachable" and "blocked" in row.last_error


async def test_rate_limited_and_failing_sends_are_retried_later_then_sent(db: Database, clock) -> None:
    adapter = RecordingAdapter()
    adapter.scripted["telegram-cy"] = [
        SendResult("retry", retry_after=7, error="429"),
        SendResult("retry", error="502"),
    ]
    member = await member_on(db, clock.now, "cy", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    delivery = worker(db, clock, adapter)

    await delivery.drain_once()
    [row] = await rows(db)
    assert row.status == "failed" and row.next_attempt_at == clock.now + timedelta(seconds=7)
    assert await delivery.drain_once() == 0  # not due yet
    clock.advance(seconds=7)
    await delivery.drain_once()  # the 502; backoff 2 s * 2 ** (2 - 1) * (0.5 + 0.5)
    [row] = await rows(db)
    assert row.next_attempt_at == clock.now + timedelta(seconds=4)
    clock.advance(seconds=4)
    await delivery.drain_once()
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("sent", 3)
    assert adapter.received["telegram-cy"] == ["Hello"]


async def test_a_retry_starts_after_the_messages_an_earlier_attempt_sent(db: Database, clock) -> None:
    """Two of a long reply's messages went out before a refusal; later attempts are told to leave
    them out, and a retry that got no further never lowers the count."""
    adapter = RecordingAdapter()
    adapter.scripted["telegram-cy"] = [
        SendResult("retry", error="429", delivered=2),
        SendResult("retry", error="502", delivered=0),
    ]
    member = await member_on(db, clock.now, "cy", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    delivery = worker(db, clock, adapter)

    for _ in range(3):
        await delivery.drain_once()
        clock.advance(hours=1)

    [row] = await rows(db)
    assert (row.status, row.attempts, row.parts_sent) == ("sent", 3, 2)
    assert adapter.skips == [0, 2, 2]


async def test_a_message_that_keeps_failing_ends_dead_and_visible(db: Database, clock) -> None:
    adapter = RecordingAdapter()
    adapter.scripted["telegram-di"] = [SendResult("retry", error="503")] * 3
    member = await member_on(db, clock.now, "di", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    delivery = worker(db, clock, adapter, max_attempts=3)
    for _ in range(3):
        await delivery.drain_once()
        clock.advance(hours=1)
    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "503")
    async with db.transaction() as session:
        assert await Delivery(session).counts("announce:1") == {"dead": 1}


async def test_a_member_with_no_platform_identity_is_unreachable(db: Database, clock) -> None:
    member = await member_on(db, clock.now, "console-only", "console")
    await enqueue(db, clock.now, [member], "announce:1")
    await worker(db, clock, RecordingAdapter()).drain_once()
    [row] = await rows(db)
    assert row.status == "unreachable"


async def test_rows_of_a_crashed_worker_are_sent_after_their_lease(db: Database, clock) -> None:
    adapter = RecordingAdapter()
    member = await member_on(db, clock.now, "ed", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    async with db.transaction() as session:  # a worker claims, then dies before sending
        await Delivery(session).claim(clock.now, limit=10, lease=timedelta(minutes=2))
    delivery = worker(db, clock, adapter)
    assert await delivery.drain_once() == 0
    clock.advance(minutes=2)
    assert await delivery.drain_once() == 1
    assert adapter.received["telegram-ed"] == ["Hello"]


async def test_two_workers_draining_one_outbox_send_each_message_once(db: Database, clock) -> None:
    adapter = RecordingAdapter()
    members = [await member_on(db, clock.now, f"m{i}", "telegram") for i in range(120)]
    await enqueue(db, clock.now, members, "announce:1")
    first = worker(db, clock, adapter, batch_size=7)
    second = worker(db, clock, adapter, batch_size=7)

    async def drain(delivery: OutboxWorker) -> None:
        claimed = True
        while claimed:
            claimed = bool(await delivery.drain_once())

    await asyncio.gather(drain(first), drain(second))
    assert sum(len(texts) for texts in adapter.received.values()) == 120
    assert all(texts == ["Hello"] for texts in adapter.received.values())
    assert {row.status for row in await rows(db)} == {"sent"}


async def test_a_late_outcome_from_a_worker_whose_claim_ran_out_does_not_overwrite_the_newer_one(
    db: Database, clock
) -> None:
    member = await member_on(db, clock.now, "fa", "telegram")
    await enqueue(db, clock.now, [member], "announce:1")
    slow = RecordingAdapter(answer=asyncio.Event())
    slow.scripted["telegram-fa"] = [SendResult("retry", error="502")]
    first = asyncio.create_task(worker(db, clock, slow).drain_once())
    await slow.asked.wait()
    clock.advance(minutes=3)  # the platform is slow: the first claim's lease runs out meanwhile
    fast = RecordingAdapter()

    assert await worker(db, clock, fast).drain_once() == 1
    slow.answer.set()  # type: ignore[union-attr]
    await first  # the first worker's late "retry"

    [row] = await rows(db)
    assert (row.status, row.attempts) == ("sent", 2)
    clock.advance(hours=1)
    assert await worker(db, clock, fast).drain_once() == 0
    assert fast.received == {"telegram-fa": ["Hello"]}


async def test_a_claim_takes_only_what_the_rate_sends_in_half_a_lease(db: Database, clock) -> None:
    members = [await member_on(db, clock.now, f"g{i}", "telegram") for i in range(30)]
    await enqueue(db, clock.now, members, "announce:1")
    adapter = RecordingAdapter()
    slow = Limits(overall_per_second=0.1, per_chat_per_second=1)
    slow_rate = {"telegram": RateLimiter(slow, margin=1.0)}
    delivery = OutboxWorker(db, {"telegram": adapter}, slow_rate, clock=clock)

    # 0.1 a second, two minutes' lease, half of it, shared by the two claims a worker has in flight
    assert delivery.batch_limit() == 3
    async with db.transaction() as session:
        lease = timedelta(minutes=2)
        claimed = await Delivery(session).claim(clock.now, limit=delivery.batch_limit(), lease=lease)
    assert len(claimed) == 3


async def test_rows_released_by_a_stopping_worker_are_due_at_once_and_cost_no_attempt(
    db: Database, clock
) -> None:
    members = [await member_on(db, clock.now, f"h{i}", "telegram") for i in range(5)]
    await enqueue(db, clock.now, members, "announce:1")
    slow = RecordingAdapter(answer=asyncio.Event())
    stop = asyncio.Event()
    delivery = worker(db, clock, slow, concurrency=1)
    running = asyncio.create_task(delivery.run(stop))
    await slow.asked.wait()  # one message is with the platform, four wait their turn
    stop.set()
    slow.answer.set()  # type: ignore[union-attr]
    await running

    outcomes = sorted((row.status, row.attempts) for row in await rows(db))
    assert outcomes == [("pending", 0)] * 4 + [("sent", 1)]
    assert sum(len(texts) for texts in slow.received.values()) == 1
    assert await worker(db, clock, RecordingAdapter()).drain_once() == 4  # no lease to wait out


async def test_the_console_takes_a_message_only_from_a_member_no_worker_delivers_to(
    db: Database, clock
) -> None:
    now = clock.now
    only_console = await member_on(db, now, "Ona", "console")
    also_telegram = await member_on(db, now, "Pau", "console", "telegram")
    await enqueue(db, now, [only_console, also_telegram], "notice:1", "The agenda is out")
    async with db.transaction() as session:
        newest, shown = await Outbox(session).take_pending(only_console, 0, now)
        assert [Reply.from_dict(payload).plain_text for payload in shown] == ["The agenda is out"]
        newest, shown = await Outbox(session).take_pending(also_telegram, 0, now)
        assert [Reply.from_dict(payload).plain_text for payload in shown] == ["The agenda is out"]
        # Shown once in the console: the next turn starts after what it showed.
        assert await Outbox(session).take_pending(also_telegram, newest, now) == (newest, [])
    async with db.transaction() as session:
        rows = await session.execute(select(OutboxMessage.member_id, OutboxMessage.status))
        statuses = {member_id: status for member_id, status in rows}
    # A console on a live database steals nothing that Telegram would have delivered.
    assert statuses == {only_console: "sent", also_telegram: "pending"}
