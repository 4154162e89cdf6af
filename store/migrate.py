"""Bring a database to the newest schema with Alembic, safely from several processes at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same in every ClusterBot process.
ADVISORY_LOCK_KEY = 7_240_115


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(db: Database, revision: str = "head") -> None:
    """Run pending migrations; on PostgreSQL an advisory lock keeps two processes from racing."""

    def run(sync_connection: Any) -> None:
        if sync_connection.dialect.name == "postgresql":
            sync_connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})"))
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(run)


async def ensure_current(db: Database) -> None:
    """Upgrade only when needed, so that starting a process costs one query when up to date."""
    if await current_revision(db) != head_revision():
        await upgrade(db)
