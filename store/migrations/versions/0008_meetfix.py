"""counter-proposals as meetings of their own, and who did not come to a meeting, per person

A counter-proposal used to move the request it answered; it is now a new meeting that names the
request it replaces, so the requester keeps seeing their request, superseded. Each side's check-back
says who was absent after "Did not take place". An expired request now keeps `awaiting_id` (whose
answer was missing); the ones that expired before get their invitee there, as the old rule counted.

Revision ID: 0008_meetfix
Revises: 0007_checkback
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_meetfix"
down_revision: str | None = "0007_checkback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
# Meeting 1 (member 1 asks member 2, superseded) and 2 (member 2's counter-proposal); checkback 2
# says member 2 did not come.
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "meetings",
        {
            "id": 2,
            "session_id": 1,
            "requester_id": 2,
            "invitee_id": 1,
            "awaiting_id": 1,
            "starts_at": _NOW,
            "ends_at": _NOW.replace(minute=20),
            "place": "2",
            "status": "requested",
            "reason": "",
            "sequence": 0,
            "created_at": _NOW,
            "decided_at": None,
            "expires_at": _NOW,
            "replaces_id": 1,
        },
    ),
    (
        "checkbacks",
        {
            "id": 2,
            "subject": "meeting",
            "subject_id": 2,
            "member_id": 1,
            "answer": "none",
            "absent": "other",
            "next_step": "",
            "follow_up_on": None,
            "asked_at": _NOW,
            "answered_at": _NOW,
        },
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_meetings_replaces", "meetings", ["replaces_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("checkbacks") as batch:
        batch.add_column(sa.Column("absent", sa.String(length=10), server_default="", nullable=False))
    op.execute(
        "UPDATE meetings SET awaiting_id = invitee_id WHERE status = 'expired' AND awaiting_id IS NULL"
    )


def downgrade() -> None:
    op.execute("UPDATE meetings SET awaiting_id = NULL WHERE status = 'expired'")
    with op.batch_alter_table("checkbacks") as batch:
        batch.drop_column("absent")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint("fk_meetings_replaces", type_="foreignkey")
        batch.drop_column("replaces_id")
