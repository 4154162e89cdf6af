"""Every migration, up and down, on a database that holds data: nothing is lost on the way.

For each past revision: migrate an empty database to it, fill the tables that exist then, upgrade
to the newest revision, check every row is still there, downgrade back to that revision, check
again, and go down to an empty database. The revisions come from the migrations folder, so a new
migration is covered as soon as it exists; it brings its own rows as `SAMPLE_ROWS` at the top
level of its file (an empty list is fine). The revisions written before that have theirs in ROWS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from store.db import Database
from store.migrate import alembic_config, current_revision, downgrade, revisions, upgrade
from store.types import UTCDateTime
from tests.conftest import create_postgres_database, drop_postgres_database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MEMBER = {
    "name": "Marta Ferrer",
    "role": "innovation manager",
    "bio": "",
    "offers": "recycled fibres",
    "seeks": "finishing partner",
    "tags": ["textile"],
    "languages": ["ca"],
    "email": "marta@example.org",
    "timezone": "Europe/Madrid",
    "listed": True,
    "share_contact": False,
    "is_coordinator": True,
    "is_admin": False,
    "muted": False,
    "onboarded": True,
    "reminder_offsets": ["24h", "1h"],
    "created_at": NOW,
    "updated_at": NOW,
}

# The rows each revision's schema can first take, as (table, values); inserted in revision order.
# Newer revisions keep them in their migration file as SAMPLE_ROWS (see sample_rows).
ROWS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "0001": [
        (
            "clusters",
            {"id": 1, "name": "Tèxtil Innova", "region": "Catalonia", "country": "Spain", "sectors": []},
        ),
        (
            "organisations",
            {
                "id": 1,
                "name": "Fil Vert",
                "kind": "sme",
                "cluster_id": 1,
                "country": "",
                "region": "",
                "website": "",
            },
        ),
        ("members", {"id": 1, "organisation_id": 1, "cluster_id": 1, **MEMBER}),
        ("members", {"id": 2, **MEMBER, "name": "Bo Berg", "email": "bo@example.org"}),
        (
            "identities",
            {
                "id": 1,
                "member_id": 1,
                "platform": "telegram",
                "user_id": "123",
                "chat_id": "123",
                "display_name": "Marta",
                "unreachable": False,
                "created_at": NOW,
            },
        ),
        (
            "events",
            {
                "id": 1,
                "title": "Learning visit",
                "kind": "learning_visit",
                "starts_at": NOW,
                "ends_at": NOW,
                "timezone": "Europe/Madrid",
                "place": "Terrassa",
                "online_url": "",
                "description": "",
                "cluster_id": 1,
                "capacity": 20,
                "tags": [],
                "cancelled": False,
                "created_by": 1,
                "created_at": NOW,
                "updated_at": NOW,
            },
        ),
        ("rsvps", {"id": 1, "member_id": 2, "event_id": 1, "status": "going", "updated_at": NOW}),
        (
            "opportunities",
            {
                "id": 1,
                "kind": "partner_search",
                "title": "Recycled polyester",
                "description": "",
                "tags": [],
                "deadline": NOW,
                "region": "",
                "url": "",
                "cluster_id": 1,
                "posted_by": 1,
                "status": "open",
                "created_at": NOW,
                "updated_at": NOW,
            },
        ),
        (
            "outbox",
            {
                "id": 1,
                "member_id": 2,
                "cause": "reminder:event1:24h",
                "payload": {"text": "Tomorrow"},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": NOW,
                "last_error": "",
                "created_at": NOW,
            },
        ),
        (
            "conversations",
            {
                "id": 1,
                "platform": "telegram",
                "user_id": "123",
                "flow": "post",
                "step": 1,
                "answers": {},
                "updated_at": NOW,
            },
        ),
        ("button_payloads", {"key": "k1", "payload": "going 1", "created_at": NOW}),
    ],
    "0002": [
        ("job_runs", {"name": "reminders", "lease_until": NOW, "last_started_at": NOW}),
        (
            "announcements",
            {
                "id": 1,
                "author_id": 1,
                "text": "Hello",
                "segment_kind": "everyone",
                "segment_value": "",
                "status": "sent",
                "recipients": 1,
                "created_at": NOW,
            },
        ),
        ("follows", {"id": 1, "member_id": 2, "opportunity_id": 1, "created_at": NOW}),
    ],
    "0003": [
        (
            "introductions",
            {
                "id": 1,
                "requester_id": 2,
                "target_id": 1,
                "reason": "",
                "score": 0.5,
                "status": "pending",
                "created_at": NOW,
            },
        ),
    ],
    "0004": [
        (
            "audit_log",
            {
                "id": 1,
                "actor_id": 1,
                "actor_name": "Marta",
                "action": "announce",
                "detail": "",
                "segment": "",
                "created_at": NOW,
            },
        ),
        ("invitations", {"id": 1, "member_id": 2, "token": "t" * 32, "created_at": NOW}),
        (
            "link_codes",
            {"id": 1, "member_id": 1, "code_hash": "h" * 64, "expires_at": NOW, "created_at": NOW},
        ),
    ],
    "0005_edges": [("seen_requests", {"key": "event:Ev01", "created_at": NOW})],
    "0005_erasure": [],
    "0005_correct": [],
    "0005_rights": [],
    "0005_delivery": [],
    "0006_intros": [
        (
            "identities",
            {
                "id": 2,
                "member_id": 2,
                "platform": "telegram",
                "user_id": "456",
                "chat_id": "456",
                "display_name": "Bo",
                "username": "bo_berg",
                "unreachable": False,
                "created_at": NOW,
            },
        ),
        (
            "introductions",
            {
                "id": 2,
                "requester_id": 1,
                "target_id": 2,
                "reason": "",
                "note": "we both work on recycled polyester",
                "score": 0.0,
                "status": "requested",
                "created_at": NOW,
            },
        ),
    ],
    "0006_b2b": [
        (
            "meeting_sessions",
            {
                "id": 1,
                "event_id": 1,
                "slot_minutes": 20,
                "break_minutes": 0,
                "windows": ["10:00-12:00"],
                "tables": ["1", "2"],
                "online_url": "",
                "opens_at": None,
                "closes_at": None,
                "expiry_hours": 48,
                "pairing": None,
                "created_at": NOW,
                "updated_at": NOW,
            },
        ),
        (
            "meetings",
            {
                "id": 1,
                "session_id": 1,
                "requester_id": 1,
                "invitee_id": 2,
                "awaiting_id": None,
                "starts_at": NOW,
                "ends_at": NOW,
                "place": "1",
                "status": "accepted",
                "reason": "recycled-polyester finishing",
                "sequence": 0,
                "created_at": NOW,
                "decided_at": NOW,
                "expires_at": None,
            },
        ),
        (
            "meeting_seats",
            {"id": 1, "meeting_id": 1, "session_id": 1, "member_id": 1, "place": None, "starts_at": NOW},
        ),
    ],
}


def sample_rows(revision: str) -> list[tuple[str, dict[str, Any]]] | None:
    """The revision's rows: its migration's `SAMPLE_ROWS`, else its entry in ROWS, else None."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    assert script is not None
    rows: list[tuple[str, dict[str, Any]]] | None = getattr(script.module, "SAMPLE_ROWS", None)
    return rows if rows is not None else ROWS.get(revision)


