"""3. An announcement to many members through the real adapters, against fakes that refuse a share of calls.

Telegram's limits are scaled ten times (300 messages/s overall, 10/s per chat), and so are the
waits (retry-after 0.2 s, first backoff 0.2 s), so that 10,000 messages take about half a minute.
The fake refuses 2% of message calls with 429 and 1% with 502, and 1% of members have blocked
the bot. The rate counts every message call the platform saw (refused ones too) from the first to
the last, against the platform's allowed rate; flood refusals are the 429s of the platform's own
rate window, beyond the injected ones. The baseline sends the same messages through
python-telegram-bot's own AIORateLimiter, from 16 concurrent tasks looping over the recipients.

Two processes then send one announcement from one PostgreSQL database, sharing the platform's
rate through the send budget in the database: their calls together, against the limit, and the
busiest second the platform saw. The growth table is the Telegram rate share at 0.1× and 3× the
recipients.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
from datetime import UTC, datetime
from multiprocessing.synchronize import Event as ProcessEvent

from sqlalchemy import func, select
from telegram import Bot
from telegram.error import Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application

from benchmarks import population
from benchmarks.common import SCALES, Figure, Growth, Report, Stopwatch, postgres_database, sqlite_database
from benchmarks.fakeserver import FakeServer, busiest_window, fake_server, sending_rate
from bot.settings import Settings
from bot.slack import SlackAdapter
from bot.telegram import TelegramAdapter
from bot.wiring import build_assistant
from core.types import Text
from scheduler.delivery import DeliveryPolicy, OutboxWorker
from scheduler.ratelimit import Limits, RateLimiter, SharedBudget
from store.db import Database
from store.models import Identity, OutboxMessage
from store.outbox import Outbox
from tests.fakes.slack_api import SIGNING_SECRET
from tests.fakes.slack_api import TOKEN as SLACK_TOKEN
from tests.fakes.telegram_api import TOKEN, RateLimit

TELEGRAM_RATE, TELEGRAM_CHAT_RATE, SLACK_RATE = 300, 10, 200
# The two processes' shared limit: low enough that two senders and the fake fit on two loaded cores.
SHARED_RATE = 100
FAILURES = {"429": 0.02, "5xx": 0.01}
BLOCKED_SHARE = 0.01
CONCURRENCY = 16
TELEGRAM_METHODS, SLACK_METHODS = frozenset({"sendMessage"}), frozenset({"chat.postMessage"})
TEXT = Text().bold("📣 Announcement").line().add("The Porto B2B agenda is out.")


async def _recipients(db: Database, count: int, platform: str) -> list[int]:
    """Members with one identity each on `platform`; for Slack, user ids U<position> and DMs D<…>."""
    member_ids = await population.load(db, population.generate(count), identities=platform == "telegram")
    if platform == "slack":
        now = datetime.now(UTC)
        async with db.transaction() as session:
            session.add_all(
                Identity(
                    member_id=mid,
                    platform="slack",
                    user_id=f"T0TEST:U{i}",
                    chat_id=f"DU{i}",
                    created_at=now,
                )
                for i, mid in enumerate(member_ids)
            )
    async with db.transaction() as session:
        await Outbox(session).enqueue(member_ids, "announce:1", TEXT.reply().to_dict(), datetime.now(UTC))
    return member_ids


async def _drain(db: Database, worker: OutboxWorker, within: float) -> None:
    """Run the worker until no row is pending, sending or waiting for a retry."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, idle_seconds=0.02))
    try:
        await _until_sent(db, within)
    finally:
        stop.set()
        await task


def _outcome(received: dict[object, int], reachable: set[str]) -> tuple[int, int]:
    """(lost, duplicated): reachable chats that got nothing, and messages beyond one per chat."""
    got = {str(chat): count for chat, count in received.items()}
    return len(reachable - set(got)), sum(max(count - 1, 0) for count in got.values())


