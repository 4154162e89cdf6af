"""send_budgets: each platform's send rate as one row that every process takes slots from

Revision ID: 0009_sendbudget
Revises: 0008_places
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sendbudget"
down_revision: str | None = "0008_places"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    ("send_budgets", {"platform": "telegram", "next_slot": 1796374800.25}),
]


def upgrade() -> None:
    op.create_table(
        "send_budgets",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )


def downgrade() -> None:
    op.drop_table("send_budgets")
