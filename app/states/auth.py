"""Sign-in state: the JWT in the browser's LocalStorage and the guard every page uses.

The token is the only thing kept in the browser. It is checked against the database on
every guarded page load and every action, so a revoked token stops working at once, on
every app instance. The check (and every other database call here) runs in a worker thread:
the event loop serves every open tab and must not wait for a query.
"""

from __future__ import annotations

import uuid

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.services import auth as auth_service
from app.services import clock, daily_settings
from app.services import signup as signup_service
from app.services.errors import AuthError, InvalidInputError, ServiceError
from app.services.throttle import client_address, sign_in_throttle
from app.states.focus import COMPOSER, focus_first
from app.states.workers import run_db, run_password_work

TOKEN_KEY = "ticked_token"
FORM_FIELD = "main input#password"
"""The sign-in and sign-up forms' password box (app/pages/login.py): gone once the next page shows."""
ZONE_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone || ''"
"""What the browser says its time zone is (an IANA name), asked by the sign-in and sign-up forms."""


def known_zone(name: str) -> str | None:
    """``name`` when it is an IANA zone this server knows (a browser may say something odd)."""
    try:
        return clock.check_zone(name) if name else None
    except InvalidInputError:
        return None


def _sign_in(email: str, password: str, client: str) -> tuple[str, str, str, uuid.UUID]:
    with sign_in_throttle.attempt(email=email, client=client), session_scope() as session:
        user, token = auth_service.sign_in(session, email=email, password=password)
        return user.email, user.name or "", token, user.id


def _adopt_zone(user_id: uuid.UUID, browser_zone: str) -> str | None:
    with session_scope() as session:
        return daily_settings.adopt_browser_zone(session, user_id=user_id, browser_zone=browser_zone)


def _token_user(token: str) -> tuple[uuid.UUID, str, str, bool] | None:
    try:
        with session_scope() as session:
            user = auth_service.user_for_token(session, token=token)
            return user.id, user.email, user.name or "", user.is_admin
    except AuthError:
        return None


def user_id_for_token(token: str) -> uuid.UUID | None:
    """The token's user, checked against the database (blocking: for a worker thread's job that
    goes on to use the id, so the check and the work share one trip to the thread pool)."""
    found = _token_user(token) if token else None
    return found[0] if found else None


def _revoke(token: str) -> None:
    with session_scope() as session:
        auth_service.revoke_token(session, token=token)


def _sign_up(
    email: str, password: str, name: str | None, time_zone: str | None, invite: str, ip: str
) -> tuple[str, str, str]:
    with session_scope() as session:
        user = auth_service.register(
            session,
            email=email,
            password=password,
            name=name,
            time_zone=time_zone,
            invite=invite or None,
            ip=ip,
        )
        return user.email, user.name or "", auth_service.issue_token(session, user=user)


def _signup_policy() -> str:
    with session_scope() as session:
        return signup_service.page_policy(session)


