"""seen requests: Slack event ids and signatures already taken, shared by every process

Revision ID: 0005_edges
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0005_edges"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_seen_requests_created_at"), "seen_requests", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_requests_created_at"), table_name="seen_requests")
    op.drop_table("seen_requests")
