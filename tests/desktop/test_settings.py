"""Desktop settings and start at login."""

import sqlite3
from pathlib import Path

import pytest

from desktop.config import DesktopSettings
from desktop.errors import InvalidInput
from desktop.services import autostart
from desktop.services.settings import SettingsService
from desktop.storage.database import Database


def test_settings_start_at_their_defaults_and_persist(db: Database) -> None:
    service = SettingsService(db)
    assert service.load() == DesktopSettings()
    service.change(desktop_notifications=False, raw_retention_days=7)
    again = SettingsService(Database(db.path)).load()
    assert (again.desktop_notifications, again.raw_retention_days) == (False, 7)


@pytest.mark.parametrize(
    "change",
    [
        {"raw_retention_days": 0},
        {"concurrency": 5000},
        {"concurrency": "8"},
        {"concurrency": True},
        {"desktop_notifications": "yes"},
        {"colour": "blue"},
        {"writer_batch_seconds": 1.0},  # fixed: not a setting a user changes
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(
    db: Database, change: dict[str, object]
) -> None:
    service = SettingsService(db)
    with pytest.raises(InvalidInput) as refused:
        service.change(**change)
    [name] = change
    assert name in refused.value.message or name.replace("_", " ") in refused.value.message
    assert service.load() == DesktopSettings()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("concurrency", "0"),  # out of range
        ("concurrency", '"64"'),  # a string
        ("raw_retention_days", "not json"),
        ("desktop_notifications", "1"),  # a number, not true or false
        ("raw_retention_days", "[7]"),
    ],
)
def test_a_setting_edited_by_hand_into_nonsense_reads_as_its_default(
    db: Database, key: str, text: str
) -> None:
    SettingsService(db).change(concurrency=8, raw_retention_days=7, desktop_notifications=False)
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE settings SET value = ? WHERE key = ?", (text, key))
        conn.execute("INSERT INTO settings (key, value) VALUES ('colour', '\"blue\"')")
    loaded = SettingsService(Database(db.path)).load()
    assert getattr(loaded, key) == getattr(DesktopSettings(), key)
    others = {"concurrency": 8, "raw_retention_days": 7, "desktop_notifications": False}
    del others[key]
    assert {name: getattr(loaded, name) for name in others} == others


def test_start_at_login_writes_and_removes_an_xdg_autostart_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    entry = tmp_path / "autostart" / "upwatch.desktop"
    assert not autostart.is_enabled()
    autostart.set_enabled(True)
    assert autostart.is_enabled()
    text = entry.read_text()
    assert "Exec=" in text
    assert text.splitlines()[0] == "[Desktop Entry]"
    assert text.rstrip().split("Exec=")[1].split("\n")[0].endswith("app")
    autostart.set_enabled(False)
    assert not entry.exists()
    autostart.set_enabled(False)  # removing twice is fine


def test_start_at_login_in_an_app_bundle_runs_the_bundle_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PyInstaller bundle has no Python for `-m` and may not be on PATH."""
    from desktop.services import autostart

    monkeypatch.setattr(autostart.sys, "frozen", True, raising=False)
    monkeypatch.setattr(autostart.sys, "executable", "/opt/Upwatch/upwatch")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert autostart.launch_command() == ["/opt/Upwatch/upwatch", "app"]
