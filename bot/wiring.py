"""Builds the parts from the settings; the CLI and `run` share it so they behave the same."""

from __future__ import annotations

from bot.settings import Settings
from bot.startup import database_failure, missing_folder
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from handlers.notify import Notifier
from store.db import Database
from store.migrate import ensure_current


async def open_database(url: str) -> Database:
    """A database at the newest schema (a new SQLite file is created at the current revision).

    Raises `StartupFailure` when it cannot be reached or opened, with what to do about it.
    """
    if failure := missing_folder(url):
        raise failure
    db = Database(url)
    try:
        await ensure_current(db)
    except BaseException as error:
        await db.close()
        failure = database_failure(url, error) if isinstance(error, Exception) else None
        if failure is not None:
            raise failure from error
        raise
    return db


def build_assistant(settings: Settings, db: Database) -> Assistant:
    options = Options(
        default_timezone=settings.default_timezone,
        default_language=settings.default_language,
        admins=settings.admin_ids,
        public_url=settings.feed_base_url,
        telegram_bot_username=settings.telegram_bot_username,
        slack_app_id=settings.slack_app_id,
    )
    return Assistant(db, build_router(), build_flows(), options=options, notifier=build_notifier(settings))


def build_notifier(settings: Settings) -> Notifier:
    """The one notifier of the process: handlers, the scheduler, the CLI and imports share it."""
    return Notifier(settings.default_language)
