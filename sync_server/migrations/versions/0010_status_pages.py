"""status pages and the ordered monitors on them

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_pages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sqlmodel.AutoString(length=60), nullable=False),
        sa.Column("title", sqlmodel.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.AutoString(length=1000), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sqlmodel.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("status_pages_user_seq", "status_pages", ["user_id", "seq"])
    op.create_index(
        "status_pages_live_slug",
        "status_pages",
        ["slug"],
        unique=True,
        postgresql_where=sa.text("NOT deleted"),
    )
    op.create_table(
        "status_page_monitors",
        sa.Column("page_id", sa.Uuid(), nullable=False),
        sa.Column("monitor_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["status_pages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["monitor_id"], ["monitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("page_id", "monitor_id"),
    )
    op.create_index(
        op.f("ix_status_page_monitors_monitor_id"), "status_page_monitors", ["monitor_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_status_page_monitors_monitor_id"), table_name="status_page_monitors")
    op.drop_table("status_page_monitors")
    op.drop_index("status_pages_live_slug", table_name="status_pages")
    op.drop_index("status_pages_user_seq", table_name="status_pages")
    op.drop_table("status_pages")
