"""Request dependencies: one transaction per request, and the acting user from the bearer token.

``SessionDep`` is the request's one transaction: every query of the endpoint and the user lookup
of ``CurrentUser`` share it, and it commits when the endpoint returns, before the response is
sent (``scope="function"``), so a commit that fails is the response (an error), never a success
already sent for a change that was then lost. An error rolls it back.

Endpoints that hand the request to the orchestration (a chat turn, a widget action), which opens
transactions of its own and may run for seconds, take ``UserId`` instead: the user is looked up
in a short transaction of its own, so no connection is held while the turn runs.

The hot reads (the threads list, opening a thread, its messages) take ``UserWorkDep``: the same
token check, the work and the commit in one transaction and one worker thread (issue 19); on
SQLite, on the event loop itself, read-only, with "last seen" written after it in a worker thread
(``UserWork._on_the_loop``; a search, unbounded by a page size, still goes to a worker thread). Their
query parameters are validated before the token is checked, so a request with a bad token and a
bad parameter gets the 422; without any token it is still the 401.

The bearer credential is a sign-in JWT (``POST /api/auth/token``, the browser's session) or a
personal access token (``tk_...``, :mod:`app.services.access_tokens`); both come through
:func:`authenticate`, the one place that also enforces a token's scope:

- a ``read`` token is refused (403) on every request that is not GET, HEAD or OPTIONS, here and not
  route by route, so a route added later is covered too (the API has no POST that only reads);
- the admin API needs the ``admin`` scope: admin routes depend on ``require_scope(TokenScope.admin)``
  (or ``AdminCaller``), which answers anyone who is not an active admin with the admin console's
  404 and an admin's ``read``/``write`` token with 403. A sign-in JWT counts as every scope (a
  person in the browser can do whatever their account can).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.sql import Executable
from sqlmodel import Session

from app.api.errors import NOTHING_HERE
from app.core import db
from app.core.db import get_engine, session_scope
from app.models import TokenScope, User
from app.services import access_tokens, admin_guard, presence, two_factor
from app.services import auth as auth_service
from app.services.errors import AuthError, ForbiddenError, NotFoundError

bearer = HTTPBearer(
    auto_error=False,
    description="A personal access token (tk_..., made in Settings or with `python -m app.cli token "
    "create`) or a sign-in token from POST /api/auth/token",
)
T = TypeVar("T")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""What a ``read`` access token may send: the API changes nothing on these."""


# The cheap dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a worker
# thread, and each such hop (queue, wake-up, back to the event loop) cost more than the work itself
# (issue 19: six hops were a third of a request's time). Only what waits on the database stays in a
# thread: the caller's look-up, the endpoint and the commit.


async def bearer_token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise AuthError("Missing bearer token. Send `Authorization: Bearer <token>`.")
    return creds.credentials


_ENDS = anyio.CapacityLimiter(8)
"""Threads for ending transactions, apart from the endpoints': a commit never waits behind a full pool."""


