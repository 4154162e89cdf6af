"""Webhook mode: Telegram POSTs updates to our HTTP server, which must check the secret token."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from bot.http import HttpServer
from bot.settings import Settings
from bot.telegram import SECRET_HEADER, TelegramAdapter
from handlers.assistant import Assistant
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
async def webhook_url(telegram: FakeTelegram, assistant: Assistant, db: Database) -> AsyncIterator[str]:
    """The URL Telegram posts to, with the adapter started behind it (no secret configured)."""
    http = HttpServer("127.0.0.1", free_port())
    url = f"http://127.0.0.1:{http.port}{PATH}"
    settings = Settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=telegram.base_url, telegram_webhook_url=url
    )
    adapter = TelegramAdapter(settings, assistant, db, http)
    await http.start()
    await adapter.start()
    yield url
    await adapter.stop()
    await http.stop()


def update(text: str) -> dict[str, object]:
    chat = {"id": ANA.id, "type": "private", "first_name": ANA.first_name}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": ANA.as_json(), "text": text}
    return {"update_id": 900, "message": message}


async def test_updates_posted_with_the_secret_are_processed(telegram: FakeTelegram, webhook_url: str) -> None:
    secret = telegram.webhook["secret_token"]
    assert telegram.webhook["url"] == webhook_url and len(secret) >= 32  # random when not configured

    await telegram.send_text(ANA, "/help find")
    [answer] = await telegram.wait_for_messages(ANA.id, 1)

    assert answer.text.startswith("find — ")
    assert telegram.webhook_statuses == [200] and not telegram.called("getUpdates")


async def test_requests_without_the_right_secret_get_403_and_are_not_processed(
    telegram: FakeTelegram, webhook_url: str
) -> None:
    await telegram.send_text(ANA, "/help")  # so that the fake knows Ana's chat
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
