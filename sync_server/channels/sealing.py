"""Channel configs sealed at rest: webhook URLs, bot tokens and addresses are secrets.

A stored config is {"sealed": "<Fernet token>", "key": "<key id>"}: AES-128-CBC with an
HMAC-SHA256 over it, keyed by UPWATCH_DATA_KEYS. The first key seals; every key listed
opens. The key id (a hash prefix, nothing of the key) lets PostgreSQL find the rows an
older key sealed without opening any. Rotation: put a new key first, run `upwatch server
migrate` (which reseals every config with the first key), then drop the old key. A
database dump or a replica alone no longer hands out the secrets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, text

from sync_server.errors import UpwatchError

SEALED, KEY = "sealed", "key"


class ConfigUnreadable(UpwatchError):
    """A stored config that none of the server's data keys opens (a key was dropped early)."""

    status_code = 500
    code = "config_unreadable"


class ConfigSealer:
    """Seals and opens channel configs with the server's data keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._first = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])
        self.current = key_id(keys[0])

    def seal(self, config: Mapping[str, Any]) -> dict[str, str]:
        """Return the stored form of a config, sealed with the first key."""
        plain = json.dumps(dict(config), separators=(",", ":"), sort_keys=True).encode()
        return {SEALED: self._first.encrypt(plain).decode(), KEY: self.current}

    def open(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Return the config a stored form holds (a config stored before sealing existed is
        returned as it is); raise ConfigUnreadable when no key opens it."""
        if SEALED not in stored:
            return dict(stored)
        try:
            opened: dict[str, Any] = json.loads(self._all.decrypt(str(stored[SEALED]).encode()))
        except (InvalidToken, ValueError):
            raise ConfigUnreadable(
                "this channel's settings cannot be decrypted with the server's data keys"
            ) from None
        return opened


def key_id(key: str) -> str:
    """Return a data key's public name: a hash prefix that tells keys apart."""
    return hashlib.sha256(b"upwatch-data-key:" + key.encode()).hexdigest()[:16]


def reseal_channels(engine: Engine, sealer: ConfigSealer) -> int:
    """Seal every stored config that is plain or sealed with an older key with the first key,
    in one transaction; return how many were rewritten. Rows already sealed with the first key
    are neither read nor locked (so a start with nothing to do costs one index-less scan).
    Raises ConfigUnreadable, changing nothing, when a config opens with none of the keys."""
    with engine.begin() as conn:
        stale = conn.execute(_STALE, {"current": sealer.current}).all()
        for channel_id, stored in stale:
            try:
                config = sealer.open(stored)
            except ConfigUnreadable:
                raise ConfigUnreadable(
                    f"alert channel {channel_id} opens with none of UPWATCH_DATA_KEYS: list the "
                    "key it was sealed with after the new one until `upwatch server migrate` ran"
                ) from None
            conn.execute(_RESEAL, {"config": json.dumps(sealer.seal(config)), "id": channel_id})
    return len(stale)


_STALE = text(
    "SELECT id, config FROM alert_channels WHERE config->>'key' IS DISTINCT FROM :current"
    " FOR UPDATE"
)
_RESEAL = text("UPDATE alert_channels SET config = CAST(:config AS json) WHERE id = :id")
