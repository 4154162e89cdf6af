"""The log of a running bot holds no secret and no personal text, at INFO and at DEBUG.

The bot runs as `clusterbot run` wires it (bot.runner) with the real python-telegram-bot and
slack-bolt against the fakes, and its log goes through the handler `clusterbot` installs. Then a
member uses what carries secrets and personal text — a link code, a calendar feed, a bio, a
command that fails in the database — and someone posts an unsigned request to the Slack endpoint.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from bot.calendar_feed import add_calendar_feed
from bot.http import HttpServer
from bot.logs import CHATTY_LIBRARIES, configure_logging
from bot.runner import configured_adapters
from bot.settings import Settings
from bot.telegram import TelegramAdapter
from bot.wiring import build_assistant
from store.db import Database
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeSlackApi, SlackSender
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, Sent, User
from tests.test_cli import run

pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*`retry_after`:telegram.warnings.PTBDeprecationWarning"
)

ANA = User(1001, "Ana", "Puig", "en")
SLACK_ANA = "U0ANA"
BIO = "Ana grew up in Sabadell and runs the dye house of her family"
FAILING_BIO = "Diskfull Ana, whose second bio never fits on the disk"
POSTED_BIO = "Forged Ana, in a request nobody signed"
# Makes saving FAILING_BIO fail inside the database, as a full disk would.
FULL_DISK = {
    "sqlite": [
        "CREATE TRIGGER full_disk BEFORE UPDATE OF bio ON members WHEN NEW.bio LIKE 'Diskfull%' "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER full_disk BEFORE UPDATE OF bio ON members FOR EACH ROW "
        "WHEN (NEW.bio LIKE 'Diskfull%') EXECUTE FUNCTION full_disk()",
    ],
}
NO_FULL_DISK = {
    "sqlite": ["DROP TRIGGER full_disk"],
    "postgresql": ["DROP TRIGGER full_disk ON members", "DROP FUNCTION full_disk()"],
}


@pytest.fixture
def capture_log() -> Iterator[Callable[[Settings], io.StringIO]]:
    """Installs the handler `clusterbot` installs, writing to a buffer; puts logging back after."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *CHATTY_LIBRARIES)}
    installed: list[logging.Handler] = []

    def capture(settings: Settings) -> io.StringIO:
        buffer = io.StringIO()
        installed.append(configure_logging(settings, stream=buffer))
        return buffer

    yield capture
    for handler in installed:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlackApi]]:
    async with FakeTelegram(per_chat=RateLimit(100, 1.0)) as telegram, FakeSlackApi() as slack:
        slack.add_user(SLACK_ANA, "Ana Puig", tz="Europe/Madrid", locale="en-GB")
        yield telegram, slack


def bot_settings(telegram: FakeTelegram, slack: FakeSlackApi, level: str, log_format: str) -> Settings:
    return Settings(
        log_level=level,
        log_format=log_format,  # type: ignore[arg-type]
        http_port=0,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=telegram.base_url,
        slack_bot_token=slack_api.TOKEN,
        slack_signing_secret=slack_api.SIGNING_SECRET,
        slack_api_base_url=slack.base_url,
    )


async def say(telegram: FakeTelegram, text_: str) -> Sent:
    before = len(telegram.sent(ANA.id))
    await telegram.send_text(ANA, text_)
    return (await telegram.wait_for_messages(ANA.id, before + 1))[-1]


