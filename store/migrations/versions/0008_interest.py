"""opportunity_interests: "I'm interested" on an opportunity, told to its poster, who may answer once

Revision ID: 0008_interest
Revises: 0008_outcomes
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008_interest"
down_revision: str | None = "0008_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLE_ROWS = [
    (
        "opportunity_interests",
        {
            "id": 1,
            "opportunity_id": 1,
            "member_id": 1,
            "note": "We could run the dyeing trials in January",
            "created_at": datetime(2026, 12, 4, 10, 50, tzinfo=UTC),
            "replied_at": datetime(2026, 12, 5, 9, 15, tzinfo=UTC),
        },
    ),
]


def upgrade() -> None:
    op.create_table(
        "opportunity_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replied_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "opportunity_id", "member_id", name="uq_opportunity_interests_opportunity_member"
        ),
    )
    for column in ("member_id", "opportunity_id"):
        op.create_index(
            op.f(f"ix_opportunity_interests_{column}"), "opportunity_interests", [column], unique=False
        )


def downgrade() -> None:
    for column in ("opportunity_id", "member_id"):
        op.drop_index(op.f(f"ix_opportunity_interests_{column}"), table_name="opportunity_interests")
    op.drop_table("opportunity_interests")
