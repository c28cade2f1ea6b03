"""Single sign-on on the pages (issue 18): the sign-in page's button and the ``/sso`` landing page.

The provider's answer is checked by the API (``app/api/routes/oidc.py``), which sends the browser
to ``/sso?code=<one-time code>``; :meth:`SsoState.redeem` turns that code into a Ticked session and
keeps it where every sign-in keeps it (``AuthState.token``, the browser's LocalStorage). A refusal
comes back to ``/login?sso_error=<reason>``, and :meth:`SsoState.load_login` says what happened.
"""

from __future__ import annotations

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.services import oidc, sso_policy
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.auth import AuthState
from app.states.workers import run_db


def _login_options() -> tuple[str, bool]:
    """(the button's label or "" when single sign-on is off, whether password sign-in is off)."""
    config = sso_policy.oidc_config()
    if config is None:
        return "", False
    with session_scope() as session:
        return config.button_label, sso_policy.sso_only(session)


def _redeem(code: str, ip: str, user_agent: str) -> tuple[str, str, str, bool]:
    with session_scope() as session:
        user, token = oidc.redeem_handoff(session, code=code, ip=ip or None, user_agent=user_agent or None)
        return user.email, user.name or "", token, user.is_admin


class SsoState(rx.State):
    """The sign-in page's single sign-on options, and the landing page's hand-off."""

    sso_label: str = ""
    """"Sign in with <provider>" when single sign-on is configured; "" hides the button."""
    sso_only: bool = False
    """Password sign-in is off: the form is hidden behind a link for administrators."""
    show_password: bool = False
    sso_error: str = ""
    sso_href: str = sso_policy.LOGIN_PATH

    @rx.event
    async def load_login(self):
        """``on_load`` of the sign-in page: the button, SSO only, and a refused sign-in's reason."""
        self.sso_label, self.sso_only = await run_db(_login_options)
        query = self.router.url.query_parameters
        reason = str(query.get("sso_error", ""))[:40]
        self.sso_error = oidc.message_for(reason) if reason else ""
        back = oidc.safe_next(str(query.get("next", "")))
        self.sso_href = routes.page_url(sso_policy.LOGIN_PATH, next="" if back == routes.CHAT else back)
        self.show_password = False

    @rx.event
    def reveal_password(self):
        self.show_password = True

    @rx.event
    async def redeem(self):
        """``on_load`` of ``/sso``: the one-time code becomes this browser's session."""
        query = self.router.url.query_parameters
        code, back = str(query.get("code", "")), oidc.safe_next(str(query.get("next", "")))
        headers = self.router.headers
        ip = tab_ip(self)
        try:
            email, name, token, admin = await run_db(_redeem, code, ip, headers.user_agent or "")
        except ServiceError as exc:
            reason = exc.reason if isinstance(exc, oidc.SsoError) else "bad_code"
            return rx.redirect(routes.page_url(routes.LOGIN, sso_error=reason), replace=True)
        auth = await self.get_state(AuthState)
        auth.token, auth.signed_in = token, True
        auth.user_email, auth.user_name, auth.is_admin = email, name, admin
        return rx.redirect(back, replace=True)
