"""State of the settings page: account, chat history preferences and "your data".

Every handler re-checks the session token first (a revoked one lands on sign-in) and runs its
work in the pages' worker pools (``app.states.workers``): queries and the export in the database
threads, anything that checks or hashes a password in the password pool, so the event loop keeps
serving other tabs and a slow hash never holds a database thread. Only plain values live here;
passwords are read from the submitted form and never stored in the state.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.services import account as account_service
from app.services import audit, daily_settings
from app.services import auth as auth_service
from app.services import preferences as preference_service
from app.services.daily_settings import DailySettings
from app.services.errors import ServiceError
from app.states.actor import web_actor
from app.states.auth import AuthState, current_user_id, known_zone
from app.states.focus import focus_first
from app.states.workers import run_db, run_password_work

FOREVER = "forever"
RETENTION_OPTIONS: list[tuple[str, str]] = [
    (FOREVER, "Forever"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year (365 days)"),
]
PASSWORD_FIELDS = ("current-password", "new-password", "confirm-password")
NO_REMINDER = "none"
REMINDER_OPTIONS: list[tuple[str, str]] = [
    (NO_REMINDER if minutes is None else str(minutes), words)
    for minutes, words in daily_settings.REMINDER_CHOICES
]
DEFAULT_DIGEST = "07:30"


@dataclass(frozen=True)
class _Snapshot:
    email: str
    name: str
    retention_days: int | None
    redact_sensitive: bool
    server_days: int | None
    effective_days: int | None
    daily: DailySettings


def _snapshot(user_id: uuid.UUID) -> _Snapshot:
    with session_scope() as session:
        user = auth_service.get_user(session, user_id=user_id)
        if user is None:
            raise ServiceError("Your account could not be found.")
        prefs = preference_service.read_preferences(user)
        return _Snapshot(
            email=user.email,
            name=user.name or "",
            retention_days=prefs.retention_days,
            redact_sensitive=prefs.redact_sensitive,
            server_days=preference_service.server_retention_days(session),
            effective_days=preference_service.effective_retention_days(prefs, session=session),
            daily=daily_settings.read_settings(user),
        )


def _update_preferences(user_id: uuid.UUID, changes: dict[str, Any]) -> int | None:
    with session_scope() as session:
        prefs = preference_service.update_preferences(session, user_id=user_id, **changes)
        return preference_service.effective_retention_days(prefs, session=session)


def _update_daily(user_id: uuid.UUID, changes: dict[str, Any]) -> DailySettings:
    with session_scope() as session:
        return daily_settings.update_settings(session, user_id=user_id, **changes)


def _change_password(user_id: uuid.UUID, current: str, new: str, token: str, actor: audit.Actor) -> int:
    with session_scope() as session:
        return account_service.change_password(
            session,
            user_id=user_id,
            current_password=current,
            new_password=new,
            keep_token=token,
            actor=actor,
        )


def _export(user_id: uuid.UUID, actor: audit.Actor) -> str:
    with session_scope() as session:
        data = account_service.export(session, user_id=user_id, actor=actor)
    return json.dumps(data, ensure_ascii=False, indent=2)


def _delete_chats(user_id: uuid.UUID, password: str, actor: audit.Actor) -> dict[str, int]:
    with session_scope() as session:
        return account_service.delete_all_chats(session, user_id=user_id, password=password, actor=actor)


def _delete_account(user_id: uuid.UUID, password: str, actor: audit.Actor) -> None:
    with session_scope() as session:
        account_service.delete_account(session, user_id=user_id, password=password, actor=actor)


def _deletion_lines(user_id: uuid.UUID) -> list[str]:
    """What deleting the account does to each project it owns, one sentence each, before it happens."""
    with session_scope() as session:
        fates = account_service.deletion_preview(session, user_id=user_id)
    lines = []
    for fate in fates:
        if fate["action"] == "deleted":
            lines.append(f"{fate['project']} is deleted with its {_plural(int(fate['tasks']), 'task')}.")
        else:
            lines.append(f"{fate['project']} {fate['outcome']}.")
    return lines


def focus_opener(kind: str):
    """Focus the button that opens the ``kind`` confirmation, once the dialog has gone."""
    return focus_first(f'[data-opens-dialog="{kind}"]', after_gone="[role=alertdialog]")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class SettingsState(rx.State):
    """One state for the settings page."""

    loaded: bool = False
    email: str = ""
    name: str = ""
    retention: str = FOREVER
    redact_sensitive: bool = True
    server_days: int = 0
    effective_days: int = 0
    prefs_status: str = ""
    prefs_error: str = ""

    time_zone: str = "UTC"
    browser_zone: str = ""
    """The zone this browser is in (asked when the page shows); offered when it differs."""
    zone_status: str = ""
    zone_error: str = ""
    default_reminder: str = NO_REMINDER
    email_reminders: bool = True
    digest_on: bool = False
    digest_at: str = DEFAULT_DIGEST
    reminders_status: str = ""
    reminders_error: str = ""

    password_error: str = ""
    password_status: str = ""
    password_busy: bool = False

    dialog: str = ""  # "", "chats" or "account": which confirmation is open
    project_fates: list[str] = []
    """What deleting the account does to the projects it owns (shown in its confirmation)."""
    dialog_error: str = ""
    dialog_busy: bool = False
    data_status: str = ""
    download_busy: bool = False

    @staticmethod
    def _to_sign_in():
        return rx.redirect(routes.sign_in_url(routes.SETTINGS), replace=True)

    @rx.event
    async def on_load(self):
        self.prefs_status = self.prefs_error = self.password_error = self.password_status = ""
        self.zone_status = self.zone_error = self.reminders_status = self.reminders_error = ""
        self.dialog = self.dialog_error = self.data_status = ""
        self.dialog_busy = self.password_busy = self.download_busy = False
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        try:
            snap = await run_db(_snapshot, user_id)
        except ServiceError as exc:
            self.prefs_error = exc.message
            return None
        self.email, self.name = snap.email, snap.name
        self.retention = str(snap.retention_days) if snap.retention_days else FOREVER
        self.redact_sensitive = snap.redact_sensitive
        self.server_days = snap.server_days or 0
        self.effective_days = snap.effective_days or 0
        self._show_daily(snap.daily)
        self.loaded = True
        return None

    def _show_daily(self, daily: DailySettings) -> None:
        self.time_zone = daily.time_zone
        minutes = daily.default_reminder
        self.default_reminder = NO_REMINDER if minutes is None else str(minutes)
        self.email_reminders = daily.email_reminders
        self.digest_on = daily.digest_at is not None
        self.digest_at = daily.digest_at or self.digest_at or DEFAULT_DIGEST

    # ----- time zone and reminders (issue 17) ------------------------------------------------------

    async def _save_daily(
        self, changes: dict[str, Any], *, zone: bool = False, saved: str = "Saved."
    ) -> bool:
        """Save through the service; the message goes to the time-zone or the reminders section."""
        self.zone_status = self.zone_error = self.reminders_status = self.reminders_error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return False
        try:
            daily = await run_db(_update_daily, user_id, changes)
        except ServiceError as exc:
            if zone:
                self.zone_error = exc.message
            else:
                self.reminders_error = exc.message
            return False
        self._show_daily(daily)
        if zone:
            self.zone_status = f"Saved. Your time zone is {daily.time_zone}."
        else:
            self.reminders_status = saved
        return True

    def _after_failed_save(self):
        """A refused save shows its message; no message means the session has gone: sign in."""
        return None if (self.zone_error or self.reminders_error) else self._to_sign_in()

    @rx.event
    def set_browser_zone(self, value: str):
        self.browser_zone = known_zone(str(value or "")[:64]) or ""

    @rx.event
    async def save_time_zone(self, form: dict):
        zone = str(form.get("time_zone", "")).strip()
        if not zone:
            self.zone_status, self.zone_error = "", "Enter a time zone, like Europe/Paris."
            return None
        if not await self._save_daily({"time_zone": zone}, zone=True):
            return self._after_failed_save()
        return rx.set_value("time-zone", self.time_zone)

    @rx.event
    async def use_browser_zone(self):
        if not self.browser_zone:
            return None
        if not await self._save_daily({"time_zone": self.browser_zone}, zone=True):
            return self._after_failed_save()
        return rx.set_value("time-zone", self.time_zone)

    @rx.event
    async def set_default_reminder(self, value: str):
        if value not in {v for v, _ in REMINDER_OPTIONS}:
            self.reminders_status, self.reminders_error = "", "Choose one of the listed reminders."
            return None
        minutes = None if value == NO_REMINDER else int(value)
        previous, self.default_reminder = self.default_reminder, value
        when = daily_settings.reminder_label(minutes).lower()
        words = (
            "Saved. No default reminder."
            if minutes is None
            else f"Saved. A task given a due time gets a reminder {when}."
        )
        if not await self._save_daily({"default_reminder": minutes}, saved=words):
            self.default_reminder = previous
            return self._after_failed_save()
        return None

    @rx.event
    async def set_email_reminders(self, value: bool):
        previous, self.email_reminders = self.email_reminders, bool(value)
        words = "Saved. Reminders also come by email." if value else "Saved. No reminder emails."
        if not await self._save_daily({"email_reminders": bool(value)}, saved=words):
            self.email_reminders = previous
            return self._after_failed_save()
        return None

    @rx.event
    async def set_digest_on(self, value: bool):
        previous, self.digest_on = self.digest_on, bool(value)
        words = f"Saved. Your digest comes at {self.digest_at}." if value else "Saved. No daily digest."
        if not await self._save_daily({"digest_at": self.digest_at if value else None}, saved=words):
            self.digest_on = previous
            return self._after_failed_save()
        return None

    @rx.event
    async def set_digest_at(self, value: str):
        text = str(value or "").strip()
        if not text:  # the time box was cleared half-way: wait for a whole time
            return None
        previous, self.digest_at = self.digest_at, text
        if not await self._save_daily({"digest_at": text}):
            self.digest_at = previous
            return self._after_failed_save()
        self.reminders_status = f"Saved. Your digest comes at {self.digest_at}."
        return None

    # ----- chat history ------------------------------------------------------------------------

    async def _save(self, changes: dict[str, Any], saved: str) -> bool:
        self.prefs_status = self.prefs_error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return False
        try:
            effective = await run_db(_update_preferences, user_id, changes)
        except ServiceError as exc:
            self.prefs_error = exc.message
            return False
        self.effective_days = effective or 0
        self.prefs_status = saved
        return True

    @rx.event
    async def set_retention(self, value: str):
        if value not in {v for v, _ in RETENTION_OPTIONS}:
            self.prefs_error = "Choose one of the listed periods."
            return None
        previous, self.retention = self.retention, value
        days = None if value == FOREVER else int(value)
        if not await self._save({"retention_days": days}, "Saved."):
            self.retention = previous
            if not self.prefs_error:
                return self._to_sign_in()
        return None

    @rx.event
    async def set_redact_sensitive(self, value: bool):
        previous, self.redact_sensitive = self.redact_sensitive, bool(value)
        if not await self._save({"redact_sensitive": bool(value)}, "Saved."):
            self.redact_sensitive = previous
            if not self.prefs_error:
                return self._to_sign_in()
        return None

    # ----- account -----------------------------------------------------------------------------

    @rx.event
    async def change_password(self, form: dict):
        self.password_error = self.password_status = ""
        current = str(form.get("current_password", ""))
        new = str(form.get("new_password", ""))
        confirm = str(form.get("confirm_password", ""))
        if not current or not new or not confirm:
            self.password_error = "Fill in all three password fields."
            return
        if new != confirm:
            self.password_error = "The new password and its confirmation don't match."
            return
        user_id = await current_user_id(self)
        if user_id is None:
            yield self._to_sign_in()
            return
        auth = await self.get_state(AuthState)
        self.password_busy = True
        yield
        try:
            signed_out = await run_password_work(
                _change_password, user_id, current, new, auth.token, web_actor(self, user_id)
            )
        except ServiceError as exc:
            self.password_error = exc.message
            return
        finally:
            self.password_busy = False
        others = f" {_plural(signed_out, 'other session')} signed out." if signed_out else ""
        self.password_status = "Password changed." + others
        yield [rx.set_value(field, "") for field in PASSWORD_FIELDS]

    # ----- your data ---------------------------------------------------------------------------

    @rx.event
    async def download_data(self):
        self.data_status = ""
        user_id = await current_user_id(self)
        if user_id is None:
            yield self._to_sign_in()
            return
        self.download_busy = True
        yield
        try:
            text = await run_db(_export, user_id, web_actor(self, user_id))
        except ServiceError as exc:
            self.data_status = exc.message
            return
        finally:
            self.download_busy = False
        yield rx.download(
            data=text, filename=f"ticked-data-{date.today().isoformat()}.json", mime_type="application/json"
        )

    @rx.event
    async def open_dialog(self, kind: str):
        self.dialog = kind if kind in ("chats", "account") else ""
        self.dialog_error = ""
        self.dialog_busy = False
        self.project_fates = []
        if self.dialog == "account":  # say what becomes of shared projects before it happens
            user_id = await current_user_id(self)
            if user_id is None:
                self.dialog = ""
                return self._to_sign_in()
            self.project_fates = await run_db(_deletion_lines, user_id)
        return None

    def _close_dialog(self):
        """Close the open confirmation (unless its work is running) and give focus back to the
        button that opened it: Radix gives focus back only to a dialog's own trigger."""
        kind = self.dialog
        if self.dialog_busy or not kind:
            return None
        self.dialog, self.dialog_error = "", ""
        return focus_opener(kind)

    @rx.event
    def set_dialog_open(self, is_open: bool):
        return None if is_open else self._close_dialog()

    @rx.event
    def close_dialog(self):
        return self._close_dialog()

    async def _confirmed_user(self, form: dict) -> tuple[uuid.UUID | None, str]:
        password = str(form.get("password", ""))
        if not password:
            self.dialog_error = "Enter your password to confirm."
            return None, ""
        return await current_user_id(self), password

    @rx.event
    async def delete_chats(self, form: dict):
        self.dialog_error = ""
        user_id, password = await self._confirmed_user(form)
        if user_id is None:
            if not self.dialog_error:
                yield self._to_sign_in()
            return
        self.dialog_busy = True
        yield
        try:
            counts = await run_password_work(_delete_chats, user_id, password, web_actor(self, user_id))
        except ServiceError as exc:
            self.dialog_error = exc.message
            return
        finally:
            self.dialog_busy = False
        self.dialog = ""
        self.data_status = f"Deleted {_plural(counts['threads'], 'conversation')}. Your tasks are unchanged."
        yield [rx.toast.success(self.data_status), focus_opener("chats")]

    @rx.event
    async def delete_account(self, form: dict):
        self.dialog_error = ""
        user_id, password = await self._confirmed_user(form)
        if user_id is None:
            if not self.dialog_error:
                yield self._to_sign_in()
            return
        self.dialog_busy = True
        yield
        try:
            await run_password_work(_delete_account, user_id, password, web_actor(self, user_id))
        except ServiceError as exc:
            self.dialog_error = exc.message
            return
        finally:
            self.dialog_busy = False
        self.dialog = ""
        self.loaded = False
        self.email = self.name = ""
        auth = await self.get_state(AuthState)
        auth.token, auth.signed_in, auth.user_email, auth.user_name = "", False, "", ""
        yield [
            rx.redirect(routes.sign_in_url(), replace=True),
            rx.toast.success("Your account and all its data were deleted.", duration=10_000),
        ]
