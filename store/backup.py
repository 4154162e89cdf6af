"""A consistent copy of a SQLite database while the bot keeps running.

Copying the file with `cp` is not a backup: in WAL mode the newest transactions live in the
`-wal` file until a checkpoint, and a copy taken mid-write can be torn. SQLite's online backup
API reads a consistent snapshot through a normal connection, so writers carry on meanwhile.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from store.db import SQLITE_BUSY_TIMEOUT_MS


class BackupRefused(Exception):
    """One line that says why nothing was written."""


def backup_sqlite(url: str, target: Path, *, replace: bool = False) -> int:
    """Write a copy of the database at `url` to `target`; returns the copy's size in bytes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupRefused(
            "db backup copies SQLite databases; for PostgreSQL use pg_dump --format=custom "
            "(see Backup and restore in the README)"
        )
    source = Path(parsed.database or "")
    if not parsed.database or not source.is_file():
        raise BackupRefused(f"there is no SQLite database at {parsed.database or '(memory)'}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupRefused("the backup cannot overwrite the database it copies")
    if target.exists() and not replace:
        raise BackupRefused(f"{target} already exists; add --force to replace it")
    # Written beside the target and renamed at the end, so a failed run leaves any old backup whole.
    partial = target.with_name(f"{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        with (
            closing(sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as live,
            closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)
            # One self-contained file, not a WAL database that needs its -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"could not write {target}: {error}") from None
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupRefused(f"the copy failed its integrity check ({verdict}); {target} was not written")
    os.replace(partial, target)
    return target.stat().st_size
