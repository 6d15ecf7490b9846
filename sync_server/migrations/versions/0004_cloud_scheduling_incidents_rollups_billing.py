"""cloud scheduling, incidents, rollups, subscriptions and stripe events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 15:30:27.280355
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=100), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=100), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("stripe_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("stripe_subscription_id"),
    )
    op.create_index(
        op.f("ix_subscriptions_stripe_customer_id"),
        "subscriptions",
        ["stripe_customer_id"],
        unique=False,
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("monitor_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "incidents_monitor_started", "incidents", ["monitor_id", "started_at"], unique=False
    )
    op.create_table(
        "rollups_daily",
        sa.Column("monitor_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("rt_count", sa.Integer(), nullable=False),
        sa.Column("rt_sum", sa.BigInteger(), nullable=False),
        sa.Column("rt_min", sa.Integer(), nullable=True),
        sa.Column("rt_max", sa.Integer(), nullable=True),
        sa.Column("histogram", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("monitor_id", "source", "bucket"),
    )
    op.create_table(
        "rollups_hourly",
        sa.Column("monitor_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("rt_count", sa.Integer(), nullable=False),
        sa.Column("rt_sum", sa.BigInteger(), nullable=False),
        sa.Column("rt_min", sa.Integer(), nullable=True),
        sa.Column("rt_max", sa.Integer(), nullable=True),
        sa.Column("histogram", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("monitor_id", "source", "bucket"),
    )
    op.add_column(
        "monitors", sa.Column("cloud", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.alter_column("monitors", "cloud", server_default=None)
    op.add_column("monitors", sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "monitors",
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
    )
    op.add_column("monitors", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "monitors_due",
        "monitors",
        ["next_check_at"],
        unique=False,
        postgresql_where=sa.text("cloud AND is_active AND NOT deleted"),
    )


def downgrade() -> None:
    op.drop_index(
        "monitors_due",
        table_name="monitors",
        postgresql_where=sa.text("cloud AND is_active AND NOT deleted"),
    )
    op.drop_column("monitors", "lease_until")
    op.drop_column("monitors", "lease_owner")
    op.drop_column("monitors", "next_check_at")
    op.drop_column("monitors", "cloud")
    op.drop_table("rollups_hourly")
    op.drop_table("rollups_daily")
    op.drop_index("incidents_monitor_started", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index(op.f("ix_subscriptions_stripe_customer_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("stripe_events")
