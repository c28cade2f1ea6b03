"""Sign-in state: the JWT in the browser's LocalStorage and the guard every page uses.

The token is the only thing kept in the browser. It is checked against the database on
every guarded page load and every action, so a revoked token stops working at once, on
every app instance.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import quote

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.services import auth as auth_service
from app.services.errors import AuthError, ServiceError

TOKEN_KEY = "ticked_token"


def _sign_in(email: str, password: str) -> tuple[str, str, str]:
    with session_scope() as session:
        user, token = auth_service.sign_in(session, email=email, password=password)
        return user.email, user.name or "", token


def _sign_up(email: str, password: str, name: str | None) -> tuple[str, str, str]:
    with session_scope() as session:
        user = auth_service.register(session, email=email, password=password, name=name)
        return user.email, user.name or "", auth_service.issue_token(session, user=user)


class AuthState(rx.State):
    """Who is signed in; the base every page state asks for the acting user."""

    token: str = rx.LocalStorage("", name=TOKEN_KEY, sync=True)
    user_email: str = ""
    user_name: str = ""
    signed_in: bool = False
    auth_error: str = ""
    auth_busy: bool = False

    def acting_user_id(self) -> uuid.UUID | None:
        """The user the stored token belongs to, or None when it is missing, expired or revoked."""
        if not self.token:
            return None
        try:
            with session_scope() as session:
                user = auth_service.user_for_token(session, token=self.token)
                self.user_email, self.user_name = user.email, user.name or ""
                return user.id
        except AuthError:
            return None

    def _next_path(self) -> str:
        target = self.router.url.query_parameters.get("next", "")
        return target if target.startswith("/") and not target.startswith("//") else routes.CHAT

    @rx.event
    def require_auth(self):
        """``on_load`` guard: signed-out visitors go to sign-in, then come back."""
        if self.acting_user_id() is None:
            self.signed_in = False
            self.token = ""
            here = self.router.url.path or routes.CHAT
            query = self.router.url.query
            target = here + (f"?{query}" if query else "")
            suffix = f"?next={quote(target, safe='')}" if target != routes.CHAT else ""
            return rx.redirect(routes.LOGIN + suffix, replace=True)
        self.signed_in = True
        return None

    @rx.event
    def redirect_if_signed_in(self):
        """``on_load`` of sign-in and sign-up: a signed-in person goes straight to the app."""
        self.auth_error = ""
        self.auth_busy = False
        if self.acting_user_id() is not None:
            self.signed_in = True
            return rx.redirect(self._next_path(), replace=True)
        return None

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
            self.user_email, self.user_name, token = await asyncio.to_thread(_sign_in, email, password)
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self.token, self.signed_in = token, True
        return rx.redirect(self._next_path(), replace=True)

    @rx.event
    async def sign_up(self, form: dict):
        self.auth_error = ""
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        name = str(form.get("name", "")).strip() or None
        if password != str(form.get("confirm", password)):
            self.auth_error = "The two passwords don't match."
            return None
        try:
            self.user_email, self.user_name, token = await asyncio.to_thread(_sign_up, email, password, name)
        except ServiceError as exc:
            self.auth_error = exc.message
            return None
        self.token, self.signed_in = token, True
        return rx.redirect(routes.CHAT, replace=True)

    @rx.event
    def sign_out(self):
        if self.token:
            with session_scope() as session:
                auth_service.revoke_token(session, token=self.token)
        self.token, self.signed_in, self.user_email, self.user_name = "", False, "", ""
        return rx.redirect(routes.LOGIN, replace=True)
