"""State of the task page: filters (mirrored in the URL), the list, quick add and inline edit.

Database work runs in worker threads (``run_db``) so the event loop keeps serving every other
tab meanwhile.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date

import reflex as rx

from app import routes
from app.core.db import session_scope
from app.models.task import DUE_FILTERS, PRIORITIES, SORT_KEYS, STATUS_FILTERS
from app.services import tasks as task_service
from app.services.errors import ServiceError
from app.services.operations import PAGE
from app.services.presentation import isolate, relative_due
from app.states.auth import current_user_id
from app.states.workers import run_db

ANY = "any"
PAGE_SIZE = 50
FILTER_DEFAULTS = {"status": "all", "tag": ANY, "priority": ANY, "due": ANY, "q": "", "sort": "created"}


@dataclasses.dataclass
class TaskRow:
    """A task as the page shows it (plain data, no ORM object)."""

    id: str = ""
    title: str = ""
    description: str = ""
    completed: bool = False
    priority: str = "medium"
    tags: list[str] = dataclasses.field(default_factory=list)
    due_date: str = ""
    due_label: str = ""
    due_tone: str = "none"
    recurrence: str = ""


def _row(task, today: date) -> TaskRow:
    label, tone = relative_due(task.due_date, today, completed=task.completed)
    return TaskRow(
        id=str(task.id),
        title=task.title,
        description=task.description or "",
        completed=task.completed,
        priority=task.priority,
        tags=list(task.tags or []),
        due_date=task.due_date.isoformat() if task.due_date else "",
        due_label=label,
        due_tone=tone,
        recurrence=task.recurrence or "",
    )


@dataclasses.dataclass
class _Listing:
    rows: list[TaskRow]
    has_more: bool
    counts: dict[str, int]
    tags: list[str]


def _list(user_id: uuid.UUID, query: task_service.TaskQuery, limit: int) -> _Listing:
    today = date.today()
    with session_scope() as session:
        paged = dataclasses.replace(query, limit=limit + 1)
        rows = task_service.list_tasks(session, user_id=user_id, query=paged)
        return _Listing(
            rows=[_row(t, today) for t in rows[:limit]],
            has_more=len(rows) > limit,
            counts=task_service.count_by_status(session, user_id=user_id, query=query),
            tags=task_service.list_tags(session, user_id=user_id),
        )


def _apply(action, user_id: uuid.UUID) -> None:
    with session_scope() as session:
        action(session, user_id)


class TasksState(rx.State):
    """One state for the task page."""

    tasks: list[TaskRow] = []
    counts: dict[str, int] = {"all": 0, "pending": 0, "completed": 0}
    all_tags: list[str] = []
    loaded: bool = False
    shown_limit: int = PAGE_SIZE
    has_more: bool = False

    status: str = "all"
    tag: str = ANY
    priority: str = ANY
    due: str = ANY
    search: str = ""
    sort: str = "created"

    editing_id: str = ""
    edit_text: str = ""
    error: str = ""
    undo_message: str = ""
    flash: str = ""

    # ----- loading and filters -------------------------------------------------------------

    def _query(self) -> task_service.TaskQuery:
        return task_service.TaskQuery(
            status=self.status,  # type: ignore[arg-type]
            tag=None if self.tag == ANY else self.tag,
            priority=None if self.priority == ANY else self.priority,
            due=None if self.due == ANY else self.due,  # type: ignore[arg-type]
            search=self.search or None,
            sort=self.sort,  # type: ignore[arg-type]
        )

    async def _reload(self) -> None:
        user_id = await current_user_id(self)
        if user_id is None:
            return
        listing = await run_db(_list, user_id, self._query(), self.shown_limit)
        self.tasks, self.has_more = listing.rows, listing.has_more
        self.counts, self.all_tags = listing.counts, listing.tags
        self.loaded = True

    def _url(self) -> str:
        values = {
            "status": self.status,
            "tag": self.tag,
            "priority": self.priority,
            "due": self.due,
            "q": self.search,
            "sort": self.sort,
        }
        changed = {k: v for k, v in values.items() if v != FILTER_DEFAULTS[k]}
        return routes.page_url(routes.TASKS, **changed)

    def _sync_url(self):
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    @rx.event
    async def on_load(self):
        """Read the filters from the URL, then load; runs after the sign-in guard."""
        params = self.router.url.query_parameters
        self.status = params.get("status", "all") if params.get("status") in STATUS_FILTERS else "all"
        self.priority = params.get("priority", ANY) if params.get("priority") in PRIORITIES else ANY
        self.due = params.get("due", ANY) if params.get("due") in DUE_FILTERS else ANY
        self.sort = params.get("sort", "created") if params.get("sort") in SORT_KEYS else "created"
        self.tag = (params.get("tag") or ANY).strip().lower()[:32] or ANY
        self.search = (params.get("q") or "")[:200]
        self.editing_id, self.error, self.undo_message = "", "", ""
        self.shown_limit = PAGE_SIZE
        await self._reload()

    async def _set_filter(self, name: str, value: str):
        setattr(self, name, value)
        self.shown_limit = PAGE_SIZE
        await self._reload()
        return self._sync_url()

    @rx.event
    async def set_status(self, value: str):
        return await self._set_filter("status", value if value in STATUS_FILTERS else "all")

    @rx.event
    async def set_tag(self, value: str):
        return await self._set_filter("tag", value or ANY)

    @rx.event
    async def set_priority(self, value: str):
        return await self._set_filter("priority", value if value in PRIORITIES else ANY)

    @rx.event
    async def set_due(self, value: str):
        return await self._set_filter("due", value if value in DUE_FILTERS else ANY)

    @rx.event
    async def set_sort(self, value: str):
        return await self._set_filter("sort", value if value in SORT_KEYS else "created")

    @rx.event
    async def set_search(self, value: str):
        return await self._set_filter("search", value[:200])

    @rx.event
    async def show_more(self):
        """Long lists render a page at a time: a thousand rows would take seconds to draw."""
        self.shown_limit += PAGE_SIZE
        await self._reload()

    @rx.event
    async def clear_filters(self):
        self.status, self.tag, self.priority, self.due, self.search, self.sort = (
            "all",
            ANY,
            ANY,
            ANY,
            "",
            "created",
        )
        await self._reload()
        return self._sync_url()

    # ----- changes ---------------------------------------------------------------------------

    async def _change(self, action, *, success: str = ""):
        """Run one service change for the acting user and reload; errors become a message."""
        self.error = ""
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        try:
            await run_db(_apply, action, user_id)
        except ServiceError as exc:
            self.error = exc.message
            return None
        self.flash = success
        await self._reload()
        return None

    @rx.event
    async def add_task(self, form: dict):
        title = str(form.get("title", "")).strip()
        if not title:
            self.error = "Type a task first, then press Enter."
            return None
        data: dict = {"title": title, "priority": form.get("priority") or "medium"}
        if form.get("due"):
            data["due_date"] = form["due"]
        if str(form.get("tags", "")).strip():
            data["tags"] = str(form["tags"])
        self.undo_message = ""
        result = await self._change(
            lambda s, uid: task_service.create_task(s, user_id=uid, data=data, origin=PAGE),
            success=f"Added “{title}”.",
        )
        if not self.error:
            return [
                rx.set_value("new-task-title", ""),
                rx.set_value("new-task-tags", ""),
                rx.set_value("new-task-due", ""),
                rx.set_value("new-task-priority", "medium"),
            ]
        return result

    @rx.event
    async def toggle_done(self, task_id: str):
        row = next((t for t in self.tasks if t.id == task_id), None)
        self.undo_message = ""
        if row is not None and row.completed:
            return await self._change(
                lambda s, uid: task_service.reopen_task(s, user_id=uid, task_id=task_id, origin=PAGE)
            )
        return await self._change(
            lambda s, uid: task_service.complete_task(s, user_id=uid, task_id=task_id, origin=PAGE)
        )

    @rx.event
    async def delete(self, task_id: str):
        row = next((t for t in self.tasks if t.id == task_id), None)
        title = row.title if row else "task"
        result = await self._change(
            lambda s, uid: task_service.delete_task(s, user_id=uid, task_id=task_id, origin=PAGE)
        )
        if not self.error:
            self.undo_message = f"Deleted “{isolate(title)}”."
        return result

    @rx.event
    async def undo(self):
        self.undo_message = ""
        return await self._change(lambda s, uid: task_service.undo_last(s, user_id=uid), success="Undone.")

    @rx.event
    def dismiss_undo(self):
        self.undo_message = ""

    @rx.event
    def start_edit(self, task_id: str):
        row = next((t for t in self.tasks if t.id == task_id), None)
        if row is not None:
            self.editing_id, self.edit_text, self.error = task_id, row.title, ""

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text = value

    @rx.event
    def cancel_edit(self):
        self.editing_id, self.edit_text = "", ""

    @rx.event
    async def save_edit(self):
        task_id, title = self.editing_id, self.edit_text
        if not task_id:
            return None
        result = await self._change(
            lambda s, uid: task_service.update_task(
                s, user_id=uid, task_id=task_id, data={"title": title}, origin=PAGE
            )
        )
        if not self.error:
            self.editing_id, self.edit_text = "", ""
        return result

    @rx.event
    async def edit_key(self, key: str):
        if key == "Enter":
            return await self.save_edit()
        if key == "Escape":
            self.cancel_edit()
        return None

    @rx.event
    def dismiss_error(self):
        self.error = ""
