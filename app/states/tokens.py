"""State of the settings page's "Access tokens" section (issue 18).

Thin, like every page state: it checks the session, runs :mod:`app.services.access_tokens` in the
database pool and keeps plain values. A new token's secret is in the page only right after it was
made (the database keeps its hash): the next load of the section forgets it, so it is shown once.

No handler takes a token id from the browser: Revoke names a row of the list this state loaded
for the signed-in person (its index), and the id stays on the server (``_revoke_id``); the service
checks again that the token is the person's own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import reflex as rx

from app.core.db import session_scope
from app.models import User
from app.services import access_tokens, admin_guard, clock, instance
from app.services.errors import ServiceError
from app.states.actor import tab_ip
from app.states.auth import current_user_id
from app.states.fields import clear_if_still
from app.states.focus import focus_first
from app.states.workers import run_db

SCOPE_HINTS = {
    "read": "Read: see your tasks and projects; change nothing.",
    "write": "Write: everything you can do yourself.",
    "admin": "Admin: also the admin API (admins only).",
}
NEW_NAME_ID = "token-name"
SECRET_ID = "new-token-value"
LIST_SELECTOR = "#access-tokens-title"


def _when(value: datetime | None, zone_name: str, *, time: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone(clock.zone(zone_name))
    text = f"{local.day} {local:%b %Y}"
    return f"{text}, {local:%H:%M}" if time else text


def _row(info: access_tokens.TokenInfo, zone_name: str) -> dict[str, str]:
    status = info.status
    if status == "expired":
        expires = f"Expired {_when(info.expires_at, zone_name)}"
    elif info.expires_at is None:
        expires = "Never expires"
    else:
        expires = f"Expires {_when(info.expires_at, zone_name)}"
    used = _when(info.last_used_at, zone_name, time=True)
    return {
        "name": info.name,
        "scope": info.scope,
        "prefix": info.prefix,
        "created": f"Created {_when(info.created_at, zone_name)}",
        "expires": expires,
        "last_used": f"Last used {used}" if used else "Never used",
        "status": status,
    }


def expiry_options(max_days: int | None) -> list[list[str]]:
    """[value, label] of the lifetimes to offer: 30, 90, 365 days within the server's maximum (and
    the maximum itself when it is none of them), "never" only when there is no maximum."""
    days = [d for d in access_tokens.EXPIRY_CHOICES if max_days is None or d <= max_days]
    if max_days is not None and max_days not in days:
        days.append(max_days)
    options = [[str(d), f"{d} days"] for d in sorted(days)]
    if max_days is None:
        options.append(["never", "Never"])
    return options


def _load(user_id: uuid.UUID) -> dict[str, Any]:
    with session_scope() as session:
        user = session.get(User, user_id)
        zone_name = user.time_zone if user else "UTC"
        infos = access_tokens.list_tokens(session, user_id=user_id)
        return {
            "rows": [_row(i, zone_name) for i in infos],
            "ids": [str(i.id) for i in infos],
            "max_days": instance.get(session).token_max_days,
            "admin": admin_guard.is_admin(session, user_id=user_id),
        }


def _create(user_id: uuid.UUID, name: str, scope: str, expiry: str, ip: str | None) -> tuple[str, str]:
    with session_scope() as session:
        info, secret = access_tokens.create(
            session, user_id=user_id, name=name, scope=scope, expires_days=expiry, surface="web", ip=ip
        )
        return info.name, secret


def _revoke(user_id: uuid.UUID, token_id: str, ip: str | None) -> str:
    with session_scope() as session:
        return access_tokens.revoke(session, user_id=user_id, token_id=token_id, surface="web", ip=ip).name


class TokensState(rx.State):
    """Personal access tokens on the settings page."""

    tokens: list[dict[str, str]] = []
    loaded: bool = False
    scope: str = "read"
    expiry: str = "90"
    expiry_choices: list[list[str]] = expiry_options(None)
    max_days: int = 0
    """The server's longest token lifetime in days (0: none)."""
    can_admin: bool = False
    new_secret: str = ""
    """The token just made, shown once (never again: only its hash is kept)."""
    new_name: str = ""
    error: str = ""
    status: str = ""
    busy: bool = False
    revoke_name: str = ""
    """The token the Revoke confirmation is about ("" while it is closed)."""
    revoke_busy: bool = False
    _ids: list[str] = []
    _revoke_id: str = ""

    def _client(self) -> str | None:
        return tab_ip(self) or None

    async def _refresh(self, user_id: uuid.UUID) -> None:
        data = await run_db(_load, user_id)
        self.tokens, self._ids = data["rows"], data["ids"]
        self.max_days = data["max_days"] or 0
        self.can_admin = bool(data["admin"])
        self.expiry_choices = expiry_options(data["max_days"])
        values = [value for value, _ in self.expiry_choices]
        if self.expiry not in values:
            self.expiry = "90" if "90" in values else values[-1]
        if self.scope == "admin" and not self.can_admin:
            self.scope = "read"
        self.loaded = True

    @rx.event
    async def load(self):
        """Open the section: the list, the choices this server allows; no secret from before."""
        self.new_secret = self.new_name = self.error = self.status = self.revoke_name = ""
        self._revoke_id = ""
        self.busy = self.revoke_busy = False
        user_id = await current_user_id(self)
        if user_id is not None:
            await self._refresh(user_id)

    @rx.event
    def set_scope(self, value: str):
        value = str(value)
        self.scope = value if value in ("read", "write") or (value == "admin" and self.can_admin) else "read"

    @rx.event
    def set_expiry(self, value: str):
        value = str(value)
        if value in [v for v, _ in self.expiry_choices]:
            self.expiry = value

    @rx.event
    async def create(self, form: dict):
        self.error = self.status = ""
        name = str(form.get("name", ""))[:500]
        user_id = await current_user_id(self)
        if user_id is None:
            self.error = "Your session has ended. Please sign in again."
            return
        self.busy = True
        yield
        try:
            self.new_name, self.new_secret = await run_db(
                _create, user_id, name, self.scope, self.expiry, self._client()
            )
        except ServiceError as exc:
            self.error = exc.message
            return
        finally:
            self.busy = False
        await self._refresh(user_id)
        yield [clear_if_still(NEW_NAME_ID, name), focus_first(f"#{SECRET_ID}")]

    @rx.event
    def copy_secret(self):
        if not self.new_secret:
            return None
        self.status = "Token copied."
        return rx.set_clipboard(self.new_secret)

    @rx.event
    def dismiss_secret(self):
        """Done with the new token: it leaves the page for good."""
        self.new_secret = self.new_name = self.status = ""
        return focus_first(f"#{NEW_NAME_ID}")

    @rx.event
    def ask_revoke(self, index: int):
        """Open the confirmation for the ``index``-th token of the list shown."""
        self.error = self.status = ""
        try:
            position = int(index)
        except (TypeError, ValueError):
            return
        if 0 <= position < len(self._ids):
            self._revoke_id, self.revoke_name = self._ids[position], self.tokens[position]["name"]

    def _close(self):
        if self.revoke_busy:
            return None
        self._revoke_id = self.revoke_name = ""
        return focus_first("[data-token-revoke]", LIST_SELECTOR, after_gone="[role=alertdialog]")

    @rx.event
    def cancel_revoke(self):
        return self._close()

    @rx.event
    def set_revoke_open(self, is_open: bool):
        return None if is_open else self._close()

    @rx.event
    async def confirm_revoke(self):
        token_id, name = self._revoke_id, self.revoke_name
        if not token_id:
            return
        user_id = await current_user_id(self)
        if user_id is None:
            self.error = "Your session has ended. Please sign in again."
            self._revoke_id = self.revoke_name = ""
            return
        self.revoke_busy = True
        yield
        try:
            await run_db(_revoke, user_id, token_id, self._client())
        except ServiceError as exc:
            self.error = exc.message
        else:
            self.status = f"Revoked {name}: it no longer works."
        finally:
            self.revoke_busy = False
            self._revoke_id = self.revoke_name = ""
        await self._refresh(user_id)
        yield focus_first("[data-token-revoke]", LIST_SELECTOR, after_gone="[role=alertdialog]")
