"""Users, sessions (refresh-token families) and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field

from sync_server.models import ServerModel, utc_column, utc_now

NAME_MAX = 100  # characters in an account's name


class User(ServerModel, table=True):
    """An account."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    password_hash: str
    # what the account is called, if its owner said (trimmed, no control characters)
    name: str | None = Field(default=None, max_length=NAME_MAX)
    plan: str = "free"
    change_seq: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column(nullable=False))
    # the weekly email summary (opt in), and when the last one went out
    weekly_report: bool = Field(default=False, sa_column_kwargs={"server_default": "false"})
    last_report_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AuthSession(ServerModel, table=True):
    """One sign-in: the family of refresh tokens it hands out; revoking it ends them all."""

    __tablename__ = "auth_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoked_reason: str | None = None


class RefreshToken(ServerModel, table=True):
    """A refresh token, stored as its SHA-256; each may be used once."""

    __tablename__ = "refresh_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: uuid.UUID = Field(foreign_key="auth_sessions.id", index=True, ondelete="CASCADE")
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
