"""monitor state, alert outbox and deliveries, disabled channels

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:41:56.763996
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flip_id", sa.Uuid(), nullable=False),
        sa.Column("monitor_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flip_id", "channel_id", name="alert_outbox_once"),
    )
    op.create_index(
        "alert_outbox_due",
        "alert_outbox",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        op.f("ix_alert_outbox_monitor_id"), "alert_outbox", ["monitor_id"], unique=False
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["alert_outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_alert_deliveries_outbox_id"), "alert_deliveries", ["outbox_id"], unique=False
    )
    op.add_column(
        "alert_channels", sa.Column("disabled_reason", sa.String(length=300), nullable=True)
    )
    op.add_column("monitors", sa.Column("state", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("monitors", "state")
    op.drop_column("alert_channels", "disabled_reason")
    op.drop_index(op.f("ix_alert_deliveries_outbox_id"), table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index(op.f("ix_alert_outbox_monitor_id"), table_name="alert_outbox")
    op.drop_index(
        "alert_outbox_due",
        table_name="alert_outbox",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("alert_outbox")
