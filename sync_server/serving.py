"""How uvicorn serves the API: its C parser (httptools), answering what it cannot parse in JSON.

uvicorn answers a request its parser refuses (a method HTTP does not know, a malformed request
line or header) with a plain-text 400 before the app sees it. Every answer of the API has one
JSON error shape, so this protocol sends that shape instead: a 405 with Allow when the request
line is well formed and only its method is one the parser does not know (the app's own answer
for a method no route takes at that path), else a 400. Either way it closes the connection:
what follows on it cannot be read either.
"""

from __future__ import annotations

import asyncio
import json
import re

from starlette.applications import Starlette

from sync_server.errors import error_body, methods_at

UNREADABLE = "the request cannot be read as HTTP: an unknown method, or a malformed line or header"
# a request line: a method token, an origin-form target and the version (RFC 9112 section 3)
_REQUEST_LINE = re.compile(
    rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}) (/[\x21-\x7e]{0,8000}) HTTP/1\.[01]"
)


def refused_answer(app: Starlette | None, received: bytes) -> tuple[int, dict[str, str], str]:
    """Return the status, extra headers and message for a request the parser refused, given
    the bytes of the chunk it refused: 405 with Allow when its line names a path the app
    serves, else 400."""
    line = received.split(b"\r\n", 1)[0]
    match = _REQUEST_LINE.fullmatch(line) if app is not None else None
    if app is None or match is None:
        return 400, {}, UNREADABLE
    path = match.group(2).split(b"?", 1)[0].decode("ascii")
    allowed = methods_at(app, path)
    # a chunk may start with an earlier, well-formed request of a pipelined connection
    if not allowed or match.group(1).decode("ascii") in allowed:
        return 400, {}, UNREADABLE
    return 405, {"allow": ", ".join(allowed)}, f"use {', '.join(allowed)} here"


def http_protocol(app: Starlette | None = None) -> type[asyncio.Protocol] | str:
    """The `http` option for uvicorn serving app: the JSON-answering httptools protocol, or
    "auto" where httptools is not installed (uvicorn's h11 then passes any method on to the
    app)."""
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:
        return "auto"

    class JsonHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol with its 400 for unparseable requests in JSON."""

        received = b""

        def data_received(self, data: bytes) -> None:
            self.received = data  # what a refusal is about, to tell a 405 from a 400
            super().data_received(data)

        def send_400_response(self, msg: str) -> None:
            status, headers, message = refused_answer(app, self.received)
            code = "method_not_allowed" if status == 405 else "bad_request"
            body = json.dumps(error_body(code, message)).encode()
            content = [STATUS_LINE[status]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
            for header, text in headers.items():
                content.extend([header.encode("ascii"), b": ", text.encode("ascii"), b"\r\n"])
            content.extend(
                [
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n",
                    b"\r\n",
                    body,
                ]
            )
            self.transport.write(b"".join(content))
            self.transport.close()

    return JsonHttpToolsProtocol
