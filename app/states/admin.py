"""State of the admin console's users page (``/admin``, issue 18).

Whether this tab may see the console is asked of the service layer on load and again by every
event (``app.services.admin`` checks the acting admin first): anyone else gets ``allowed=False``,
so the page shows the missing page's view, and nothing changes. Rows are plain strings; the admin's
password is read from the submitted form and never kept.
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from app.core.config import get_settings
from app.core.db import session_scope
from app.services import admin as admin_service
from app.services import auth as auth_service
from app.services.admin import UserPage, UserSummary
from app.services.admin_guard import is_admin
from app.services.errors import NotFoundError, ServiceError
from app.states.actor import tab_ip
from app.states.auth import AuthState, current_user_id
from app.states.workers import run_db, run_password_work
from app.views.notifications import when_words

PAGE_SIZE = 20


def _row(user: UserSummary, zone: str | None) -> dict[str, str]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": "Admin" if user.is_admin else "Member",
        "admin": "1" if user.is_admin else "",
        "status": "Active" if user.is_active else "Disabled",
        "active": "1" if user.is_active else "",
        "last_active": when_words(user.last_active_at, zone) if user.last_active_at else "Never",
        "tasks": str(user.tasks),
        "threads": str(user.threads),
        "two_factor": "On" if user.two_factor else "Off",
        "two_factor_on": "1" if user.two_factor else "",
    }


def _page(admin_id: uuid.UUID, query: str, sort: str, offset: int) -> tuple[UserPage, str | None]:
    with session_scope() as session:
        page = admin_service.list_users(
            session, admin_id=admin_id, query=query, sort=sort, offset=offset, limit=PAGE_SIZE
        )
        admin = auth_service.get_user(session, user_id=admin_id)
        return page, admin.time_zone if admin else None


def _allowed(user_id: uuid.UUID) -> bool:
    with session_scope() as session:
        return is_admin(session, user_id=user_id)


def _act(work: str, admin_id: uuid.UUID, user_id: str, ip: str | None, **kwargs: Any) -> str:
    """One admin action on one person, in its own transaction; returns the person's email."""
    with session_scope() as session:
        if work == "active":
            return admin_service.set_active(
                session, admin_id=admin_id, user_id=user_id, active=kwargs["on"], ip=ip
            ).email
        if work == "admin":
            return admin_service.set_admin(
                session, admin_id=admin_id, user_id=user_id, make_admin=kwargs["on"], ip=ip
            ).email
        if work == "two_factor":
            return admin_service.reset_two_factor(session, admin_id=admin_id, user_id=user_id, ip=ip).email
        raise NotFoundError("Not found.")


def _reset_link(admin_id: uuid.UUID, user_id: str, base_url: str, ip: str | None) -> admin_service.ResetLink:
    settings = get_settings()
    with session_scope() as session:
        return admin_service.reset_link(
            session,
            admin_id=admin_id,
            user_id=user_id,
            base_url=base_url,
            smtp_url=settings.smtp_url,
            mail_from=settings.mail_from,
            ip=ip,
        )


def _delete(admin_id: uuid.UUID, user_id: str, password: str, ip: str | None) -> str:
    with session_scope() as session:
        return admin_service.delete_user(
            session, admin_id=admin_id, user_id=user_id, password=password, ip=ip
        )


def _email_of(admin_id: uuid.UUID, user_id: str) -> str:
    with session_scope() as session:
        admin_service.require_admin(session, user_id=admin_id)
        try:
            found = auth_service.get_user(session, user_id=uuid.UUID(user_id))
        except ValueError:
            found = None
        if found is None:
            raise NotFoundError("Not found.")
        return found.email


