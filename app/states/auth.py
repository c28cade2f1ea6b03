"""Sign-in state: the JWT in the browser's LocalStorage and the guard every page uses.

The token is the only thing kept in the browser. It is checked against the database on
every guarded page load and every action, so a revoked token stops working at once, on
every app instance. The check (and every other database call here) runs in a worker thread:
the event loop serves every open tab and must not wait for a query.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.services import audit, clock, daily_settings, two_factor
from app.services import auth as auth_service
from app.services import signup as signup_service
from app.services.errors import AuthError, InvalidInputError, ServiceError
from app.services.throttle import sign_in_throttle
from app.states.actor import tab_ip, web_actor
from app.states.focus import COMPOSER, focus_first
from app.states.workers import run_db, run_password_work

TOKEN_KEY = "ticked_token"
FORM_FIELD = "main input#password"
"""The sign-in and sign-up forms' password box (app/pages/login.py): gone once the next page shows."""
ZONE_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone || ''"
"""What the browser says its time zone is (an IANA name), asked by the sign-in and sign-up forms."""

_CHECKED: contextvars.ContextVar[tuple[str, uuid.UUID] | None] = contextvars.ContextVar(
    "checked_token", default=None
)


@contextlib.contextmanager
def checked_token(token: str, user_id: uuid.UUID | None) -> Iterator[None]:
    """While in this block, :meth:`AuthState.acting_user_id` takes ``token`` as checked a moment
    ago (``user_id``) instead of asking the database again: one check for the several page states
    of a tab that one server-side refresh goes through (``app.states.live``). Nothing when the
    check found no one (each state then finds out for itself)."""
    reset = _CHECKED.set((token, user_id)) if token and user_id is not None else None
    try:
        yield
    finally:
        if reset is not None:
            _CHECKED.reset(reset)


def known_zone(name: str) -> str | None:
    """``name`` when it is an IANA zone this server knows (a browser may say something odd)."""
    try:
        return clock.check_zone(name) if name else None
    except InvalidInputError:
        return None


def _sign_in(
    email: str, password: str, client: str, user_agent: str = ""
) -> tuple[str, str, str, uuid.UUID, bool]:
    """Raises ``SecondFactorRequired`` (with the challenge) for an account with two-factor sign-in."""
    with sign_in_throttle.attempt(email=email, client=client), session_scope() as session:
        user, token = auth_service.sign_in(
            session, email=email, password=password, ip=client or None, user_agent=user_agent
        )
        return user.email, user.name or "", token, user.id, two_factor.setup_required(session, user)


def _second_step(
    email: str, challenge: str, code: str, client: str, user_agent: str
) -> tuple[str, str, str, uuid.UUID, bool]:
    """The code after the password: counted by the same throttle as the password (email, client)."""
    with sign_in_throttle.attempt(email=email, client=client), session_scope() as session:
        user, token = auth_service.complete_sign_in(
            session, challenge=challenge, code=code, ip=client or None, user_agent=user_agent
        )
        return user.email, user.name or "", token, user.id, False


def _adopt_zone(user_id: uuid.UUID, browser_zone: str) -> str | None:
    with session_scope() as session:
        return daily_settings.adopt_browser_zone(session, user_id=user_id, browser_zone=browser_zone)


def _token_user(token: str) -> tuple[uuid.UUID, str, str, bool, bool, str | None] | None:
    try:
        with session_scope() as session:
            user = auth_service.user_for_token(session, token=token)
            setup = two_factor.setup_required(session, user)
            return user.id, user.email, user.name or "", user.is_admin, setup, user.time_zone
    except AuthError:
        return None


def checked_user(token: str) -> tuple[uuid.UUID, str | None] | None:
    """The token's user and their time zone, checked against the database (blocking: for a worker
    thread's job that goes on to use them, so the check and the work share one trip to the thread
    pool; the zone for ``clock.zone_checked``)."""
    found = _token_user(token) if token else None
    return (found[0], found[5]) if found else None


def _revoke(token: str, actor: audit.Actor | None = None) -> None:
    with session_scope() as session:
        auth_service.revoke_token(session, token=token, actor=actor)


