"""The base of the server's tables: its own metadata, apart from the desktop's SQLite tables.

Both sides name a table `monitors`; in one process (the `upwatch` launcher) they must not
share SQLModel's default registry.
"""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class ServerModel(SQLModel, registry=registry()):
    """Base class of every server table."""
