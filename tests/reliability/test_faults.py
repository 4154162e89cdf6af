"""Faults: the database out of reach, SQLite locked, the platform failing — and nothing lost.

The shared PostgreSQL server is never stopped: a `ChaosProxy` on 127.0.0.1 stands between a
`Database` and it, and is cut for ten seconds. SQLite is locked by another connection holding an
exclusive transaction. The Telegram fake sits behind a proxy that answers 502 and resets
connections for a few seconds (a minute of real trouble, time scaled down). Throughout, people
keep writing and an announcement keeps draining: they must hear "temporarily unavailable" rather
than an apology for a bug, and every message must arrive once when the trouble is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import store.db
from bot.settings import Settings
from bot.telegram import TelegramAdapter
from core.types import Text
from scheduler.delivery import DeliveryPolicy, OutboxWorker
from scheduler.ratelimit import Limits, RateLimiter
from store.db import Database
from store.models import OutboxMessage
from store.outbox import Outbox
from tests.factories import add_telegram_members
from tests.fakes.recording_adapter import RecordingAdapter
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, User
from tests.reliability.chaos_proxy import ChaosProxy
from tests.reliability.conftest import ANA, BEN, BUG_PATH, UNAVAILABLE, ObservedAssistant, Person, seed, wipe

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

OUTAGE_SECONDS = 10.0
RECIPIENTS = 300
FIRST_RECIPIENT = 500_000


async def add_recipients(db: Database, count: int) -> list[int]:
    """`count` members reachable on Telegram (chats FIRST_RECIPIENT…), as an announcement's segment."""
    return await add_telegram_members(db, count, FIRST_RECIPIENT)


async def announce(db: Database, member_ids: list[int], cause: str = "announce:fault") -> None:
    payload = Text().bold("📣 Announcement").line().add("The Porto B2B agenda is out.").reply().to_dict()
    async with db.transaction() as session:
        await Outbox(session).enqueue(member_ids, cause, payload, datetime.now(UTC))


async def outbox_statuses(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: count for status, count in rows.all()}


@dataclass
class Chatter:
    """People writing to the bot every `interval` seconds, with each answer and how long it took."""

    assistant: ObservedAssistant
    lines: list[tuple[Person, str]]
    interval: float = 0.1
    answers: list[tuple[float, float, str]] = field(default_factory=list)  # (sent at, seconds, text)

    async def run(self, stop: asyncio.Event) -> None:
        turn = 0
        while not stop.is_set():
            person, line = self.lines[turn % len(self.lines)]
            started = time.monotonic()
            replies = await self.assistant.respond(person.says(line, "telegram"))
            self.answers.append(
                (started, time.monotonic() - started, " ".join(r.plain_text for r in replies))
            )
            turn += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    def between(self, start: float, end: float) -> list[str]:
        return [text for at, _took, text in self.answers if start <= at < end]


