"""GET /docs (Swagger UI) and /docs-assets/<file>: the page and its files, all same-origin."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Response
from fastapi.openapi.docs import get_swagger_ui_html

ASSETS_PATH = "/docs-assets"
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ASSET_CACHE = "public, max-age=86400"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_page(openapi_url: str, title: str) -> str:
    """Return Swagger UI's HTML for the schema at openapi_url, loading only our own files."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - API docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        # the default would send the schema to an online validator and show its badge
        swagger_ui_parameters={"validatorUrl": None},
    )
    return bytes(page.body).decode()


def docs_csp(html: str) -> str:
    """Return a Content-Security-Policy allowing this site's files and html's own inline
    script (by its hash), and nothing else: no other origin, no other inline script."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


@cache
def asset(name: str) -> bytes:
    """Return the bytes of one of the shipped files."""
    return (files("sync_server.apidocs") / "assets" / name).read_bytes()


def docs_router(openapi_url: str, title: str) -> APIRouter:
    """Return the routes of the docs page for the app's schema at openapi_url."""
    router = APIRouter(include_in_schema=False)
    html = docs_page(openapi_url, title)
    page_headers = {
        "Content-Security-Policy": docs_csp(html),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    @router.get("/docs")
    def docs() -> Response:
        """Swagger UI for this API."""
        return Response(html, media_type="text/html", headers=page_headers)

    for name, media_type in MEDIA_TYPES.items():
        router.add_api_route(f"{ASSETS_PATH}/{name}", _asset_endpoint(name, media_type))
    return router


def _asset_endpoint(name: str, media_type: str) -> Callable[[], Response]:
    """Return an endpoint that answers with one of the shipped files (one route per file,
    so no name from a request ever reaches the file system)."""
    headers = {"Cache-Control": ASSET_CACHE, "X-Content-Type-Options": "nosniff"}

    def docs_asset() -> Response:
        return Response(asset(name), media_type=media_type, headers=headers)

    return docs_asset
