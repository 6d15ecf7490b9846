"""AuthService: the rules of accounts and sessions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sync_server.auth.caller import Caller
from sync_server.auth.passwords import hash_password, needs_rehash, verify_password
from sync_server.auth.repository import AuthRepository
from sync_server.auth.schemas import (
    Credentials,
    PasswordChange,
    Preferences,
    Registration,
    TokenPair,
)
from sync_server.auth.tables import AuthSession, RefreshToken, User
from sync_server.auth.tokens import (
    AccessClaims,
    make_access_token,
    new_refresh_token,
    refresh_hash,
)
from sync_server.config import ServerSettings
from sync_server.errors import Forbidden, NotAuthenticated, SessionRevoked

log = logging.getLogger(__name__)
LOGIN_FAILED = "wrong email or password"


class AuthService:
    """Registers, signs in, rotates refresh tokens, signs out, identifies."""

    def __init__(self, repo: AuthRepository, settings: ServerSettings) -> None:
        self.repo = repo
        self.settings = settings

    def register(self, registration: Registration) -> User | None:
        """Create an account unless the email is taken; return it, or None when taken.

        The password is hashed either way, so both take as long; what the caller answers must
        not tell the two apart (see the register endpoint).
        """
        user = User(
            email=registration.email.lower(),
            password_hash=hash_password(registration.password),
            name=registration.name,
        )
        if not self.repo.add_user_if_new(user):
            log.info("registration for a taken email ignored")
            return None
        return user

    def login(self, credentials: Credentials) -> TokenPair:
        """Return tokens for a new session; raise one generic NotAuthenticated otherwise."""
        user = self.repo.user_by_email(credentials.email)
        if not verify_password(user.password_hash if user else None, credentials.password):
            raise NotAuthenticated(LOGIN_FAILED)
        assert user is not None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(credentials.password)
        return self.open_session(user)

    def open_session(self, user: User) -> TokenPair:
        """Return tokens for a new session of user (who has just proved who they are)."""
        auth_session = self.repo.add_session(AuthSession(user_id=user.id))
        return self._issue(user, auth_session)

    def refresh(self, token: str) -> TokenPair:
        """Exchange a refresh token for new tokens; reuse of a used one revokes its family."""
        now = datetime.now(UTC)
        stored, first_use = self.repo.claim_refresh(refresh_hash(token), now)
        if stored is None:
            raise NotAuthenticated("unknown refresh token")
        auth_session = self.repo.session_by_id(stored.session_id)
        if auth_session is None or auth_session.revoked_at is not None:
            raise NotAuthenticated("this session has ended; sign in again")
        if not first_use:
            log.warning("refresh token reused: revoking session %s", auth_session.id)
            self.repo.revoke_session(auth_session, now, "refresh token reused")
            raise SessionRevoked("this session has ended; sign in again")
        if stored.expires_at <= now:
            raise NotAuthenticated("this session has expired; sign in again")
        user = self.repo.user(auth_session.user_id)
        if user is None:
            raise NotAuthenticated("unknown account")
        return self._issue(user, auth_session)

    def logout(self, claims: AccessClaims) -> None:
        """End the session of an access token at once."""
        auth_session = self.repo.session_by_id(claims.session_id)
        if auth_session is not None:
            self.repo.revoke_session(auth_session, datetime.now(UTC), "signed out")

    def change_password(self, user: User, claims: AccessClaims, body: PasswordChange) -> None:
        """Set a new password and end every other session; raise NotAuthenticated."""
        if not verify_password(user.password_hash, body.current_password):
            # 403, not 401: the session is fine, and a client must not sign out over this
            raise Forbidden("the current password is wrong")
        user.password_hash = hash_password(body.new_password)
        now = datetime.now(UTC)
        for other in self.repo.other_sessions(user.id, keep=claims.session_id):
            self.repo.revoke_session(other, now, "password changed")

    def set_preferences(self, user: User, body: Preferences) -> User:
        """Store the user's preferences."""
        user.weekly_report = body.weekly_report
        self.repo.save_user(user)
        return user

    def current_user(self, claims: AccessClaims) -> tuple[User, AccessClaims]:
        """Return the user of a verified token whose session is live; else NotAuthenticated."""
        user = self.repo.live_session_user(claims.session_id, claims.user_id)
        if user is None:
            raise NotAuthenticated("this session has ended; sign in again")
        return user, claims

    def current_caller(self, claims: AccessClaims) -> Caller:
        """Return the id and plan of a verified token's user if its session is live; else
        NotAuthenticated (the hot endpoints' check: no ORM object)."""
        caller = self.repo.live_session_caller(claims.session_id, claims.user_id)
        if caller is None:
            raise NotAuthenticated("this session has ended; sign in again")
        return caller

    def _issue(self, user: User, auth_session: AuthSession) -> TokenPair:
        now = datetime.now(UTC)
        ttl = timedelta(seconds=self.settings.access_token_seconds)
        access = make_access_token(
            AccessClaims(user.id, auth_session.id),
            keys=self.settings.jwt_keys,
            issuer=self.settings.jwt_issuer,
            now=now,
            ttl=ttl,
        )
        token, digest = new_refresh_token()
        expires = now + timedelta(days=self.settings.refresh_days)
        self.repo.add_refresh(
            RefreshToken(token_hash=digest, session_id=auth_session.id, expires_at=expires)
        )
        return TokenPair(
            access_token=access, refresh_token=token, expires_in=int(ttl.total_seconds())
        )
