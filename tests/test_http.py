"""The process's HTTP server: /healthz says why it is unhealthy, /metrics speaks Prometheus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot import http as http_module
from bot.http import HttpServer, database_check
from core.metrics import ERRORS, REPLIES_OUT, UPDATES_IN
from store.db import Database


@pytest.fixture
async def server() -> AsyncIterator[HttpServer]:
    http = HttpServer("127.0.0.1", 0)
    yield http
    await http.stop()


async def get(http: HttpServer, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{http.url}{path}") as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def test_healthz_is_ok_when_the_database_answers_and_the_adapters_are_connected(
    server: HttpServer, db: Database
) -> None:
    async def connected() -> str | None:
        return None

    server.add_check("database", database_check(db))
    server.add_check("telegram", connected)
    await server.start()

    assert await get(server, "/healthz") == (200, {"status": "ok", "checks": ["database", "telegram"]})


async def test_healthz_is_503_with_the_reason_when_the_database_does_not_answer(server: HttpServer) -> None:
    async with Database("postgresql://clusterbot@127.0.0.1:9/gone") as gone:
        server.add_check("database", database_check(gone))
        await server.start()

        status, body = await get(server, "/healthz")

    assert status == 503
    assert "Connect" in body["problems"]["database"] or "refused" in body["problems"]["database"]


async def test_healthz_is_503_when_an_adapter_is_disconnected(server: HttpServer) -> None:
    async def disconnected() -> str | None:
        return "socket mode disconnected"

    server.add_check("slack", disconnected)
    await server.start()

    assert await get(server, "/healthz") == (
        503,
        {"status": "unavailable", "problems": {"slack": "socket mode disconnected"}},
    )


async def test_a_check_that_hangs_is_reported_not_waited_for(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hangs() -> str | None:
        await asyncio.sleep(60)
        return None

    monkeypatch.setattr(http_module, "CHECK_TIMEOUT", 0.05)
    server.add_check("database", hangs)
    await server.start()

    status, body = await get(server, "/healthz")

    assert status == 503 and body["problems"]["database"] == "no answer within 0.05 s"


async def test_metrics_are_in_the_prometheus_text_format(server: HttpServer) -> None:
    UPDATES_IN.labels("slack").inc()
    REPLIES_OUT.labels("slack").inc()
    ERRORS.labels("slack", "ratelimited").inc()
    await server.start()

    status, text = await get(server, "/metrics")

    assert status == 200
    for name in (
        'clusterbot_updates_total{platform="slack"}',
        'clusterbot_replies_total{platform="slack"}',
        'clusterbot_errors_total{kind="ratelimited",platform="slack"}',
        "# TYPE clusterbot_handler_seconds histogram",
        "# TYPE clusterbot_outbox_depth gauge",
    ):
        assert name in text
