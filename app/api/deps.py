"""Request dependencies: one transaction per request, and the acting user from the bearer token.

``SessionDep`` is the request's one transaction: every query of the endpoint and the user lookup
of ``CurrentUser`` share it, and it commits when the endpoint returns, before the response is
sent (``scope="function"``), so a commit that fails is the response (an error), never a success
already sent for a change that was then lost. An error rolls it back.

Endpoints that hand the request to the orchestration (a chat turn, a widget action), which opens
transactions of its own and may run for seconds, take ``UserId`` instead: the user is looked up
in a short transaction of its own, so no connection is held while the turn runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.core.db import session_scope
from app.models import User
from app.services import auth as auth_service
from app.services import two_factor
from app.services.errors import AuthError

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/auth/token")


def bearer_token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise AuthError("Missing bearer token. Send `Authorization: Bearer <token>`.")
    return creds.credentials


def request_session() -> Iterator[Session]:
    """The request's transaction: committed as the endpoint returns, rolled back on an error."""
    with session_scope() as session:
        yield session


Token = Annotated[str, Depends(bearer_token)]
SessionDep = Annotated[Session, Depends(request_session, scope="function")]


def current_user(session: SessionDep, token: Token) -> User:
    """The token's user; expired, revoked, tampered or malformed tokens are refused (401), and an
    account the instance requires to set up two-factor sign-in first gets 403 until it has."""
    user = auth_service.user_for_token(session, token=token)
    two_factor.require_setup_done(session, user)
    return user


def current_user_id(token: Token) -> uuid.UUID:
    """The token's user id, looked up in a transaction of its own (see the module docstring)."""
    with session_scope() as session:
        user = auth_service.user_for_token(session, token=token)
        two_factor.require_setup_done(session, user)
        return user.id


CurrentUser = Annotated[User, Depends(current_user)]
UserId = Annotated[uuid.UUID, Depends(current_user_id)]
