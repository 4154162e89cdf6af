"""The process's HTTP server: /livez, /readyz (alias /healthz) says why it is not ready, /metrics."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import http as http_module
from bot.http import HttpServer, database_check
from bot.settings import load_settings
from core import __version__
from core.metrics import ERRORS, REPLIES_OUT, UPDATES_IN
from scheduler.service import update_store_gauges
from store.db import Database
from store.jobs import JobLeases
from store.outbox import Outbox
from tests.factories import add_telegram_members


@pytest.fixture
async def server() -> AsyncIterator[HttpServer]:
    http = HttpServer("127.0.0.1", 0)
    yield http
    await http.stop()


async def get_url(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def get(http: HttpServer, path: str) -> tuple[int, Any]:
    return await get_url(f"{http.url}{path}")


async def test_readyz_is_ok_with_each_check_and_the_version_and_healthz_says_the_same(
    server: HttpServer, db: Database
) -> None:
    async def connected() -> str | None:
        return None

    server.add_check("database", database_check(db))
    server.add_check("telegram", connected)
    await server.start()

    ready = (200, {"status": "ok", "version": __version__, "checks": {"database": "ok", "telegram": "ok"}})
    assert await get(server, "/readyz") == ready
    assert await get(server, "/healthz") == ready


async def test_livez_answers_while_readiness_fails(server: HttpServer) -> None:
    async def disconnected() -> str | None:
        return "socket mode disconnected"

    server.add_check("slack", disconnected)
    await server.start()

    assert await get(server, "/livez") == (200, {"status": "ok", "version": __version__})


async def test_readyz_is_503_with_the_reason_when_the_database_does_not_answer(server: HttpServer) -> None:
    async with Database("postgresql://clusterbot@127.0.0.1:9/gone") as gone:
        server.add_check("database", database_check(gone))
        await server.start()

        status, body = await get(server, "/readyz")

    assert status == 503 and body["status"] == "unavailable"
    assert "Connect" in body["checks"]["database"] or "refused" in body["checks"]["database"]


async def test_readyz_is_503_when_an_adapter_is_disconnected(server: HttpServer) -> None:
    async def disconnected() -> str | None:
        return "socket mode disconnected"

    server.add_check("slack", disconnected)
    await server.start()

    assert await get(server, "/readyz") == (
        503,
        {"status": "unavailable", "version": __version__, "checks": {"slack": "socket mode disconnected"}},
    )


async def test_a_check_that_hangs_is_reported_not_waited_for(
    server: HttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hangs() -> str | None:
        await asyncio.sleep(60)
        return None

    async def fine() -> str | None:
        return None

    monkeypatch.setattr(http_module, "CHECK_TIMEOUT", 0.05)
    server.add_check("database", hangs)
    server.add_check("telegram", fine)
    await server.start()

    status, body = await get(server, "/readyz")

    assert status == 503
    assert body["checks"] == {"database": "no answer within 0.05 s", "telegram": "ok"}


@pytest.fixture
def sqlite_path(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "ready.db"
    shutil.copy(sqlite_template, path)
    return path


async def readyz_while_locked(server: HttpServer, path: Path, *lock: str) -> tuple[int, Any]:
    """/readyz while another program's connection holds `path` after running the `lock` statements."""
    locker = sqlite3.connect(path, isolation_level=None)
    for statement in lock:
        locker.execute(statement)
    try:
        async with Database(f"sqlite:///{path}") as db:
            server.add_check("database", database_check(db))
            await server.start()
            return await get(server, "/readyz")
    finally:
        locker.execute("ROLLBACK")
        locker.close()


async def test_readyz_says_sqlite_is_locked_when_another_program_holds_it_exclusively(
    server: HttpServer, sqlite_path: Path
) -> None:
    """Another program holds the file in exclusive locking mode: even reads wait. The check waits
    its own short busy timeout and says why, instead of the pool's 15 s."""
    status, body = await readyz_while_locked(
        server, sqlite_path, "PRAGMA locking_mode=EXCLUSIVE", "BEGIN EXCLUSIVE"
    )

    assert status == 503
    assert body["checks"]["database"] == "OperationalError: database is locked"


async def test_readyz_reads_past_a_writer_holding_sqlite_without_queueing_for_its_lock(
    server: HttpServer, sqlite_path: Path
) -> None:
    """A write transaction held elsewhere (a long import, a `sqlite3` shell) blocks writers only:
    the check reads, so the database is reachable and says so."""
    status, body = await readyz_while_locked(server, sqlite_path, "BEGIN EXCLUSIVE")

    assert (status, body["checks"]) == (200, {"database": "ok"})


PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Each series of a /metrics page, (name, its labels but `process`) -> value; every series
    must carry this process's label."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = dict(sample.labels)
            assert labels.pop("process", None) == PROCESS, sample
            found[(sample.name, frozenset(labels.items()))] = sample.value
    return found


def series(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


async def test_metrics_are_in_the_prometheus_text_format_each_series_labelled_with_its_process(
    server: HttpServer,
) -> None:
    UPDATES_IN.labels("slack").inc()
    REPLIES_OUT.labels("slack").inc()
    ERRORS.labels("slack", "ratelimited").inc()
    await server.start()

    status, text = await get(server, "/metrics")

    assert status == 200
    found = samples(text)
    assert series("clusterbot_updates_total", platform="slack") in found
    assert series("clusterbot_replies_total", platform="slack") in found
    assert series("clusterbot_errors_total", kind="ratelimited", platform="slack") in found
    assert found[series("clusterbot_build_info", version=__version__)] == 1.0
    assert "# TYPE clusterbot_handler_seconds histogram" in text
    assert "# TYPE clusterbot_outbox_depth gauge" in text


async def test_metrics_show_the_oldest_waiting_message_and_each_jobs_last_success(
    server: HttpServer, db: Database
) -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    (member,) = await add_telegram_members(db, 1, 500)
    async with db.transaction() as session:
        await Outbox(session).enqueue([member], "announce:1", {"text": "old"}, now - timedelta(seconds=90))
        await Outbox(session).enqueue([member], "announce:2", {"text": "new"}, now - timedelta(seconds=5))
        await JobLeases(session).claim("event_reminders", now - timedelta(seconds=40), timedelta(seconds=27))
        await JobLeases(session).finished("event_reminders", now - timedelta(seconds=30))
    await update_store_gauges(db, now)
    await server.start()

    found = samples((await get(server, "/metrics"))[1])

    assert found[series("clusterbot_outbox_oldest_pending_age_seconds")] == 90.0
    assert found[series("clusterbot_outbox_depth", status="pending")] == 2
    assert (
        found[series("clusterbot_job_last_success_timestamp_seconds", job="event_reminders")]
        == (now - timedelta(seconds=30)).timestamp()
    )


async def test_metrics_on_a_port_of_their_own_leave_the_main_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERBOT_METRICS_PORT", "")
    assert load_settings().metrics_port is None, "empty means: on the main port"
    server = HttpServer("127.0.0.1", 0, metrics_port=0)
    await server.start()
    try:
        own = await get_url(f"http://127.0.0.1:{server.metrics_port}/metrics")
        main = await get_url(f"{server.url}/metrics")
        ready = await get_url(f"{server.url}/readyz")
    finally:
        await server.stop()

    assert own[0] == 200 and "clusterbot_build_info" in own[1]
    assert main[0] == 404
    assert ready[0] == 200
