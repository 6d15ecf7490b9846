"""How uvicorn serves the API: its C parser (httptools), answering what it cannot parse in JSON.

uvicorn answers a request its parser refuses (a method HTTP does not know, a malformed request
line or header) with a plain-text 400 before the app sees it. Every answer of the API has one
JSON error shape, so this protocol sends that shape instead, and still closes the connection
(what follows on it cannot be read either). Methods the parser knows but no route takes reach
the app and get a JSON 405 with Allow.
"""

from __future__ import annotations

import asyncio
import json

from sync_server.errors import error_body

UNREADABLE = "the request cannot be read as HTTP: an unknown method, or a malformed line or header"


def http_protocol() -> type[asyncio.Protocol] | str:
    """The `http` option for uvicorn: the JSON-answering httptools protocol, or "auto" where
    httptools is not installed (uvicorn's h11 then passes any method on to the app)."""
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:
        return "auto"

    class JsonHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol with its 400 for unparseable requests in JSON."""

        def send_400_response(self, msg: str) -> None:
            body = json.dumps(error_body("bad_request", UNREADABLE)).encode()
            content = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
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
