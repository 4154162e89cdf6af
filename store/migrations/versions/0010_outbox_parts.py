"""outbox.parts_sent: how many messages of a long reply an interrupted attempt delivered, so that
the next attempt does not send them twice

Revision ID: 0010_outbox_parts
Revises: 0009_sendbudget
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_parts"
down_revision: str | None = "0009_sendbudget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "outbox",
        {
            "id": 10,
            "member_id": 1,
            "cause": "announce:10",
            "payload": {"spans": [["A long announcement", ""]]},
            "status": "failed",
            "attempts": 1,
            "next_attempt_at": _NOW,
            "last_error": "Flood control exceeded. Retry in 3 seconds",
            "parts_sent": 1,
            "created_at": _NOW,
        },
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_sent")
