"""State of the password-reset page (``/reset?token=...``, issue 18): set a new password from an
admin's link. The link is checked on load (reading only: opening it twice is fine) and used once,
when the new password is set; every session of the account ends then."""

from __future__ import annotations

import reflex as rx

from app.core.db import session_scope
from app.services import password_reset
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.workers import run_db, run_password_work


def _check(token: str) -> str:
    with session_scope() as session:
        return password_reset.check(session, token=token)


def _reset(token: str, password: str, ip: str | None) -> str:
    with session_scope() as session:
        return password_reset.reset_password(session, token=token, new_password=password, ip=ip)


class ResetState(rx.State):
    email: str = ""
    link_error: str = ""
    error: str = ""
    done: bool = False
    busy: bool = False
    _token: str = ""

    @rx.event
    async def on_load(self):
        self.email, self.link_error, self.error, self.done, self.busy = "", "", "", False, False
        self._token = str(self.router.url.query_parameters.get("token", "") or "")[:2000]
        try:
            self.email = await run_db(_check, self._token)
        except ServiceError as exc:
            self.link_error = exc.message

    @rx.event
    async def submit(self, form: dict):
        self.error = ""
        password, confirm = str(form.get("password", "")), str(form.get("confirm", ""))
        if password != confirm:
            self.error = "The two passwords don't match."
            return
        self.busy = True
        yield
        ip = tab_ip(self)
        try:
            await run_password_work(_reset, self._token, password, ip)
        except password_reset.ResetLinkError as exc:
            self.link_error = exc.message
        except ServiceError as exc:
            self.error = exc.message
        else:
            self.done, self._token = True, ""
        finally:
            self.busy = False
