"""The `upwatch` console script: the tray app with no command (or `app`), else the CLI.

The one place that decides whether Qt is loaded, so terminal commands start fast and work
on machines without a display.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

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
            sys.stderr.write(f"upwatch: error: the server needs its extras: {hint} ({exc})\n")
            return 2
        code: int = server_cli.main(args[1:])
        return code
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
