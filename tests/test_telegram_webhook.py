"""Webhook mode: Telegram POSTs updates to our HTTP server, which must check the secret token."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.http import HttpServer
from bot.settings import Settings
from bot.telegram import SECRET_HEADER, TelegramAdapter
from handlers.engine.assistant import Assistant
from store.db import Database
from tests.fakes.telegram_api import TOKEN, FakeTelegram, RateLimit, User

ANA = User(1001, "Ana", "Puig", "ca")
PATH = "/telegram/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(per_chat=RateLimit(100, 1.0)) as fake:
        yield fake


@pytest.fixture
async def processes(telegram: FakeTelegram) -> AsyncIterator[list[tuple[TelegramAdapter, HttpServer]]]:
    """Bot processes started by the test; stopped at its end."""
    started: list[tuple[TelegramAdapter, HttpServer]] = []
    yield started
    for adapter, http in started:
        await adapter.stop()
        await http.stop()


async def start_process(
    telegram: FakeTelegram,
    assistant: Assistant,
    db: Database,
    processes: list[tuple[TelegramAdapter, HttpServer]],
) -> str:
    """One more bot process in webhook mode (no secret configured); the URL Telegram posts to."""
    http = HttpServer("127.0.0.1", free_port())
    url = f"http://127.0.0.1:{http.port}{PATH}"
    settings = Settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url, telegram_webhook_url=url
    )
    adapter = TelegramAdapter(settings, assistant, db, http)
    await http.start()
    processes.append((adapter, http))
    await adapter.start()
    return url


@pytest.fixture
async def webhook_url(
    telegram: FakeTelegram,
    assistant: Assistant,
    db: Database,
    processes: list[tuple[TelegramAdapter, HttpServer]],
) -> str:
    """The URL Telegram posts to, with the adapter started behind it (no secret configured)."""
    return await start_process(telegram, assistant, db, processes)


def update(text: str) -> dict[str, object]:
    chat = {"id": ANA.id, "type": "private", "first_name": ANA.first_name}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": ANA.as_json(), "text": text}
    return {"update_id": 900, "message": message}


async def test_updates_posted_with_the_secret_are_processed(telegram: FakeTelegram, webhook_url: str) -> None:
    secret = telegram.webhook["secret_token"]
    assert telegram.webhook["url"] == webhook_url and len(secret) >= 32  # derived when not configured
    assert TOKEN not in secret

    await telegram.send_text(ANA, "/help find")
    [answer] = await telegram.wait_for_messages(ANA.id, 1)

    assert answer.text.startswith("find — ")
    assert telegram.webhook_statuses == [200] and not telegram.called("getUpdates")


async def test_requests_without_the_right_secret_get_403_and_are_not_processed(
    telegram: FakeTelegram, webhook_url: str
) -> None:
    await telegram.send_text(ANA, "/lang")  # so that the fake knows Ana's chat
    await telegram.wait_for_messages(ANA.id, 1)

    async with ClientSession() as client:
        for headers in ({}, {SECRET_HEADER: "guess"}, {SECRET_HEADER: "é" * 40}):
            async with client.post(webhook_url, json=update("/help events"), headers=headers) as response:
                assert response.status == 403
        good = {SECRET_HEADER: telegram.webhook["secret_token"]}
        async with client.post(webhook_url, json=update("/help ics"), headers=good) as response:
            assert response.status == 200

    sent = await telegram.wait_for_messages(ANA.id, 2)
    assert [message.text.split(" — ")[0] for message in sent[1:]] == ["ics"]


async def test_processes_without_a_configured_secret_accept_the_same_secret(
    telegram: FakeTelegram,
    assistant: Assistant,
    db: Database,
    processes: list[tuple[TelegramAdapter, HttpServer]],
) -> None:
    first = await start_process(telegram, assistant, db, processes)
    await start_process(telegram, assistant, db, processes)  # the last to start sets the webhook
    await telegram.send_text(ANA, "/lang")  # so that the fake knows Ana's chat
    await telegram.wait_for_messages(ANA.id, 1)

    # A load balancer may hand Telegram's next update to the first process.
    secret = {SECRET_HEADER: telegram.webhook["secret_token"]}
    async with ClientSession() as client, client.post(first, json=update("/help ics"), headers=secret) as r:
        assert r.status == 200

    answers = await telegram.wait_for_messages(ANA.id, 2)
    assert answers[1].text.startswith("ics — ")


async def test_json_that_is_not_an_update_gets_400_and_the_next_update_is_processed(
    telegram: FakeTelegram, webhook_url: str
) -> None:
    secret = {SECRET_HEADER: telegram.webhook["secret_token"], "Content-Type": "application/json"}
    not_updates = ['{"foo": 1}', "[1]", '{"update_id": 1, "message": "x"}', '{"update_id": "x"}', "{"]

    async with ClientSession() as client:
        for body in not_updates:
            async with client.post(webhook_url, data=body, headers=secret) as response:
                assert (body, response.status) == (body, 400)
    await telegram.send_text(ANA, "/help find")

    [answer] = await telegram.wait_for_messages(ANA.id, 1)
    assert answer.text.startswith("find — ")


def test_a_webhook_secret_telegram_would_refuse_stops_the_start_with_one_line(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "CLUSTERBOT_DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
            "CLUSTERBOT_HTTP_PORT": "0",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # nothing listens: never reached
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": "not allowed!",
        },
    )

    assert started.returncode == 2
    assert started.stderr.count("\n") == 1 and "TELEGRAM_WEBHOOK_SECRET" in started.stderr
    assert "A-Z a-z 0-9 _ -" in started.stderr