async def request_session() -> AsyncIterator[Session]:
    """The request's transaction: committed as the endpoint returns, rolled back on an error (its
    caller's "last seen" then written on its own: ``app.services.presence``).

    The session opens no connection until its first query, so it is made here on the event loop;
    the commit or rollback (database I/O) runs in a thread, shielded so that it always runs.
    """
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end, session, False, limiter=_ENDS)
        raise
    if session.in_transaction():
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end, session, True, limiter=_ENDS)
    else:
        session.close()  # never queried: nothing to end


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
            presence.keep(session)  # a refused request still saw its caller
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Token = Annotated[str, Depends(bearer_token)]
SessionDep = Annotated[Session, Depends(request_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    """Who sent the request and with what: a sign-in session (``grant`` None: every scope) or an
    access token's grant."""

    user: User
    grant: access_tokens.Grant | None = None

    def has_scope(self, scope: TokenScope) -> bool:
        if self.grant is None:
            return True
        order = (TokenScope.read, TokenScope.write, TokenScope.admin)
        return order.index(self.grant.scope) >= order.index(scope)


def authenticate(session: Session, token: str, method: str) -> Caller:
    """The bearer's user, and the one scope check: a read-only token changes nothing.

    Expired, revoked, tampered or malformed credentials are refused (401); a ``read`` token on a
    method other than GET/HEAD/OPTIONS is refused (403) before the endpoint runs.
    """
    if access_tokens.looks_like_token(token):
        grant = access_tokens.resolve(session, secret=token)
        access_tokens.check_read_only(grant, writes=method.upper() not in READ_METHODS)
        return Caller(grant.user, grant)
    return Caller(auth_service.user_for_token(session, token=token))


def current_caller(request: Request, session: SessionDep, token: Token) -> Caller:
    """The caller; an account the instance requires to set up two-factor sign-in first gets 403
    until it has (``/api/auth/*`` does not ask for this)."""
    return _caller(session, token, request.method)


def _caller(session: Session, token: str, method: str) -> Caller:
    caller = authenticate(session, token, method)
    two_factor.require_setup_done(session, caller.user)
    return caller


@dataclass(frozen=True)
class UserWork:
    """A request's whole database work in one worker thread: the caller's look-up, the work and the
    commit, in one transaction, as ``CurrentUser`` + ``SessionDep`` + a plain ``def`` route would do
    in four thread hops (each one a queue, a wake-up and a wait for the interpreter lock).

    For the hot reads (the sidebar, opening a conversation): the route is ``async def`` and returns
    ``await work.run(lambda session, user: ...)``; the token is checked exactly as ``CurrentUser``.
    """

    token: str
    method: str

    async def run(self, work: Callable[[Session, User], T], *, bounded: bool = True) -> T:
        """``work``'s answer. ``bounded``: its cost is capped by a page size (so, on SQLite, it may
        run on the loop); a search, which may test a person's whole index, is not."""
        if bounded and db.reads_on_the_loop():
            return await self._on_the_loop(work)

        def job() -> T:
            with session_scope() as session:
                try:
                    return work(session, _caller(session, self.token, self.method).user)
                except BaseException:
                    session.rollback()
                    presence.keep(session)  # as ``request_session`` does
                    raise

        return await anyio.to_thread.run_sync(job)

    async def _on_the_loop(self, work: Callable[[Session, User], T]) -> T:
        """SQLite: the read on the event loop itself (``db.loop_read_scope``: it never waits), and
        "last seen", when due (once a minute), written after it in a worker thread, where waiting
        for the write lock holds up nobody else. The hop it spares cost ~0.16 ms of CPU (a fifth of
        the list's read) and two thread wake-ups."""
        writes: list[Executable] = []
        try:
            with db.loop_read_scope() as session:
                presence.defer(session)
                try:
                    return work(session, _caller(session, self.token, self.method).user)
                finally:
                    writes = presence.deferred(session)
        finally:
            if writes:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(_write_presence, writes, limiter=_ENDS)


def _write_presence(writes: list[Executable]) -> None:
    with Session(get_engine()) as session:
        presence.write(session, writes)


async def user_work(request: Request, token: Token) -> UserWork:
    return UserWork(token, request.method)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def current_user(caller: CurrentCaller) -> User:
    """The bearer's user; expired, revoked, tampered or malformed tokens are refused (401)."""
    return caller.user


def current_user_id(request: Request, token: Token) -> uuid.UUID:
    """The bearer's user id, looked up in a transaction of its own (see the module docstring)."""
    with session_scope() as session:
        user = authenticate(session, token, request.method).user
        two_factor.require_setup_done(session, user)
        return user.id


def admin_caller(
    request: Request,
    session: SessionDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The acting admin, for every ``/api/admin`` route: anyone else (no token, a bad or revoked one,
    a member, a disabled admin) gets exactly the unmatched address's 404, before a body is read, so
    the admin API does not show that it exists. An admin's access token needs the ``admin`` scope
    (403 otherwise: they know the console exists); a sign-in token counts as every scope."""
    grant: access_tokens.Grant | None = None
    try:
        if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
            raise AuthError("no token")
        if access_tokens.looks_like_token(creds.credentials):
            grant = access_tokens.resolve(session, secret=creds.credentials)
            user = grant.user
        else:
            user = auth_service.user_for_token(session, token=creds.credentials)
        admin_guard.require_admin(session, user_id=user.id)
    except (AuthError, NotFoundError) as exc:
        raise NotFoundError(NOTHING_HERE) from exc
    caller = Caller(user, grant)
    if not caller.has_scope(TokenScope.admin):
        raise ForbiddenError("This access token can't do this: it needs the admin scope.")
    return caller


def require_scope(scope: TokenScope) -> Callable[..., Caller]:
    """A dependency: the caller, when their credential reaches ``scope``.

    ``admin``: anyone but an active admin gets the admin console's 404 (``admin_guard``), whatever
    the token; an admin's ``read`` or ``write`` token gets 403. Other scopes: 403 when the token's
    scope is lower. Use it on a route (``caller: Annotated[Caller, Depends(require_scope(...))]``)
    or a router (``APIRouter(dependencies=[Depends(require_scope(TokenScope.admin))])``).
    """

    def check(caller: CurrentCaller, session: SessionDep) -> Caller:
        if scope == TokenScope.admin:
            admin_guard.require_admin(session, user_id=caller.user.id)
        if not caller.has_scope(scope):
            raise ForbiddenError(f"This access token can't do this: it needs the {scope.value} scope.")
        return caller

    return check


CurrentUser = Annotated[User, Depends(current_user)]
UserId = Annotated[uuid.UUID, Depends(current_user_id)]
AdminCaller = Annotated[Caller, Depends(admin_caller)]
UserWorkDep = Annotated[UserWork, Depends(user_work)]