def _figures(
    report: Report,
    label: str,
    share: tuple[float, float | None],
    lost: tuple[int, int | None],
    duplicated: tuple[int, int | None],
    baseline: str,
) -> None:
    report.add(Figure(f"{label} rate share", "%", share[0], share[1], baseline, better="higher", target=95))
    report.add(Figure(f"{label} lost", "messages", lost[0], lost[1], baseline, target=0))
    report.add(Figure(f"{label} duplicated", "messages", duplicated[0], duplicated[1], baseline, target=0))


def _flood_share(report: Report, label: str, flood: int, calls: int) -> None:
    share = 100 * flood / max(calls, 1)
    note = f"{flood} of {calls} calls"
    report.add(Figure(f"{label} flood 429s", "% of calls", share, target=1, note=note))


async def _telegram_ours(recipients: int, blocked: set[int]) -> tuple[tuple[float, int, int], int, int]:
    """((rate share, lost, duplicated), calls, flood refusals)."""
    options = {
        "overall": RateLimit(TELEGRAM_RATE, 1.0),
        "per_chat": RateLimit(TELEGRAM_CHAT_RATE, 1.0),
        "failure_rates": FAILURES,
        "seed": 1,
    }
    async with sqlite_database() as (db, _path):
        await _recipients(db, recipients, "telegram")
        with fake_server("telegram", **options) as fake:
            chats = [population.telegram_user(i) for i in range(recipients)]
            await fake.call("open_chats", chats)
            await fake.call("block", sorted(blocked))
            settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url)
            adapter = TelegramAdapter(settings, build_assistant(settings, db), db)
            adapter.poll_timeout, adapter.backoff = 0.5, 0.1
            limiter = RateLimiter(Limits(TELEGRAM_RATE, TELEGRAM_CHAT_RATE))
            policy = DeliveryPolicy(concurrency=CONCURRENCY, first_backoff_seconds=0.2)
            worker = OutboxWorker(db, {"telegram": adapter}, {"telegram": limiter}, policy=policy)
            await adapter.start()
            try:
                await _drain(db, worker, within=recipients / 50 + 60)
            finally:
                await adapter.stop()
            received, timeline = await fake.call("received"), await fake.call("timeline")
            flood = await fake.call("flood_refusals")
    calls, rate = sending_rate(timeline, TELEGRAM_METHODS)
    lost, duplicated = _outcome(received, {str(c) for c in chats} - {str(b) for b in blocked})
    return (100 * rate / TELEGRAM_RATE, lost, duplicated), calls, flood


async def _telegram_baseline(recipients: int, blocked: set[int]) -> tuple[float, int, int]:
    """PTB's AIORateLimiter (overall 300/s, 3 retries after a 429) and a plain loop, 16 tasks at once."""
    options = {
        "overall": RateLimit(TELEGRAM_RATE, 1.0),
        "per_chat": RateLimit(TELEGRAM_CHAT_RATE, 1.0),
        "failure_rates": FAILURES,
        "seed": 1,
    }
    chats = [population.telegram_user(i) for i in range(recipients)]
    html = "<b>📣 Announcement</b>\nThe Porto B2B agenda is out."
    with fake_server("telegram", **options) as fake:
        await fake.call("open_chats", chats)
        await fake.call("block", sorted(blocked))
        limiter = AIORateLimiter(overall_max_rate=TELEGRAM_RATE, overall_time_period=1, max_retries=3)
        app = Application.builder().token(TOKEN).base_url(fake.base_url).rate_limiter(limiter).build()
        async with app:
            bot: Bot = app.bot
            pending = iter(chats)

            async def loop() -> None:
                for chat in pending:
                    try:
                        await bot.send_message(chat, html, parse_mode="HTML")
                    except Forbidden:
                        pass  # blocked: not deliverable, not lost
                    except TelegramError:
                        pass  # what a plain loop does with a 5xx or a 429 after its retries: moves on

            await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
        received, timeline = await fake.call("received"), await fake.call("timeline")
    _calls, rate = sending_rate(timeline, TELEGRAM_METHODS)
    lost, duplicated = _outcome(received, {str(c) for c in chats} - {str(b) for b in blocked})
    return 100 * rate / TELEGRAM_RATE, lost, duplicated


