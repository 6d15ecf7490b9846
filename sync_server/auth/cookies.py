"""Browser sessions: HttpOnly cookies and the Origin check on cookie writes.

The desktop sends bearer tokens and is never subject to the Origin check: a cross-site page
cannot make a browser send an Authorization header, only cookies.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sync_server.auth.schemas import TokenPair
from sync_server.config import ServerSettings
from sync_server.errors import Forbidden

ACCESS_COOKIE = "__Host-upwatch_access"
REFRESH_COOKIE = "__Secure-upwatch_refresh"
REFRESH_PATH = "/api/auth/refresh"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_session_cookies(response: Response, pair: TokenPair, settings: ServerSettings) -> None:
    """Put both tokens in HttpOnly, Secure, SameSite=Strict cookies that expire with them."""
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        max_age=settings.refresh_days * 86400,
        path=REFRESH_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookies(response: Response) -> None:
    """Tell the browser to drop both cookies."""
    response.delete_cookie(ACCESS_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_PATH, secure=True, httponly=True, samesite="strict"
    )


def access_token_of(request: Request) -> tuple[str, bool] | None:
    """Return (access token, came from a cookie) for a request, if it carries one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), False
    cookie = request.cookies.get(ACCESS_COOKIE)
    return (cookie, True) if cookie else None


def allowed_origins(settings: ServerSettings) -> frozenset[str]:
    """The origins whose pages may write with cookies: the public URL's and any listed."""
    return frozenset(o.rstrip("/") for o in [settings.public_origin, *settings.allowed_origins])


def require_same_origin(request: Request, settings: ServerSettings) -> None:
    """Refuse a cookie-authenticated write that a browser says comes from another site."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("cross-site request refused")
    origin = request.headers.get("origin")
    if origin is None or origin.rstrip("/") not in allowed_origins(settings):
        raise Forbidden("cross-site request refused: the Origin is not this site")
