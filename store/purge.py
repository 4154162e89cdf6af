"""After an erasure commits, make the database files forget the erased rows' old bytes too.

Deleting or overwriting a row is not enough for the files. SQLite (with `secure_delete`) zeroes
freed space in the main file, but the write-ahead log keeps every earlier image of the pages until
a checkpoint copies it back: `wal_checkpoint(TRUNCATE)` does that and empties the log. PostgreSQL
never overwrites a row: an UPDATE or DELETE leaves the old version in the page, and a plain VACUUM
only marks its space free (the bytes stay until reused). `VACUUM FULL` writes the table and its
indexes into new files and drops the old ones; it locks the table while it runs, so it waits for
locks at most `LOCK_TIMEOUT_MS` and a table it cannot lock is left to the next erasure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

# Where a transaction notes the tables it erased personal data from (in `Session.info`).
OWED = "clusterbot.purge_tables"
LOCK_TIMEOUT_MS = 5_000
# How long the purge waits for transactions that began before it (and may still see the erased rows).
SNAPSHOT_WAIT_SECONDS = 10.0
# While anything could still see the erased rows, VACUUM FULL keeps them as "recently dead" and
# copies them into the new files. Two things hold them: a session of this database whose snapshot
# predates the purge (an autoanalyze counts), and a transaction of ANY database of the server that
# was running when the purge began (VACUUM FULL's own snapshot reaches back to it).
OLDER_WORK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND xact_start < :since) "
    "OR pg_snapshot_xmin(pg_current_snapshot()) < CAST(CAST(:horizon AS text) AS xid8)"
)


def owe_purge(session: AsyncSession, tables: Iterable[str]) -> None:
    """Ask `Database.transaction` to purge `tables` once this transaction has committed."""
    session.info.setdefault(OWED, set()).update(tables)


async def purge(engine: AsyncEngine, tables: set[str]) -> None:
    """Rewrite `tables` (PostgreSQL) or checkpoint the log (SQLite); a failure is logged, not raised,
    because the erasure itself is already committed."""
    try:
        if engine.dialect.name == "sqlite":
            await _checkpoint(engine)
        else:
            await _vacuum_full(engine, sorted(tables))
    except (DBAPIError, OSError) as error:
        log.warning("purging the files after an erasure failed: %s", type(error).__name__)


async def _checkpoint(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        # The driver's own connection: SQLAlchemy would wrap the pragma in BEGIN IMMEDIATE, and a
        # checkpoint cannot run inside a transaction.
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None  # open: get_raw_connection just checked it out
        cursor = await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _frames, _copied = await cursor.fetchone()
        await cursor.close()
    if busy:
        log.warning("the write-ahead log could not be emptied after an erasure: a reader held it")


async def _vacuum_full(engine: AsyncEngine, tables: list[str]) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await _wait_for_older_snapshots(connection)
        await connection.exec_driver_sql(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        try:
            for table in tables:
                try:
                    await connection.exec_driver_sql(f'VACUUM FULL "{table}"')
                except DBAPIError as error:
                    log.warning(
                        "VACUUM FULL %s after an erasure failed: %s", table, type(error.orig).__name__
                    )
        finally:
            await connection.exec_driver_sql("RESET lock_timeout")


async def _wait_for_older_snapshots(connection: AsyncConnection) -> None:
    """Wait (bounded) until no transaction that began before now is still open (see OLDER_WORK)."""
    since: datetime = await connection.scalar(text("SELECT clock_timestamp()"))
    horizon: str = await connection.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"))
    deadline = asyncio.get_running_loop().time() + SNAPSHOT_WAIT_SECONDS
    while await connection.scalar(OLDER_WORK, {"since": since, "horizon": horizon}):
        if asyncio.get_running_loop().time() > deadline:
            log.warning("a transaction older than an erasure stayed open; old row versions may remain")
            return
        await asyncio.sleep(0.05)
