"""check-back after meetings and introductions: the answers, and when a member last saw their requests

Revision ID: 0007_checkback
Revises: 0006_b2b
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007_checkback"
down_revision: str | None = "0007_delegation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLE_ROWS = [
    (
        "checkbacks",
        {
            "id": 1,
            "subject": "meeting",
            "subject_id": 1,
            "member_id": 1,
            "answer": "cooperation",
            "next_step": "send the denim finishing samples",
            "follow_up_on": date(2026, 12, 18),
            "asked_at": datetime(2026, 12, 4, 10, 50, tzinfo=UTC),
            "answered_at": datetime(2026, 12, 4, 11, 5, tzinfo=UTC),
        },
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("requests_seen_at", store.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "checkbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("asked_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "subject_id", "member_id", name="uq_checkbacks_subject_member"),
    )
    for column in ("member_id", "follow_up_on"):
        op.create_index(op.f(f"ix_checkbacks_{column}"), "checkbacks", [column], unique=False)


def downgrade() -> None:
    for column in ("follow_up_on", "member_id"):
        op.drop_index(op.f(f"ix_checkbacks_{column}"), table_name="checkbacks")
    op.drop_table("checkbacks")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("requests_seen_at")
