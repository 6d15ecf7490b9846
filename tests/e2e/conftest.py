"""Desktops against the real hosted API (uvicorn + PostgreSQL), each with its own files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.secrets.store import SecretStore
from desktop.services.cloud import CloudService
from desktop.services.monitors import MonitorService
from desktop.storage.database import Database
from tests.support.memkeyring import MemoryKeyring
from tests.support.personas import ALICE_PASSWORD

PASSWORD = ALICE_PASSWORD


@dataclass
class Desktop:
    """One computer: its SQLite file, its own keyring, its cloud link."""

    db: Database
    keyring: MemoryKeyring
    cloud: CloudService
    monitors: MonitorService

    @classmethod
    def open(cls, path: Path) -> Desktop:
        db = Database(path)
        keyring = MemoryKeyring()
        return cls(db, keyring, CloudService(db, SecretStore(keyring)), MonitorService(db))

    async def close(self) -> None:
        await self.cloud.aclose()
        self.db.close()

    def urls(self) -> dict[str, str]:
        """Monitor name -> URL, as this desktop has them."""
        return {s.spec.name: s.spec.url for s in self.monitors.summaries()}


@pytest.fixture
async def desktops(tmp_path: Path) -> AsyncIterator[list[Desktop]]:
    """Two desktops (A and B) with nothing in them yet."""
    made = [Desktop.open(tmp_path / f"{name}.sqlite3") for name in ("a", "b")]
    yield made
    for desktop in made:
        await desktop.close()


async def until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll condition; fail saying what did not happen in time."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not in {timeout:.0f} s: {what}")
        await asyncio.sleep(0.02)
