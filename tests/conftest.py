"""Shared fixtures: a migrated database on SQLite and PostgreSQL, a controllable clock, a chat."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.console import render
from core.types import Incoming, Reply
from handlers.engine.assistant import Assistant
from handlers.engine.commands import build_flows, build_router
from handlers.engine.context import Options
from store.db import Database
from store.migrate import upgrade
from store.models import Base

POSTGRES_URL = os.environ.get("CLUSTERBOT_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("CLUSTERBOT_REQUIRE_POSTGRES") == "1"


@dataclass
class Clock:
    """Time as a fixture: tests move it forward instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def run_sync(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run set-up coroutines on a loop of their own: session fixtures may start inside a test's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test gets a copy (migrations are tested on their own)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = Database(f"sqlite:///{path}")
        await upgrade(db)
        await db.close()

    run_sync(build())
    return path


async def create_postgres_database(migrate: bool = True) -> str:
    """A throw-away database of our own, so parallel test runs on one server never collide."""
    name = f"clusterbot_test_{uuid.uuid4().hex[:10]}"
    admin = Database(POSTGRES_URL)
    try:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.close()
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    if migrate:
        db = Database(url)
        await upgrade(db)
        await db.close()
    return url


async def drop_postgres_database(url: str) -> None:
    admin = Database(POSTGRES_URL)
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    await admin.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """One migrated database for the whole run; each test empties its tables."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CLUSTERBOT_REQUIRE_POSTGRES=1 but CLUSTERBOT_TEST_POSTGRES_URL is not set")
        yield None
        return
    try:
        test_url = run_sync(create_postgres_database())
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not usable: {error}")
        yield None
        return
    yield test_url
    run_sync(drop_postgres_database(test_url))


@dataclass(frozen=True)
class DemoRun:
    """`clusterbot demo` run once as a person would, asking for `/report`: its folder and output."""

    folder: Path
    stdout: str
    stderr: str
    returncode: int

    def database_copy(self, target: Path) -> str:
        """A copy of the demo network for a test that changes it: its database URL."""
        shutil.copy(self.folder / "clusterbot-demo.db", target)
        return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo network is built once a run: several command-line tests start from it."""
    from tests.test_cli import run

    folder = tmp_path_factory.mktemp("demo")
    done = run(["demo"], folder, "/report\n")
    return DemoRun(folder, done.stdout, done.stderr, done.returncode)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "clusterbot.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
    else:
        url = request.getfixturevalue("postgres_database")
        if url is None:
            pytest.skip("PostgreSQL not configured (set CLUSTERBOT_TEST_POSTGRES_URL)")
        database = Database(url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def assistant(db: Database, clock: Clock) -> Assistant:
    return Assistant(db, build_router(), build_flows(), options=Options(), clock=clock)


class Chat:
    """Talks to the assistant as one person, the way an adapter would."""

    def __init__(self, assistant: Assistant, user: str, platform: str = "console") -> None:
        self.assistant, self.user, self.platform = assistant, user, platform
        self.last: list[Reply] = []

    async def say(self, text: str) -> str:
        self.last = await self.assistant.respond(
            Incoming(self.platform, self.user, self.user, text=text, display_name=self.user)
        )
        return "\n".join(render(reply) for reply in self.last)

    async def press(self, payload: str) -> str:
        self.last = await self.assistant.respond(
            Incoming(self.platform, self.user, self.user, payload=payload, display_name=self.user)
        )
        return "\n".join(render(reply) for reply in self.last)

    async def tap(self, label: str) -> str:
        """Press the button labelled `label` under the last reply, as the person would."""
        [payload] = [payload for shown, payload in self.buttons if shown == label]
        return await self.press(payload)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return [(b.label, b.payload) for r in self.last for row in r.buttons for b in row]


@pytest.fixture
def chat_as(assistant: Assistant):  # type: ignore[no-untyped-def]
    def make(user: str, platform: str = "console") -> Chat:
        return Chat(assistant, user, platform)

    return make
