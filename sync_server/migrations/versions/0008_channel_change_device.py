"""sync: the device of an alert channel's last change

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "alert_channels",
        sa.Column("changed_by", sa.String(length=64), server_default="api", nullable=False),
    )
    op.create_index("alert_channels_user_seq", "alert_channels", ["user_id", "seq"])


def downgrade() -> None:
    op.drop_index("alert_channels_user_seq", table_name="alert_channels")
    op.drop_column("alert_channels", "changed_by")
