"""erasure: when members were last seen, and when they were warned before a retention erasure

Revision ID: 0005_erasure
Revises: 0004
Create Date: 2026-12-04 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0005_erasure"
down_revision: str | None = "0005_edges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", store.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("retention_warned_at", store.types.UTCDateTime(timezone=True), nullable=True)
        )
    # Until they write again, a member's last change is the best guess of when they were last here.
    op.execute("UPDATE members SET last_seen_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("retention_warned_at")
        batch_op.drop_column("last_seen_at")
