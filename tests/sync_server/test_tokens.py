"""Access tokens without a server: keys by kid, rotation, and the verified-token memory."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sync_server.auth.tokens import (
    VERIFIED_CACHE_SIZE,
    AccessClaims,
    SigningKeys,
    key_id,
    make_access_token,
    read_access_token,
)
from sync_server.errors import NotAuthenticated

OLD = "old-secret-0123456789-0123456789-0123456789"
NEW = "new-secret-0123456789-0123456789-0123456789"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # in the past: PyJWT refuses an iat to come
CLAIMS = AccessClaims(uuid.uuid4(), uuid.uuid4())


def token(keys: SigningKeys, *, issuer: str = "upwatch", minutes: int = 15) -> str:
    return make_access_token(
        CLAIMS, keys=keys, issuer=issuer, now=T0, ttl=timedelta(minutes=minutes)
    )


def test_a_token_names_the_key_that_signed_it() -> None:
    """New tokens carry the current key's kid, which reveals nothing of the secret."""
    keys = SigningKeys.of(NEW, [OLD])
    header = jwt.get_unverified_header(token(keys))
    assert header["kid"] == key_id(NEW) == keys.current
    assert key_id(NEW) != key_id(OLD)
    assert NEW[:8] not in header["kid"]


def test_a_remembered_token_still_expires() -> None:
    """Once verified a token is remembered, but only until its exp: the memory never
    outlives the token, and an expired one is refused whether remembered or not."""
    keys = SigningKeys.of(NEW)
    issued = token(keys, minutes=15)
    at = T0.timestamp()
    assert read_access_token(issued, keys=keys, issuer="upwatch", now=at + 60) == CLAIMS
    assert issued in keys.verified
    assert read_access_token(issued, keys=keys, issuer="upwatch", now=at + 899) == CLAIMS
    with pytest.raises(NotAuthenticated):
        read_access_token(issued, keys=keys, issuer="upwatch", now=at + 900)
    fresh = SigningKeys.of(NEW)  # nothing remembered: the same answer
    with pytest.raises(NotAuthenticated):
        read_access_token(issued, keys=fresh, issuer="upwatch", now=at + 900)


def test_a_remembered_token_is_refused_for_another_issuer_or_after_retirement() -> None:
    """What one key set verified counts for that set and issuer only."""
    rotating = SigningKeys.of(NEW, [OLD])
    issued = token(SigningKeys.of(OLD))
    at = T0.timestamp() + 1
    assert read_access_token(issued, keys=rotating, issuer="upwatch", now=at) == CLAIMS
    with pytest.raises(NotAuthenticated):
        read_access_token(issued, keys=rotating, issuer="someone-else", now=at)
    with pytest.raises(NotAuthenticated):
        read_access_token(issued, keys=SigningKeys.of(NEW), issuer="upwatch", now=at)


def test_the_memory_is_bounded() -> None:
    keys = SigningKeys.of(NEW)
    at = T0.timestamp() + 1
    for minutes in range(1, VERIFIED_CACHE_SIZE + 2):
        read_access_token(token(keys, minutes=minutes), keys=keys, issuer="upwatch", now=at)
    assert 0 < len(keys.verified) <= VERIFIED_CACHE_SIZE
