"""Rows put straight into the test database: accounts, monitors and channels (worker tests)."""

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from sync_server.channels.sealing import ConfigSealer

MONITOR = text(
    "INSERT INTO monitors (id, user_id, kind, name, url, method, interval, timeout, headers,"
    " expected_status, keyword_absent, follow_redirects, verify_tls, confirmations, is_active,"
    " cloud, next_check_at, created_at, updated_at, seq, deleted) VALUES (:id, :user, 'http',"
    " :name, :url, 'GET', :interval, 5, '{}', '200-299', false, true, true, :confirmations,"
    " true, :cloud, :due, now(), now(), 1, false)"
)


def insert_user(
    db: Engine, plan: str = "business", *, email: str | None = None, weekly: bool = False
) -> uuid.UUID:
    """An account on plan, created 60 days ago."""
    user_id = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO users (id, email, password_hash, plan, created_at, weekly_report)"
                 " VALUES (:id, :email, 'x', :plan, :created, :weekly)"),
            {"id": user_id, "email": email or f"{user_id}@example.com", "plan": plan,
             "created": datetime.now(UTC) - timedelta(days=60), "weekly": weekly},
        )  # fmt: skip
    return user_id


def monitor_row(user_id: uuid.UUID, url: str, **fields: Any) -> dict[str, Any]:
    """The parameters of one monitor (cloud-checked, due now, unless fields say otherwise)."""
    monitor_id = fields.pop("id", None) or uuid.uuid4()
    row = {"id": monitor_id, "user": user_id, "name": f"m-{monitor_id.hex[:6]}", "url": url,
           "interval": 60, "confirmations": 2, "cloud": True, "due": datetime.now(UTC)}  # fmt: skip
    return {**row, **fields}


def insert_monitors(db: Engine, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert monitor_row()s; return their ids."""
    with db.begin() as conn:
        conn.execute(MONITOR, rows)
    return [row["id"] for row in rows]


def insert_monitor(db: Engine, user_id: uuid.UUID, url: str, **fields: Any) -> uuid.UUID:
    """Insert one monitor; return its id."""
    return insert_monitors(db, [monitor_row(user_id, url, **fields)])[0]


# sealed as the API seals a channel, with the tests' data key (tests/conftest.py)
SEALER = ConfigSealer(os.environ["UPWATCH_DATA_KEYS"].split(","))


def insert_channel(
    db: Engine, user_id: uuid.UUID, config: dict[str, str], monitor_ids: list[uuid.UUID]
) -> uuid.UUID:
    """An alert channel of config["type"], linked to monitor_ids."""
    channel_id = uuid.uuid4()
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO alert_channels (id, user_id, name, type, config, created_at,"
                 " updated_at, seq, deleted) VALUES (:id, :user, :name, :type, :config, now(),"
                 " now(), 1, false)"),
            {"id": channel_id, "user": user_id, "name": config["type"], "type": config["type"],
             "config": json.dumps(SEALER.seal(config))},
        )  # fmt: skip
        for monitor_id in monitor_ids:
            conn.execute(
                text("INSERT INTO monitor_alert_channels VALUES (:m, :c)"),
                {"m": monitor_id, "c": channel_id},
            )
    return channel_id
