"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store.db import Database
from store.migrate import current_revision, ensure_current, head_revision
from store.models import Base


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []
    assert await current_revision(db) == head_revision()


async def test_a_new_sqlite_file_is_created_at_the_current_revision(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/fresh.db")
    assert await current_revision(db) is None
    await ensure_current(db)
    await ensure_current(db)  # a second start changes nothing
    assert await current_revision(db) == head_revision()
    await db.close()


def test_operators_urls_get_async_drivers() -> None:
    from store.db import async_url

    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
