"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


ROOT = Path(__file__).resolve().parent.parent


def alembic(
    args: list[str], tmp_path: Path, ini: Path = ROOT / "alembic.ini"
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERBOT_")}
    environment["CLUSTERBOT_DATABASE_URL"] = f"sqlite:///{tmp_path}/alembic.db"
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_alembic_from_a_checkout_migrates_the_configured_database(tmp_path: Path) -> None:
    assert alembic(["upgrade", "head"], tmp_path).returncode == 0
    assert f"{head_revision()} (head)" in alembic(["current"], tmp_path).stdout
    assert alembic(["downgrade", "base"], tmp_path).returncode == 0
    assert f"{head_revision()}" not in alembic(["current"], tmp_path).stdout


def test_alembic_revision_writes_the_next_numbered_migration(tmp_path: Path) -> None:
    # On a copy of the migrations folder, so the checkout gets no stray file.
    shutil.copytree(ROOT / "store" / "migrations", tmp_path / "migrations")
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        (ROOT / "alembic.ini").read_text().replace("%(here)s/store/migrations", "%(here)s/migrations")
    )
    result = alembic(["revision", "-m", "add widgets", "--rev-id", "0099"], tmp_path, ini)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "migrations" / "versions" / "0099_add_widgets.py"
    source = written.read_text()
    assert f"revision: str = {'0099'!r}" in source
    assert f"down_revision: str | None = {head_revision()!r}" in source
    compile(source, str(written), "exec")
