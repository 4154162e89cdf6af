"""A large announcement through the real Telegram adapter and its fake: everyone once, nothing lost.

The fake keeps Telegram's flood control (scaled up tenfold so the test is quick), refuses some
calls with 429 and 502, and some members have blocked the bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from bot.telegram import TelegramAdapter
from bot.wiring import build_assistant
from core.types import Text
from scheduler.delivery import DeliveryPolicy, OutboxWorker
from scheduler.ratelimit import Limits, RateLimiter
from store.db import Database
from store.migrate import upgrade
from store.models import Identity, OutboxMessage
from store.outbox import Outbox
from tests.factories import add_telegram_members
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, User

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

# Three claims of 200 rows and more: enough for a kill or a flood-control pause to land mid-batch.
RECIPIENTS = 640
BLOCKED = range(100_000, 100_000 + RECIPIENTS, 97)  # about 1%
RATE = 300  # messages a second: Telegram's 30, scaled tenfold
StartBot = Callable[[Path, float], subprocess.Popen[bytes]]  # (database file, rate) -> `clusterbot run`


async def add_recipients(db: Database, telegram: FakeTelegram, count: int) -> list[int]:
    member_ids = await add_telegram_members(db, count, 100_000)
    for i in range(count):
        telegram.open_chat(User(100_000 + i, f"Member {i}"))
    telegram.blocked.update(BLOCKED)
    return member_ids


async def announce(db: Database, member_ids: list[int]) -> None:
    payload = Text().bold("📣 Announcement").line().add("The Porto B2B agenda is out.").reply().to_dict()
    async with db.transaction() as session:
        await Outbox(session).enqueue(member_ids, "announce:1", payload, datetime.now(UTC))


async def statuses(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: count for status, count in rows.all()}


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(overall=RateLimit(RATE, 1.0), per_chat=RateLimit(10, 1.0)) as fake:
        yield fake


def assert_everyone_reachable_got_it_once(
    telegram: FakeTelegram, *, duplicates_allowed: int = 0, recipients: int = RECIPIENTS
) -> int:
    received = telegram.received_by_chat()
    reachable = {100_000 + i for i in range(recipients)} - set(BLOCKED)
    assert set(received) == reachable, "every reachable member, and nobody blocked"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= duplicates_allowed
    return duplicates


async def test_announcement_reaches_every_reachable_member_exactly_once(
    db: Database, telegram: FakeTelegram
) -> None:
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url)
    adapter = TelegramAdapter(settings, build_assistant(settings, db), db)
    adapter.poll_timeout, adapter.backoff = 0.5, 0.05
    await adapter.start()
    try:
        await announce(db, await add_recipients(db, telegram, RECIPIENTS))
        telegram.fail_next(40, 429, retry_after=0.2)
        telegram.fail_next(20, 502)
        worker = OutboxWorker(db, {"telegram": adapter}, {"telegram": RateLimiter(Limits(RATE * 0.95, 1))})
        async with asyncio.timeout(120):
            while True:
                claimed = await worker.drain_once()
                if not claimed and not (await statuses(db)).get("failed"):
                    break
                await asyncio.sleep(0.05)  # retries come due
    finally:
        await adapter.stop()
    assert_everyone_reachable_got_it_once(telegram)
    assert await statuses(db) == {"sent": RECIPIENTS - len(BLOCKED), "unreachable": len(BLOCKED)}
    async with db.transaction() as session:
        unreachable = await session.scalar(select(func.count()).where(Identity.unreachable.is_(True)))
    assert unreachable == len(BLOCKED)


async def test_two_workers_on_one_database_with_a_slow_telegram_and_a_short_lease_send_each_once(
    db: Database,
) -> None:
    """Two processes' workers (own engine, adapter and rate limiter each) drain one outbox while
    Telegram takes a while to answer: at 20 messages a second, a 200-row claim would outlive a
    two-second lease many times over."""
    recipients, rate = 80, 20.0
    async with FakeTelegram(overall=RateLimit(1000, 1.0)) as telegram:
        telegram.latency = 0.05
        await announce(db, await add_recipients(db, telegram, recipients))
        telegram.blocked.clear()
        other_process = Database(db.url)
        policy = DeliveryPolicy(lease=timedelta(seconds=2))
        adapters, stop = [], asyncio.Event()
        try:
            for database in (db, other_process):
                settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url)
                adapter = TelegramAdapter(settings, build_assistant(settings, database), database)
                adapter.poll_timeout = 0.5
                await adapter.start()
                adapters.append(adapter)
            workers = [
                OutboxWorker(
                    database, {"telegram": adapter}, {"telegram": RateLimiter(Limits(rate, 1))}, policy=policy
                )
                for database, adapter in zip((db, other_process), adapters, strict=True)
            ]
            running = [asyncio.create_task(worker.run(stop, idle_seconds=0.1)) for worker in workers]
            async with asyncio.timeout(60):
                while (await statuses(db)) != {"sent": recipients}:  # noqa: ASYNC110 - the store, not an event
                    await asyncio.sleep(0.1)
            stop.set()
            await asyncio.gather(*running)
        finally:
            for adapter in adapters:
                await adapter.stop()
            await other_process.close()
    received = telegram.received_by_chat()
    duplicates = sum(count - 1 for count in received.values())
    print(f"\ntwo workers, {recipients} messages: {duplicates} sent twice")
    assert len(received) == recipients and duplicates == 0


def start_bot(
    db_path: Path, telegram: FakeTelegram, tmp_path: Path, *, rate: float = RATE * 0.95
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERBOT_", "TELEGRAM_", "SLACK_"))}
    env.update(
        CLUSTERBOT_DATABASE_URL=f"sqlite:///{db_path}",
        CLUSTERBOT_HTTP_PORT="0",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        CLUSTERBOT_TELEGRAM_RATE=str(rate),
        CLUSTERBOT_OUTBOX_LEASE_SECONDS="2",
        CLUSTERBOT_LOG_LEVEL="WARNING",
    )
    log = (tmp_path / "run.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, stdout=log, stderr=log
    )


def finished(db_path: Path) -> bool:
    with sqlite3.connect(db_path) as connection:
        (open_rows,) = connection.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending', 'failed')"
        ).fetchone()
    return open_rows == 0


async def until_finished(db_path: Path, tmp_path: Path) -> None:
    deadline = time.monotonic() + 90
    while not finished(db_path):
        assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_a_killed_process_resumes_and_repeats_at_most_what_was_in_flight(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    db_path = tmp_path / "bot.db"
    db = Database(f"sqlite:///{db_path}")
    await upgrade(db)
    await announce(db, await add_recipients(db, telegram, RECIPIENTS))
    await db.close()

    first = start_bot(db_path, telegram, tmp_path)
    await telegram.wait_until(lambda: sum(telegram.received_by_chat().values()) >= RECIPIENTS // 3, within=60)
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before_kill = sum(telegram.received_by_chat().values())

    second = start_bot(db_path, telegram, tmp_path)
    try:
        await until_finished(db_path, tmp_path)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    # Sent but not yet recorded at the kill: at most DeliveryPolicy.concurrency messages.
    duplicates = assert_everyone_reachable_got_it_once(
        telegram, duplicates_allowed=DeliveryPolicy().concurrency
    )
    print(f"\nkilled after {sent_before_kill} sends; messages repeated after restart: {duplicates}")
    assert second.returncode == 0


async def stop_with_sigterm(process: subprocess.Popen[bytes]) -> float:
    """SIGTERM, then wait without blocking the loop (the fake must answer what is in flight);
    how many seconds the process took to exit."""
    process.send_signal(signal.SIGTERM)
    asked = time.monotonic()
    await asyncio.to_thread(process.wait, 30)
    return time.monotonic() - asked


@pytest.fixture
def bots(telegram: FakeTelegram, tmp_path: Path) -> Iterator[StartBot]:
    """Starts `clusterbot run` processes; any still running when the test ends is killed."""
    started: list[subprocess.Popen[bytes]] = []

    def start(db_path: Path, rate: float) -> subprocess.Popen[bytes]:
        started.append(start_bot(db_path, telegram, tmp_path, rate=rate))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


async def broadcast_in_file(db_path: Path, telegram: FakeTelegram, recipients: int) -> None:
    db = Database(f"sqlite:///{db_path}")
    await upgrade(db)
    await announce(db, await add_recipients(db, telegram, recipients))
    await db.close()


@pytest.mark.slow
async def test_sigterm_mid_broadcast_again_and_again_sends_everyone_the_announcement_once(
    tmp_path: Path, telegram: FakeTelegram, bots: StartBot
) -> None:
    """Three processes in turn are stopped with SIGTERM while a slow announcement (15 messages a
    second, so a 200-row batch would take 13 s) is going out, and a fourth finishes it: each stops
    within a container's 10 s, and SIGTERM, unlike SIGKILL, repeats nothing."""
    db_path, recipients, rate = tmp_path / "bot.db", 210, 15.0
    await broadcast_in_file(db_path, telegram, recipients)

    def delivered() -> int:
        return sum(telegram.received_by_chat().values())

    stopped_in: list[float] = []
    for _ in range(3):
        process = bots(db_path, rate)
        more = delivered() + recipients // 10
        await telegram.wait_until(lambda more=more: delivered() >= more, within=60)  # type: ignore[misc]
        stopped_in.append(await stop_with_sigterm(process))
        assert process.returncode == 0, (tmp_path / "run.log").read_text()[-3000:]
        assert stopped_in[-1] < 10, f"stopping took {stopped_in[-1]:.1f} s"
    sent_by_the_stopped = delivered()

    last = bots(db_path, rate)
    try:
        await until_finished(db_path, tmp_path)
    finally:
        stopped_in.append(await stop_with_sigterm(last))
    print(f"\n{sent_by_the_stopped} sent before the last start; seconds to stop: {stopped_in}")
    assert_everyone_reachable_got_it_once(telegram, recipients=recipients)
    assert max(stopped_in) < 10
    assert last.returncode == 0


async def test_a_platform_that_never_answers_does_not_keep_the_process_from_stopping(
    tmp_path: Path, telegram: FakeTelegram, bots: StartBot
) -> None:
    """Telegram takes every message and never answers: SIGTERM still ends the process within the
    container's 10 s, and a second SIGTERM ends it at once (exit status 128 + 15)."""
    db_path = tmp_path / "bot.db"
    await broadcast_in_file(db_path, telegram, 50)
    telegram.latency = 3600

    first = bots(db_path, 50)
    await telegram.wait_until(lambda: len(telegram.called("sendMessage")) >= 1, within=30)
    assert await stop_with_sigterm(first) < 10
    assert first.returncode == 0, (tmp_path / "run.log").read_text()[-3000:]

    second = bots(db_path, 50)
    await telegram.wait_until(lambda: len(telegram.called("sendMessage")) >= 2, within=30)
    second.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.5)  # stopping has begun, and waits for Telegram's answer
    await stop_with_sigterm(second)
    assert second.returncode == 128 + signal.SIGTERM
