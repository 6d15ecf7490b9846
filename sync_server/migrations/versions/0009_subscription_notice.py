"""billing: a notice for the account (what a downgrade paused, a failed payment)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("notice", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    op.drop_column("subscriptions", "notice")
