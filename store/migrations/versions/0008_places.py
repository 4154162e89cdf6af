"""places: group chats and channels linked to a cluster; outbox rows for them

Revision ID: 0008_places
Revises: 0008_interest
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008_places"
down_revision: str | None = "0008_interest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "places",
        {
            "id": 1,
            "platform": "telegram",
            "team_id": "",
            "chat_id": "-1001234567890",
            "title": "TEXCAT members",
            "cluster_id": 1,
            "linked_by_id": 1,
            "linked_at": _NOW,
        },
    ),
]


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name="fk_places_cluster", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["members.id"], name="fk_places_linked_by", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "team_id", "chat_id", name="uq_places_chat"),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_cluster_id"), ["cluster_id"], unique=False)

    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("places", sa.String(length=10), server_default="", nullable=False))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.alter_column("member_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint("uq_outbox_place_cause", ["place_id", "cause"])
        batch_op.create_foreign_key("fk_outbox_place", "places", ["place_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    # Posts to places have no member to fall back on: they go with the places.
    op.execute("DELETE FROM outbox WHERE member_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_place", type_="foreignkey")
        batch_op.drop_constraint("uq_outbox_place_cause", type_="unique")
        batch_op.alter_column("member_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("place_id")

    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_column("places")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_cluster_id"))

    op.drop_table("places")
