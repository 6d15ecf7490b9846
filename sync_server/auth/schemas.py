"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, field_validator

from sync_server.auth.tables import NAME_MAX

# control characters (NUL among them), lone surrogates and line or paragraph separators:
# PostgreSQL refuses NUL and surrogates, and none belongs in a name shown in mails and pages
REFUSED_IN_NAMES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class Credentials(BaseModel):
    """Email and password."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=256)


class Login(Credentials):
    """Credentials, and whether the tokens go in cookies (browsers) or the body (desktop)."""

    use_cookies: StrictBool = False


class Registration(Login):
    """A new account: credentials, an optional name, and whether a browser is signed in."""

    name: str | None = Field(default=None, max_length=NAME_MAX)

    @field_validator("name")
    @classmethod
    def _printable(cls, name: str | None) -> str | None:
        """Refuse control characters; an empty name (after trimming) is no name."""
        if name is not None and any(unicodedata.category(c) in REFUSED_IN_NAMES for c in name):
            raise ValueError("a name cannot hold control characters")
        return name or None


class PasswordChange(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class RefreshRequest(BaseModel):
    """A refresh token to exchange (browsers send none: theirs is in a cookie)."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = Field(default=None, min_length=20, max_length=200)


class TokenPair(BaseModel):
    """What a desktop client keeps: a short access token and a rotating refresh token."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class Registered(BaseModel):
    """The one answer to a registration, whether or not the email was taken: the same status
    and body, so that the answer cannot tell who has an account."""

    email: str
    message: str = "If this email was new, the account is ready: sign in with your password."


class CookieSession(BaseModel):
    """A browser's sign-in: the tokens are in HttpOnly cookies, never in the body."""

    token_type: str = "cookie"  # noqa: S105 - where the tokens are, not a secret
    expires_in: int


class UserPublic(BaseModel):
    """A user as the API shows them (never the password hash)."""

    id: uuid.UUID
    email: str
    name: str | None
    plan: str
    created_at: datetime
    weekly_report: bool


class Preferences(BaseModel):
    """What a user may change about their account besides the password."""

    model_config = ConfigDict(extra="forbid")

    weekly_report: StrictBool
