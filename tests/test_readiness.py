"""/readyz as an operator's load balancer sees it: the database, each platform's acceptance of our
token, and the scheduler, with the reason when one is not ready; and `clusterbot run` wiring it."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.http import HttpServer, database_check
from bot.settings import Settings
from bot.telegram import TelegramAdapter
from core import __version__
from handlers.engine.assistant import Assistant
from scheduler.ratelimit import TELEGRAM_LIMITS, RateLimiter
from scheduler.service import Scheduler
from store.db import Database
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.test_http import get_url

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


async def test_readyz_waits_for_telegram_and_the_scheduler_and_says_when_telegram_refuses_the_token(
    telegram: FakeTelegram, db: Database, assistant: Assistant
) -> None:
    http = HttpServer("127.0.0.1", 0)
    http.add_check("database", database_check(db))
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url)
    adapter = TelegramAdapter(settings, assistant, db, http)
    adapter.poll_timeout = 0.5
    scheduler = Scheduler(db, {"telegram": adapter}, {"telegram": RateLimiter(TELEGRAM_LIMITS)})
    http.add_check("scheduler", scheduler.health)
    await http.start()
    try:
        starting = await get_url(f"{http.url}/readyz")
        await adapter.start()
        await scheduler.start()
        ready = await get_url(f"{http.url}/readyz")
        telegram.refuse("getMe", 401, "Unauthorized")
        adapter.credentials.recheck = 0  # ask Telegram again at this poll, not a minute later
        revoked = await get_url(f"{http.url}/readyz")
    finally:
        await scheduler.stop()
        await adapter.stop()
        await http.stop()

    assert starting == (
        503,
        {
            "status": "unavailable",
            "version": __version__,
            "checks": {"database": "ok", "telegram": "not started", "scheduler": "not running"},
        },
    )
    assert ready == (
        200,
        {
            "status": "ok",
            "version": __version__,
            "checks": {"database": "ok", "telegram": "ok", "scheduler": "ok"},
        },
    )
    status, body = revoked
    assert status == 503
    assert re.fullmatch(
        r"getMe failed: Unauthorized \(last success \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)",
        body["checks"]["telegram"],
    )
    assert TOKEN not in str(body)


async def test_clusterbot_run_serves_livez_readyz_and_metrics(telegram: FakeTelegram, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLUSTERBOT_", "TELEGRAM_", "SLACK_"))}
    env.update(
        CLUSTERBOT_DATABASE_URL=f"sqlite:///{tmp_path}/run.db",
        CLUSTERBOT_HTTP_PORT="0",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=telegram.base_url,
    )
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    assert bot.stderr is not None
    try:
        async with asyncio.timeout(60):
            while not (
                serving := re.search(rb"serving telegram on (http://\S+)", await bot.stderr.readline())
            ):
                assert bot.returncode is None
        url = serving.group(1).decode()
        live, ready = await get_url(f"{url}/livez"), await get_url(f"{url}/readyz")
        metrics = (await get_url(f"{url}/metrics"))[1]
    finally:
        bot.terminate()
        await bot.wait()

    assert live == (200, {"status": "ok", "version": __version__})
    assert ready == (
        200,
        {
            "status": "ok",
            "version": __version__,
            "checks": {"database": "ok", "telegram": "ok", "scheduler": "ok"},
        },
    )
    labels = {
        sample.name: sample.labels
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
    }
    assert labels["clusterbot_build_info"] == {
        "version": __version__,
        "process": f"{socket.gethostname()}:{bot.pid}",
    }
    assert labels["clusterbot_platform_last_success_timestamp_seconds"]["platform"] == "telegram"
