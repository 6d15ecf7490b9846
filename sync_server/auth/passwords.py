"""argon2id password hashing with a dummy verify so unknown emails take as long."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are argon2id, m=64 MiB, t=3, p=4: above our floor (19 MiB, t=2, p=1).
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("upwatch-dummy-password-for-timing")


def hash_password(password: str) -> str:
    """Return the argon2id hash of password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Return True when password matches; with no stored hash, spend the same time and fail."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the stored hash uses weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
