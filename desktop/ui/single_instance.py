"""One Upwatch per user and data directory: a second launch raises the first one's window."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.config import data_dir


def instance_name() -> str:
    """Return the local-socket name for this user and data directory."""
    digest = hashlib.sha256(str(data_dir()).encode()).hexdigest()[:12]
    return f"upwatch-{getpass.getuser()}-{digest}"


def ask_running_instance_to_show(name: str, timeout_ms: int = 500) -> bool:
    """Return True when another instance answered (it will show its window)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    socket.write(b"show\n")
    socket.waitForBytesWritten(timeout_ms)
    socket.disconnectFromServer()
    return True


class SingleInstance(QObject):
    """Listens for later launches and calls on_show when one knocks."""

    def __init__(self, name: str, on_show: Callable[[], None]) -> None:
        super().__init__()
        self._on_show = on_show
        self._server = QLocalServer(self)
        QLocalServer.removeServer(name)  # a crashed instance may have left its socket behind
        self._server.listen(name)
        self._server.newConnection.connect(self._knocked)

    def _knocked(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
        self._on_show()

    def close(self) -> None:
        """Stop listening."""
        self._server.close()
