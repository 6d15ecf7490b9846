"""sync: the device that pushed each local result, and the names of an account's devices

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # local results pushed before this stay NULL: nobody knows which device checked them,
    # so they are never handed to another device (it might be the one that pushed them)
    op.add_column("checks", sa.Column("device_id", sqlmodel.AutoString(length=64), nullable=True))
    # what a pull hands out: the cloud's results and those of known devices
    op.create_index(
        "checks_shared_xact",
        "checks",
        ["monitor_id", "xact"],
        postgresql_where=sa.text("source = 'cloud' OR device_id IS NOT NULL"),
    )
    op.create_table(
        "devices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "device_id"),
    )


def downgrade() -> None:
    op.drop_table("devices")
    op.drop_index("checks_shared_xact", table_name="checks")
    op.drop_column("checks", "device_id")
