"""B2B sessions: meeting sessions, meetings, and the seats that make double booking impossible

Revision ID: 0006_b2b
Revises: 0005_delivery
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0006_b2b"
down_revision: str | None = "0006_intros"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("meeting_reminder", sa.String(length=10), nullable=True))
    op.create_table(
        "meeting_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        _when("opens_at", nullable=True),
        _when("closes_at", nullable=True),
        sa.Column("expiry_hours", sa.Integer(), nullable=False),
        sa.Column("pairing", sa.JSON(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("awaiting_id", sa.Integer(), nullable=True),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("decided_at", nullable=True),
        _when("expires_at", nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requester_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invitee_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["awaiting_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("session_id", "requester_id", "invitee_id", "starts_at", "status"):
        op.create_index(op.f(f"ix_meetings_{column}"), "meetings", [column], unique=False)
    op.create_table(
        "meeting_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=True),
        _when("starts_at"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "starts_at"),
        sa.UniqueConstraint("session_id", "starts_at", "place"),
    )
    op.create_index(op.f("ix_meeting_seats_meeting_id"), "meeting_seats", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_seats_meeting_id"), table_name="meeting_seats")
    op.drop_table("meeting_seats")
    for column in ("session_id", "requester_id", "invitee_id", "starts_at", "status"):
        op.drop_index(op.f(f"ix_meetings_{column}"), table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("meeting_sessions")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("meeting_reminder")
