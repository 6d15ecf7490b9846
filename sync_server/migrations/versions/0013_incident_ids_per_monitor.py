"""incidents keyed by (monitor, id): a desktop's incident ids are its own monitor's

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Desktops name their incidents. With the id alone as the key, an id another account
    # already used could not be stored, and answering so told a stranger that it exists.
    op.drop_constraint("incidents_pkey", "incidents", type_="primary")
    op.create_primary_key("incidents_pkey", "incidents", ["monitor_id", "id"])


def downgrade() -> None:
    op.drop_constraint("incidents_pkey", "incidents", type_="primary")
    op.create_primary_key("incidents_pkey", "incidents", ["id"])
