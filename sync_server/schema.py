"""Every server table, imported once: Alembic and the tests read the whole schema here."""

from __future__ import annotations

import sync_server.alerts.tables
import sync_server.auth.tables
import sync_server.billing.tables
import sync_server.channels.tables
import sync_server.history.tables
import sync_server.monitors.tables
import sync_server.status_pages.tables
import sync_server.sync.tables  # noqa: F401
from sync_server.models import ServerModel

metadata = ServerModel.metadata
