"""`clusterbot run`: every configured adapter, the HTTP server, until SIGINT or SIGTERM (see
bot.shutdown for how it stops)."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from datetime import timedelta

from bot.calendar_feed import add_calendar_feed
from bot.http import HttpServer, database_check
from bot.settings import Settings
from bot.shutdown import Shutdown
from bot.startup import retrying
from bot.wiring import build_assistant, open_database
from core.adapter import Adapter
from handlers.engine.assistant import Assistant
from scheduler.delivery import DeliveryPolicy
from scheduler.ratelimit import SLACK_LIMITS, TELEGRAM_LIMITS, Limits, RateLimiter, SharedBudget
from scheduler.retention import RetentionPolicy
from scheduler.service import Scheduler
from store.db import Database

log = logging.getLogger(__name__)

NO_ADAPTER = (
    "clusterbot: no adapter configured. Set TELEGRAM_BOT_TOKEN for Telegram, or SLACK_SIGNING_SECRET "
    "and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) for Slack (see README: Connect "
    "Telegram / Connect Slack)."
)


def platform_limits(settings: Settings) -> dict[str, Limits]:
    return {
        "telegram": replace(TELEGRAM_LIMITS, overall_per_second=settings.telegram_rate),
        "slack": replace(SLACK_LIMITS, overall_per_second=settings.slack_rate),
    }


def limiter(settings: Settings, db: Database, platform: str) -> RateLimiter:
    """On PostgreSQL several processes may send at once: they take their slots from one budget."""
    budget = None if db.is_sqlite else SharedBudget(db, platform)
    return RateLimiter(platform_limits(settings)[platform], budget=budget)


def configured_adapters(
    settings: Settings, assistant: Assistant, db: Database, http: HttpServer
) -> list[Adapter]:
    adapters: list[Adapter] = []
    if settings.telegram_bot_token:
        from bot.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(settings, assistant, db, http))
    if settings.slack_configured:
        from bot.slack import SlackAdapter

        adapters.append(SlackAdapter(settings, assistant, db, http))
    return adapters


async def serve(settings: Settings) -> int:
    if not settings.telegram_bot_token and not settings.slack_configured:
        print(NO_ADAPTER, file=sys.stderr)
        return 2
    db = await retrying(lambda: open_database(settings.database_url), settings.startup_retry_seconds)
    http = HttpServer(settings.http_host, settings.http_port, metrics_port=settings.metrics_port)
    http.add_check("database", database_check(db))
    add_calendar_feed(http, db)
    assistant = build_assistant(settings, db)
    # Built in the background: a `find` meanwhile answers from plain SQL instead of waiting.
    assistant.directory.warm_up(db)
    adapters = configured_adapters(settings, assistant, db, http)
    scheduler = Scheduler(
        db,
        {adapter.platform: adapter for adapter in adapters},
        {adapter.platform: limiter(settings, db, adapter.platform) for adapter in adapters},
        policy=DeliveryPolicy(lease=timedelta(seconds=settings.outbox_lease_seconds)),
        retention=RetentionPolicy(settings.retention_inactive_months, settings.retention_outbox_days),
        notifier=assistant.notifier,
    )
    http.add_check("scheduler", scheduler.health)
    shutdown = Shutdown()
    shutdown.install()
    started: list[Adapter] = []
    try:
        for adapter in adapters:
            await retrying(adapter.start, settings.startup_retry_seconds)
            started.append(adapter)
        await http.start()
        await scheduler.start()
        log.info(
            "serving %s on http://%s:%s",
            ", ".join(a.platform for a in adapters),
            settings.http_host,
            http.port,
        )
        await shutdown.requested.wait()
    finally:
        # The outbox first: in-flight sends are recorded and unsent rows released while the
        # adapters and the database are still there to do it.
        await shutdown.bounded(scheduler.stop(), "the scheduler", holds_work=True)
        for adapter in reversed(started):
            await shutdown.bounded(adapter.stop(), f"the {adapter.platform} adapter")
        await shutdown.bounded(http.stop(), "the HTTP server")
        await shutdown.bounded(assistant.directory.close(), "the directory index build")
        await shutdown.bounded(db.close(), "closing the database")
    return 0
