"""State of the task page: the view and filters (mirrored in the URL), the list, quick add, inline
edit and the detail panel.

Views (issue 16), chosen in the project list and kept in ``?project=``:

- ``/tasks``: **All tasks**, every task the user can see in any project (their Inbox and every
  shared project). It stays the default because it is what the page always showed, what a person
  who bookmarked ``/tasks`` expects, and what ``tasks list`` in the CLI lists; a new task added
  here goes to the Inbox.
- ``/tasks?project=inbox``: the personal Inbox; ``/tasks?project=assigned``: tasks assigned to
  me in any project; ``/tasks?project=<id>``: one project, its new tasks added to it. The
  address can be reloaded and shared with a teammate (who sees it only as a member).

Rows show the project (in the All and Assigned views) and the assignee's initials; the detail
panel adds the assignee picker, the project, comments and activity (``app.states.projects``).
What a viewer may not change is not drawn (``TaskRow.can_write``); the service refuses anyway.

Database work runs in worker threads (``run_db``) so the event loop keeps serving every other
tab meanwhile. :meth:`TasksState.live_refresh` reloads everything shown, for live updates.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import date, datetime

import reflex as rx
from sqlmodel import col, select

from app import routes
from app.agent.offline.quick_add import QuickAdd, parse_quick_add
from app.core.db import session_scope
from app.models import Task, TaskOperation
from app.models.task import DUE_FILTERS, PRIORITIES, SORT_KEYS, STATUS_FILTERS
from app.services import clock
from app.services import projects as project_service
from app.services import tasks as task_service
from app.services.errors import ServiceError, for_a_person
from app.services.operations import PAGE
from app.services.presentation import isolate, relative_due
from app.states.address import LoadPicks, replace_address
from app.states.auth import current_user_id
from app.states.fields import clear_if_still
from app.states.projects import (
    ALL,
    ASSIGNED,
    INBOX,
    MemberRow,
    ProjectsState,
    TaskTalkState,
    initials,
    member_rows,
    tone_of,
)
from app.states.workers import run_db
from app.views import daily

ANY = "any"
PAGE_SIZE = 50
# The default view is what matters now: open tasks by due date (overdue, today, later, undated).
FILTER_DEFAULTS = {
    "project": ALL,
    "status": "pending",
    "tag": ANY,
    "priority": ANY,
    "due": ANY,
    "assignee": ANY,
    "q": "",
    "sort": "due_date",
}
ME, NOBODY = "me", "none"
TODAY, UPCOMING, LIST, AUTO = "today", "upcoming", "all", "auto"
"""The views (``?view=``): Today, Upcoming (14 days by day) and the list with its status tabs
(Open / Completed / All). ``auto``: the page opened without a view (see :meth:`TasksState.on_load`)."""
VIEWS = (TODAY, UPCOMING, LIST)
"""The assignee filter's fixed choices besides a member's id."""
DEFAULT_STATUS = FILTER_DEFAULTS["status"]
DEFAULT_SORT = FILTER_DEFAULTS["sort"]
UNDO_SECONDS = 6.0
"""How long the Undo bar stays before it closes by itself (its close button closes it sooner)."""


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
    project_id: str = ""
    project_name: str = ""
    project_color: str = "gray"
    assignee_id: str = ""
    assignee_name: str = ""
    assignee_initials: str = ""
    assignee_tone: str = "gray"
    can_write: bool = True
    """Owner or editor of its project: a viewer's row and panel draw no write controls."""
    due_time: str = ""
    """"HH:MM" on the due date (the owner's wall clock), or ""."""
    due_text: str = ""
    """What the row's badge says: "Tomorrow 17:00", "3 days overdue"."""
    parent_id: str = ""
    parent_title: str = ""
    """The parent's title when this is a subtask whose parent is not listed right above it."""
    depth: int = 0
    """How far the row is indented under its parent in the list (0: not under a listed parent)."""
    subtasks_done: int = 0
    subtasks_total: int = 0
    progress: str = ""
    """ "2/5" for a task with subtasks, else ""."""
    reminder_count: int = 0
    done_text: str = ""
    """When it was completed, on the person's clock: "Done today 14:05" (completed tasks)."""


@dataclasses.dataclass
class TaskGroup:
    """A day of Upcoming: its heading and its tasks."""

    key: str = ""
    label: str = ""
    rows: list[TaskRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ReminderRow:
    """One of the open task's reminders, on the person's clock."""

    key: str = ""
    label: str = ""
    note: str = ""
    past: bool = False


_CHIP_NAMES = {
    "due": "due date",
    "priority": "priority",
    "tag": "tag",
    "recurrence": "repeat",
    "time": "time",
}


@dataclasses.dataclass
class ChipRow:
    """One thing quick add understood, as a removable chip."""

    kind: str = ""
    label: str = ""
    phrase: str = ""
    remove_label: str = ""
    note: str = ""
    """ "(kept as a note)" for a time the line read but the task will not keep as its due time."""


def _chips(parsed: QuickAdd) -> list[ChipRow]:
    timed = "due_time" in parsed.task_data()  # the grammar sets the task's due time
    return [
        ChipRow(
            kind=chip.kind,
            label=("#" + chip.label) if chip.kind == "tag" else chip.label,
            phrase=chip.phrase,
            remove_label=f"Remove {_CHIP_NAMES.get(chip.kind, chip.kind)} {chip.label}",
            note="(kept as a note)" if chip.kind == "time" and not timed else "",
        )
        for chip in parsed.chips
    ]


def _row(
    task,
    today: date,
    labels: dict | None = None,
    role: str = "owner",
    *,
    now: datetime | None = None,
    progress: tuple[int, int] = (0, 0),
    parent_title: str = "",
    zone_name: str | None = None,
) -> TaskRow:
    label, tone = relative_due(task.due_date, today, completed=task.completed)
    text, tone = daily.due_text(
        task.due_date,
        task.due_time,
        now or datetime.combine(today, datetime.min.time()),
        completed=task.completed,
    )
    info = (labels or {}).get(task.id) or {}
    assignee = info.get("assignee_name") or ""
    done, total = progress
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
        project_id=str(task.project_id or ""),
        project_name=info.get("project") or "",
        project_color=info.get("project_color") or "gray",
        assignee_id=str(task.assignee_id or ""),
        assignee_name=assignee,
        assignee_initials=initials(assignee) if assignee else "",
        assignee_tone=tone_of(str(task.assignee_id)) if task.assignee_id else "gray",
        can_write=role in ("owner", "editor"),
        due_time=daily.hh_mm(task.due_time),
        due_text=text,
        parent_id=str(task.parent_id or ""),
        parent_title=parent_title,
        subtasks_done=done,
        subtasks_total=total,
        progress=f"{done}/{total}" if total else "",
        reminder_count=len(task.reminders or []),
        done_text=daily.done_text(
            task.completed_at, zone_name, now or datetime.combine(today, datetime.min.time())
        )
        if task.completed
        else "",
    )


