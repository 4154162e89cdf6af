"""Organiser-built schedules: participants' meeting wishes and the coordinator's unpublished draft

Revision ID: 0007_delegation
Revises: 0006_b2b
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007_delegation"
down_revision: str | None = "0006_b2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# The rows tests/test_migration_data.py puts in the new tables (member 1 and 2, session 1 exist).
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "meeting_wishes",
        {"id": 1, "session_id": 1, "member_id": 1, "other_id": 2, "level": "must", "updated_at": _NOW},
    ),
    (
        "schedule_drafts",
        {
            "id": 1,
            "session_id": 1,
            "first_id": 1,
            "second_id": 2,
            "starts_at": _NOW,
            "place": "2",
            "created_at": _NOW,
        },
    ),
]


def _when(name: str) -> sa.Column[Any]:
    return sa.Column(name, store.types.UTCDateTime(timezone=True), nullable=False)


def _member(name: str) -> list[Any]:
    return [
        sa.Column(name, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint([name], ["members.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "meeting_wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        *_member("member_id"),
        *_member("other_id"),
        sa.Column("level", sa.String(length=20), nullable=False),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "member_id", "other_id"),
    )
    op.create_index(op.f("ix_meeting_wishes_session_id"), "meeting_wishes", ["session_id"], unique=False)
    op.create_table(
        "schedule_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        *_member("first_id"),
        *_member("second_id"),
        _when("starts_at"),
        sa.Column("place", sa.String(length=100), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_schedule_drafts_session_id"), "schedule_drafts", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_schedule_drafts_session_id"), table_name="schedule_drafts")
    op.drop_table("schedule_drafts")
    op.drop_index(op.f("ix_meeting_wishes_session_id"), table_name="meeting_wishes")
    op.drop_table("meeting_wishes")
