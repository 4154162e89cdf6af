"""rights: confirmation tokens; admin status no longer stored

Admin rights come from CLUSTERBOT_ADMINS at each message, so the stored flag (which only ever
grew, and spread to linked accounts) is dropped rather than left for someone to trust again.

Revision ID: 0005_rights
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0005_rights"
down_revision: str | None = "0005_correct"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index(op.f("ix_confirmations_member_id"), "confirmations", ["member_id"], unique=False)
    # A plain ALTER (SQLite >= 3.35 has it): batch mode would copy and drop the members table,
    # and dropping it with foreign keys on would cascade into every table that points at it.
    op.execute("ALTER TABLE members DROP COLUMN is_admin")


def downgrade() -> None:
    op.execute("ALTER TABLE members ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT false")
    op.drop_index(op.f("ix_confirmations_member_id"), table_name="confirmations")
    op.drop_table("confirmations")
