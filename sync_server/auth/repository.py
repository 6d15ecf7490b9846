"""AuthRepository: users, sessions and refresh tokens. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select, update

from sync_server.auth.caller import Caller
from sync_server.auth.tables import AuthSession, RefreshToken, User

# Built once: every request asks one of them, and building the statement (and its cache
# key) anew cost more than running it (bench/api.py). The session's user, if it is live:
_SESSIONS_USER = col(AuthSession.user_id) == col(User.id)
_LIVE = (
    AuthSession.id == bindparam("session_id"),
    User.id == bindparam("user_id"),
    col(AuthSession.revoked_at).is_(None),
)
_LIVE_SESSION_USER = select(User).join(AuthSession, _SESSIONS_USER).where(*_LIVE)
# the same check reading only what the hot endpoints need (no ORM object)
_LIVE_SESSION_CALLER = (
    select(col(User.id), col(User.plan)).join(AuthSession, _SESSIONS_USER).where(*_LIVE)
)


class AuthRepository:
    """Reads and writes within the request's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user_by_email(self, email: str) -> User | None:
        """Return the user with this (lower-cased) email."""
        return self.session.exec(select(User).where(User.email == email.lower())).first()

    def user(self, user_id: uuid.UUID) -> User | None:
        """Return a user by id."""
        return self.session.get(User, user_id)

    def add_user_if_new(self, user: User) -> bool:
        """Insert a user unless the email is taken (even by a concurrent request); return
        True when this call inserted it."""
        values = {c.name: getattr(user, c.name) for c in User.__table__.columns}  # type: ignore[attr-defined]
        # RETURNING, not rowcount: the driver reports -1 rows for this statement
        statement = (
            insert(User)
            .values(values)
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(col(User.id))
        )
        return self.session.execute(statement).first() is not None

    def save_user(self, user: User) -> None:
        """Write a changed user."""
        self.session.add(user)
        self.session.flush()

    def add_session(self, auth_session: AuthSession) -> AuthSession:
        """Insert a session."""
        self.session.add(auth_session)
        self.session.flush()
        return auth_session

    def session_by_id(self, session_id: uuid.UUID) -> AuthSession | None:
        """Return a session by id."""
        return self.session.get(AuthSession, session_id)

    def live_session_user(self, session_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
        """The user of a session that is not revoked (one query: every request asks this)."""
        params = {"session_id": session_id, "user_id": user_id}
        return self.session.exec(_LIVE_SESSION_USER, params=params).first()

    def live_session_caller(self, session_id: uuid.UUID, user_id: uuid.UUID) -> Caller | None:
        """The id and plan of a session's user if the session is not revoked (one query)."""
        params = {"session_id": session_id, "user_id": user_id}
        row = self.session.execute(_LIVE_SESSION_CALLER, params).first()
        return None if row is None else Caller(row[0], row[1])

    def add_refresh(self, token: RefreshToken) -> None:
        """Insert a refresh token."""
        self.session.add(token)
        self.session.flush()

    def claim_refresh(self, token_hash: str, now: datetime) -> tuple[RefreshToken | None, bool]:
        """Mark a refresh token used; return (token, True) if this call used it first.

        A conditional UPDATE, so two concurrent refreshes cannot both succeed.
        """
        result = self.session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.token_hash) == token_hash, col(RefreshToken.used_at).is_(None))
            .values(used_at=now)
        )
        token = self.session.get(RefreshToken, token_hash, populate_existing=True)
        return token, bool(result.rowcount)

    def other_sessions(self, user_id: uuid.UUID, keep: uuid.UUID) -> Sequence[AuthSession]:
        """Return the user's live sessions except keep."""
        query = select(AuthSession).where(
            AuthSession.user_id == user_id,
            AuthSession.id != keep,
            col(AuthSession.revoked_at).is_(None),
        )
        return self.session.exec(query).all()

    def revoke_session(self, auth_session: AuthSession, now: datetime, reason: str) -> None:
        """Revoke a session (and so every token of its family)."""
        if auth_session.revoked_at is None:
            auth_session.revoked_at = now
            auth_session.revoked_reason = reason
            self.session.add(auth_session)
            self.session.flush()
