"""introductions that connect: a Telegram account's @username, and the requester's one-line note

Revision ID: 0006_intros
Revises: 0005_delivery
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_intros"
down_revision: str | None = "0005_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("username")
