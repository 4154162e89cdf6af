"""The fake Telegram and Slack servers of tests/fakes, each in a process of its own.

A real platform does not share our CPU; in the same event loop the fake would take half of the
bot's time and the figures would measure both. The child records every call with its time and
status, and answers a few commands (set up chats, inject updates, report) over a pipe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import web

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import ApiError, FakeTelegram, User

Timeline = list[tuple[float, str, int]]  # (monotonic time, method, HTTP status)
SLACK_POSTS = frozenset({"chat.postMessage"})


class _TimedTelegram(FakeTelegram):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.timeline: Timeline = []
        self.flood_refusals = 0

    def _throttle(self, chat_id: int) -> None:
        """Flood control's 429s, told apart from the ones injected at random."""
        try:
            super()._throttle(chat_id)
        except ApiError:
            self.flood_refusals += 1
            raise

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        self.timeline.append((time.monotonic(), request.match_info["method"], response.status))
        return response


class _TimedSlack(FakeSlackApi):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.timeline: Timeline = []
        self.injected_429s = 0

    def _random_refusal(self, method: str) -> web.Response | None:
        refusal = super()._random_refusal(method)
        self.injected_429s += refusal is not None and refusal.status == 429
        return refusal

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        self.timeline.append((time.monotonic(), request.match_info["method"], response.status))
        return response


async def _serve_telegram(fake: _TimedTelegram, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    while True:
        command, argument = await loop.run_in_executor(None, pipe.recv)
        if command == "open_chats":
            for user_id in argument:
                fake.open_chat(User(user_id, f"Member {user_id}"))
        elif command == "block":
            fake.blocked.update(argument)
        elif command == "send_texts":
            for user_id, text in argument:
                await fake.send_text(User(user_id, f"Member {user_id}"), text)
        elif command == "received":
            argument = fake.received_by_chat()
        elif command == "timeline":
            argument = fake.timeline
        elif command == "flood_refusals":
            argument = fake.flood_refusals
        elif command == "stop":
            pipe.send(None)
            return
        pipe.send(argument if command in ("received", "timeline", "flood_refusals") else None)


async def _serve_slack(fake: _TimedSlack, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    while True:
        command, argument = await loop.run_in_executor(None, pipe.recv)
        answer: object = None
        if command == "add_users":
            for user_id in argument:
                fake.add_user(user_id, f"Member {user_id}")
        elif command == "unreachable":
            fake.unreachable.update(dict.fromkeys(argument, "account_inactive"))
        elif command == "received":
            answer = dict(Counter(m.channel for m in fake.messages.values()))
        elif command == "timeline":
            answer = fake.timeline
        elif command == "flood_refusals":
            refused = sum(
                1 for _t, method, status in fake.timeline if method in SLACK_POSTS and status == 429
            )
            answer = refused - fake.injected_429s
        elif command == "stop":
            pipe.send(None)
            return
        pipe.send(answer)


async def _main(kind: str, options: dict[str, Any], pipe: Connection) -> None:
    if kind == "telegram":
        async with _TimedTelegram(**options) as telegram:
            pipe.send(telegram.base_url)
            await _serve_telegram(telegram, pipe)
    else:
        retry_after, rates = options.pop("retry_after", 1), options.pop("rates", {})
        async with _TimedSlack(**options) as slack:
            slack.rates.update(rates)
            slack.retry_after = retry_after
            pipe.send(slack.base_url)
            await _serve_slack(slack, pipe)


def _child(kind: str, options: dict[str, Any], pipe: Connection) -> None:
    asyncio.run(_main(kind, options, pipe))


class FakeServer:
    """A handle on the child: `call("open_chats", [...])`, `base_url`."""

    def __init__(self, pipe: Connection, base_url: str) -> None:
        self.pipe, self.base_url = pipe, base_url

    async def call(self, command: str, argument: object = None) -> Any:
        """Ask the child without blocking our event loop (the bot may be busy in it)."""
        self.pipe.send((command, argument))
        return await asyncio.get_running_loop().run_in_executor(None, self.pipe.recv)


@contextmanager
def fake_server(kind: str, **options: Any) -> Iterator[FakeServer]:
    """Start the fake ('telegram' or 'slack') in a child process; `options` go to its constructor."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_child, args=(kind, dict(options), theirs), daemon=True
    )
    process.start()
    try:
        if not ours.poll(30):
            raise RuntimeError(f"the fake {kind} server did not start")
        yield FakeServer(ours, ours.recv())
    finally:
        if process.is_alive():
            ours.send(("stop", None))
            process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


def sending_rate(timeline: Timeline, methods: frozenset[str]) -> tuple[int, float]:
    """Calls of `methods` the platform saw, and their rate from the first to the last."""
    times = sorted(t for t, method, _status in timeline if method in methods)
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (len(times) - 1) / (times[-1] - times[0])


def busiest_window(timeline: Timeline, methods: frozenset[str], seconds: float = 1.0) -> int:
    """The most calls of `methods` the platform saw in any `seconds` (a sliding window)."""
    times = sorted(t for t, method, _status in timeline if method in methods)
    busiest, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= seconds:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest
