"""Single sign-on's two browser addresses (issue 18; the flow is :mod:`app.services.oidc`).

``GET /api/auth/oidc/login`` sends the browser to the provider, with the pending attempt in an
HttpOnly cookie scoped to these addresses. ``GET /api/auth/oidc/callback`` (the redirect URI to
register at the provider: ``{PUBLIC_URL}/api/auth/oidc/callback``) checks the answer and sends the
browser to the ``/sso`` page with a one-time code, which the page redeems for a session; a
refusal goes to ``/login?sso_error=<reason>``, where the page says what happened. Browser
redirects, not JSON operations: they stay out of the OpenAPI schema.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.api.actor import client_ip
from app.core.db import session_scope
from app.routes import LOGIN, SSO, page_url
from app.services import oidc
from app.services.oidc import Callback, SsoError
from app.services.sso_policy import LOGIN_PATH, oidc_config

router = APIRouter(prefix="/auth/oidc", tags=["auth"], include_in_schema=False)
COOKIE_PATH = "/api/auth/oidc"


def _to_login(reason: str) -> RedirectResponse:
    return RedirectResponse(page_url(LOGIN, sso_error=reason), status_code=303)


@router.get("/login")
def login(request: Request, next: str = "", hop: str = "") -> RedirectResponse:
    config = oidc_config()
    if config is None:
        return _to_login("not_configured")
    # The callback comes back to PUBLIC_URL: start there, so the attempt's cookie is sent with it
    # (a page opened at localhost while PUBLIC_URL says 127.0.0.1). Hosts only: behind a proxy that
    # ends TLS the scheme seen here is http; once only (``hop``): a proxy that rewrites Host must
    # not make this a loop.
    public = oidc.host_of(config.redirect_uri)
    if not hop and urlsplit(public).netloc.lower() != request.url.netloc.lower():
        return RedirectResponse(public + page_url(LOGIN_PATH, next=next, hop="1"), status_code=303)
    try:
        begun = oidc.start(config, next_path=next)
    except SsoError as exc:
        return _to_login(exc.reason)
    response = RedirectResponse(begun.url, status_code=303)
    response.set_cookie(
        begun.cookie_name,
        begun.cookie_value,
        max_age=oidc.PENDING_SECONDS,
        path=COOKIE_PATH,
        secure=public.startswith("https://"),
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, not on cross-site requests
    )
    return response


@router.get("/callback")
def callback(request: Request, state: str = "", code: str = "", error: str = "") -> RedirectResponse:
    config = oidc_config()
    if config is None:
        return _to_login("not_configured")
    ip = client_ip(request)
    name = oidc.cookie_name(state) if state else ""
    answer = Callback(
        state=state or None, code=code or None, error=error or None, cookie=request.cookies.get(name)
    )
    try:
        with session_scope() as session:
            outcome = oidc.complete(session, config=config, callback=answer, ip=ip)
    except SsoError as exc:
        oidc.record_failure(reason=exc.reason, email=exc.email, ip=ip)
        response = _to_login(exc.reason)
    else:
        response = RedirectResponse(
            page_url(SSO, code=outcome.handoff, next=outcome.next_path), status_code=303
        )
    if name:
        response.delete_cookie(name, path=COOKIE_PATH)
    return response
