"""After a 500 or a 503 the keep-alive connection stays usable, and unknown methods get
JSON, as a client of the real server sees it: uvicorn with the protocol `upwatch server`
gives it (sync_server/serving.py)."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sync_server.app import create_app
from sync_server.config import ServerSettings
from sync_server.serving import http_protocol
from tests.support.postgres import PostgresServer
from tests.support.threaded_app import find_free_port
from tests.sync_server.conftest import SECRET


def broken() -> None:
    raise RuntimeError("a bug of ours")


def pool_stayed_full() -> None:
    raise PoolTimeout("QueuePool limit reached")


@dataclass
class Served:
    app: FastAPI
    port: int


@pytest.fixture
def server(postgres: PostgresServer) -> Iterator[Served]:
    """The API served as `upwatch server` serves it, with two routes that fail the way a bug
    and a busy database do."""
    app = create_app(ServerSettings(database_url=postgres.url("upwatch_test"), jwt_secret=SECRET))
    app.add_api_route("/test-only/broken", broken)
    app.add_api_route("/test-only/busy", pool_stayed_full)
    port = find_free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", http=http_protocol(app)
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        assert time.monotonic() < deadline, "the API did not start"
        assert thread.is_alive(), "the API did not start"
        time.sleep(0.02)
    yield Served(app, port)
    uv.should_exit = True
    thread.join(timeout=15)


class Connection:
    """One keep-alive HTTP/1.1 connection, read answer by answer (no client that would
    quietly open a new connection when the server dropped the old one)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def request(self, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return the status, headers (lower-case names) and body."""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split()[1]), headers, body

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize(("path", "status"), [("/test-only/broken", 500), ("/test-only/busy", 503)])
def test_the_connection_serves_the_next_request_after_an_error(
    server: Served, path: str, status: int
) -> None:
    conn = Connection(server.port)
    try:
        answered, headers, body = conn.request("GET", path)
        assert answered == status
        assert json.loads(body)["error"]["code"] in ("internal", "unavailable")
        assert headers.get("connection") != "close"
        assert "x-request-id" in headers
        assert conn.request("GET", "/healthz")[0] == 200
    finally:
        conn.close()


def test_a_method_no_route_takes_is_a_json_405_with_allow(server: Served) -> None:
    conn = Connection(server.port)
    try:
        status, headers, body = conn.request("PROPFIND", "/api/monitors")
        assert status == 405
        assert headers["content-type"] == "application/json"
        assert headers["allow"] == "GET, POST"
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["FOO", "GETS", "X-CUSTOM"])
def test_a_method_http_does_not_know_is_a_json_405_with_allow_where_the_path_exists(
    server: Served, method: str
) -> None:
    conn = Connection(server.port)
    try:
        status, headers, body = conn.request(method, "/api/monitors?limit=5")
        assert status == 405
        assert headers["content-type"] == "application/json"
        assert headers["allow"] == "GET, POST"
        assert json.loads(body)["error"] == {
            "code": "method_not_allowed",
            "message": "use GET, POST here",
        }
        assert headers["connection"] == "close"
    finally:
        conn.close()


@pytest.mark.parametrize(
    "line",
    [
        "FOO /no/such/path HTTP/1.1",  # a path no route serves
        "FOO  /api/monitors HTTP/1.1",  # not a request line
        "GET /api/monitors HTTP/9.9",  # a version HTTP does not have
    ],
)
def test_an_unreadable_request_is_a_json_400(server: Served, line: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"{line}\r\nHost: 127.0.0.1\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head
    assert json.loads(body)["error"]["code"] == "bad_request"
