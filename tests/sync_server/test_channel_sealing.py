"""Alert channels' configs sealed at rest with the data keys, and the keys rotated.

A webhook URL or a bot token is a password to someone's chat: a database dump, a replica or a
backup alone must not hand it out (other tests keep it out of responses; these cover the rows
behind them).
"""

import json
import uuid

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.app import create_app
from sync_server.channels.sealing import (
    ConfigSealer,
    ConfigUnreadable,
    key_id,
    reseal_channels,
)
from sync_server.config import ServerSettings
from tests.support.personas import ALICE
from tests.sync_server.conftest import login, truncate
from tests.sync_server.test_channels import SLACK

TOKEN_PART = "TIiajkdnlazkcOXrIdevi7FQ"  # the secret part of SLACK


def stored_configs(db: Engine) -> list[dict[str, str]]:
    with db.connect() as conn:
        rows = conn.execute(text("SELECT config::text FROM alert_channels ORDER BY created_at"))
        return [json.loads(row[0]) for row in rows]


def add_slack(client: TestClient, headers: dict[str, str]) -> str:
    body = {"name": "Team", "config": {"type": "slack", "webhook_url": SLACK}}
    created = client.post("/api/alert-channels", json=body, headers=headers)
    assert created.status_code == 201, created.text
    channel_id: str = created.json()["id"]
    return channel_id


def test_a_channel_is_stored_sealed_and_still_described(
    client: TestClient, db: Engine, settings: ServerSettings
) -> None:
    """The row holds no part of the webhook URL; the API still says where it sends."""
    alice = login(client, ALICE)
    add_slack(client, alice)
    (stored,) = stored_configs(db)
    assert stored.keys() == {"sealed", "key"}
    assert stored["key"] == key_id(settings.data_keys[0])
    assert TOKEN_PART not in json.dumps(stored)
    assert "hooks.slack.com" not in json.dumps(stored)
    listed = client.get("/api/alert-channels", headers=alice).json()
    assert listed[0]["target"] == "https://hooks.slack.com/…"


def test_a_config_stored_before_sealing_is_sealed_by_migrate(
    client: TestClient, db: Engine, settings: ServerSettings
) -> None:
    alice = login(client, ALICE)
    add_slack(client, alice)
    plain = {"type": "slack", "webhook_url": SLACK}
    with db.begin() as conn:
        conn.execute(text("UPDATE alert_channels SET config = CAST(:c AS json)"),
                     {"c": json.dumps(plain)})  # fmt: skip
    listed = client.get("/api/alert-channels", headers=alice).json()
    assert listed[0]["target"] == "https://hooks.slack.com/…"  # read as it is meanwhile
    assert reseal_channels(db, settings.config_sealer) == 1
    (stored,) = stored_configs(db)
    assert TOKEN_PART not in json.dumps(stored)
    assert settings.config_sealer.open(stored) == plain
    assert reseal_channels(db, settings.config_sealer) == 0  # nothing left to do


def test_keys_rotate_new_first_reseal_then_the_old_one_goes(
    settings: ServerSettings, db: Engine
) -> None:
    """A new key first and the old one after: both open, migrate reseals every row with the
    new key, and then the old key can go. Dropping it before the reseal leaves rows that no
    key opens: the list says so instead of failing, and a reseal refuses and changes nothing."""
    old_key, new_key = settings.data_keys[0], Fernet.generate_key().decode()
    app = create_app(settings)
    truncate(app.state.engine)
    with TestClient(app) as client:
        alice = login(client, ALICE)
        add_slack(client, alice)
    sealed_with_old = stored_configs(db)

    too_early = settings.model_copy(update={"data_keys": [new_key]})
    with TestClient(create_app(too_early)) as client:
        listed = client.get("/api/alert-channels", headers=login(client, ALICE)).json()
        assert listed[0]["target"] == "(unreadable with the server's data keys)"
    with pytest.raises(ConfigUnreadable, match="opens with none of UPWATCH_DATA_KEYS"):
        reseal_channels(db, too_early.config_sealer)
    assert stored_configs(db) == sealed_with_old

    both = settings.model_copy(update={"data_keys": [new_key, old_key]})
    assert reseal_channels(db, both.config_sealer) == 1
    (resealed,) = stored_configs(db)
    assert resealed["key"] == key_id(new_key) != key_id(old_key)
    assert ConfigSealer([new_key]).open(resealed)["webhook_url"] == SLACK
    assert reseal_channels(db, both.config_sealer) == 0  # the key id says it is done
    with pytest.raises(ConfigUnreadable):
        ConfigSealer([old_key]).open(resealed)
    with TestClient(create_app(too_early)) as client:  # the old key is gone now
        listed = client.get("/api/alert-channels", headers=login(client, ALICE)).json()
        assert listed[0]["target"] == "https://hooks.slack.com/…"


def test_a_tampered_seal_is_refused() -> None:
    sealer = ConfigSealer([Fernet.generate_key().decode()])
    stored = sealer.seal({"type": "email", "to": "ops@example.com"})
    token = stored["sealed"]
    flipped = token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:]
    with pytest.raises(ConfigUnreadable):
        sealer.open({"sealed": flipped})
    with pytest.raises(ConfigUnreadable):
        sealer.open({"sealed": str(uuid.uuid4())})
