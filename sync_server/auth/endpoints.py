"""POST /api/auth/register | login | refresh | logout and GET /api/auth/me."""

from __future__ import annotations

from fastapi import APIRouter, status

from sync_server.auth.schemas import (
    Credentials,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserPublic,
)
from sync_server.deps import AuthDep, CurrentDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED)
def register(body: Credentials, auth: AuthDep) -> UserPublic:
    """Create an account."""
    return UserPublic.model_validate(auth.register(body), from_attributes=True)


@router.post("/login")
def login(body: Credentials, auth: AuthDep) -> TokenPair:
    """Sign in: a 15-minute access token and a 7-day refresh token."""
    return auth.login(body)


@router.post("/refresh")
def refresh(body: RefreshRequest, auth: AuthDep) -> TokenPair:
    """Exchange a refresh token (each works once) for new tokens."""
    return auth.refresh(body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(current: CurrentDep, auth: AuthDep) -> None:
    """End this session: its access and refresh tokens stop working at once."""
    auth.logout(current[1])


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, current: CurrentDep, auth: AuthDep) -> None:
    """Change your password; every other session is signed out at once."""
    auth.change_password(current[0], current[1], body)


@router.get("/me")
def me(current: CurrentDep) -> UserPublic:
    """The signed-in account."""
    return UserPublic.model_validate(current[0], from_attributes=True)
