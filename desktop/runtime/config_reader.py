"""What Monitoring checks: the active monitors with the channels each alerts through."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.errors import UpwatchError
from desktop.notify.dispatcher import ChannelTarget
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.storage.channel_sync import SYNCED
from desktop.storage.channels import ChannelRepository
from desktop.storage.config_version import read_version
from desktop.storage.database import Database
from desktop.storage.monitors import MonitorRepository, to_spec
from shared.monitor import MonitorSpec


@dataclass(frozen=True, slots=True)
class WatchedConfig:
    """One active monitor as stored: its spec, saved state and alert targets."""

    pk: int
    spec: MonitorSpec
    state: str | None
    targets: list[ChannelTarget]


@dataclass(frozen=True, slots=True)
class ConfigSnapshot:
    """Every active monitor at one configuration version (read in one snapshot)."""

    version: int
    monitors: list[WatchedConfig]
    secret_warning: str | None = field(default=None)


def read_config(db: Database, secrets: SecretStore) -> ConfigSnapshot:
    """Read the configuration version and the active monitors with their targets.

    Blocking (database and keyring): run it in a worker thread.
    """
    warnings: list[str] = []
    with db.reader() as session:
        # the version first: a change committed in between makes a newer list, never an
        # older one, so at worst it is read again at the next poll
        version = read_version(session)
        channels = ChannelRepository(session)
        urls: dict[str, str | None] = {}  # one keyring read per channel, not per link
        monitors = [
            WatchedConfig(
                row.pk,
                to_spec(row),
                row.state,
                _targets(channels, secrets, row.pk, urls, warnings, cloud_checked=row.cloud),
            )
            for row in MonitorRepository(session).list_active()
            if row.pk is not None
        ]
    return ConfigSnapshot(version, monitors, warnings[-1] if warnings else None)


def _targets(
    channels: ChannelRepository,
    secrets: SecretStore,
    monitor_pk: int,
    urls: dict[str, str | None],
    warnings: list[str],
    *,
    cloud_checked: bool,
) -> list[ChannelTarget]:
    targets: list[ChannelTarget] = []
    for channel in channels.for_monitor(monitor_pk):
        assert channel.pk is not None
        if cloud_checked and channel.cloud == SYNCED:
            continue  # the cloud alerts through it: one alert per outage
        if channel.id not in urls:
            try:
                urls[channel.id] = secrets.get(channel_secret_key(channel.id))
            except UpwatchError as exc:
                warnings.append(exc.message)
                urls[channel.id] = None
        url = urls[channel.id]
        if url:
            targets.append(ChannelTarget(channel.pk, channel.name, url))
    return targets
