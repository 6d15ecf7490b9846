"""Signed webhooks, the way Stripe and GitHub sign theirs.

Every webhook carries `Upwatch-Event-Id` (the outbox row's id: the same on each retry, so a
receiver can drop repeats). A channel with a secret also gets
`Upwatch-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; the time
is inside the MAC, so a receiver that refuses old timestamps cannot be replayed to.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Upwatch-Signature"
EVENT_ID_HEADER = "Upwatch-Event-Id"
TOLERANCE_S = 300  # how old (or how far ahead) a signature's time may be when it is checked


def signature(secret: str, body: bytes, at: int) -> str:
    """Return the Upwatch-Signature header value for body sent at unix time `at`."""
    return f"t={at},v1={_mac(secret, body, at)}"


def verify(
    secret: str, body: bytes, header: str, *, now: float, tolerance_s: int = TOLERANCE_S
) -> bool:
    """Return True when header signs exactly body with secret, dated within tolerance_s of now.

    Several v1 entries are allowed (any one matching is enough); a header without a time or
    a v1, or with a time that is not a whole number, does not verify.
    """
    stamps: list[str] = []
    macs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            stamps.append(value)
        elif key == "v1":
            macs.append(value)
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()) or not macs:
        return False
    at = int(stamps[0])
    if abs(now - at) > tolerance_s:
        return False
    expected = _mac(secret, body, at)
    return any(hmac.compare_digest(expected, mac) for mac in macs)


def _mac(secret: str, body: bytes, at: int) -> str:
    signed = str(at).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