def _rows(
    session, user_id: uuid.UUID, tasks: list, zone_name: str | None, today: date | None = None
) -> list[TaskRow]:
    """Rows with their project, assignee, subtask progress, parent, and whether this user may change
    them; a subtask whose parent is listed too comes right under it, indented. ``zone_name``: the
    person's (``clock.user_zone``, read once by the caller); ``today`` there unless given."""
    labels = project_service.task_labels(session, tasks)
    roles = {
        v.project.id: v.role for v in project_service.list_projects(session, user_id=user_id, archived=True)
    }
    now = daily.local_now(zone_name)
    today = today or now.date()
    if now.date() != today:  # a caller's own "today" (tests, a day boundary): keep its date
        now = datetime.combine(today, now.time())
    progress = task_service.subtask_progress(session, [t.id for t in tasks])
    shown = {t.id for t in tasks}
    parent_ids = {t.parent_id for t in tasks if t.parent_id is not None and t.parent_id not in shown}
    titles = (
        dict(session.exec(select(Task.id, Task.title).where(col(Task.id).in_(list(parent_ids)))).all())
        if parent_ids
        else {}
    )
    ordered = daily.nest(tasks, lambda t: str(t.id), lambda t: str(t.parent_id or ""))
    return [
        dataclasses.replace(
            _row(
                t,
                today,
                labels,
                roles.get(t.project_id, ""),
                now=now,
                progress=progress.get(t.id, (0, 0)),
                parent_title=titles.get(t.parent_id, "") if t.parent_id else "",
                zone_name=zone_name,
            ),
            depth=depth,
        )
        for t, depth in ordered
    ]


def _scoped(session, user_id: uuid.UUID, query: task_service.TaskQuery, view: str, assignee: str):
    """``query`` narrowed to the view (a project, the Inbox, assigned to me) and the assignee filter."""
    changes: dict = {}
    if view == INBOX:
        changes["project_id"] = project_service.inbox(session, user_id=user_id).id
    elif view == ASSIGNED:
        changes["assignee_id"] = user_id
    elif view != ALL:
        # Not a project id (or one the user is not in): the list is empty, the page says why.
        changes["project_id"] = project_service.parse_id(view) or uuid.UUID(int=0)
    if view != ASSIGNED:
        if assignee == ME:
            changes["assignee_id"] = user_id
        elif assignee == NOBODY:
            changes["unassigned"] = True
        elif assignee != ANY:
            changes["assignee_id"] = project_service.parse_id(assignee) or uuid.UUID(int=0)
    return dataclasses.replace(query, **changes)


@dataclasses.dataclass
class _Listing:
    rows: list[TaskRow]
    has_more: bool
    counts: dict[str, int]
    tags: list[str]
    view: str = LIST
    groups: list[TaskGroup] = dataclasses.field(default_factory=list)
    today: str = ""


def _groups(rows: list[TaskRow], today: date) -> list[TaskGroup]:
    """Upcoming's days, in order, each with its heading ("Tomorrow · Sun 6 Dec"); a subtask sits
    under its parent when both fall on that day, else it names its parent."""
    titles = {r.id: r.title for r in rows}
    groups: list[TaskGroup] = []
    for key in sorted({r.due_date for r in rows}):
        day = [r for r in rows if r.due_date == key]
        nested = daily.nest(day, lambda r: r.id, lambda r: r.parent_id)
        day = [
            dataclasses.replace(
                r,
                depth=depth,
                parent_title=r.parent_title or (titles.get(r.parent_id, "") if depth == 0 else ""),
            )
            for r, depth in nested
        ]
        groups.append(TaskGroup(key=key, label=daily.day_heading(date.fromisoformat(key), today), rows=day))
    return groups