class AdminState(rx.State):
    """The users table, its search and paging, and the two dialogs (delete, reset link)."""

    checked: bool = False
    allowed: bool = False
    loaded: bool = False
    query: str = ""
    sort: str = "newest"
    offset: int = 0
    total: int = 0
    has_next: bool = False
    has_previous: bool = False
    rows: list[dict[str, str]] = []
    error: str = ""
    dialog: str = ""
    """"" (none), "delete" or "link"."""
    dialog_email: str = ""
    dialog_error: str = ""
    dialog_busy: bool = False
    link_url: str = ""
    link_note: str = ""
    _dialog_user: str = ""

    def _ip(self) -> str | None:
        return tab_ip(self)

    def _deny(self) -> None:
        """What anyone but an admin gets: the missing page, and nothing of the console."""
        self.checked, self.allowed, self.loaded = True, False, False
        self.rows, self.total, self.has_next, self.has_previous = [], 0, False, False
        self.dialog = self.dialog_email = self.link_url = self.link_note = self.error = self.dialog_error = ""
        self._dialog_user = ""

    async def _admin_id(self) -> uuid.UUID | None:
        return await current_user_id(self)

    async def _reload(self, admin_id: uuid.UUID) -> None:
        try:
            page, zone = await run_db(_page, admin_id, self.query, self.sort, self.offset)
        except NotFoundError:
            self._deny()
            return
        except ServiceError as exc:
            self.error = exc.message
            return
        self.rows = [_row(u, zone) for u in page.users]
        self.total = page.total
        self.has_next = page.next_offset is not None
        self.has_previous = page.previous_offset is not None
        self.loaded, self.checked, self.allowed = True, True, True

    @rx.event
    async def on_load(self):
        """Shows the console to an admin; anyone else (signed out too) sees the missing page."""
        self.error = ""
        self.dialog = ""
        self.query = str(self.router.url.query_parameters.get("q", "") or "")[:200]
        self.offset = 0
        admin_id = await self._admin_id()
        if admin_id is None or not await run_db(_allowed, admin_id):
            self._deny()
            return
        auth = await self.get_state(AuthState)
        auth.signed_in = True
        await self._reload(admin_id)

    async def _refresh(self) -> None:
        admin_id = await self._admin_id()
        if admin_id is None:
            self._deny()
            return
        await self._reload(admin_id)

    @rx.event
    async def search(self, form: dict):
        self.query = str(form.get("q", "") or "").strip()[:200]
        self.offset = 0
        await self._refresh()

    @rx.event
    async def set_sort(self, value: str):
        self.sort = value if value in admin_service.SORTS else "newest"
        self.offset = 0
        await self._refresh()

    @rx.event
    async def next_page(self):
        if self.has_next:
            self.offset += PAGE_SIZE
        await self._refresh()

    @rx.event
    async def previous_page(self):
        self.offset = max(0, self.offset - PAGE_SIZE)
        await self._refresh()

    async def _run(self, work: str, user_id: str, done: str, **kwargs: Any):
        admin_id = await self._admin_id()
        if admin_id is None:
            self._deny()
            return None
        try:
            email = await run_db(_act, work, admin_id, str(user_id or "")[:64], self._ip(), **kwargs)
        except NotFoundError:
            if await run_db(_allowed, admin_id):  # an admin: that person is gone
                await self._reload(admin_id)
                return rx.toast.error("That account no longer exists.")
            self._deny()
            return None
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        await self._reload(admin_id)
        return rx.toast.success(done.format(email=email))

    @rx.event
    async def set_active(self, user_id: str, active: bool):
        done = "{email} can sign in again." if active else "{email} is disabled and signed out everywhere."
        return await self._run("active", user_id, done, on=bool(active))

    @rx.event
    async def set_admin(self, user_id: str, make_admin: bool):
        done = "{email} is now an admin." if make_admin else "{email} is no longer an admin."
        return await self._run("admin", user_id, done, on=bool(make_admin))

    @rx.event
    async def reset_two_factor(self, user_id: str):
        return await self._run("two_factor", user_id, "Two-factor sign-in is off for {email}.")

    @rx.event
    async def reset_link(self, user_id: str):
        admin_id = await self._admin_id()
        if admin_id is None:
            self._deny()
            return None
        base = (
            f"{self.router.url.scheme or 'http'}://{self.router.url.netloc}" if self.router.url.netloc else ""
        )
        try:
            link = await run_db(
                _reset_link,
                admin_id,
                str(user_id or "")[:64],
                base or get_settings().link_base_url,
                self._ip(),
            )
        except NotFoundError:
            if await run_db(_allowed, admin_id):
                return rx.toast.error("That account no longer exists.")
            self._deny()
            return None
        except ServiceError as exc:
            return rx.toast.error(exc.message)
        self.dialog_email = link.email
        self.link_url = "" if link.emailed_to else link.url
        if link.emailed_to:
            self.link_note = f"Emailed to {link.emailed_to}. The link works once, for one hour."
        elif link.mail_error:
            self.link_note = f"The email could not be sent ({link.mail_error}). Pass this link on yourself:"
        else:
            self.link_note = "Pass this link on to them yourself. It works once, for one hour."
        self.dialog = "link"
        return None

    @rx.event
    async def ask_delete(self, user_id: str):
        admin_id = await self._admin_id()
        if admin_id is None:
            self._deny()
            return None
        try:
            email = await run_db(_email_of, admin_id, str(user_id or "")[:64])
        except NotFoundError:
            if await run_db(_allowed, admin_id):
                return rx.toast.error("That account no longer exists.")
            self._deny()
            return None
        self._dialog_user, self.dialog_email, self.dialog_error = str(user_id), email, ""
        self.dialog = "delete"
        return None

    @rx.event
    async def delete(self, form: dict):
        self.dialog_error = ""
        password = str(form.get("password", ""))
        if not password:
            self.dialog_error = "Enter your password to confirm."
            return
        admin_id = await self._admin_id()
        if admin_id is None or not self._dialog_user:
            self._deny()
            return
        self.dialog_busy = True
        yield
        try:
            email = await run_password_work(_delete, admin_id, self._dialog_user, password, self._ip())
        except NotFoundError:
            self.dialog_busy = False
            if await run_db(_allowed, admin_id):
                self.dialog = ""
                await self._reload(admin_id)
                yield rx.toast.error("That account no longer exists.")
                return
            self._deny()
            return
        except ServiceError as exc:
            self.dialog_busy = False
            self.dialog_error = exc.message
            return
        self.dialog_busy = False
        self.dialog, self._dialog_user = "", ""
        await self._reload(admin_id)
        yield rx.toast.success(f"{email} and all their data were deleted.")

    @rx.event
    def close_dialog(self):
        self.dialog, self.dialog_error, self.link_url, self.link_note, self._dialog_user = "", "", "", "", ""

    @rx.event
    def set_dialog_open(self, is_open: bool):
        if not is_open and not self.dialog_busy:
            self.close_dialog()
