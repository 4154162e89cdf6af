"""Engines and transactions.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
`BEGIN IMMEDIATE`: a deferred transaction that reads first and writes later fails at once with
SQLITE_BUSY when another writer got in between, whatever the timeout says. A process's write
transactions on SQLite take turns on an asyncio lock before they begin, so that they queue in
order instead of polling the file lock in the busy handler (sleeps of up to 100 ms each).

A read transaction (`transaction(writes=False)`) begins deferred on SQLite: it never waits for the
write lock, and WAL lets it read beside the writer. It must not write: a flush or an INSERT, UPDATE
or DELETE in it raises `WriteNeeded` before anything reaches the database, and the caller runs
its work again in a write transaction.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session

from core.errors import Unavailable
from store.purge import OWED, purge
from store.sqlite_inline import inline_creator

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Set on a read transaction's session (its `info`) and on its connection (an execution option).
READS_ONLY = "clusterbot_reads_only"


class WriteNeeded(Exception):
    """Work run in a read transaction tried to write; nothing was written. Run it in a write one."""


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
        # 0: the connection waits for the lock itself, without blocking the loop (store/sqlite_inline.py).
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, so an erased member leaves no bytes behind in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        reads_only = connection.get_execution_options().get(READS_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


class StoreSession(Session):
    """Our sessions: a read transaction's (`info[READS_ONLY]`) raises `WriteNeeded` instead of writing."""


@event.listens_for(StoreSession, "before_flush")
def _flush_in_read(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READS_ONLY) and (
        session.new or session.deleted or any(session.is_modified(row) for row in session.dirty)
    ):
        raise WriteNeeded


@event.listens_for(StoreSession, "do_orm_execute")
def _write_in_read(state: ORMExecuteState) -> None:
    if state.session.info.get(READS_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise WriteNeeded


class Database:
    """One engine per process; `transaction()` gives one session per task."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # SQLAlchemy puts a failed statement's parameters (a bio, a name) in the exception text, which
        # ends up in logs; the statement alone says what failed.
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        self.busy_timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
        if self.dialect == "postgresql":
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        else:
            args, connect_options = SQLiteDialect_aiosqlite().create_connect_args(make_url(self.url))
            options["async_creator"] = inline_creator(args, connect_options, self.busy_timeout)
        self.engine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=StoreSession
        )
        self._writers: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._holders: dict[asyncio.Lock, asyncio.Task[Any] | None] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends and rolled back on error.

        Tables an erasure noted (`store.purge.owe_purge`) are purged after the commit.
        A database that does not answer becomes `Unavailable`, which users see as
        "temporarily unavailable" instead of an apology for a bug. With `writes=False`, a read
        transaction: writing in it raises `WriteNeeded` (see the module doc).
        """
        try:
            async with self._session(writes=writes) as session:
                yield session
        except (OperationalError, DBAPIError, OSError) as error:
            if isinstance(error, DBAPIError) and not _is_connectivity_error(error):
                raise
            if isinstance(error, OSError) and not _is_network_error(error):
                raise  # a file or OS error in the work itself (a bug), not a database out of reach
            raise Unavailable(str(error)) from error

    @asynccontextmanager
    async def _session(self, *, writes: bool) -> AsyncIterator[AsyncSession]:
        async with self.sessions(info={READS_ONLY: not writes}) as session:
            # The turn ends with the commit: closing the session gives the loop away (SQLAlchemy
            # shields it in a task), and a writer's turn must not wait on everyone else's work.
            turn = self._turn() if writes and self.is_sqlite else nullcontext()
            async with turn, session.begin():
                if not writes:
                    await session.connection(execution_options={READS_ONLY: True})
                yield session
            owed = session.info.pop(OWED, None)
            if owed:
                await purge(self.engine, owed)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """This process's turn to write on SQLite. Waiting for it counts as waiting for the lock:
        while another process holds the file, each writer here gives up after the busy timeout,
        not after everyone queued before it has waited out theirs."""
        lock = self._writer()
        task = asyncio.current_task()
        if self._holders.get(lock) is task:
            # A transaction opened inside another of the same task (before the outer one has written:
            # SQLAlchemy begins lazily) goes first, as it did without turns; SQLite decides the rest.
            yield
            return
        try:
            async with asyncio.timeout(self.busy_timeout):
                await lock.acquire()
        except TimeoutError:
            raise Unavailable("database is locked: no turn to write within the busy timeout") from None
        self._holders[lock] = task
        try:
            yield
        finally:
            del self._holders[lock]
            lock.release()

    def _writer(self) -> asyncio.Lock:
        """One lock per event loop (tests run several)."""
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            for stale in [other for other in self._writers if other.is_closed()]:
                del self._writers[stale]
            lock = self._writers[loop] = asyncio.Lock()
        return lock

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
