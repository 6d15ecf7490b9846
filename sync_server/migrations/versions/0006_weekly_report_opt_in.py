"""weekly report opt-in

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:51:53.747259
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("weekly_report", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("users", sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_report_at")
    op.drop_column("users", "weekly_report")
