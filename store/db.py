"""Engines and transactions.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE`: a deferred transaction that reads first and writes later fails at once with
SQLITE_BUSY when another writer got in between, whatever the timeout says.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import Unavailable
from store.purge import OWED, purge

SQLITE_BUSY_TIMEOUT_MS = 15_000
# How long a readiness probe waits for a lock: well inside the 3 s a load balancer gives /readyz.
PING_BUSY_TIMEOUT_SECONDS = 1.0


def async_url(url: str) -> str:
    """Accept the URLs operators write (`sqlite:///x.db`, `postgresql://…`) and pick async drivers."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}.get(
        parsed.drivername.split("+")[0]
    )
    if driver is None:
        raise ValueError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://…")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see `on_begin`).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, so an erased member leaves no bytes behind in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine per process; `transaction()` gives one session per task."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # SQLAlchemy puts a failed statement's parameters (a bio, a name) in the exception text, which
        # ends up in logs; the statement alone says what failed.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "postgresql":
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends and rolled back on error.

        Tables an erasure noted (`store.purge.owe_purge`) are purged after the commit.
        A database that does not answer becomes `Unavailable`, which users see as
        "temporarily unavailable" instead of an apology for a bug.
        """
        try:
            async with self.sessions() as session, session.begin():
                yield session
            owed = session.info.pop(OWED, None)
            if owed:
                await purge(self.engine, owed)
        except (OperationalError, DBAPIError, OSError) as error:
            if isinstance(error, DBAPIError) and not _is_connectivity_error(error):
                raise
            if isinstance(error, OSError) and not _is_network_error(error):
                raise  # a file or OS error in the work itself (a bug), not a database out of reach
            raise Unavailable(str(error)) from error

    async def ping(self) -> None:
        """Raise if the database cannot be read right now (for `/readyz`).

        On SQLite this is a read on a connection of its own, with a short busy timeout: the
        pool's connections wait 15 s for a lock and begin every transaction with BEGIN IMMEDIATE,
        so a probe through them would queue behind any writer and then hold the write lock itself.
        """
        if not self.is_sqlite:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        path = make_url(self.url).database
        if path and path != ":memory:":
            await asyncio.to_thread(_read_schema, path)

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's database, for its `on_conflict_do_nothing`."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _read_schema(path: str) -> None:
    """One read that needs SQLite's shared lock, never the write lock; the file is never created."""
    connection = sqlite3.connect(
        f"{Path(path).absolute().as_uri()}?mode=rw",
        uri=True,
        timeout=PING_BUSY_TIMEOUT_SECONDS,
        isolation_level=None,
    )
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


def _is_connectivity_error(error: DBAPIError) -> bool:
    message = str(error.orig).lower()
    return error.connection_invalidated or any(
        word in message
        for word in ("database is locked", "could not connect", "connection", "unable to open")
    )


def _is_network_error(error: OSError) -> bool:
    """What a driver raises as it is (asyncpg does) when the server cannot be reached."""
    return isinstance(error, ConnectionError | TimeoutError | socket.gaierror) or error.errno in (
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
        errno.ENETDOWN,
        errno.EHOSTDOWN,
    )
