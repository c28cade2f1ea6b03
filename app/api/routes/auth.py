"""Tokens for scripts: the same accounts and revocable JWTs as a browser sign-in."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.actor import request_ip
from app.api.deps import Token
from app.api.schemas import ERRORS, OkResponse, TokenRequest, TokenResponse
from app.core.db import session_scope
from app.core.security import decode_token
from app.services import audit
from app.services import auth as auth_service
from app.services.throttle import client_address, sign_in_throttle

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS)


@router.post("/token", response_model=TokenResponse, summary="Sign in and get a bearer token")
def create_token(body: TokenRequest, request: Request) -> TokenResponse:
    """Throttled with the sign-in page (:mod:`app.services.throttle`): 429 while this client must wait."""
    peer = request.client.host if request.client else None
    client = client_address(peer, request.headers.get("x-forwarded-for"))
    with sign_in_throttle.attempt(email=body.email, client=client), session_scope() as session:
        _user, token = auth_service.sign_in(
            session, email=body.email, password=body.password, source="api", ip=client or None
        )
    return TokenResponse(access_token=token, expires_at=decode_token(token).expires_at)


@router.post("/logout", response_model=OkResponse, summary="Revoke this token")
def logout(token: Token, request: Request) -> OkResponse:
    actor = audit.Actor(ip=request_ip(request), surface="api")
    with session_scope() as session:
        auth_service.user_for_token(session, token=token)
        auth_service.revoke_token(session, token=token, actor=actor)
    return OkResponse()
