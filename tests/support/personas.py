"""The people in the tests, defined once.

Alice owns the monitors, channels and status pages a test is about. Bob has an account of
his own and no access to Alice's things: whatever he tries on them must look as if they
did not exist. Mallory is an attacker who only has an address to send requests from.
"""

from __future__ import annotations

ALICE_EMAIL = "alice@example.com"
ALICE_PASSWORD = "correct horse battery"
ALICE: dict[str, str] = {"email": ALICE_EMAIL, "password": ALICE_PASSWORD}

BOB_EMAIL = "bob@example.com"
BOB_PASSWORD = "another long password"
BOB: dict[str, str] = {"email": BOB_EMAIL, "password": BOB_PASSWORD}

# client addresses for the sign-in limits (documentation ranges, never routed)
ALICE_HOME = "198.51.100.7"
MALLORY = "203.0.113.66"
