"""4. Commands per second through the neutral handlers (SQLite, PostgreSQL), and updates through PTB.

Simulated users send a mix of find, events, event, going and opportunities at once; the baseline
is the same mix sent one command at a time, which shows what concurrency adds. The SQLite run is
repeated at 0.1× and 3× the members (the growth row). On PostgreSQL, two processes (each like
`clusterbot run`, with its own users) share one database; the baseline is one such process,
measured in the same run, so the ratio says how far a second process scales. Updates per second
go through the real Telegram adapter (long polling, rendering, sendMessage) against the fake in a
process of its own; the baseline there is a bare python-telegram-bot echo bot on the same fake,
the ceiling the framework itself allows.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from multiprocessing.synchronize import Barrier

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from benchmarks import population
from benchmarks.common import (
    SCALES,
    Figure,
    Growth,
    Report,
    Stopwatch,
    ms,
    percentile,
    postgres_database,
    sqlite_database,
)
from benchmarks.fakeserver import fake_server
from bot.settings import Settings
from bot.telegram import TelegramAdapter
from bot.wiring import build_assistant
from core.types import Incoming, Reply
from handlers.engine.assistant import Assistant
from store.db import Database
from tests.fakes.telegram_api import TOKEN, RateLimit

FIND_QUERIES = ("textile recycling", "offshore wnd", "polymers in:France", "smart textiles", "aramid")


def command_mix(user: int) -> list[str]:
    """One round of the mix for a user: each command once, on varying events and words."""
    event = 1 + user % 40
    return [
        f"/find {FIND_QUERIES[user % len(FIND_QUERIES)]}",
        "/events",
        f"/event {event}",
        f"/going {event}",
        "/opportunities",
    ]


async def _simulate(assistant: Assistant, users: int, commands: int) -> tuple[float, list[float]]:
    """`users` people sending `commands` in all, each waiting for its answer; (seconds, latencies)."""
    latencies: list[float] = []
    per_user = max(commands // users, 1)

    async def user(number: int) -> None:
        msg_texts = itertools.islice(itertools.cycle(command_mix(number)), per_user)
        for text in msg_texts:
            msg = Incoming(
                "console", f"user{number}", f"user{number}", text=text, display_name=f"User {number}"
            )
            with Stopwatch() as watch:
                replies = await assistant.respond(msg)
            assert replies and "went wrong" not in str(replies[0]), f"{text}: {replies}"
            latencies.append(watch.seconds)

    with Stopwatch() as total:
        await asyncio.gather(*(user(n) for n in range(users)))
    return total.seconds, latencies


async def _prepare(db: Database, members: int) -> Assistant:
    await population.load(db, population.generate(members))
    await population.add_agenda(db)
    assistant = build_assistant(Settings(), db)
    await assistant.respond(Incoming("console", "warm", "warm", text="/find textile"))  # builds the index
    return assistant


async def _commands(
    report: Report, db: Database, label: str, members: int, users: int, commands: int
) -> float:
    """Adds the figures; returns commands/s with `users` at once."""
    assistant = await _prepare(db, members)
    cpu = time.process_time()
    seconds, latencies = await _simulate(assistant, users, commands)
    cpu = time.process_time() - cpu
    base_cpu = time.process_time()
    base_seconds, base_latencies = await _simulate(assistant, 1, max(commands // 5, 5))
    base_cpu = time.process_time() - base_cpu
    target = 1000.0 if label == "sqlite" else None
    rate = len(latencies) / seconds
    report.add(
        Figure(
            f"{label} commands/s ({users} users)",
            "cmd/s",
            rate,
            len(base_latencies) / base_seconds,
            "one command at a time",
            better="higher",
            target=target,
        )
    )
    report.add(
        Figure(
            f"{label} p99 latency ({users} users)",
            "ms",
            ms(percentile(latencies, 99)),
            ms(percentile(base_latencies, 99)),
            "one command at a time",
            target=150.0 if label == "sqlite" else None,
        )
    )
    report.add(
        Figure(
            f"{label} CPU per command ({users} users)",
            "ms",
            ms(cpu / len(latencies)),
            ms(base_cpu / len(base_latencies)),
            "one command at a time",
            note="this process, all its threads: what bounds commands/s on a busy machine",
        )
    )
    return rate


async def _sqlite_rate(members: int, users: int, commands: int) -> float:
    async with sqlite_database() as (db, _path):
        assistant = await _prepare(db, members)
        seconds, latencies = await _simulate(assistant, users, commands)
    return len(latencies) / seconds


def _process(
    url: str, users: int, commands: int, start: Barrier, done: multiprocessing.Queue[object]
) -> None:
    """One `clusterbot run`-like process: its own engine, index and users; (commands, start, end)."""

    async def work() -> tuple[int, float, float]:
        db = Database(url)
        try:
            assistant = build_assistant(Settings(), db)
            await assistant.respond(Incoming("console", "warm", "warm", text="/find textile"))
            await _simulate(assistant, users, users)  # first contact: each user's member is created
            start.wait()
            began = time.time()
            _seconds, latencies = await _simulate(assistant, users, commands)
            return len(latencies), began, time.time()
        finally:
            await db.close()

    done.put(asyncio.run(work()))


def _processes(url: str, count: int, users: int, commands: int) -> float:
    """Commands/s of `count` processes at once on one PostgreSQL database, from the first start to
    the last end."""
    spawn = multiprocessing.get_context("spawn")
    start, done = spawn.Barrier(count), spawn.Queue()
    workers = [spawn.Process(target=_process, args=(url, users, commands, start, done)) for _ in range(count)]
    for worker in workers:
        worker.start()
    results: list[tuple[int, float, float]] = [done.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    span = max(ended for _n, _b, ended in results) - min(began for _n, began, _e in results)
    return sum(count for count, _b, _e in results) / span


async def _postgres_processes(report: Report, db: Database, users: int, commands: int) -> None:
    url = db.engine.url.render_as_string(hide_password=False).replace("+asyncpg", "")
    one = await asyncio.to_thread(_processes, url, 1, users, commands)
    two = await asyncio.to_thread(_processes, url, 2, users, commands)
    report.add(
        Figure(
            f"postgresql commands/s, 2 processes ({users} users each)",
            "cmd/s",
            two,
            one,
            "1 process",
            better="higher",
            target=1.7 * one,
            note="target: 1.7× the one process of the same run",
        )
    )


async def _updates_per_second(updates: int, users: int, *, bare: bool) -> float:
    """Time from the first update queued to the last reply received, through a real PTB bot."""
    user_ids = [population.telegram_user(i) for i in range(users)]
    texts = [
        (user_ids[i % users], command_mix(i)[i % 3 if i % 3 != 2 else 1])  # find, events
        for i in range(updates)
    ]
    limits = {"overall": RateLimit(100_000, 1.0), "per_chat": RateLimit(1_000, 1.0)}
    answered: list[str] = []
    async with sqlite_database() as (db, _path):
        if not bare:
            await population.load(db, population.generate(2_000))
            await population.add_agenda(db)
        with fake_server("telegram", **limits) as fake:
            settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=fake.base_url)
            if bare:
                app = Application.builder().token(TOKEN).base_url(fake.base_url).build()

                async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
                    assert update.effective_chat is not None
                    await update.effective_chat.send_message("ok")

                app.add_handler(MessageHandler(filters.TEXT, echo))
                await app.initialize()
                assert app.updater is not None
                await app.updater.start_polling(timeout=1)
                await app.start()
                stop = app.stop
            else:
                assistant = build_assistant(settings, db)
                respond = assistant.respond

                async def counted(msg: Incoming) -> list[Reply]:
                    replies = await respond(msg)
                    answered.append(msg.user_id)
                    return replies

                # A first contact may get more than one message: count the updates answered too.
                assistant.respond = counted  # type: ignore[method-assign]
                adapter = TelegramAdapter(settings, assistant, db)
                adapter.poll_timeout = 1
                await adapter.start()
                stop = adapter.stop
            try:
                with Stopwatch() as watch:
                    await fake.call("send_texts", texts)
                    # The replies are counted in the fake's process: nothing to wait on but a poll.
                    while (  # noqa: ASYNC110
                        len(answered) < (0 if bare else updates)
                        or sum((await fake.call("received")).values()) < updates
                    ):
                        await asyncio.sleep(0.05)
            finally:
                await stop()
                if bare:
                    await app.updater.stop()  # type: ignore[union-attr]
                    await app.shutdown()
    return updates / watch.seconds


async def run(
    members: int = 10_000,
    users: int = 50,
    commands: int = 3_000,
    updates: int = 1_000,
    postgres_url: str = "",
    scales: tuple[float, ...] = SCALES,
) -> Report:
    report = Report("throughput", sizes={"members": members, "users": users, "commands": commands})
    async with sqlite_database() as (db, _path):
        rate = await _commands(report, db, "sqlite", members, users, commands)
    if postgres_url:
        async with postgres_database(postgres_url) as db:
            await _commands(report, db, "postgresql", members, users, commands)
            await _postgres_processes(report, db, users, commands)
    ours = await _updates_per_second(updates, users, bare=False)
    bare = await _updates_per_second(updates, users, bare=True)
    report.add(
        Figure(
            "telegram updates/s",
            "upd/s",
            ours,
            bare,
            "bare PTB echo bot",
            better="higher",
            target=0.8 * bare,
            note="ours: assistant + store + HTML rendering; bare: reply 'ok'; target: 0.8× bare",
        )
    )
    if scales:
        sizes = [float(max(int(members * scale), 100)) for scale in scales]
        rates = [
            rate if size == members else await _sqlite_rate(int(size), users, commands) for size in sizes
        ]
        report.grows(Growth(f"sqlite commands/s ({users} users) by members", "cmd/s", sizes, rates))
    return report