@contextlib.asynccontextmanager
async def running(*jobs: Callable[[asyncio.Event], object]) -> AsyncIterator[asyncio.Event]:
    """Run `jobs` until the block ends; a job that died on its own fails the test with its error."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(job(stop)) for job in jobs]  # type: ignore[arg-type]
    try:
        yield stop
        for task in tasks:
            assert not task.done(), f"a background job ended early: {task.exception()!r}"
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def until(condition: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not (await result if inspect.isawaitable(result := condition()) else result):
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.1)


def worker_for(db: Database, adapter: object, rate: float) -> OutboxWorker:
    """Short backoffs, so retries come due within the test; the lease outlasts the outage, as the
    default two minutes outlast most: outcomes of messages sent just before it are kept, not resent."""
    policy = DeliveryPolicy(lease=timedelta(seconds=30), first_backoff_seconds=0.2, max_backoff_seconds=2)
    limiter = RateLimiter(Limits(overall_per_second=rate, per_chat_per_second=50))
    return OutboxWorker(db, {"telegram": adapter}, {"telegram": limiter}, policy=policy)  # type: ignore[dict-item]


def assert_users_were_told_and_recovered(
    chatter: Chatter, outage: tuple[float, float], *, still_read: str | None = None
) -> None:
    """Users were told during the outage, and answered after it; with `still_read` (a text the
    reading command answers with), reads were answered throughout and only writers were told."""
    start, end = outage
    texts = [text for _at, _took, text in chatter.answers]
    assert not [text for text in texts if text.startswith(BUG_PATH)], "a bug reply reached a user"
    during = chatter.between(start + 1.0, end - 1.0)  # an answer begun near the end may still succeed
    told = [text for text in during if UNAVAILABLE in text]
    assert told and len(told) + len([t for t in during if still_read and still_read in t]) == len(during), (
        during
    )
    if still_read:
        assert any(still_read in text for text in during), during[:3]
    after = chatter.between(end + 2.0, float("inf"))
    assert after and not [text for text in after if UNAVAILABLE in text], after[:3]
    slowest = max(took for _at, took, _text in chatter.answers)
    assert slowest < 5.0, f"someone waited {slowest:.1f} s for an answer"


@pytest.fixture
async def postgres_behind_proxy(postgres_database: str | None) -> AsyncIterator[tuple[Database, ChaosProxy]]:
    """Our throw-away database, reached only through a proxy that a test may cut."""
    if postgres_database is None:
        pytest.skip("PostgreSQL not configured (set CLUSTERBOT_TEST_POSTGRES_URL)")
    url = make_url(postgres_database)
    async with ChaosProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
        db = Database(proxied)
        await wipe(db)
        yield db, proxy
        await db.close()


async def test_postgres_out_of_reach_for_ten_seconds_users_are_told_and_the_outbox_resumes(
    postgres_behind_proxy: tuple[Database, ChaosProxy],
) -> None:
    db, proxy = postgres_behind_proxy
    seeded = await seed(db)
    await announce(db, await add_recipients(db, RECIPIENTS))
    platform = RecordingAdapter()
    worker = worker_for(db, platform, rate=40)
    chatter = Chatter(ObservedAssistant(db), [(ANA, "/events"), (BEN, f"/event {seeded.open_event}")])

    async with running(worker.run, chatter.run):
        await until(lambda: len(platform.received) >= 60, 20, "the announcement starts")
        outage_start = time.monotonic()
        await proxy.break_("refuse")
        await asyncio.sleep(OUTAGE_SECONDS)
        await proxy.restore()
        outage_end = time.monotonic()
        sent_during_outage = len(platform.received)

        async def drained() -> bool:
            return await outbox_statuses(db) == {"sent": RECIPIENTS}

        await until(drained, 60, "the outbox drains after the outage")

    assert_users_were_told_and_recovered(chatter, (outage_start, outage_end))
    assert sent_during_outage < RECIPIENTS, "the outage hit while the announcement was draining"
    assert sorted(platform.received) == sorted(str(FIRST_RECIPIENT + n) for n in range(RECIPIENTS))
    assert all(len(texts) == 1 for texts in platform.received.values()), "someone got it twice"


async def test_sqlite_locked_by_another_connection_users_are_told_and_the_outbox_resumes(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock held longer than the busy timeout (shortened here from 15 s) reads as unavailable."""
    monkeypatch.setattr(store.db, "SQLITE_BUSY_TIMEOUT_MS", 500)
    path = tmp_path / "locked.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    seeded = await seed(db)
    await announce(db, await add_recipients(db, RECIPIENTS))
    platform = RecordingAdapter()
    worker = worker_for(db, platform, rate=60)
    chatter = Chatter(ObservedAssistant(db), [(ANA, "/events"), (BEN, f"/going {seeded.open_event}")])
    # The lock is taken from a thread: a blocking call on the event loop would stop the very
    # transactions it waits for from finishing.
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        async with running(worker.run, chatter.run):
            await until(lambda: len(platform.received) >= 60, 20, "the announcement starts")
            outage_start = time.monotonic()
            await asyncio.to_thread(locker.execute, "BEGIN EXCLUSIVE")
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            await asyncio.to_thread(locker.execute, "ROLLBACK")
            outage_end = time.monotonic()

            async def drained() -> bool:
                return await outbox_statuses(db) == {"sent": RECIPIENTS}

            await until(drained, 60, "the outbox drains after the lock")
    finally:
        locker.close()
        await db.close()

    # WAL lets reads go on beside another process's write lock: only the writer is told.
    assert_users_were_told_and_recovered(chatter, (outage_start, outage_end), still_read="Upcoming events")
    assert all(len(texts) == 1 for texts in platform.received.values()), "someone got it twice"
    assert len(platform.received) == RECIPIENTS


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "faults.db"
    shutil.copy(sqlite_template, path)
    async with Database(f"sqlite:///{path}") as db:
        yield db


async def test_telegram_failing_with_502s_and_dropped_connections_loses_nothing(sqlite_db: Database) -> None:
    """Five seconds of 502s and resets between the adapter and Telegram (a minute, scaled down)."""
    db = sqlite_db
    async with (
        FakeTelegram(overall=RateLimit(300, 1.0), per_chat=RateLimit(10, 1.0)) as telegram,
        ChaosProxy("127.0.0.1", telegram.port) as proxy,
    ):
        settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=f"http://{proxy.address}/bot")
        adapter = TelegramAdapter(settings, ObservedAssistant(db), db)
        adapter.poll_timeout, adapter.backoff = 0.5, 0.05
        for n in range(RECIPIENTS):
            telegram.open_chat(User(FIRST_RECIPIENT + n, f"Member {n}"))
        await announce(db, await add_recipients(db, RECIPIENTS))
        worker = worker_for(db, adapter, rate=100)
        await adapter.start()
        try:
            async with running(worker.run):
                await telegram.wait_until(lambda: len(telegram.received_by_chat()) >= 60, within=20)
                await proxy.break_("flaky_gateway")
                await asyncio.sleep(OUTAGE_SECONDS / 2)
                await proxy.restore()

                async def drained() -> bool:
                    return (await outbox_statuses(db)).get("sent") == RECIPIENTS

                await until(drained, 60, "the outbox drains after the platform recovers")
                before = len(telegram.sent(ANA.telegram_id))
                await telegram.send_text(User(ANA.telegram_id, "Ana"), "/help going")
                await telegram.wait_for_messages(ANA.telegram_id, before + 1)
        finally:
            await adapter.stop()

    received = telegram.received_by_chat()
    recipients = {FIRST_RECIPIENT + n for n in range(RECIPIENTS)}
    assert recipients <= set(received), f"lost: {sorted(recipients - set(received))[:10]}"
    repeated = sum(received[chat] - 1 for chat in recipients)
    print(f"\n{proxy.refused} connections refused; {proxy.cut_in_flight} requests cut in flight")
    # A request cut after Telegram took it but before its answer came back looks failed to us and
    # is sent again: no client can tell. Every other message arrives exactly once.
    assert repeated <= proxy.cut_in_flight
    assert proxy.refused > 0, "the platform was really failing"