class AuthState(rx.State):
    """Who is signed in; the base every page state asks for the acting user."""

    token: str = rx.LocalStorage("", name=TOKEN_KEY, sync=True)
    user_email: str = ""
    user_name: str = ""
    signed_in: bool = False
    auth_error: str = ""
    auth_busy: bool = False
    browser_zone: str = ""
    """The browser's time zone, as the sign-in and sign-up forms found it (:data:`ZONE_SCRIPT`)."""
    signup_policy: str = ""
    """The sign-up policy the sign-in and sign-up pages show ("open", "invite", "closed"; "" until
    asked). Only what the page shows: ``auth.register`` decides."""
    has_invite: bool = False
    """The sign-up page's address carries an invitation (``?invite=``)."""
    is_admin: bool = False
    """Shows the Admin link. Only a hint for the page: every admin page, event and route asks the
    service layer (``app.services.admin.require_admin``) again."""

    async def acting_user_id(self) -> uuid.UUID | None:
        """The user the stored token belongs to, or None when it is missing, expired or revoked."""
        if not self.token:
            return None
        found = await run_db(_token_user, self.token)
        if found is None:
            return None
        user_id, email, name, admin = found
        if (self.user_email, self.user_name, self.is_admin) != (
            email,
            name,
            admin,
        ):  # unchanged: nothing sent
            self.user_email, self.user_name, self.is_admin = email, name, admin
        return user_id

    @staticmethod
    def _land(path: str, *, leaving: str):
        """Go to ``path`` from the form on ``leaving`` and put focus where work starts there: the
        composer on the chat, else the page's heading. The form that had focus is gone, and focus
        went with it to ``<body>``."""
        return [
            rx.redirect(path, replace=True),
            # Not before the form has gone: while the next page loads, the old one is still shown.
            focus_first(COMPOSER, "main h1", away_from=leaving, after_gone=FORM_FIELD),
        ]

    def _next_path(self) -> str:
        target = self.router.url.query_parameters.get("next", "")
        return target if target.startswith("/") and not target.startswith("//") else routes.CHAT

    @rx.event
    async def require_auth(self):
        """``on_load`` guard: signed-out visitors go to sign-in, then come back."""
        if await self.acting_user_id() is None:
            self.signed_in = False
            self.token = ""
            here = self.router.url.path or routes.CHAT
            query = self.router.url.query
            return rx.redirect(routes.sign_in_url(here + (f"?{query}" if query else "")), replace=True)
        self.signed_in = True
        return None

    @rx.event
    async def redirect_if_signed_in(self):
        """``on_load`` of sign-in and sign-up: a signed-in person goes straight to the app."""
        self.auth_error = ""
        self.auth_busy = False
        if await self.acting_user_id() is not None:
            self.signed_in = True
            return rx.redirect(self._next_path(), replace=True)
        return None

    @rx.event
    async def load_signup_policy(self):
        """``on_load`` of sign-in and sign-up: what to offer (no sign-up link or form when closed)."""
        self.has_invite = bool(self.router.url.query_parameters.get("invite", ""))
        self.signup_policy = await run_db(_signup_policy)

    @rx.event
    def set_browser_zone(self, value: str):
        self.browser_zone = known_zone(str(value or "")[:64]) or ""

    @rx.event
    async def sign_in(self, form: dict):
        self.auth_error = ""
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        if not email or not password:
            self.auth_error = "Enter your email and password."
            return None
        try:
            # Password hashing is deliberately slow: run it off the event loop so other people's
            # events keep flowing while it works.
            headers = self.router.headers.raw_headers
            client = client_address(self.router.session.client_ip, headers.get("x-forwarded-for"))
            signed_in = await run_password_work(_sign_in, email, password, client)
            self.user_email, self.user_name, token, user_id = signed_in
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self.token, self.signed_in = token, True
        landing = self._land(self._next_path(), leaving=routes.LOGIN)
        # An account still on the default UTC takes the browser's zone; a chosen zone stays (travel).
        adopted = await run_db(_adopt_zone, user_id, self.browser_zone) if self.browser_zone else None
        if adopted:
            return [
                *landing,
                rx.toast.info(
                    f"Your time zone is now {adopted}, as your browser says. You can change it in Settings.",
                    duration=10_000,
                ),
            ]
        return landing

    @rx.event
    async def sign_up(self, form: dict):
        self.auth_error = ""
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        name = str(form.get("name", "")).strip() or None
        if password != str(form.get("confirm", password)):
            self.auth_error = "The two passwords don't match."
            return None
        invite = str(self.router.url.query_parameters.get("invite", ""))[:200]
        headers = self.router.headers.raw_headers
        ip = client_address(self.router.session.client_ip, headers.get("x-forwarded-for"))
        try:
            self.user_email, self.user_name, token = await run_password_work(
                _sign_up, email, password, name, self.browser_zone or None, invite, ip
            )
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self.token, self.signed_in = token, True
        return self._land(routes.CHAT, leaving=routes.SIGNUP)

    @rx.event
    async def sign_out(self):
        if self.token:
            await run_db(_revoke, self.token)
        self.token, self.signed_in, self.user_email, self.user_name = "", False, "", ""
        return rx.redirect(routes.sign_in_url(), replace=True)


async def current_user_id(state: rx.State) -> uuid.UUID | None:
    """The acting user of ``state``'s tab: every page state asks the one sign-in state, which checks
    the token against the database (so a revoked token stops working on every page at once)."""
    auth = await state.get_state(AuthState)
    return await auth.acting_user_id()
