"""The bell in the header (issue 17): unread count, recent notifications, desktop notifications.

What the bell shows comes from :func:`app.views.notifications.bell` (one query for the count, one
for the newest 30), in a worker thread. It stays current three ways:

- on every signed-in page's mount (the header mounts the bell) and each time it is opened;
- live: this state is registered with :func:`app.states.live.refreshes`, so whoever commits a
  notification and calls ``app.services.live.touch(session, users=[recipient])`` in the same
  transaction refreshes the recipient's open tabs at once, on every instance (Redis);
- as a fallback, every :data:`POLL_SECONDS` while the tab is visible (``assets/ticked.js`` clicks the
  bell's hidden poll button), reading only the unread count unless it changed.

Desktop notifications: once the person turned them on (a button in the bell or in settings, never
on page load), each reminder that arrives while a tab is open is also shown by the browser's
Notification API. The state lists those in :attr:`NotificationsState.desktop_json` (reminders newer
than the moment this tab started watching); ``assets/ticked.js`` shows each once.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.models import NotificationKind
from app.services import notifications as notification_service
from app.states.auth import current_user_id
from app.states.live import TAB_USERS, refreshes
from app.states.tasks import TasksState
from app.states.workers import run_db
from app.views.notifications import Bell, BellItem, bell

POLL_SECONDS = 30
PERMISSIONS = ("default", "granted", "denied", "unsupported")
PERMISSION_SCRIPT = "typeof Notification === 'undefined' ? 'unsupported' : Notification.permission"
REQUEST_SCRIPT = (
    "typeof Notification === 'undefined' ? 'unsupported' : "
    "Promise.resolve(Notification.requestPermission()).catch(() => Notification.permission)"
)


def _bell(user_id: uuid.UUID) -> Bell:
    with session_scope() as session:
        return bell(session, user_id=user_id)


def _unread(user_id: uuid.UUID) -> int:
    with session_scope() as session:
        return notification_service.unread_count(session, user_id=user_id)


def _mark_read(user_id: uuid.UUID, ids: list[str] | None) -> Bell:
    with session_scope() as session:
        notification_service.mark_read(session, user_id=user_id, ids=ids)
    return _bell(user_id)


def task_href(task_id: str) -> str:
    """Where a notification about ``task_id`` leads: the task page with that task open."""
    return routes.page_url(routes.TASKS, task=task_id)


class NotificationsState(rx.State):
    """The bell of one tab."""

    unread: int = 0
    items: list[BellItem] = []
    today: int = 0
    """Open tasks due today or overdue, beside Tasks in the nav."""
    loaded: bool = False
    is_open: bool = False
    since: str = ""
    """When this tab started watching (ISO, UTC): only reminders after it go to the desktop."""
    permission: str = ""
    """The browser's Notification permission: default, granted, denied or unsupported ("" unknown)."""
    desktop_json: str = "[]"

    @rx.var
    def bell_label(self) -> str:
        """The bell's accessible name: "Notifications, 3 unread"."""
        return f"Notifications, {self.unread} unread" if self.unread else "Notifications, none unread"

    @rx.var
    def badge(self) -> str:
        return "" if not self.unread else ("99+" if self.unread > 99 else str(self.unread))

    def _show(self, view: Bell) -> None:
        self.unread, self.items, self.loaded, self.today = view.unread, view.items, True, view.today
        fresh = [
            {"id": i.id, "title": i.title, "body": i.body or i.kind_label, "href": self._href(i)}
            for i in view.items
            if i.unread and i.kind == NotificationKind.reminder.value and i.created_at > self.since
        ]
        self.desktop_json = json.dumps(fresh[:5])

    @staticmethod
    def _href(item: BellItem) -> str:
        return task_href(item.task_id) if item.task_id else ""

    async def _reload(self) -> uuid.UUID | None:
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        self._show(await run_db(_bell, user_id))
        return user_id

    @rx.event
    async def load(self):
        """On mount of the bell (every signed-in page): read it, and have this tab refreshed live."""
        if not self.since:
            self.since = datetime.now(UTC).isoformat()
        user_id = await self._reload()
        if user_id is not None:
            TAB_USERS[self.router.session.client_token] = user_id
        return rx.call_script(PERMISSION_SCRIPT, callback=NotificationsState.set_permission)

    async def live_refresh(self) -> None:
        """Called by :mod:`app.states.live` when a change concerns this tab's person."""
        await self._reload()

    @rx.event
    async def poll(self):
        """The fallback timer: re-read the list only when the unread count moved."""
        user_id = await current_user_id(self)
        if user_id is None:
            return
        if not self.loaded or await run_db(_unread, user_id) != self.unread:
            self._show(await run_db(_bell, user_id))

    @rx.event
    async def set_open(self, value: bool):
        self.is_open = bool(value)
        if self.is_open:
            await self._reload()

    @rx.event
    async def mark_all_read(self):
        user_id = await current_user_id(self)
        if user_id is None:
            return
        self._show(await run_db(_mark_read, user_id, None))

    @rx.event
    async def open_item(self, notification_id: str):
        """A click on a notification: it is read; its task opens (on the task page).

        Only a notification of the tab's own list counts (the service checks the owner again when
        marking it read), and the task is the one that notification names, never one the page sends.
        """
        user_id = await current_user_id(self)
        if user_id is None:
            return None
        item = next((i for i in self.items if i.id == notification_id), None)
        if item is None:
            self._show(await run_db(_bell, user_id))
            return None
        self._show(await run_db(_mark_read, user_id, [item.id]))
        if not item.task_id:
            return None
        self.is_open = False
        if (self.router.page.path or "").rstrip("/") == routes.TASKS:
            return TasksState.open_detail(item.task_id)
        return rx.redirect(task_href(item.task_id))

    @rx.event
    def set_permission(self, value: str):
        self.permission = value if value in PERMISSIONS else "unsupported"

    @rx.event
    def ask_permission(self):
        """The person asked for desktop notifications (a click: browsers only ask after one)."""
        return rx.call_script(REQUEST_SCRIPT, callback=NotificationsState.set_permission)


refreshes(NotificationsState)
