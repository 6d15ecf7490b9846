"""monitors' tags

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a JSON list of {"name", "color"}, as the shared monitor definition has them
    op.add_column(
        "monitors", sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )


def downgrade() -> None:
    op.drop_column("monitors", "tags")
