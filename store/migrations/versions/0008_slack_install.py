"""Slack installations: the bot token of each workspace that installed the app through the OAuth
flow (/slack/install), and the one-time OAuth states of installs under way

Revision ID: 0008_slack_install
Revises: 0008_meetfix
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0008_slack_install"
down_revision: str | None = "0008_meetfix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SAMPLE_ROWS: list[tuple[str, dict[str, Any]]] = [
    (
        "slack_installations",
        {
            "id": 1,
            "team_id": "T0TEXCAT",
            "enterprise_id": "",
            "team_name": "TEXCAT cluster",
            "bot_token": "xoxb-sample-not-a-real-token",
            "bot_id": "B0TEXCAT",
            "bot_user_id": "U0TEXBOT",
            "scopes": "app_mentions:read,chat:write,commands",
            "installed_at": _NOW,
            "revoked_at": None,
        },
    ),
    ("slack_oauth_states", {"state": "0b6f3c0e-5a8e-4c1e-9d1a-2f3b4c5d6e7f", "expires_at": _NOW}),
]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("bot_token", sa.String(length=200), nullable=False),
        sa.Column("bot_id", sa.String(length=32), nullable=False),
        sa.Column("bot_user_id", sa.String(length=32), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("installed_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", name="uq_slack_installations_team"),
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("expires_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_index(
        op.f("ix_slack_oauth_states_expires_at"), "slack_oauth_states", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_slack_oauth_states_expires_at"), table_name="slack_oauth_states")
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
