"""outcomes: the ladder three and six months after a cooperation (or told by a member), and staff exchanges

Revision ID: 0008_outcomes
Revises: 0008_slack_install
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008_outcomes"
down_revision: str | None = "0008_slack_install"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)
# The rows tests/test_migration_data.py puts in the new tables (members 1 and 2, cluster 1 and
# opportunity 1 exist).
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "outcomes",
        {
            "id": 1,
            "member_id": 1,
            "other_id": 2,
            "step": "proposal",
            "line": "Horizon Europe circular textiles call",
            "opportunity_id": 1,
            "subject": "meeting",
            "subject_id": 1,
            "milestone": 3,
            "asked_at": _NOW,
            "recorded_at": _NOW,
        },
    ),
    (
        "exchanges",
        {
            "id": 1,
            "visitor_id": 1,
            "host_member_id": None,
            "host_organisation_id": None,
            "host_cluster_id": 1,
            "starts_on": date(2027, 4, 12),
            "ends_on": date(2027, 4, 23),
            "status": "planned",
            "created_at": _NOW,
            "updated_at": _NOW,
        },
    ),
]


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=20), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("milestone", sa.Integer(), nullable=True),
        sa.Column("asked_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name="fk_outcomes_member", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["members.id"], name="fk_outcomes_other", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name="fk_outcomes_opportunity", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "subject_id", "milestone", "member_id", name="uq_outcomes_prompt"),
    )
    for column in ("member_id", "other_id", "recorded_at"):
        op.create_index(op.f(f"ix_outcomes_{column}"), "outcomes", [column], unique=False)
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("host_member_id", sa.Integer(), nullable=True),
        sa.Column("host_organisation_id", sa.Integer(), nullable=True),
        sa.Column("host_cluster_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["members.id"], name="fk_exchanges_visitor", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["host_member_id"], ["members.id"], name="fk_exchanges_host_member", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["host_organisation_id"],
            ["organisations.id"],
            name="fk_exchanges_host_organisation",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_cluster_id"], ["clusters.id"], name="fk_exchanges_host_cluster", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("visitor_id", "starts_on"):
        op.create_index(op.f(f"ix_exchanges_{column}"), "exchanges", [column], unique=False)


def downgrade() -> None:
    for column in ("starts_on", "visitor_id"):
        op.drop_index(op.f(f"ix_exchanges_{column}"), table_name="exchanges")
    op.drop_table("exchanges")
    for column in ("recorded_at", "other_id", "member_id"):
        op.drop_index(op.f(f"ix_outcomes_{column}"), table_name="outcomes")
    op.drop_table("outcomes")
