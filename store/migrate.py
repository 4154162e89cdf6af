"""Bring a database to the newest schema with Alembic, safely from several processes at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same in every ClusterBot process.
ADVISORY_LOCK_KEY = 7_240_115


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def revisions() -> list[str]:
    """Every revision, oldest first (the order `upgrade` applies them)."""
    return [
        script.revision
        for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
    ]


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


@asynccontextmanager
async def migration_connection(db: Database) -> AsyncIterator[AsyncConnection]:
    """One transaction for a migration run, made safe for the data already in the tables.

    On PostgreSQL an advisory lock keeps two processes from racing. On SQLite, Alembic changes a
    table by copying it, dropping the original and renaming the copy; with foreign keys enforced,
    dropping `members` would cascade and delete every identity, RSVP and outbox row. So they are
    off for the run (SQLite ignores the pragma inside a transaction, hence before it) and checked
    at the end instead: a migration that leaves a dangling reference is rolled back.
    """
    async with db.engine.connect() as connection:
        if db.is_sqlite:
            await _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            async with connection.begin():
                if db.dialect == "postgresql":
                    await connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})"))
                yield connection
                if db.is_sqlite:
                    dangling = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if dangling:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {dangling[:5]}")
        finally:
            if db.is_sqlite:
                await _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


async def _sqlite_pragma(connection: AsyncConnection, pragma: str) -> None:
    """Run a pragma outside any transaction: through the driver, so that no BEGIN comes first."""
    raw = await connection.get_raw_connection()
    await raw.driver_connection.execute(pragma)  # type: ignore[union-attr]


async def _run(db: Database, step: Callable[[Config, str], None], revision: str) -> None:
    def run(sync_connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        step(config, revision)

    async with migration_connection(db) as connection:
        await connection.run_sync(run)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Run pending migrations up to `revision`."""
    await _run(db, command.upgrade, revision)


async def downgrade(db: Database, revision: str) -> None:
    """Undo migrations down to `revision` ("base": an empty database)."""
    await _run(db, command.downgrade, revision)


async def ensure_current(db: Database) -> None:
    """Upgrade only when needed, so that starting a process costs one query when up to date."""
    if await current_revision(db) != head_revision():
        await upgrade(db)
