"""Access JWTs (HS256 pinned, each naming its key by kid) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt

from sync_server.errors import NotAuthenticated

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10_000  # tokens remembered per key set; emptied when full
AUDIENCE = "upwatch-api"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """Who an access token speaks for, and in which session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The key new access tokens are signed with and every key still accepted, by key id.

    Rotation: the new secret becomes the current one and the old one moves to
    the previous list, so tokens it signed keep working until they expire; removing it from
    the list retires it, and its tokens are refused from then on.
    """

    current: str  # the kid new tokens carry
    secrets: Mapping[str, str]  # kid -> secret, the current one included
    # tokens these keys verified: token -> (claims, issuer, exp); a client sends the same token
    # for 15 minutes, and a dict lookup is ~100 times cheaper than decoding it again
    verified: dict[str, tuple[AccessClaims, str, int]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, current: str, previous: Sequence[str] = ()) -> SigningKeys:
        """Return the keys for a current secret and the previous ones still accepted."""
        secrets = {key_id(secret): secret for secret in previous}
        secrets[key_id(current)] = current
        return cls(key_id(current), secrets)


def key_id(secret: str) -> str:
    """Return the public name of a secret: a hash prefix that tells keys apart and reveals
    nothing of the secret (it is 32 or more random characters)."""
    return hashlib.sha256(b"upwatch-jwt-kid:" + secret.encode()).hexdigest()[:16]


def make_access_token(
    claims: AccessClaims, *, keys: SigningKeys, issuer: str, now: datetime, ttl: timedelta
) -> str:
    """Return an access token signed with the current key, which its header names (kid)."""
    payload = {
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "typ": "access",
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    secret = keys.secrets[keys.current]
    return jwt.encode(payload, secret, algorithm=ALGORITHM, headers={"kid": keys.current})


def read_access_token(
    token: str, *, keys: SigningKeys, issuer: str, now: float | None = None
) -> AccessClaims:
    """Return the claims of a valid access token signed by a key still accepted; raise
    NotAuthenticated otherwise (no kid, an unknown or retired one, a bad signature, expired
    at now, which is the clock's time unless given)."""
    now = time.time() if now is None else now
    known = keys.verified.get(token)
    if known is not None and known[1] == issuer and now < known[2]:
        return known[0]
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        secret = keys.secrets.get(kid) if isinstance(kid, str) else None
        if secret is None:
            raise NotAuthenticated("invalid or expired token")
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            # expiry is checked below against now, the clock the cache uses too
            options={"require": ["exp", "sub", "sid", "typ", "iss", "aud"], "verify_exp": False},
        )
        expires = payload["exp"]
        if type(expires) is not int or expires <= now:
            raise NotAuthenticated("invalid or expired token")
        if payload["typ"] != "access":
            raise NotAuthenticated("not an access token")
        claims = AccessClaims(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]))
    except (jwt.PyJWTError, ValueError, KeyError, TypeError):
        raise NotAuthenticated("invalid or expired token") from None
    if len(keys.verified) >= VERIFIED_CACHE_SIZE:
        keys.verified.clear()
    keys.verified[token] = (claims, issuer, expires)
    return claims


def new_refresh_token() -> tuple[str, str]:
    """Return (token for the client, SHA-256 hex to store)."""
    token = secrets.token_urlsafe(32)
    return token, refresh_hash(token)


def refresh_hash(token: str) -> str:
    """Return the stored form of a refresh token."""
    return hashlib.sha256(token.encode()).hexdigest()
