"""Access JWTs (HS256 pinned) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from sync_server.errors import NotAuthenticated

ALGORITHM = "HS256"
AUDIENCE = "upwatch-api"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """Who an access token speaks for, and in which session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


def make_access_token(
    claims: AccessClaims, *, secret: str, issuer: str, now: datetime, ttl: timedelta
) -> str:
    """Return a signed access token."""
    payload = {
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "typ": "access",
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: str, issuer: str) -> AccessClaims:
    """Return the claims of a valid access token; raise NotAuthenticated otherwise."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "sub", "sid", "typ", "iss", "aud"]},
        )
        if payload["typ"] != "access":
            raise NotAuthenticated("not an access token")
        return AccessClaims(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]))
    except (jwt.PyJWTError, ValueError, KeyError):
        raise NotAuthenticated("invalid or expired token") from None


def new_refresh_token() -> tuple[str, str]:
    """Return (token for the client, SHA-256 hex to store)."""
    token = secrets.token_urlsafe(32)
    return token, refresh_hash(token)


def refresh_hash(token: str) -> str:
    """Return the stored form of a refresh token."""
    return hashlib.sha256(token.encode()).hexdigest()
