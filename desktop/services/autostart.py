"""Start at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, Run key on Windows."""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
from pathlib import Path

from desktop.errors import UpwatchError

LABEL = "app.upwatch.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command() -> list[str]:
    """Return the command that starts the tray app as installed here."""
    if getattr(sys, "frozen", False):
        # an app bundle: its own executable (no Python to run -m with, maybe not on PATH)
        return [sys.executable, "app"]
    found = shutil.which("upwatch")
    if found:
        return [found, "app"]
    return [sys.executable, "-m", "desktop.launcher", "app"]


def _xdg_entry() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart" / "upwatch.desktop"


def _launch_agent() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def is_enabled() -> bool:
    """True when Upwatch starts at login."""
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, "Upwatch")
            return True
        except OSError:
            return False
    if sys.platform == "darwin":
        return _launch_agent().exists()
    return _xdg_entry().exists()


def set_enabled(enabled: bool) -> None:
    """Create or remove the login item; raise UpwatchError when the OS refuses."""
    try:
        if sys.platform == "win32":
            _set_windows(enabled)
        elif sys.platform == "darwin":
            _set_file(_launch_agent(), _plist() if enabled else None)
        else:
            _set_file(_xdg_entry(), _desktop_entry().encode() if enabled else None)
    except OSError as exc:
        raise UpwatchError(f"could not change start at login: {exc.strerror or exc}") from exc


def _set_file(path: Path, content: bytes | None) -> None:
    if content is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _desktop_entry() -> str:
    command = " ".join(f'"{part}"' if " " in part else part for part in launch_command())
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Upwatch\n"
        "Comment=Uptime monitor in the system tray\n"
        f"Exec={command}\n"
        "Icon=upwatch\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _plist() -> bytes:
    return plistlib.dumps({"Label": LABEL, "ProgramArguments": launch_command(), "RunAtLoad": True})


def _set_windows(enabled: bool) -> None:
    if sys.platform == "win32":  # mypy checks this block on Windows only
        import winreg

        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            if enabled:
                command = " ".join(f'"{part}"' for part in launch_command())
                winreg.SetValueEx(key, "Upwatch", 0, winreg.REG_SZ, command)
            else:
                try:
                    winreg.DeleteValue(key, "Upwatch")
                except FileNotFoundError:
                    return