async def _slack_ours(recipients: int, unreachable: set[int]) -> tuple[tuple[float, int, int], int, int]:
    """((rate share, lost, duplicated), calls, flood refusals)."""
    options = {
        "failure_rates": FAILURES,
        "seed": 2,
        "rates": {"chat.postMessage": SLACK_RATE},
        "retry_after": 0,
    }
    async with sqlite_database() as (db, _path):
        await _recipients(db, recipients, "slack")
        with fake_server("slack", **options) as fake:
            await fake.call("add_users", [f"U{i}" for i in range(recipients)])
            await fake.call("unreachable", [f"U{i}" for i in sorted(unreachable)])
            settings = Settings(
                slack_bot_token=SLACK_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_app_token="",
                slack_api_base_url=fake.base_url,
            )
            adapter = SlackAdapter(settings, build_assistant(settings, db), db)
            limiter = RateLimiter(Limits(SLACK_RATE, 1.0))
            policy = DeliveryPolicy(concurrency=CONCURRENCY, first_backoff_seconds=0.2)
            worker = OutboxWorker(db, {"slack": adapter}, {"slack": limiter}, policy=policy)
            await adapter.start()
            try:
                await _drain(db, worker, within=recipients / 40 + 60)
            finally:
                await adapter.stop()
            received, timeline = await fake.call("received"), await fake.call("timeline")
            flood = await fake.call("flood_refusals")
    calls, rate = sending_rate(timeline, SLACK_METHODS)
    # An unreachable member is refused at conversations.open: one attempt the platform saw each.
    rate *= (calls + len(unreachable)) / max(calls, 1)
    reachable = {f"DU{i}" for i in range(recipients)} - {f"DU{i}" for i in unreachable}
    lost, duplicated = _outcome(received, reachable)
    return (100 * rate / SLACK_RATE, lost, duplicated), calls, flood


def _shared_sender(url: str, base_url: str, stop: ProcessEvent) -> None:
    """One of the two processes: its own engine, adapter and limiter, the budget in the database."""
    asyncio.run(_send_shared(url, base_url, stop))


async def _send_shared(url: str, base_url: str, stop: ProcessEvent) -> None:
    db = Database(url)
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=base_url)
    adapter = TelegramAdapter(settings, build_assistant(settings, db), db)
    adapter.poll_timeout, adapter.backoff = 0.5, 0.1
    budget = SharedBudget(db, "telegram")
    limiter = RateLimiter(Limits(SHARED_RATE, TELEGRAM_CHAT_RATE), budget=budget)
    policy = DeliveryPolicy(concurrency=CONCURRENCY, first_backoff_seconds=0.2)
    worker = OutboxWorker(db, {"telegram": adapter}, {"telegram": limiter}, policy=policy)
    stopping = asyncio.Event()

    async def watch() -> None:
        await asyncio.to_thread(stop.wait)
        stopping.set()

    await adapter.start()
    try:
        await asyncio.gather(worker.run(stopping, idle_seconds=0.02), watch())
    finally:
        await adapter.stop()
        await db.close()


async def _until_sent(db: Database, within: float) -> None:
    async with asyncio.timeout(within):
        while True:
            await asyncio.sleep(0.25)
            async with db.transaction() as session:
                open_rows = await session.scalar(
                    select(func.count()).where(OutboxMessage.status.in_(("pending", "sending", "failed")))
                )
            if not open_rows:
                return


