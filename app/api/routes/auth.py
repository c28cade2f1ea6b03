"""Tokens for scripts: the same accounts and revocable JWTs as a browser sign-in."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.actor import client_ip, request_ip
from app.api.deps import Token, authenticate
from app.api.schemas import ERRORS, OkResponse, TokenRequest, TokenResponse
from app.core.db import session_scope
from app.core.security import decode_token
from app.services import access_tokens, audit
from app.services import auth as auth_service
from app.services.throttle import sign_in_throttle

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERRORS)


@router.post("/token", response_model=TokenResponse, summary="Sign in and get a bearer token")
def create_token(body: TokenRequest, request: Request) -> TokenResponse:
    """Throttled with the sign-in page (:mod:`app.services.throttle`): 429 while this client must wait.

    An account with two-factor sign-in answers 401 ``two_factor_required`` until the request also
    carries ``otp`` (an app code or a recovery code); a wrong code counts like a wrong password.
    """
    client = client_ip(request)
    with sign_in_throttle.attempt(email=body.email, client=client), session_scope() as session:
        _user, token = auth_service.sign_in(
            session,
            email=body.email,
            password=body.password,
            source="api",
            ip=client or None,
            user_agent=request.headers.get("user-agent"),
            otp=body.otp,
        )
    return TokenResponse(access_token=token, expires_at=decode_token(token).expires_at)


@router.post("/logout", response_model=OkResponse, summary="Revoke this token")
def logout(token: Token, request: Request) -> OkResponse:
    """Revokes the sign-in token, or the access token, the request came with."""
    ip = request_ip(request)
    with session_scope() as session:
        caller = authenticate(session, token, request.method)
        if caller.grant is None:
            auth_service.revoke_token(session, token=token, actor=audit.Actor(ip=ip, surface="api"))
        else:
            access_tokens.revoke(
                session, user_id=caller.user.id, token_id=caller.grant.token_id, surface="api", ip=ip
            )
    return OkResponse()
