"""Request dependencies: settings, the unit of work, the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from sync_server.auth.caller import Caller
from sync_server.auth.cookies import access_token_of, require_same_origin
from sync_server.auth.repository import AuthRepository
from sync_server.auth.service import AuthService
from sync_server.auth.tables import User
from sync_server.auth.tokens import AccessClaims, read_access_token
from sync_server.config import ServerSettings
from sync_server.db import finish, open_session
from sync_server.errors import Invalid, NotAuthenticated

_bearer = HTTPBearer(auto_error=False)
T = TypeVar("T")


async def get_settings(request: Request) -> ServerSettings:
    """The app's settings."""
    settings: ServerSettings = request.app.state.settings
    return settings


@asynccontextmanager
async def _unit_of_work(engine: Engine) -> AsyncIterator[Session]:
    # every exit, GeneratorExit included, ends the unit of work with what ended the request
    session = open_session(engine)
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(finish, session, exc)
        raise
    await run_in_threadpool(finish, session, None)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request, opened on the loop; commit (or rollback) and close take
    one trip to a worker thread. Used with scope="function" (SessionDep), so it ends before
    the answer is sent: a client never reads ahead of its own write, and a sign-out holds
    from the next request on."""
    async with _unit_of_work(request.app.state.engine) as session:
        yield session


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]

# cached on the route object itself (tests build many apps: an id() could be reused)
_NAMES_ATTR = "_upwatch_query_names"


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(conn: HTTPConnection) -> None:
    """Raise Invalid (422) for a query parameter the route does not take: a misspelt filter
    must not be silently ignored (bad input changes nothing and says why)."""
    route = conn.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not conn.query_params:
        return
    names: frozenset[str] | None = getattr(route, _NAMES_ATTR, None)
    if names is None:
        names = frozenset(_query_names(dependant))
        setattr(route, _NAMES_ATTR, names)
    unknown = sorted(set(conn.query_params) - names)
    if unknown:
        raise Invalid(f"unknown query parameter {', '.join(unknown)}")


# scope="function": the exit code runs when the handler returns, before the response goes out
# (FastAPI's default runs it after the response has been sent)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_read_session(request: Request, session: SessionDep) -> AsyncIterator[Session]:
    """A unit of work on the read replica (DATABASE_READ_URL); without one, the request's own
    session: one request never holds two connections of one pool (they could all wait)."""
    if request.app.state.read_engine is request.app.state.engine:
        yield session
        return
    async with _unit_of_work(request.app.state.read_engine) as replica:
        yield replica


ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


async def get_auth(session: SessionDep, settings: SettingsDep) -> AuthService:
    """The auth service on this request's unit of work."""
    return AuthService(AuthRepository(session), settings)


AuthDep = Annotated[AuthService, Depends(get_auth)]


def get_current(
    request: Request,
    auth: AuthDep,
    settings: SettingsDep,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[User, AccessClaims]:
    """The signed-in user and token claims, from a bearer token or a browser's cookie.

    401 without a valid token of a live session; 403 for a cross-site cookie write.
    """
    return auth.current_user(verified_claims(request, settings))


CurrentDep = Annotated[tuple[User, AccessClaims], Depends(get_current)]


def verified_claims(request: Request, settings: ServerSettings) -> AccessClaims:
    """The claims of the request's access token, checked (by the rate limiter when it did);
    401 without a valid one, 403 for a cross-site cookie write. Its session is not
    checked here."""
    found = access_token_of(request)
    if found is None:
        raise NotAuthenticated("sign in first: no bearer token or session cookie")
    token, from_cookie = found
    if from_cookie:
        require_same_origin(request, settings)
    verified = getattr(request.state, "verified_token", None)
    if verified is not None and verified[0] == token:
        claims: AccessClaims = verified[1]
        return claims
    return read_access_token(token, keys=settings.jwt_keys, issuer=settings.jwt_issuer)


async def get_token(
    request: Request,
    settings: SettingsDep,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """The request's verified access token's claims, checked on the loop without the
    database: the endpoint's own trip to a worker thread checks that its session is live
    (run_as_user)."""
    return verified_claims(request, settings)


TokenDep = Annotated[AccessClaims, Depends(get_token)]


async def run_as_user(
    request: Request,
    claims: AccessClaims,
    work: Callable[[Session, Caller], T],
    *,
    read_only: bool = False,
) -> T:
    """Return work(session, caller) run by as_caller in one trip to a worker thread: one
    thread hop per request instead of three (user lookup, endpoint, commit).

    read_only: work reads from the replica (DATABASE_READ_URL) when there is one; the session
    check stays on the primary, so a sign-out counts at once.
    """
    state = request.app.state
    reader = state.read_engine if read_only else state.engine
    return await run_in_threadpool(as_caller, state.engine, reader, state.settings, claims, work)


def as_caller(
    engine: Engine,
    read_engine: Engine,
    settings: ServerSettings,
    claims: AccessClaims,
    work: Callable[[Session, Caller], T],
) -> T:
    """Return work(session on read_engine, caller) after checking on engine that the token's
    session is live (401 if not); commit both units of work, or roll back on an error.
    Blocking: the hot endpoints' whole database side (bench/api_units.py measures it)."""
    session = open_session(engine)
    replica = read_engine is not engine
    reader = open_session(read_engine) if replica else session
    try:
        caller = AuthService(AuthRepository(session), settings).current_caller(claims)
        result = work(reader, caller)
    except BaseException as exc:
        if replica:
            finish(reader, exc)
        finish(session, exc)
        raise
    if replica:
        finish(reader, None)
    finish(session, None)
    return result