async def run_statements(db: Database, statements: list[str]) -> None:
    async with db.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_running_bot_logs_no_secret_and_no_personal_text(
    db: Database,
    fakes: tuple[FakeTelegram, FakeSlackApi],
    capture_log: Callable[[Settings], io.StringIO],
    level: str,
) -> None:
    telegram, slack = fakes
    settings = bot_settings(telegram, slack, level, "plain")
    log = capture_log(settings)
    http = HttpServer("127.0.0.1", 0, registry=CollectorRegistry())
    add_calendar_feed(http, db)
    adapters = configured_adapters(settings, build_assistant(settings, db), db, http)
    for adapter in adapters:
        if isinstance(adapter, TelegramAdapter):
            adapter.poll_timeout = 0.5
    await http.start()
    for adapter in adapters:
        await adapter.start()
    await run_statements(db, FULL_DISK[db.dialect])
    try:
        assert "Saved your" in (await say(telegram, f"/profile set bio {BIO}")).text
        code = re.findall(r"link ([A-Z0-9]{6,})", (await say(telegram, "/link")).text)[0]
        await SlackSender(f"{http.url}/slack/events").dm(SLACK_ANA, f"link {code}")
        await slack.wait_for(lambda: slack.dm_messages(SLACK_ANA))
        feed = (await say(telegram, "/calendar")).text
        calendar_token = re.findall(r"/calendar/([A-Za-z0-9_-]+)\.ics", feed)[0]
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{http.url}/calendar/{calendar_token}.ics") as response:
                assert response.status == 200
            forged = SlackSender(f"{http.url}/slack/events", secret="forged")
            body = forged.event_body({"type": "message", "user": SLACK_ANA, "text": f"{POSTED_BIO} {code}"})
            assert (await forged.post(body, "application/json"))[0] == 401
        failed = (await say(telegram, f"/profile set bio {FAILING_BIO}")).text
    finally:
        await run_statements(db, NO_FULL_DISK[db.dialect])
        for adapter in reversed(adapters):
            await adapter.stop()
        await http.stop()

    written = log.getvalue()
    ref = re.findall(r"ref ([0-9A-F]{6})", failed)[0]
    assert f"ref {ref}" in written and "Traceback" in written  # the failure is logged, with its cause
    for secret in (TOKEN, slack_api.TOKEN, slack_api.SIGNING_SECRET, settings.webhook_secret):
        assert secret not in written
    for personal in (code, calendar_token, BIO, FAILING_BIO, POSTED_BIO):
        assert personal not in written


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_whatever_logs_a_secret_it_is_masked_in_either_format(
    capture_log: Callable[[Settings], io.StringIO], log_format: str
) -> None:
    settings = Settings(
        log_format=log_format,  # type: ignore[arg-type]
        telegram_bot_token=TOKEN,
        slack_bot_token=slack_api.TOKEN,
        slack_signing_secret=slack_api.SIGNING_SECRET,
        slack_app_token="xapp-1-A0TEST-123-abcdef",
    )
    log = capture_log(settings)
    other_bot = "987654321:AAFakeTokenOfAnotherBotThatIsLongEnough"

    logging.getLogger("bot.anything").warning("calling https://api.telegram.org/bot%s/getMe", other_bot)
    logging.getLogger("bot.anything").warning("secrets %s %s", slack_api.SIGNING_SECRET, "xoxp-1-2-3")
    try:
        raise RuntimeError(f"refused with {TOKEN} and {settings.slack_app_token}")
    except RuntimeError:
        logging.getLogger("bot.anything").exception("it failed")

    written = log.getvalue()
    for secret in (other_bot, TOKEN, slack_api.SIGNING_SECRET, "xoxp-1-2-3", settings.slack_app_token):
        assert secret not in written
    assert written.count("[secret]") == 5 and "/bot[secret]/getMe" in written
    if log_format == "json":
        lines = [json.loads(line) for line in written.splitlines()]
        assert [line["levelname"] for line in lines] == ["WARNING", "WARNING", "ERROR"]
        assert lines[2]["message"] == "it failed" and "RuntimeError" in lines[2]["exc_info"]


def test_the_command_line_writes_json_lines_when_asked(tmp_path: Path) -> None:
    upgraded = run(
        ["db", "upgrade", "--db", f"sqlite:///{tmp_path}/bot.db"], tmp_path, CLUSTERBOT_LOG_FORMAT="json"
    )

    assert upgraded.returncode == 0, upgraded.stderr
    lines = [json.loads(line) for line in upgraded.stderr.splitlines()]
    assert lines and all(line["levelname"] == "INFO" and line["message"] for line in lines)