def test_every_revision_has_its_rows() -> None:
    missing = [revision for revision in revisions() if sample_rows(revision) is None]
    assert not missing, (
        f"add SAMPLE_ROWS to the migration of {missing}: the rows its new tables and columns take, "
        'as [("table", {"column": value, ...}), ...] (an empty list if it adds none)'
    )


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path}/migrations.db")
        yield database
        await database.close()
        return
    if request.getfixturevalue("postgres_database") is None:
        pytest.skip("PostgreSQL not configured (set CLUSTERBOT_TEST_POSTGRES_URL)")
    url = await create_postgres_database(migrate=False)
    database = Database(url)
    yield database
    await database.close()
    await drop_postgres_database(url)


@pytest.mark.parametrize("revision", revisions())
async def test_data_survives_upgrade_and_downgrade_from(revision: str, empty_db: Database) -> None:
    await upgrade(empty_db, revision)
    async with empty_db.engine.begin() as connection:
        existing = await connection.run_sync(_columns_by_table)
        for table, values in rows_up_to(revision):
            # A column a later revision dropped (members.is_admin in 0005_rights) is not there to fill.
            values = {key: value for key, value in values.items() if key in existing[table]}
            await connection.execute(sa.insert(typed_table(table, values)).values(values))
    before = await snapshot(empty_db)

    # Up to head every row survives; only the columns a migration drops on purpose go.
    await upgrade(empty_db, "head")
    now = await snapshot(empty_db, like=before)
    assert now == {table: project(before[table], rows) for table, rows in now.items()}

    await downgrade(empty_db, revision)
    assert await current_revision(empty_db) == revision
    assert await snapshot(empty_db) == before

    # One step further down, the tables and columns that remain keep their rows.
    await downgrade(empty_db, "-1")
    after = await snapshot(empty_db)
    assert {table: project(rows, before[table]) for table, rows in after.items()} == {
        table: project(before[table], rows) for table, rows in after.items()
    }

    await downgrade(empty_db, "base")
    assert await current_revision(empty_db) is None


def rows_up_to(revision: str) -> list[tuple[str, dict[str, Any]]]:
    order = revisions()
    return [row for past in order[: order.index(revision) + 1] for row in sample_rows(past) or []]


def project(rows: list[dict[str, Any]], like: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` without the columns that `like` (the same table after a downgrade) no longer has."""
    if not like:
        return rows
    return sorted(({key: row[key] for key in like[0] if key in row} for row in rows), key=repr)


def _columns_by_table(connection: Any) -> dict[str, set[str]]:
    inspector = sa.inspect(connection)
    return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}


def typed_table(name: str, values: dict[str, Any]) -> sa.TableClause:
    """A table clause that binds datetimes and JSON the way the models do, without the models."""

    def column(key: str, value: Any) -> sa.ColumnClause[Any]:
        if isinstance(value, datetime):
            return sa.column(key, UTCDateTime())
        if isinstance(value, list | dict):
            return sa.column(key, sa.JSON())
        return sa.column(key)

    return sa.table(name, *(column(key, value) for key, value in values.items()))


async def snapshot(db: Database, like: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """Every row of every table (of `like`'s tables, and its columns), in primary-key order."""
    async with db.engine.connect() as connection:
        return await connection.run_sync(lambda sync: _read_tables(sync, like))


def _read_tables(connection: Any, like: dict[str, list[Any]] | None) -> dict[str, list[Any]]:
    inspector = sa.inspect(connection)
    tables = sorted(like) if like is not None else sorted(inspector.get_table_names())
    result: dict[str, list[Any]] = {}
    for table in tables:
        if table == "alembic_version":
            continue
        columns = [column["name"] for column in inspector.get_columns(table)]
        if like is not None and like[table]:
            columns = [name for name in columns if name in like[table][0]]
        rows = connection.execute(
            sa.select(*(sa.column(name) for name in columns)).select_from(sa.table(table))
        )
        result[table] = sorted((dict(row._mapping) for row in rows), key=repr)
    return result
