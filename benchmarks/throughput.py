"""4. Commands per second through the neutral handlers (SQLite, PostgreSQL), and updates through PTB.

Simulated users send a mix of find, events, event, going and opportunities at once; the baseline
is the same mix sent one command at a time, which shows what concurrency adds. Updates per second
go through the real Telegram adapter (long polling, rendering, sendMessage) against the fake in a
process of its own; the baseline there is a bare python-telegram-bot echo bot on the same fake,
the ceiling the framework itself allows.
"""

from __future__ import annotations

import asyncio
import itertools

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from benchmarks import population
from benchmarks.common import Figure, Report, Stopwatch, ms, percentile, postgres_database, sqlite_database
from benchmarks.fakeserver import fake_server
from bot.settings import Settings
from bot.telegram import TelegramAdapter
from bot.wiring import build_assistant
from core.types import Incoming
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


async def _commands(
    report: Report, db: Database, label: str, members: int, users: int, commands: int
) -> None:
    await population.load(db, population.generate(members))
    await population.add_agenda(db)
    assistant = build_assistant(Settings(), db)
    await assistant.respond(Incoming("console", "warm", "warm", text="/find textile"))  # builds the index
    seconds, latencies = await _simulate(assistant, users, commands)
    base_seconds, base_latencies = await _simulate(assistant, 1, max(commands // 5, 5))
    target = 1000.0 if label == "sqlite" else None
    report.add(
        Figure(
            f"{label} commands/s ({users} users)",
            "cmd/s",
            len(latencies) / seconds,
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
                adapter = TelegramAdapter(settings, build_assistant(settings, db), db)
                adapter.poll_timeout = 1
                await adapter.start()
                stop = adapter.stop
            try:
                with Stopwatch() as watch:
                    await fake.call("send_texts", texts)
                    # The replies are counted in the fake's process: nothing to wait on but a poll.
                    while sum((await fake.call("received")).values()) < updates:  # noqa: ASYNC110
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
) -> Report:
    report = Report("throughput", sizes={"members": members, "users": users, "commands": commands})
    async with sqlite_database() as (db, _path):
        await _commands(report, db, "sqlite", members, users, commands)
    if postgres_url:
        async with postgres_database(postgres_url) as db:
            await _commands(report, db, "postgresql", members, users, commands)
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
            target=300,
            note="ours: assistant + store + HTML rendering; bare: reply 'ok'",
        )
    )
    return report