def _list(
    user_id: uuid.UUID,
    query: task_service.TaskQuery,
    limit: int,
    project: str = ALL,
    assignee: str = ANY,
    view: str = LIST,
) -> _Listing:
    """One page of the shown list with every tab's count. ``view`` ``auto`` (the page opened
    without ``?view=``) is Today when something is due today or overdue, else the open tasks."""
    with session_scope() as session:
        zone_name = clock.user_zone(session, user_id)
        today = clock.today_in(zone_name)  # "today" and "overdue" where the person is
        query = _scoped(session, user_id, query, project, assignee)
        base = dataclasses.replace(query, due=None, sort="due_date")
        counts = task_service.count_by_status(session, user_id=user_id, query=query, today=today)
        for name in (TODAY, UPCOMING):
            scoped = daily.view_query(name, base)
            counts[name] = task_service.count_by_status(session, user_id=user_id, query=scoped, today=today)[
                "pending"
            ]
        if view == AUTO:
            view = TODAY if counts[TODAY] else LIST
        shown = daily.view_query(view, base) if view in (TODAY, UPCOMING) else query
        paged = dataclasses.replace(shown, limit=limit + 1)
        found = task_service.list_tasks(session, user_id=user_id, query=paged, today=today)
        rows = _rows(session, user_id, found[:limit], zone_name, today)
        groups = _groups(rows, today) if view == UPCOMING else []
        if groups:
            rows = [r for g in groups for r in g.rows]
        return _Listing(
            rows=rows,
            has_more=len(found) > limit,
            counts=counts,
            tags=task_service.list_tags(session, user_id=user_id),
            view=view,
            groups=groups,
            today=today.isoformat(),
        )


@dataclasses.dataclass
class DetailChange:
    """One change made in the detail panel, with its own Undo (the journal entry's id)."""

    op_id: str = ""
    field: str = ""
    label: str = ""
    undo_label: str = ""
    undone: bool = False


_FIELD_NAMES = {
    "title": "title",
    "description": "description",
    "due_date": "due date",
    "priority": "priority",
    "tags": "tags",
    "recurrence": "repeat",
    "assignee_id": "assignee",
    "project_id": "project",
    "due_time": "due time",
    "reminders": "reminders",
}


@dataclasses.dataclass
class ProjectChoice:
    """A project the open task may move to (one the user may write to)."""

    id: str = ""
    name: str = ""


@dataclasses.dataclass
class _Detail:
    row: TaskRow
    members: list[MemberRow]
    moves: list[ProjectChoice]
    subtasks: list[TaskRow] = dataclasses.field(default_factory=list)
    reminders: list[ReminderRow] = dataclasses.field(default_factory=list)
    parent_title: str = ""


def _fetch(user_id: uuid.UUID, task_id: str) -> TaskRow:
    with session_scope() as session:
        task = task_service.get_task(session, user_id=user_id, task_id=task_id)
        return _rows(session, user_id, [task], clock.user_zone(session, user_id))[0]


def _fetch_detail(user_id: uuid.UUID, task_id: str) -> _Detail:
    """The open task with its project's members (the assignee picker) and where it may move."""
    with session_scope() as session:
        task = task_service.get_task(session, user_id=user_id, task_id=task_id)
        zone_name = clock.user_zone(session, user_id)
        row = _rows(session, user_id, [task], zone_name)[0]
        view = project_service.project_view(session, user_id=user_id, project_id=task.project_id)
        moves = [
            ProjectChoice(id=str(v.project.id), name=v.project.name)
            for v in project_service.list_projects(session, user_id=user_id)
            if v.role in ("owner", "editor")
        ]
        if row.project_id not in {m.id for m in moves}:
            moves.insert(0, ProjectChoice(id=row.project_id, name=row.project_name))
        children = session.exec(
            select(Task).where(Task.parent_id == task.id).order_by(col(Task.created_at), col(Task.id))
        ).all()
        subtasks = [
            dataclasses.replace(r, parent_title="")
            for r in _rows(session, user_id, list(children), zone_name)
        ]
        parent = session.get(Task, task.parent_id) if task.parent_id else None
        return _Detail(
            row=row,
            members=member_rows(view.members, user_id),
            moves=moves,
            subtasks=subtasks,
            reminders=[
                ReminderRow(**dataclasses.asdict(v))
                for v in daily.reminder_views(task, daily.local_now(zone_name))
            ],
            parent_title=parent.title if parent else "",
        )


def _update_journaled(user_id: uuid.UUID, task_id: str, data: dict) -> tuple[TaskRow, str]:
    """Change one task through the journaled write path; returns it and the change's journal id.

    The id is empty when the change left the task as it was (nothing to undo).
    """
    with session_scope() as session:
        task = task_service.update_task(session, user_id=user_id, task_id=task_id, data=data, origin=PAGE)
        ops = [op for op in session.new if isinstance(op, TaskOperation) and op.undo_state]
        row = _rows(session, user_id, [task], clock.user_zone(session, user_id))[0]
        return row, (str(ops[0].id) if ops else "")


def _undo_change(user_id: uuid.UUID, task_id: str, op_id: str, name: str) -> None:
    """Put back what one panel change changed, and only that field (``undo_field_change``)."""
    with session_scope() as session:
        task_service.undo_field_change(
            session, user_id=user_id, task_id=task_id, operation_id=op_id, field=name, origin=PAGE
        )


def _change_label(name: str, row: TaskRow) -> str:
    if name == "title":
        return f"Title: {isolate(row.title)}"
    if name == "description":
        return "Description changed" if row.description else "Description cleared"
    if name == "due_date":
        return f"Due {row.due_label}" if row.due_date else "No due date"
    if name == "priority":
        return f"Priority: {row.priority}"
    if name == "tags":
        return "Tags: " + " ".join("#" + t for t in row.tags) if row.tags else "No tags"
    if name == "assignee_id":
        return f"Assigned to {isolate(row.assignee_name)}" if row.assignee_id else "Unassigned"
    if name == "project_id":
        return f"Moved to {isolate(row.project_name)}"
    if name == "due_time":
        return f"Due {row.due_label} at {row.due_time}" if row.due_time else "No due time"
    if name == "reminders":
        n = row.reminder_count
        return f"{n} reminder{'' if n == 1 else 's'}" if n else "No reminders"
    return f"Repeats {row.recurrence}" if row.recurrence else "Does not repeat"