async def _two_processes(admin_url: str, recipients: int, blocked: set[int]) -> tuple[float, int, int, int]:
    """(share of the shared limit, busiest second, flood refusals, lost + duplicated)."""
    options = {
        "overall": RateLimit(SHARED_RATE, 1.0),
        "per_chat": RateLimit(TELEGRAM_CHAT_RATE, 1.0),
        "failure_rates": FAILURES,
        "seed": 3,
    }
    async with postgres_database(admin_url) as db:
        await _recipients(db, recipients, "telegram")
        with fake_server("telegram", **options) as fake:
            chats = [population.telegram_user(i) for i in range(recipients)]
            await fake.call("open_chats", chats)
            await fake.call("block", sorted(blocked))
            context = multiprocessing.get_context("spawn")
            stop = context.Event()
            url = db.engine.url.render_as_string(hide_password=False)
            senders = [
                context.Process(target=_shared_sender, args=(url, fake.base_url, stop), daemon=True)
                for _ in range(2)
            ]
            for sender in senders:
                sender.start()
            try:
                await _until_sent(db, within=recipients / 20 + 60)
            finally:
                stop.set()
                for sender in senders:
                    await asyncio.to_thread(sender.join, 30)
                    if sender.is_alive():
                        sender.kill()
            received, timeline, flood = await _observed(fake)
    _calls, rate = sending_rate(timeline, TELEGRAM_METHODS)
    lost, duplicated = _outcome(received, {str(c) for c in chats} - {str(b) for b in blocked})
    busiest = busiest_window(timeline, TELEGRAM_METHODS)
    return 100 * rate / SHARED_RATE, busiest, flood, lost + duplicated


async def _observed(fake: FakeServer) -> tuple[dict[object, int], list[tuple[float, str, int]], int]:
    return await fake.call("received"), await fake.call("timeline"), await fake.call("flood_refusals")


def _blocked(recipients: int) -> set[int]:
    rng = random.Random(population.SEED)
    chosen = rng.sample(range(recipients), int(recipients * BLOCKED_SHARE))
    return {population.telegram_user(i) for i in chosen}


async def run(
    recipients: int = 10_000,
    slack_recipients: int = 10_000,
    shared_recipients: int = 3_000,
    postgres_url: str = "",
    scales: tuple[float, ...] = SCALES,
) -> Report:
    report = Report(
        "broadcast",
        sizes={
            "recipients": recipients,
            "slack_recipients": slack_recipients,
            "shared_recipients": shared_recipients,
        },
    )
    blocked = _blocked(recipients)
    with Stopwatch() as ours_watch:
        ours, calls, flood = await _telegram_ours(recipients, blocked)
    with Stopwatch() as baseline_watch:
        baseline = await _telegram_baseline(recipients, blocked)
    print(f"  telegram: ours {ours_watch.seconds:.0f} s, baseline {baseline_watch.seconds:.0f} s", flush=True)
    _figures(report, f"telegram {recipients:,}", *zip(ours, baseline, strict=True), "PTB AIORateLimiter loop")
    _flood_share(report, f"telegram {recipients:,}", flood, calls)
    rng = random.Random(population.SEED)
    unreachable = set(rng.sample(range(slack_recipients), int(slack_recipients * BLOCKED_SHARE)))
    slack, calls, flood = await _slack_ours(slack_recipients, unreachable)
    _figures(report, f"slack {slack_recipients:,}", *((value, None) for value in slack), "")
    _flood_share(report, f"slack {slack_recipients:,}", flood, calls)
    if postgres_url:
        share, busiest, flood, wrong = await _two_processes(
            postgres_url, shared_recipients, _blocked(shared_recipients)
        )
        label = f"two processes, one PostgreSQL, {shared_recipients:,} at {SHARED_RATE}/s"
        report.add(Figure(f"{label}: rate share", "%", share, better="higher", target=90))
        report.add(Figure(f"{label}: busiest second", "calls", busiest, target=SHARED_RATE))
        report.add(Figure(f"{label}: flood 429s", "calls", flood, note="beyond the injected ones"))
        report.add(Figure(f"{label}: lost + duplicated", "messages", wrong, target=0))
    shares: dict[int, float] = {recipients: ours[0]}
    for scale in scales:
        size = max(2, round(recipients * scale))
        if size not in shares:
            shares[size] = (await _telegram_ours(size, _blocked(size)))[0][0]
    if len(shares) > 1:
        sizes = sorted(shares)
        report.grows(Growth("telegram rate share by recipients", "%", sizes, [shares[n] for n in sizes]))
    return report
