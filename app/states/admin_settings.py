"""State of the admin console's settings page (issue 18): sign-up policy and domains, invitation
links, security switches and retention.

To anyone but an admin the page is the missing page (``allowed`` stays False, and the page shows
``not_found_view()``); every handler asks the services again, which check the admin (a demoted
admin's open tab can change nothing). All database work runs in the worker pool.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import reflex as rx

from app.core.config import get_settings
from app.core.db import session_scope
from app.services import admin_settings, invites
from app.services.admin_guard import is_admin
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.auth import AuthState, current_user_id
from app.states.workers import run_db

POLICIES: list[tuple[str, str, str]] = [
    ("open", "Open", "Anyone who reaches this server can create an account."),
    ("invite", "By invitation", "Only people with an invitation link (or invited to a shared project)."),
    ("closed", "Closed", "Nobody can sign up; you add people with `python -m app.cli user create`."),
]


@dataclass(frozen=True)
class _Loaded:
    settings: admin_settings.AdminSettings
    invites: list[invites.InviteView]


def _load(user_id: uuid.UUID) -> _Loaded:
    with session_scope() as session:
        return _Loaded(
            settings=admin_settings.read(session, user_id=user_id),
            invites=invites.list_invites(session, user_id=user_id),
        )


def _admin(user_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return is_admin(session, user_id=user_id)


def _update(user_id: uuid.UUID, changes: dict[str, Any], ip: str) -> admin_settings.AdminSettings:
    with session_scope() as session:
        return admin_settings.update(session, user_id=user_id, changes=changes, ip=ip)


def _create_invite(
    user_id: uuid.UUID, email: str, days: str, ip: str
) -> tuple[str, list[invites.InviteView]]:
    with session_scope() as session:
        made = invites.create(session, user_id=user_id, email=email or None, days=days, ip=ip)
        return made.path, invites.list_invites(session, user_id=user_id)


def _revoke(user_id: uuid.UUID, invite_id: str, ip: str) -> list[invites.InviteView]:
    with session_scope() as session:
        invites.revoke(session, user_id=user_id, invite_id=invite_id, ip=ip)
        return invites.list_invites(session, user_id=user_id)


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


STATUS_WORDS = {"open": "Open", "used": "Used", "expired": "Expired", "revoked": "Revoked"}


def _rows(found: list[invites.InviteView]) -> list[dict[str, str]]:
    return [
        {
            "id": str(v.id),
            "email": v.email or "Anyone",
            "status": v.status,
            "status_label": STATUS_WORDS[v.status],
            "created": _day(v.created_at),
            "expires": _day(v.expires_at),
            "used_by": v.used_by or "",
            "note": (
                f"Used by {v.used_by or 'a deleted account'} on {_day(v.used_at)}"
                if v.status == "used"
                else f"Expires {_day(v.expires_at)}"
                if v.status == "open"
                else f"Made {_day(v.created_at)}"
            ),
        }
        for v in found
    ]


def _days_text(value: int | None) -> str:
    return str(value) if value else ""


def _parse_days(raw: Any, what: str, *, empty: int | None) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return empty
    if not text.isdigit():
        raise ServiceError(f"{what}: enter a whole number of days.")
    return int(text)


class AdminSettingsState(rx.State):
    """One state for /admin/settings."""

    checked: bool = False
    allowed: bool = False

    policy: str = "open"
    policy_from_env: bool = True
    domains: str = ""
    domains_from_env: bool = True
    require_2fa: bool = False
    sso_only: bool = False
    token_max_days: str = ""
    chat_days: str = ""
    audit_days: str = "365"
    sso_configured: bool = False

    invites: list[dict[str, str]] = []
    new_link: str = ""
    invite_error: str = ""
    invite_status: str = ""

    signup_error: str = ""
    signup_status: str = ""
    security_error: str = ""
    security_status: str = ""
    retention_error: str = ""
    retention_status: str = ""

    def _ip(self) -> str:
        return tab_ip(self)

    def _origin(self) -> str:
        parts = urlsplit(str(self.router.url))
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def _show(self, loaded: admin_settings.AdminSettings) -> None:
        values = loaded.values
        self.policy = values.signup_policy
        self.policy_from_env = loaded.from_environment("signup_policy")
        self.domains = ", ".join(values.signup_allowed_domains)
        self.domains_from_env = loaded.from_environment("signup_allowed_domains")
        self.require_2fa, self.sso_only = values.require_2fa, values.sso_only
        self.token_max_days = _days_text(values.token_max_days)
        self.chat_days = _days_text(values.default_chat_retention_days)
        self.audit_days = str(values.audit_retention_days)

    def _clear(self) -> None:
        self.signup_error = self.signup_status = self.security_error = self.security_status = ""
        self.retention_error = self.retention_status = self.invite_error = self.invite_status = ""

    @rx.event
    async def on_load(self):
        """Admins see the console; everyone else (signed out too) the missing page."""
        self._clear()
        self.new_link = ""
        self.checked, self.allowed = False, False
        user_id = await current_user_id(self)
        if user_id is None or not await run_db(_admin, user_id):
            self.checked = True
            return
        try:
            loaded = await run_db(_load, user_id)
        except ServiceError:
            self.checked = True
            return
        self._show(loaded.settings)
        self.invites = _rows(loaded.invites)
        self.sso_configured = bool(get_settings().oidc_issuer.strip())
        auth = await self.get_state(AuthState)
        auth.signed_in = True  # the frame (header) shows, as on every signed-in page
        self.allowed = self.checked = True

    async def _change(self, changes: dict[str, Any]) -> str:
        """Apply ``changes``; the error to show, or "" when saved."""
        user_id = await current_user_id(self)
        if user_id is None:
            self.allowed = False
            return ""
        try:
            self._show(await run_db(_update, user_id, changes, self._ip()))
        except ServiceError as exc:
            if exc.code == "not_found":
                self.allowed = False
            return exc.message
        return ""

    @rx.event
    async def save_signup(self, form: dict):
        self._clear()
        changes = {
            "signup_policy": str(form.get("signup_policy") or self.policy),
            "signup_allowed_domains": str(form.get("domains", "")),
        }
        self.signup_error = await self._change(changes)
        self.signup_status = "" if self.signup_error else "Saved."

    @rx.event
    async def set_require_2fa(self, value: bool):
        self._clear()
        self.security_error = await self._change({"require_2fa": bool(value)})
        self.security_status = "" if self.security_error else "Saved."

    @rx.event
    async def set_sso_only(self, value: bool):
        self._clear()
        if value and not self.sso_configured:
            self.security_error = "Single sign-on is not set up on this server (OIDC_ISSUER)."
            return
        self.security_error = await self._change({"sso_only": bool(value)})
        self.security_status = "" if self.security_error else "Saved."

    @rx.event
    async def save_token_days(self, form: dict):
        self._clear()
        try:
            days = _parse_days(form.get("token_max_days"), "Access token lifetime", empty=None)
        except ServiceError as exc:
            self.security_error = exc.message
            return
        self.security_error = await self._change({"token_max_days": days})
        self.security_status = "" if self.security_error else "Saved."

    @rx.event
    async def save_retention(self, form: dict):
        self._clear()
        try:
            chat = _parse_days(form.get("chat_days"), "Chat retention", empty=0)
            audit = _parse_days(form.get("audit_days"), "Audit log retention", empty=365)
        except ServiceError as exc:
            self.retention_error = exc.message
            return
        self.retention_error = await self._change(
            {"default_chat_retention_days": chat, "audit_retention_days": audit}
        )
        self.retention_status = "" if self.retention_error else "Saved."

    @rx.event
    async def create_invite(self, form: dict):
        self._clear()
        self.new_link = ""
        user_id = await current_user_id(self)
        if user_id is None:
            self.allowed = False
            return
        email, days = str(form.get("email", "")).strip(), str(form.get("days", "")).strip()
        try:
            path, found = await run_db(_create_invite, user_id, email, days, self._ip())
        except ServiceError as exc:
            self.invite_error = exc.message
            return
        self.new_link = self._origin() + path
        self.invites = _rows(found)
        self.invite_status = "Invitation link made. Copy it now: it is shown only this once."

    @rx.event
    async def revoke_invite(self, invite_id: str):
        self._clear()
        user_id = await current_user_id(self)
        if user_id is None:
            self.allowed = False
            return
        try:
            self.invites = _rows(await run_db(_revoke, user_id, str(invite_id)[:64], self._ip()))
        except ServiceError as exc:
            self.invite_error = exc.message
            return
        self.invite_status = "Invitation revoked: its link no longer works."

    @rx.event
    def copy_link(self):
        if not self.new_link:
            return None
        return [rx.set_clipboard(self.new_link), rx.toast.success("Link copied.")]
