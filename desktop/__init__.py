"""The Upwatch desktop app: local checks, SQLite history, notifications, CLI and tray UI."""
