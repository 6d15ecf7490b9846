"""POST /api/auth/register | login | refresh | logout | password and GET /api/auth/me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from sync_server.auth.cookies import (
    REFRESH_COOKIE,
    clear_session_cookies,
    require_same_origin,
    set_session_cookies,
)
from sync_server.auth.schemas import (
    CookieSession,
    Login,
    PasswordChange,
    Preferences,
    RefreshRequest,
    Registered,
    Registration,
    TokenPair,
    UserPublic,
)
from sync_server.deps import AuthDep, CurrentDep, SettingsDep
from sync_server.errors import NotAuthenticated, error_responses

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=error_responses(401, 403, 422, 503))


@router.post("/register", status_code=status.HTTP_202_ACCEPTED)
def register(
    body: Registration, request: Request, response: Response, auth: AuthDep, settings: SettingsDep
) -> Registered:
    """Create an account; a taken email gets the same status and body (then sign in).

    With use_cookies, a browser that made a new account is signed in at once, with the cookies
    login sets; for a taken email it gets none, even with the right password: sign in then.
    """
    if body.use_cookies:
        require_same_origin(request, settings)  # a foreign page picks no account for you
    user = auth.register(body)
    # Whether cookies come back tells a new email from a taken one, as a sign-up followed by
    # a sign-in with the chosen password always could; never signing in an existing account
    # here keeps register from being a way to guess passwords around the sign-in limits.
    if body.use_cookies and user is not None:
        set_session_cookies(response, auth.open_session(user), settings)
    return Registered(email=body.email.lower())


@router.post("/login")
def login(
    body: Login, request: Request, response: Response, auth: AuthDep, settings: SettingsDep
) -> TokenPair | CookieSession:
    """Sign in: a short-lived access token and a 7-day refresh token (in cookies if asked)."""
    if body.use_cookies:
        require_same_origin(request, settings)
    pair = auth.login(body)
    if not body.use_cookies:
        return pair
    set_session_cookies(response, pair, settings)
    return CookieSession(expires_in=pair.expires_in)


@router.post("/refresh")
def refresh(
    request: Request,
    response: Response,
    auth: AuthDep,
    settings: SettingsDep,
    body: RefreshRequest | None = None,
) -> TokenPair | CookieSession:
    """Exchange a refresh token (each works once) for new tokens; browsers use the cookie."""
    if body is not None and body.refresh_token is not None:
        return auth.refresh(body.refresh_token)
    cookie = request.cookies.get(REFRESH_COOKIE)
    if cookie is None:
        raise NotAuthenticated("no refresh token: sign in again")
    require_same_origin(request, settings)
    pair = auth.refresh(cookie)
    set_session_cookies(response, pair, settings)
    return CookieSession(expires_in=pair.expires_in)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(current: CurrentDep, auth: AuthDep, response: Response) -> None:
    """End this session: its access and refresh tokens stop working at once."""
    auth.logout(current[1])
    clear_session_cookies(response)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, current: CurrentDep, auth: AuthDep) -> None:
    """Change your password; every other session is signed out at once."""
    auth.change_password(current[0], current[1], body)


@router.get("/me")
def me(current: CurrentDep) -> UserPublic:
    """The signed-in account."""
    return UserPublic.model_validate(current[0], from_attributes=True)


@router.put("/me")
def update_me(body: Preferences, current: CurrentDep, auth: AuthDep) -> UserPublic:
    """Change your preferences (the weekly email report)."""
    user = auth.set_preferences(current[0], body)
    return UserPublic.model_validate(user, from_attributes=True)
