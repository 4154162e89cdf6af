"""Logging for every command: one handler on the root logger, plain text or JSON lines, and nothing
secret in either.

Masking happens at the handler rather than at each call, because most leaks were not our calls:
httpx logs every Bot API URL (the token is in its path), slack-bolt logs the body of requests it
refuses, python-telegram-bot and slack-sdk log message text at DEBUG, and a traceback can quote
anything. The libraries that log what they send are held at WARNING whatever the level; the
filter masks the configured secrets and anything shaped like a bot token in what is left.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.settings import Settings

# Libraries whose INFO and DEBUG lines carry URLs with tokens, request bodies or message text.
CHATTY_LIBRARIES = (
    "httpx",
    "httpcore",
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "aiohttp.access",
    "aiosqlite",  # every statement with its parameters
    "sqlalchemy",  # statements, and at DEBUG the rows read
)
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
MASK = "[secret]"
# Shorter configured values would mask ordinary words; no real token or secret is this short.
SHORTEST_SECRET = 6
TOKEN_SHAPES = (
    r"(?<=bot)\d+:[A-Za-z0-9_-]+",  # a Bot API URL segment, bot<token>, whoever's token it is
    r"\b\d{5,}:[A-Za-z0-9_-]{30,}",  # a Telegram bot token anywhere
    r"\bxox[a-z]-[A-Za-z0-9-]+",  # Slack bot, user and refresh tokens
    r"\bxapp-[A-Za-z0-9-]+",  # Slack app-level tokens (Socket Mode)
    r"\bv0=[0-9a-f]{64}\b",  # a Slack request signature, replayable for minutes
)


class Redactor(logging.Filter):
    """Masks secrets in a record's message, exception and stack before any formatter sees it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        values = sorted({s for s in secrets if len(s) >= SHORTEST_SECRET}, key=len, reverse=True)
        self._secret = re.compile("|".join([*map(re.escape, values), *TOKEN_SHAPES]))
        self._tracebacks = logging.Formatter()

    def redact(self, text: str) -> str:
        return self._secret.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: the handler reports it as usual
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            # Rendered here so the mask covers it; formatters print exc_text when exc_info is gone.
            record.exc_text = self._tracebacks.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def secret_values(settings: Settings) -> list[str]:
    """Every configured credential, and the webhook secret derived from the bot token."""
    configured = [
        settings.telegram_bot_token,
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        settings.telegram_webhook_secret,
    ]
    derived = [settings.webhook_secret] if settings.telegram_bot_token else []
    return [value for value in configured + derived if value]


def configure_logging(
    settings: Settings, *, quiet: bool = False, stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root handler with ours: CLUSTERBOT_LOG_LEVEL (WARNING when `quiet`, for the
    console commands), CLUSTERBOT_LOG_FORMAT plain or json, secrets masked in both."""
    levels = logging.getLevelNamesMapping()
    level = logging.WARNING if quiet else levels.get(settings.log_level.upper(), logging.INFO)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_formatter(settings.log_format))
    handler.addFilter(Redactor(secret_values(settings)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, logging.StreamHandler) and _ours(h)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler


def _formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS)
    return logging.Formatter(PLAIN_FORMAT)


def _ours(handler: logging.Handler) -> bool:
    return any(isinstance(f, Redactor) for f in handler.filters)
