"""`clusterbot db backup`: a copy of a SQLite database in use, and the refusals around it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from store.db import Database
from store.migrate import upgrade
from tests.conftest import Clock
from tests.factories import add_member
from tests.test_cli import run


def member_names(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM members ORDER BY id")]


def wal_size(database: Path) -> int:
    wal = database.with_name(f"{database.name}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_backup_of_a_database_in_use_holds_its_newest_rows(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    db = Database(f"sqlite:///{live}")
    try:
        await upgrade(db)
        for name in ("Marta Ferrer", "Bo Berg", "Inês Costa"):
            await add_member(db, Clock().now, name)
        # The bot still holds its connections: the newest rows are in the write-ahead log only.
        assert wal_size(live) > 0

        result = await asyncio.to_thread(
            run, ["db", "backup", "copy.db", "--db", f"sqlite:///{live}"], tmp_path
        )
    finally:
        await db.close()

    assert result.returncode == 0, result.stderr
    assert "Backed up the database to copy.db" in result.stdout
    assert member_names(tmp_path / "copy.db") == ["Marta Ferrer", "Bo Berg", "Inês Costa"]
    assert wal_size(tmp_path / "copy.db") == 0


async def test_backup_refuses_an_existing_file_unless_forced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/live.db"
    db = Database(url)
    await upgrade(db)  # the database the bot made; `db upgrade` itself is tested in test_cli
    await db.close()
    target = tmp_path / "old-backup.db"
    target.write_text("last week's backup")

    refused = await asyncio.to_thread(run, ["db", "backup", str(target), "--db", url], tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"clusterbot: {target} already exists; add --force to replace it"
    assert target.read_text() == "last week's backup"

    forced = await asyncio.to_thread(run, ["db", "backup", str(target), "--force", "--db", url], tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert member_names(target) == []


def test_backup_of_postgresql_points_at_pg_dump(tmp_path: Path) -> None:
    result = run(["db", "backup", "x.dump", "--db", "postgresql://clusterbot@127.0.0.1:1/none"], tmp_path)
    assert result.returncode == 2
    assert "for PostgreSQL use pg_dump --format=custom" in result.stderr
    assert not (tmp_path / "x.dump").exists()


def test_backup_of_a_missing_database_writes_nothing(tmp_path: Path) -> None:
    result = run(["db", "backup", "x.db", "--db", f"sqlite:///{tmp_path}/nowhere.db"], tmp_path)
    assert result.returncode == 2
    assert "there is no SQLite database at" in result.stderr
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "nowhere.db").exists()