def _apply(action, user_id: uuid.UUID) -> None:
    with session_scope() as session:
        action(session, user_id)


def _completion_facts(user_id: uuid.UUID, task_id: str) -> tuple[str, bool, int]:
    """The task's title, whether it is done, and how many open subtasks completing it takes along."""
    with session_scope() as session:
        task = task_service.get_task(session, user_id=user_id, task_id=task_id)
        return task.title, task.completed, daily.open_below(session, task_id=task.id)


def _count_below(user_id: uuid.UUID, task_id: str) -> int:
    """How many subtasks (every level) deleting the task deletes with it."""
    with session_scope() as session:
        task = task_service.get_task(session, user_id=user_id, task_id=task_id)
        return len(task_service.descendants(session, [task.id]))


class TasksState(LoadPicks, rx.State):
    """The task page's list, filters, quick add and detail panel (projects: ``ProjectsState``)."""

    project: str = ALL
    """The view: "" (all tasks), "inbox", "assigned" or a project's id (``?project=``)."""
    assignee: str = ANY
    """The assignee filter: any, "me", "none" or a member's id (``?assignee=``)."""
    view: str = LIST
    """Today, Upcoming or the list ("all", with its status tabs) (``?view=``)."""
    _view_in_url: bool = False
    """The view was chosen (a tab, the address); else it was picked for the person on opening."""
    _view_auto: bool = False
    _today: str = ""
    """Today in the person's zone (ISO), for reading quick add's "tomorrow"."""
    tasks: list[TaskRow] = []
    groups: list[TaskGroup] = []
    """Upcoming's days (empty in the other views)."""
    counts: dict[str, int] = {"all": 0, "pending": 0, "completed": 0, "today": 0, "upcoming": 0}
    all_tags: list[str] = []
    loaded: bool = False
    shown_limit: int = PAGE_SIZE
    has_more: bool = False

    status: str = DEFAULT_STATUS
    tag: str = ANY
    priority: str = ANY
    due: str = ANY
    search: str = ""
    sort: str = DEFAULT_SORT
    filters_open: bool = False

    quick_text: str = ""
    quick_keep: list[str] = []
    quick_chips: list[ChipRow] = []
    quick_title: str = ""

    detail_id: str = ""
    detail: TaskRow = TaskRow()
    detail_version: int = 0
    detail_changes: list[DetailChange] = []
    detail_error: str = ""
    detail_members: list[MemberRow] = []
    detail_moves: list[ProjectChoice] = []
    detail_subtasks: list[TaskRow] = []
    detail_reminders: list[ReminderRow] = []
    detail_parent_title: str = ""

    confirm_id: str = ""
    """The task whose completion waits for a yes (it has open subtasks)."""
    confirm_text: str = ""

    editing_id: str = ""
    edit_text: str = ""
    error: str = ""
    undo_message: str = ""
    undo_seq: int = 0
    flash: str = ""

    # ----- loading and filters -------------------------------------------------------------

    def _default_sort(self) -> str:
        """Completed tasks read best by when they were done; the rest by when they are due."""
        return "completed" if self.view == LIST and self.status == "completed" else DEFAULT_SORT

    @rx.var
    def tab(self) -> str:
        """The selected tab: ``today``, ``upcoming`` or the list's status."""
        return self.view if self.view in (TODAY, UPCOMING) else self.status

    @rx.var
    def today_count(self) -> int:
        """Open tasks due today or overdue (the Today tab's count; a nav badge may show it)."""
        return self.counts.get(TODAY, 0)

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
        """Read the project list and the shown project, then the list, as the signed-in user.

        A project the user can no longer see (removed, deleted, a link from someone else) turns
        the view into All tasks, with a message saying why.
        """
        user_id = await current_user_id(self)
        if user_id is None:
            return
        projects = await self.get_state(ProjectsState)
        if not await projects._refresh(user_id, self.project):
            self.project, self.assignee = ALL, ANY
            self.error = "That project isn't available: it was deleted, or it is no longer shared with you."
        view = AUTO if self._view_auto and self.project == ALL else self.view
        listing = await run_db(
            _list, user_id, self._query(), self.shown_limit, self.project, self.assignee, view
        )
        self._view_auto = False
        self.view, self.groups, self._today = listing.view, listing.groups, listing.today
        self.tasks, self.has_more = listing.rows, listing.has_more
        self.counts, self.all_tags = listing.counts, listing.tags
        self.loaded = True

    async def _reload_detail(self, user_id: uuid.UUID, *, keep_fields: bool = False) -> None:
        """Read the open task again (its members, comments and activity too).

        ``keep_fields``: redraw the fields only when the saved task differs from what is shown (a
        teammate changed it), so a live refresh never wipes what this person is typing.
        """
        if not self.detail_id:
            return
        talk = await self.get_state(TaskTalkState)
        try:
            detail = await run_db(_fetch_detail, user_id, self.detail_id)
        except ServiceError:
            self.detail_id, self.detail_changes, self.detail_error = "", [], ""
            talk._clear()
            self.error = "The task you had open was deleted, or it is no longer shared with you."
            return
        if not keep_fields or detail.row != self.detail:
            self.detail_version += 1
        self._show_detail(detail)
        await talk._load_for(user_id, self.detail_id)

    def _show_detail(self, detail: _Detail) -> None:
        self.detail, self.detail_members, self.detail_moves = detail.row, detail.members, detail.moves
        self.detail_subtasks, self.detail_reminders = detail.subtasks, detail.reminders
        self.detail_parent_title = detail.parent_title

    @rx.event
    async def live_refresh(self):
        """Reload what the page shows from the database: the project list and counts, the shown
        project and its members, the task list and the open task (fields, comments, activity).

        For live updates: when a teammate changes a shared project (a task, a comment, its
        members), the server calls this on every open task page of that project's members, e.g.
        ``async with app.modify_state(token) as root: await (await root.get_state(TasksState)).
        live_refresh()``. It changes nothing in the database, keeps the view and filters, and keeps
        what the person is typing in the open panel unless that task itself changed. A project the
        person lost turns the view into All tasks with a message; a task they lost closes its panel.
        """
        path = self.router.url.path.rstrip("/")
        if not self.loaded or (path and path != routes.TASKS):
            return  # never opened here, or the tab is on another page now (it loads afresh there)
        user_id = await current_user_id(self)
        if user_id is None:
            return
        await self._reload()
        await self._reload_detail(user_id, keep_fields=True)

    def _url(self) -> str:
        values = {
            "project": self.project,
            "view": self.view if self._view_in_url else "",
            "assignee": self.assignee,
            "status": self.status,
            "tag": self.tag,
            "priority": self.priority,
            "due": self.due,
            "q": self.search,
            "sort": self.sort,
        }
        defaults = {**FILTER_DEFAULTS, "view": "", "sort": self._default_sort()}
        changed = {k: v for k, v in values.items() if v != defaults[k]}
        return routes.page_url(routes.TASKS, **changed)

    def _sync_url(self):
        return replace_address(self._url())

    @rx.event
    async def on_load(self):
        """Read the filters from the URL, then load; runs after the sign-in guard. ``?task=<id>``
        opens that task's panel (through :meth:`open_detail`, which checks it like a click)."""
        params = self.router.url.query_parameters
        self.project = str(params.get("project") or ALL).strip()[:64]
        assignee = str(params.get("assignee") or ANY).strip()[:64]
        self.assignee = assignee if self.project != ASSIGNED else ANY
        status = params.get("status")
        self.status = status if status in STATUS_FILTERS else DEFAULT_STATUS
        view = str(params.get("view") or "").strip().lower()
        self._view_in_url = view in VIEWS
        self.view = view if view in VIEWS else LIST
        # Opened without a view: Today when something is due (the daily loop starts there), else
        # the open tasks (someone who keeps no dates never lands on an empty page). A project's
        # list opens on its tasks.
        self._view_auto = not self._view_in_url and self.project == ALL
        self.priority = params.get("priority", ANY) if params.get("priority") in PRIORITIES else ANY
        self.due = params.get("due", ANY) if params.get("due") in DUE_FILTERS else ANY
        sort = params.get("sort")
        self.sort = sort if sort in SORT_KEYS else self._default_sort()
        self.tag = (params.get("tag") or ANY).strip().lower()[:32] or ANY
        self.search = (params.get("q") or "")[:200]
        picked = self._take_picks()  # a tab or filter picked while the page was loading wins
        for name, value in picked.items():
            setattr(self, name, value)
        if "view" in picked:
            self._view_in_url, self._view_auto = True, False
        self.editing_id, self.error, self.undo_message = "", "", ""
        self.confirm_id, self.confirm_text = "", ""
        self.shown_limit = PAGE_SIZE
        if self.detail_id:  # a panel left open on another page visit
            self.detail_id, self.detail_changes = "", []
            (await self.get_state(TaskTalkState))._clear()
        await self._reload()
        task = str(params.get("task") or "").strip()[:64]
        if task:  # /tasks?task=<id> (a notification, a link): open its panel; the address drops it
            return [TasksState.open_detail(task), self._sync_url()]
        return (
            self._sync_url()
            if picked or (self.project == ALL and self.router.url.query_parameters.get("project"))
            else None
        )

    async def _set_filter(self, name: str, value: str):
        setattr(self, name, value)
        self._note_pick(**{name: value})
        self.shown_limit = PAGE_SIZE
        await self._reload()
        return self._sync_url()

    @rx.event
    async def set_project(self, view: str):
        """Show another list (All tasks, Inbox, Assigned to me or a project); other filters stay,
        except the assignee (another project has other members)."""
        projects = await self.get_state(ProjectsState)
        projects.nav_open = False
        self.assignee, self.error = ANY, ""
        target = str(view or ALL)[:64]
        if not self._view_in_url:  # a list opens on its tasks; a chosen Today/Upcoming stays
            self.view = LIST
            self._view_in_url = target == ALL  # "All tasks" says so in the address
        return await self._set_filter("project", target)

    @rx.event
    async def follow_projects(self, form_data: dict | None = None):
        """After a project change (``ProjectsState`` names the view to show): show it and reload.

        Chained after ``ProjectsState``'s handlers by the page, so the list, counts and URL follow
        a new, deleted, left or re-shared project. ``form_data``: chained after a form's submit
        (which hands every handler in its chain the form), unused.
        """
        del form_data
        projects = await self.get_state(ProjectsState)
        view = projects._take_pending_view()
        if view is None:
            return None
        if view != self.project:
            self.assignee = ANY
            if not self._view_in_url:  # as set_project: another list opens on its tasks
                self.view = LIST
                self._view_in_url = view == ALL
        return await self._set_filter("project", view)

    @rx.event
    async def set_assignee(self, value: str):
        return await self._set_filter("assignee", str(value or ANY)[:64])

    @rx.event
    async def set_status(self, value: str):
        return await self.set_tab(value)

    @rx.event
    async def set_tab(self, value: str):
        """A tab: Today, Upcoming, or the list's Open / Completed / All (its sort follows when it
        was the default: completed tasks by completion date, the others by due date)."""
        was_default = self.sort == self._default_sort()
        self._view_in_url = True
        if value in (TODAY, UPCOMING):
            self.view = value
        else:
            self.view = LIST
            self.status = value if value in STATUS_FILTERS else DEFAULT_STATUS
        if was_default:
            self.sort = self._default_sort()
        self._note_pick(view=self.view, status=self.status, sort=self.sort)
        self.confirm_id = ""
        self.shown_limit = PAGE_SIZE
        await self._reload()
        return self._sync_url()

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
        return await self._set_filter("sort", value if value in SORT_KEYS else DEFAULT_SORT)

    @rx.event
    async def set_search(self, value: str):
        return await self._set_filter("search", value[:200])

    @rx.event
    def toggle_filters(self):
        """On a phone the filters fold into one button, so the first task stays above the fold."""
        self.filters_open = not self.filters_open

    @rx.event
    async def show_more(self):
        """Long lists render a page at a time: a thousand rows would take seconds to draw."""
        self.shown_limit += PAGE_SIZE
        await self._reload()

    @rx.event
    async def clear_filters(self):
        """The filters go; the tab (Today, Upcoming, Open...) stays."""
        self.tag, self.priority, self.due, self.search = ANY, ANY, ANY, ""
        self.sort = self._default_sort()
        self.assignee = ANY
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
            self.error = for_a_person(exc.message)
            return None
        self.flash = success
        await self._reload()
        return None

    # ----- quick add -------------------------------------------------------------------------

    def _parse_quick(self, text: str) -> QuickAdd:
        self.quick_keep = [phrase for phrase in self.quick_keep if phrase in text]
        today = date.fromisoformat(self._today) if self._today else date.today()
        parsed = parse_quick_add(text, today, keep=self.quick_keep)
        self.quick_chips, self.quick_title = _chips(parsed), parsed.title
        return parsed

    @rx.event
    def set_quick_text(self, value: str):
        """Show what the line means (chips) while it is typed, before Enter."""
        self.quick_text = value[:200]
        self._parse_quick(self.quick_text)

    @rx.event
    def remove_chip(self, phrase: str):
        """Removing a chip keeps its words in the title instead of reading them."""
        if phrase and phrase not in self.quick_keep:
            self.quick_keep = [*self.quick_keep, phrase]
        self._parse_quick(self.quick_text)

    @rx.event
    async def add_task(self, form: dict):
        line = str(form.get("title", "")).strip()
        if not line:
            self.error = "Type a task first, then press Enter."
            return None
        parsed = self._parse_quick(line)
        if not parsed.title:
            self.error = f"Add what the task is: “{isolate(line)}” only says when or how."
            return None
        data: dict = parsed.task_data()
        # The separate fields stay as an alternative; what they set wins over the line.
        if form.get("priority") and (form["priority"] != "medium" or "priority" not in data):
            data["priority"] = form["priority"]
        if form.get("due"):
            data["due_date"] = form["due"]
        if str(form.get("tags", "")).strip():
            typed = [t for t in str(form["tags"]).replace(",", " ").split() if t]
            data["tags"] = [*data.get("tags", []), *typed]
        if self.view in (TODAY, UPCOMING) and not data.get("due_date") and self._today:
            data["due_date"] = self._today  # added on Today (or Upcoming): due today, so it stays in sight
        title = parsed.title
        self.undo_message = ""
        projects = await self.get_state(ProjectsState)
        if self.project == INBOX and projects.inbox_id:
            data["project_id"] = projects.inbox_id
        elif self.project == ASSIGNED:
            user_id = await current_user_id(self)
            data["assignee_id"] = str(user_id) if user_id else None  # so it shows in this view
        elif self.project != ALL:
            data["project_id"] = self.project
        result = await self._change(
            lambda s, uid: task_service.create_task(s, user_id=uid, data=data, origin=PAGE),
            success=f"Added “{title}”.",
        )
        if not self.error:
            self.quick_text, self.quick_keep, self.quick_chips, self.quick_title = "", [], [], ""
            return [
                clear_if_still("new-task-title", line),
                rx.set_value("new-task-tags", ""),
                rx.set_value("new-task-due", ""),
                rx.set_value("new-task-priority", "medium"),
            ]
        return result

    def _offer_undo(self, message: str):
        """Show ``message`` with Undo; it closes by itself after ``UNDO_SECONDS``."""
        self.undo_message = message
        self.undo_seq += 1
        return TasksState.expire_undo(self.undo_seq)

    @rx.event(background=True)
    async def expire_undo(self, seq: int):
        await asyncio.sleep(UNDO_SECONDS)
        async with self:
            if self.undo_seq == seq:
                self.undo_message = ""

    @rx.event
    async def toggle_done(self, task_id: str):
        """Tick or untick a task. A task with open subtasks asks first: completing it completes
        them too (:meth:`confirm_complete`)."""
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        try:
            title, completed, below = await run_db(_completion_facts, user_id, task_id)
        except ServiceError as exc:
            self.error = for_a_person(exc.message)
            return None
        if not completed and below:
            self.confirm_id = task_id
            subtasks = "subtask" if below == 1 else "subtasks"
            self.confirm_text = f"Complete “{isolate(title)}” and its {below} open {subtasks}?"
            return None
        return await self._toggle(task_id, title, completed, below)

    async def _toggle(self, task_id: str, title: str, completed: bool, below: int):
        self.undo_message = ""
        if completed:
            result = await self._change(
                lambda s, uid: task_service.reopen_task(s, user_id=uid, task_id=task_id, origin=PAGE)
            )
            message = f"Reopened “{isolate(title)}”"
        else:
            result = await self._change(
                lambda s, uid: task_service.complete_task(s, user_id=uid, task_id=task_id, origin=PAGE)
            )
            message = f"Completed “{isolate(title)}”"
            if below:
                message += f" and {below} subtask" + ("" if below == 1 else "s")
        if self.error:
            return result
        await self._after_subtask_change()
        return self._offer_undo(message)

    @rx.event
    async def confirm_complete(self):
        """Yes: complete the task and its open subtasks, as one change with one Undo."""
        task_id, self.confirm_id, self.confirm_text = self.confirm_id, "", ""
        user_id = await current_user_id(self)
        if not task_id or user_id is None:
            return None
        try:
            title, completed, below = await run_db(_completion_facts, user_id, task_id)
        except ServiceError as exc:
            self.error = for_a_person(exc.message)
            return None
        if completed:
            return None
        return await self._toggle(task_id, title, False, below)

    @rx.event
    def cancel_confirm(self):
        self.confirm_id, self.confirm_text = "", ""

    @rx.event
    def set_confirm_open(self, is_open: bool):
        if not is_open:
            self.confirm_id, self.confirm_text = "", ""

    async def _after_subtask_change(self) -> None:
        """The open panel shows subtasks and progress: read it again after a tick or a delete."""
        user_id = await current_user_id(self)
        if user_id is not None and self.detail_id:
            await self._reload_detail(user_id, keep_fields=True)

    @rx.event
    async def delete(self, task_id: str):
        """Delete a task, its subtasks with it (the Undo bar says so; one Undo brings all back)."""
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        try:
            title, _, _ = await run_db(_completion_facts, user_id, task_id)
            below = await run_db(_count_below, user_id, task_id)
        except ServiceError as exc:
            self.error = for_a_person(exc.message)
            return None
        result = await self._change(
            lambda s, uid: task_service.delete_task(s, user_id=uid, task_id=task_id, origin=PAGE)
        )
        if self.error:
            return result
        message = f"Deleted “{isolate(title)}”"
        if below:
            message += f" and its {below} subtask" + ("" if below == 1 else "s")
        if task_id == self.detail_id:
            self.detail_id, self.detail_changes = "", []
            (await self.get_state(TaskTalkState))._clear()
        else:
            await self._after_subtask_change()
        return self._offer_undo(message)

    @rx.event
    async def undo(self):
        self.undo_message = ""
        self.undo_seq += 1
        return await self._change(lambda s, uid: task_service.undo_last(s, user_id=uid), success="Undone.")

    @rx.event
    def hold_undo(self):
        """While the pointer or focus is on the Undo bar it stays (no 6 s race to reach Undo)."""
        self.undo_seq += 1

    @rx.event
    def release_undo(self):
        if self.undo_message:
            self.undo_seq += 1
            return TasksState.expire_undo(self.undo_seq)
        return None

    @rx.event
    def dismiss_undo(self):
        self.undo_message = ""
        self.undo_seq += 1

    @rx.event
    def start_edit(self, task_id: str):
        row = next((t for t in self.tasks if t.id == task_id), None)
        if row is not None:
            self.editing_id, self.edit_text, self.error = task_id, row.title, ""

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text = value

    def _focus(self, element_id: str):
        """Give focus back to a row's control (after an inline edit or the panel), never to <body>."""
        return rx.call_script(
            f"setTimeout(() => document.getElementById({json.dumps(element_id)})?.focus(), 30)"
        )

    @rx.event
    def cancel_edit(self):
        task_id = self.editing_id
        self.editing_id, self.edit_text = "", ""
        return self._focus(f"task-title-{task_id}") if task_id else None

    @rx.event
    async def save_edit(self):
        task_id, title = self.editing_id, self.edit_text
        if not task_id:
            return None
        row = next((t for t in self.tasks if t.id == task_id), None)
        if row is not None and row.title == title.strip():
            return self.cancel_edit()
        result = await self._change(
            lambda s, uid: task_service.update_task(
                s, user_id=uid, task_id=task_id, data={"title": title}, origin=PAGE
            )
        )
        if not self.error:
            self.editing_id, self.edit_text = "", ""
            return self._focus(f"task-title-{task_id}")
        return result

    @rx.event
    async def blur_edit(self, value: str):
        """Clicking away from an inline title edit saves it (Escape cancels before the blur)."""
        if not self.editing_id:
            return None
        self.edit_text = value
        return await self.save_edit()

    @rx.event
    async def edit_key(self, key: str):
        if key == "Enter":
            return await self.save_edit()
        if key == "Escape":
            return self.cancel_edit()
        return None

    # ----- the detail panel ------------------------------------------------------------------

    @rx.event
    async def open_detail(self, task_id: str):
        """Open a task's detail panel (a drawer; a full sheet on a phone)."""
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        try:
            detail = await run_db(_fetch_detail, user_id, task_id)
        except ServiceError as exc:
            self.error = for_a_person(exc.message)
            return None
        self._show_detail(detail)
        self.detail_id, self.detail_changes, self.detail_error = task_id, [], ""
        self.editing_id = ""
        self.detail_version += 1
        await (await self.get_state(TaskTalkState))._load_for(user_id, task_id)
        return None

    @rx.event
    async def set_detail_open(self, is_open: bool):
        if is_open or not self.detail_id:
            return None
        task_id = self.detail_id
        self.detail_id, self.detail_changes, self.detail_error = "", [], ""
        (await self.get_state(TaskTalkState))._clear()
        await self._reload()
        return self._focus(f"task-open-{task_id}")

    @rx.event
    async def close_detail(self):
        return await self.set_detail_open(False)

    @rx.event
    async def save_field(self, name: str, value: str):
        """Save one field of the open task; each change gets its own Undo."""
        if not self.detail_id or name not in _FIELD_NAMES:
            return None
        value = value if isinstance(value, str) else ""
        data: dict = {name: value}
        if name == "title" and value.strip() == self.detail.title:
            return None
        if name == "description" and value.strip() == self.detail.description:
            return None
        if name == "due_date" and value == self.detail.due_date:
            return None
        if name == "due_time" and value == self.detail.due_time:
            return None
        if name == "assignee_id" and value == self.detail.assignee_id:
            return None
        if name == "project_id" and (not value or value == self.detail.project_id):
            return None
        if name in ("due_date", "recurrence", "assignee_id", "due_time"):
            data[name] = value or None
        if name == "tags":
            data[name] = [t for t in value.replace(",", " ").split() if t]
        return await self._save(name, data)

    async def _save(self, name: str, data: dict):
        """Save ``data`` to the open task through the journaled write path; one Undo per change."""
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        self.detail_error = ""
        try:
            row, op_id = await run_db(_update_journaled, user_id, self.detail_id, data)
        except ServiceError as exc:
            self.detail_error = for_a_person(exc.message)
            self.detail_version += 1  # put the fields back to what is saved
            return None
        self.detail = row
        if op_id:
            change = DetailChange(
                op_id=op_id,
                field=name,
                label=_change_label(name, row),
                undo_label=f"Undo {_FIELD_NAMES[name]} change",
            )
            self.detail_changes = [change, *self.detail_changes]
        if name == "tags" or (name in ("due_date", "due_time") and not data[name]):
            self.detail_version += 1  # show them as saved (tags lower case; no date: no time either)
        if name == "project_id":  # another project: other members to assign
            await self._reload_detail(user_id)
        else:
            await self._reload_detail(user_id, keep_fields=True)
        await self._reload()
        return None

    @rx.event
    async def pick_time(self, value: str):
        """A complete time saves at once (a time input's value stays empty until it is whole)."""
        if value:
            return await self.save_field("due_time", value)
        return None

    @rx.event
    async def clear_time(self):
        return await self.save_field("due_time", "")

    # ----- subtasks and reminders in the panel ----------------------------------------------

    @rx.event
    async def add_subtask(self, form: dict):
        """Add a subtask to the open task; the line is read like quick add ("buy candles friday")."""
        sent = str(form.get("subtask", "")).strip()
        line = sent[:200]
        if not self.detail_id:
            return None
        if not line:
            self.detail_error = "Type the subtask first, then press Enter."
            return None
        today = date.fromisoformat(self._today) if self._today else date.today()
        parsed = parse_quick_add(line, today)
        data = {**parsed.task_data(), "parent_id": self.detail_id}
        if not parsed.title:
            data["title"] = line
        user_id = await current_user_id(self)
        if user_id is None:
            return rx.redirect(routes.sign_in_url(self._url()))
        self.detail_error = ""
        try:
            await run_db(
                _apply,
                lambda s, uid: task_service.create_task(s, user_id=uid, data=data, origin=PAGE),
                user_id,
            )
        except ServiceError as exc:
            self.detail_error = for_a_person(exc.message)
            return None
        await self._reload_detail(user_id, keep_fields=True)
        await self._reload()
        return [clear_if_still("new-subtask-title", sent), self._focus("new-subtask-title")]

    def _reminder_specs(self) -> list[dict]:
        return [
            {"at": r.key.removeprefix("at:")}
            if r.key.startswith("at:")
            else {"before": int(r.key.removeprefix("before:"))}
            for r in self.detail_reminders
        ]

    @rx.event
    async def add_reminder(self, form: dict):
        """Add a reminder: at a date and time ("at"), or minutes before the due time ("before")."""
        if not self.detail_id:
            return None
        at = str(form.get("at", "") or "").strip()
        before = str(form.get("before", "") or "").strip()
        if at:
            spec: dict = {"at": at}
        elif before.isdigit():
            if not self.detail.due_date:
                self.detail_error = "Give the task a due date first: this reminder counts back from it."
                return None
            spec = {"before": int(before)}
        else:
            self.detail_error = "Pick a date and time for the reminder."
            return None
        specs = self._reminder_specs()
        if spec in specs:
            self.detail_error = "That reminder is already there."
            return None
        result = await self._save("reminders", {"reminders": [*specs, spec]})
        if not self.detail_error and at:
            # Only the form that was sent: the other may hold a time the person is typing meanwhile.
            return [clear_if_still("new-reminder-at", at)]
        return result

    @rx.event
    async def remove_reminder(self, key: str):
        if not self.detail_id:
            return None
        keep = [
            r for r, row in zip(self._reminder_specs(), self.detail_reminders, strict=True) if row.key != key
        ]
        return await self._save("reminders", {"reminders": keep})

    @rx.event
    async def pick_due(self, value: str):
        if value:
            return await self.save_field("due_date", value)
        return None

    @rx.event
    async def undo_change(self, op_id: str):
        user_id = await current_user_id(self)
        change = next((c for c in self.detail_changes if c.op_id == op_id and not c.undone), None)
        if user_id is None or not self.detail_id or change is None:
            return None
        self.detail_error = ""
        try:
            await run_db(_undo_change, user_id, self.detail_id, op_id, change.field)
        except ServiceError as exc:
            self.detail_error = for_a_person(exc.message)
            return None
        self.detail_changes = [
            dataclasses.replace(c, undone=True) if c.op_id == op_id else c for c in self.detail_changes
        ]
        await self._reload_detail(user_id)
        await self._reload()
        return None

    @rx.event
    def dismiss_error(self):
        self.error = ""
