"""sync: the device of a monitor's last change; the writing transaction of each check

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 00:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "monitors",
        sa.Column("changed_by", sa.String(length=64), server_default="api", nullable=False),
    )
    # rows written before this migration get 0: older than any cursor, never pulled as new
    op.add_column("checks", sa.Column("xact", sa.BigInteger(), server_default="0", nullable=False))
    op.alter_column(
        "checks", "xact", server_default=sa.text("(pg_current_xact_id()::text::bigint)")
    )
    op.create_index(
        "checks_cloud_xact",
        "checks",
        ["monitor_id", "xact"],
        postgresql_where=sa.text("source = 'cloud'"),
    )


def downgrade() -> None:
    op.drop_index("checks_cloud_xact", table_name="checks")
    op.drop_column("checks", "xact")
    op.drop_column("monitors", "changed_by")
