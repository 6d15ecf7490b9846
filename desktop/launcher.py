"""The `upwatch` console script: the tray app with no command (or `app`), else the CLI.

The one place that decides whether Qt is loaded, so terminal commands start fast and work
on machines without a display.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop.cli.main import main as cli_main

NO_DISPLAY = (
    "upwatch: error: no display found for the tray app. On a server or over SSH use"
    " `upwatch run` (headless), or set DISPLAY / QT_QPA_PLATFORM.\n"
)


def has_display() -> bool:
    """True when a window can be shown (always on macOS and Windows)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    )


def qt_offscreen() -> str:
    """Start Qt offscreen, load the tray app's modules and paint its icon; return Qt's version.

    Raise SelfTestError when the offscreen platform plugin is missing: without it Qt would
    abort the whole process instead of failing this one step.
    """
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, qVersion
    from PySide6.QtWidgets import QApplication

    import desktop.ui.app  # noqa: F401 (every module the tray app needs: QtCharts, qasync, ...)
    from desktop.services.selftest import SelfTestError
    from desktop.ui.icons import COLOURS, tray_icon
    from shared.status import Status

    folders = [Path(path) / "platforms" for path in QCoreApplication.libraryPaths()]
    if not any(any(folder.glob("*qoffscreen*")) for folder in folders):
        searched = ", ".join(str(folder) for folder in folders) or "no plugin folder"
        raise SelfTestError(f"Qt's offscreen platform plugin is missing (searched {searched})")
    _app = QApplication.instance() or QApplication([])  # alive until the step returns
    centre = tray_icon(Status.UP).pixmap(32, 32).toImage().pixelColor(16, 16)
    if centre.name() != COLOURS[Status.UP]:
        raise SelfTestError(
            f"the tray icon painted {centre.name()} instead of {COLOURS[Status.UP]}"
        )
    return f"QApplication on {QApplication.platformName()}, Qt {qVersion()}, tray icon painted"


SERVER_COMMANDS = {"server": "sync_server.cli", "worker": "sync_server.worker.cli"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tray app or a CLI command; return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SERVER_COMMANDS:
        # The one place the two sides meet, loaded by name so desktop never imports it.
        try:
            server_cli = importlib.import_module(SERVER_COMMANDS[args[0]])
        except ImportError as exc:
            hint = "pip install 'upwatch[server]'"
            sys.stderr.write(
                f"upwatch: error: the {args[0]} needs the server extras: {hint} ({exc})\n"
            )
            return 2
        code: int = server_cli.main(args[1:])
        return code
    if args == ["--self-test"]:
        # loaded here: the self-test's servers and checks cost every other command start-up time
        from desktop.cli.selftest import run_self_test
        from desktop.services.selftest import Step

        return run_self_test([Step("Qt offscreen", qt_offscreen)])
    if not args or args[0] == "app":
        if not has_display():
            sys.stderr.write(NO_DISPLAY)
            return 2
        from desktop.ui.app import run_app

        return run_app(args[1:])
    return cli_main(args)


def entry() -> None:
    """Console-script entry: exit with main()'s code."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
