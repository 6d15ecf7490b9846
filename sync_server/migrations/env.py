"""Alembic environment: the URL from the caller's config, the metadata from SQLModel."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import sync_server.auth.tables
import sync_server.channels.tables
import sync_server.monitors.tables  # noqa: F401
from sync_server.models import ServerModel

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=ServerModel.metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