def _sign_up(
    email: str,
    password: str,
    name: str | None,
    time_zone: str | None,
    invite: str,
    ip: str = "",
    user_agent: str = "",
) -> tuple[str, str, str]:
    with session_scope() as session:
        user = auth_service.register(
            session,
            email=email,
            password=password,
            name=name,
            time_zone=time_zone,
            invite=invite or None,
            ip=ip or None,
        )
        token = auth_service.issue_token(session, user=user, ip=ip or None, user_agent=user_agent)
        return user.email, user.name or "", token


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
    two_factor_setup: bool = False
    """The instance requires two-factor sign-in and this account has none yet: every page but
    Settings sends the person there (:meth:`require_auth`)."""
    second_step: bool = False
    """The password was right; the sign-in form now asks for the two-factor code."""
    use_recovery: bool = False
    """The second step takes a recovery code instead of the app's code."""
    _challenge: str = ""
    """The signed 5-minute proof of the password step (never in the browser)."""
    _pending_email: str = ""

    async def acting_user_id(self) -> uuid.UUID | None:
        """The user the stored token belongs to, or None when it is missing, expired or revoked."""
        if not self.token:
            return None
        checked = _CHECKED.get()
        if checked is not None and checked[0] == self.token:
            return checked[1]
        found = await run_db(_token_user, self.token)
        if found is None:
            return None
        user_id, email, name, admin, setup, _zone = found
        if (self.user_email, self.user_name, self.is_admin) != (
            email,
            name,
            admin,
        ):  # unchanged: nothing sent
            self.user_email, self.user_name, self.is_admin = email, name, admin
        if self.two_factor_setup != setup:
            self.two_factor_setup = setup
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
        if self.two_factor_setup and (self.router.url.path or "").rstrip("/") != routes.SETTINGS:
            return rx.redirect(routes.TWO_FACTOR_SETUP, replace=True)
        return None

    async def live_refresh(self):
        """A live signal for this person (``app.states.live``: disabled, demoted, signed out
        everywhere): check the session again; a tab whose session has ended is sent to sign-in."""
        if self.signed_in and await self.acting_user_id() is None:
            return AuthState.require_auth  # run by the tab, on its page: sign-in, then back here
        return None

    @rx.event
    async def redirect_if_signed_in(self):
        """``on_load`` of sign-in and sign-up: a signed-in person goes straight to the app."""
        self.auth_error = ""
        self.auth_busy = False
        self._leave_second_step()
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

    def _client(self) -> tuple[str, str]:
        """The client's address (as the throttle counts it) and its User-Agent."""
        return tab_ip(self), (self.router.headers.user_agent or "")[:300]

    def _leave_second_step(self) -> None:
        self.second_step = self.use_recovery = False
        self._challenge = self._pending_email = ""

    @rx.event
    def back_to_password(self):
        """Leave the code step for the password form (another account, or start again)."""
        self._leave_second_step()
        self.auth_error = ""

    @rx.event
    def toggle_recovery(self):
        self.use_recovery = not self.use_recovery
        self.auth_error = ""

    @rx.event
    async def sign_in(self, form: dict):
        self.auth_error = ""
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        if not email or not password:
            self.auth_error = "Enter your email and password."
            return None
        client, agent = self._client()
        try:
            # Password hashing is deliberately slow: run it off the event loop so other people's
            # events keep flowing while it works.
            signed_in = await run_password_work(_sign_in, email, password, client, agent)
        except two_factor.SecondFactorRequired as exc:
            # No token yet: the proof of the password stays here, on the server, for 5 minutes.
            self._challenge, self._pending_email = exc.challenge, email
            self.second_step, self.use_recovery = True, False
            return focus_first("main input#otp")
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        return await self._signed_in(signed_in)

    @rx.event
    async def verify_code(self, form: dict):
        """The second step: a code from the app, or a recovery code, gives the session token."""
        self.auth_error = ""
        code = str(form.get("code", "")).strip()
        if not self._challenge:
            self._leave_second_step()
            self.auth_error = "Please sign in again."
            return None
        if not code:
            self.auth_error = "Enter a recovery code." if self.use_recovery else "Enter the 6-digit code."
            return None
        client, agent = self._client()
        try:
            signed_in = await run_password_work(
                _second_step, self._pending_email, self._challenge, code[:64], client, agent
            )
        except auth_service.ChallengeExpired as exc:
            self._leave_second_step()
            self.auth_error = exc.message
            return None
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self._leave_second_step()
        return await self._signed_in(signed_in)

    async def _signed_in(self, signed_in: tuple[str, str, str, uuid.UUID, bool]):
        self.user_email, self.user_name, token, user_id, setup = signed_in
        self.token, self.signed_in, self.two_factor_setup = token, True, setup
        landing = self._land(routes.TWO_FACTOR_SETUP if setup else self._next_path(), leaving=routes.LOGIN)
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
        client, agent = self._client()
        try:
            self.user_email, self.user_name, token = await run_password_work(
                _sign_up, email, password, name, self.browser_zone or None, invite, client, agent
            )
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self.token, self.signed_in = token, True
        return self._land(routes.CHAT, leaving=routes.SIGNUP)

    @rx.event
    async def sign_out(self):
        if self.token:
            await run_db(_revoke, self.token, web_actor(self))
        self.token, self.signed_in, self.user_email, self.user_name = "", False, "", ""
        return rx.redirect(routes.sign_in_url(), replace=True)


async def current_user_id(state: rx.State) -> uuid.UUID | None:
    """The acting user of ``state``'s tab: every page state asks the one sign-in state, which checks
    the token against the database (so a revoked token stops working on every page at once)."""
    auth = await state.get_state(AuthState)
    return await auth.acting_user_id()
