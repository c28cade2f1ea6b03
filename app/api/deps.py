"""Request dependencies: the acting user from the bearer token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.db import session_scope
from app.services import auth as auth_service
from app.services.errors import AuthError

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/auth/token")


def bearer_token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise AuthError("Missing bearer token. Send `Authorization: Bearer <token>`.")
    return creds.credentials


def current_user_id(token: Annotated[str, Depends(bearer_token)]) -> uuid.UUID:
    """The token's user; expired, revoked, tampered or malformed tokens are refused (401)."""
    with session_scope() as session:
        return auth_service.user_for_token(session, token=token).id


Token = Annotated[str, Depends(bearer_token)]
UserId = Annotated[uuid.UUID, Depends(current_user_id)]
