"""State of the settings section "Two-factor sign-in" (issue 18).

Off: "Turn on" shows a QR code (and the secret as text) and asks for a code from the app; the
code turns it on and the ten recovery codes show once, to copy or download. On: "New recovery
codes" (asks a current code) and "Turn off" (asks the password). Work runs in the worker pools
(``app.states.workers``); codes and passwords are read from the submitted form, never kept, except
the new recovery codes, kept only until the person says they saved them.
"""

from __future__ import annotations

import uuid

import reflex as rx

from app.core.db import session_scope
from app.services import two_factor
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.auth import AuthState, current_user_id
from app.states.focus import focus_id
from app.states.workers import run_db, run_password_work


def _status(user_id: uuid.UUID) -> two_factor.Status:
    with session_scope() as session:
        return two_factor.status(session, user_id=user_id)


def _begin(user_id: uuid.UUID) -> two_factor.Enrolment:
    with session_scope() as session:
        return two_factor.begin_enrolment(session, user_id=user_id)


def _confirm(user_id: uuid.UUID, code: str, ip: str) -> list[str]:
    with session_scope() as session:
        return two_factor.confirm_enrolment(session, user_id=user_id, code=code, ip=ip)


def _regenerate(user_id: uuid.UUID, code: str, ip: str) -> list[str]:
    with session_scope() as session:
        return two_factor.regenerate_recovery_codes(session, user_id=user_id, code=code, ip=ip)


def _disable(user_id: uuid.UUID, password: str, ip: str) -> None:
    with session_scope() as session:
        two_factor.disable(session, user_id=user_id, password=password, ip=ip)


def grouped(secret: str) -> str:
    """The secret in groups of four, as people type it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class TwoFactorState(rx.State):
    loaded: bool = False
    enabled: bool = False
    required: bool = False
    recovery_left: int = 0
    enrolling: bool = False
    secret: str = ""
    """Shown while enrolling (grouped in fours) for typing into an app by hand."""
    qr: str = ""
    codes: list[str] = []
    """New recovery codes, shown once until the person says they saved them."""
    error: str = ""
    status: str = ""
    busy: bool = False
    dialog: str = ""
    """"" or "disable" / "regenerate": which confirmation is open."""
    dialog_error: str = ""

    def _ip(self) -> str:
        return tab_ip(self)

    def _show(self, status: two_factor.Status) -> None:
        self.enabled, self.required = status.enabled, status.required
        self.recovery_left = status.recovery_left
        self.loaded = True

    @rx.event
    async def load(self):
        self.error = self.status = self.dialog = self.dialog_error = ""
        self.enrolling, self.codes, self.secret, self.qr, self.busy = False, [], "", "", False
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        try:
            self._show(await run_db(_status, user_id))
        except ServiceError as exc:
            self.error = exc.message
        return None

    @rx.event
    async def start(self):
        self.error = self.status = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        try:
            started = await run_db(_begin, user_id)
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.secret, self.qr, self.enrolling = grouped(started.secret), started.qr_svg, True
        return focus_id("two-factor-code")

    @rx.event
    def cancel(self):
        """Leave enrolment; the unconfirmed secret stays unused (the next "Turn on" replaces it)."""
        self.enrolling, self.secret, self.qr, self.error = False, "", "", ""

    @rx.event
    async def confirm(self, form: dict):
        self.error = self.status = ""
        code = str(form.get("code", "")).strip()
        if not code:
            self.error = "Enter the 6-digit code your app shows."
            return
        user_id = await current_user_id(self)
        if user_id is None:
            return
        self.busy = True
        yield
        try:
            codes = await run_db(_confirm, user_id, code[:32], self._ip())
        except ServiceError as exc:
            self.error, self.busy = exc.message, False
            return
        self.busy, self.enrolling, self.secret, self.qr = False, False, "", ""
        self.codes, self.enabled, self.recovery_left = codes, True, len(codes)
        self.status = "Two-factor sign-in is on. Save your recovery codes now: they are shown only once."
        auth = await self.get_state(AuthState)
        auth.two_factor_setup = False
        yield focus_id("recovery-codes")

    @rx.event
    def saved_codes(self):
        self.codes, self.status = [], ""

    @rx.event
    def copy_codes(self):
        return [rx.set_clipboard("\n".join(self.codes)), rx.toast.success("Recovery codes copied.")]

    @rx.event
    def download_codes(self):
        text = "Ticked recovery codes (each works once)\n\n" + "\n".join(self.codes) + "\n"
        return rx.download(data=text, filename="ticked-recovery-codes.txt")

    @rx.event
    def open_dialog(self, kind: str):
        self.dialog, self.dialog_error = kind if kind in ("disable", "regenerate") else "", ""

    @rx.event
    def set_dialog_open(self, is_open: bool):
        if not is_open and not self.busy:
            self.dialog, self.dialog_error = "", ""

    @rx.event
    def close_dialog(self):
        self.dialog, self.dialog_error = "", ""

    @rx.event
    async def turn_off(self, form: dict):
        self.dialog_error = ""
        password = str(form.get("password", ""))
        if not password:
            self.dialog_error = "Enter your password to turn two-factor sign-in off."
            return
        user_id = await current_user_id(self)
        if user_id is None:
            return
        self.busy = True
        yield
        try:
            await run_password_work(_disable, user_id, password, self._ip())
            status = await run_db(_status, user_id)
        except ServiceError as exc:
            self.dialog_error, self.busy = exc.message, False
            return
        self.busy, self.dialog, self.codes = False, "", []
        self._show(status)
        self.status = "Two-factor sign-in is off."
        auth = await self.get_state(AuthState)
        auth.two_factor_setup = status.required

    @rx.event
    async def regenerate(self, form: dict):
        self.dialog_error = ""
        code = str(form.get("code", "")).strip()
        if not code:
            self.dialog_error = "Enter the 6-digit code your app shows."
            return
        user_id = await current_user_id(self)
        if user_id is None:
            return
        self.busy = True
        yield
        try:
            codes = await run_password_work(_regenerate, user_id, code[:32], self._ip())
        except ServiceError as exc:
            self.dialog_error, self.busy = exc.message, False
            return
        self.busy, self.dialog = False, ""
        self.codes, self.recovery_left = codes, len(codes)
        self.status = "New recovery codes: the old ones no longer work. Save these now."
        yield focus_id("recovery-codes")
