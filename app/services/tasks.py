"""The task service: every read and change of tasks, always for one acting user.

This module is Ticked's one write path for tasks. Every surface changes a task by calling one of
its write functions (:func:`create_task`, :func:`update_task`, :func:`complete_task`,
:func:`bulk_complete`, :func:`bulk_update`, :func:`reopen_task`, :func:`delete_task`,
:func:`bulk_delete`, and the undos), whether directly (the task page, REST, the CLI) or through a tool of
:mod:`app.agent.registry` (chat, widget actions, MCP), which adds its exactly-once request row on
top. Each write function, in the caller's one transaction:

- authorizes: it reads only tasks of projects the acting user is a member of, and changes only
  those of projects where they are owner or editor (:mod:`app.services.projects`, the one place
  for membership); any other task id behaves exactly like a missing one (404);
- validates: ``TaskCreate``/``TaskUpdate`` (one vocabulary, :mod:`app.models.task`); refusals are
  domain errors (:mod:`app.services.errors`), which each surface maps to its own form;
- locks what it changes (:func:`_lock_tasks`), so racing requests from any interface (a double
  click, two tabs, the API, MCP, the CLI) apply one after the other: ten completes of a recurring
  task make one next occurrence, and a request that finds its change already made changes nothing
  and journals nothing to undo;
- journals it (:func:`app.services.operations.record_change`): who (the user), from which surface
  (``Origin.source``: page, api, cli, mcp, chat, action), the command, and every touched task
  before and after, so undo and an activity feed see every change, whatever made it;
- never commits: the caller's ``session_scope`` commits the change and its journal entry together,
  once, or neither.

``tests/services/test_write_path.py`` checks that every call from ``app/`` names its surface.
"""

from __future__ import annotations

import calendar
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from app.core.db import begin_write
from app.models import OperationType, Task, TaskCreate, TaskOperation, TaskPublic, TaskUpdate, User
from app.models.base import utcnow
from app.models.task import (
    DEPTH_MAX,
    DUE_FILTERS,
    PRIORITIES,
    PRIORITY_RANK,
    SORT_KEYS,
    STATUS_FILTERS,
    DueFilter,
    SortKey,
    StatusFilter,
)
from app.services import reminders
from app.services.clock import user_today
from app.services.errors import ConflictError, InvalidInputError, NotFoundError, invalid, require_text
from app.services.operations import PAGE, Origin, last_undoable, record_change, snapshot
from app.services.projects import (
    WRITE,
    get_project,
    inbox,
    is_member,
    parse_id,
    visible_projects,
    writable_projects,
)


@dataclass
class TaskQuery:
    """Filters and sort for :func:`list_tasks`; ``None`` means "any"."""

    status: StatusFilter = "all"
    tag: str | None = None
    priority: str | None = None
    due: DueFilter | None = None
    search: str | None = None
    sort: SortKey = "created"
    limit: int | None = None
    offset: int = 0
    project_id: uuid.UUID | None = None
    """Only this project's tasks (one the user is a member of; another is simply empty)."""
    assignee_id: uuid.UUID | None = None
    """Only tasks assigned to this person."""
    unassigned: bool = False
    """Only tasks assigned to nobody."""
    within_days: int | None = None
    """Only open tasks due from today to this many days ahead (the Upcoming view: 14)."""
    top_level: bool = False
    """Only tasks that are not subtasks."""

    def __post_init__(self) -> None:
        require_text(self.search, "The search")
        require_text(self.tag, "The tag")
        if self.status not in STATUS_FILTERS:
            raise InvalidInputError(f"status must be one of {', '.join(STATUS_FILTERS)}.")
        if self.due is not None and self.due not in DUE_FILTERS:
            raise InvalidInputError(f"due must be one of {', '.join(DUE_FILTERS)}.")
        if self.sort not in SORT_KEYS:
            raise InvalidInputError(f"sort must be one of {', '.join(SORT_KEYS)}.")
        if self.priority is not None and self.priority not in PRIORITIES:
            raise InvalidInputError(f"priority must be one of {', '.join(PRIORITIES)}.")
        if self.limit is not None and self.limit < 0:
            raise InvalidInputError("limit can't be negative.")
        if self.offset < 0:
            raise InvalidInputError("offset can't be negative.")
        if self.within_days is not None and not 0 <= self.within_days <= 366:
            raise InvalidInputError("within_days must be from 0 to 366.")


def to_public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task, from_attributes=True)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_DATED = col(Task.due_date).is_(None).is_(sa.false())
"""Implied by a bound on the due date, and written as the "by due" indexes write their third column:
the dated open tasks of a project are then one range of the index. Without it SQLite read Today at
10,000 tasks a person by skip-scanning every person's overdue tasks (``ix_tasks_user_due``, 8-10 ms;
2 ms now, bench/store.py). ``IS false``, not ``= false``: PostgreSQL rewrites the latter to
``due_date IS NOT NULL``, which no index column spells."""


def _filter(user_id: uuid.UUID, query: TaskQuery, today: date) -> tuple[tuple[str, ...], dict[str, Any]]:
    """``query``'s filters as a shape (which conditions apply) and the values they take.

    The statements are built once per shape, with bind parameters for the values
    (:func:`_filtered`): the nav's Today count runs on every click, the task page on every change,
    and building a statement cost about as much as running it (issue 19).
    """
    shape: list[str] = []
    params: dict[str, Any] = {"viewer": user_id}
    if query.project_id is not None:  # one project: its index serves it, membership still checked
        shape.append("project")
        params["project_id"] = query.project_id
    if query.assignee_id is not None:
        shape.append("assignee")
        params["assignee_id"] = query.assignee_id
    elif query.unassigned:
        shape.append("unassigned")
    if query.status in ("pending", "completed"):
        shape.append(query.status)
    if query.tag:
        tag = query.tag.strip().lstrip("#").lower()
        shape.append("tag")
        # Match the tag as the JSON column stores it (json.dumps escapes non-ASCII as \uXXXX).
        params["tag_like"] = f"%{_escape_like(json.dumps(tag))}%"
    if query.priority:
        shape.append("priority")
        params["priority"] = query.priority
    if query.due in ("today", "tomorrow"):
        shape.append("due_on")
        params["due_on"] = today if query.due == "today" else today + timedelta(days=1)
    elif query.due in ("overdue", "upcoming", "agenda"):  # agenda: the Today view
        shape.append(query.due)
        params["today"] = today
    elif query.due == "none":
        shape.append("undated")
    if query.within_days is not None:
        shape.append("within")
        params["today"], params["until"] = today, today + timedelta(days=query.within_days)
    if query.top_level:
        shape.append("top_level")
    if query.search and query.search.strip():
        shape.append("search")
        params["pattern"] = f"%{_escape_like(query.search.strip().lower())}%"
    return tuple(shape), params


@lru_cache(maxsize=256)
def _filtered(shape: tuple[str, ...]) -> Any:
    """The tasks of the shape's filters (see :func:`_filter`; its values are bind parameters)."""
    p = sa.bindparam
    stmt = select(Task).where(col(Task.project_id).in_(visible_projects(p("viewer"))))
    conditions: dict[str, Callable[[], list[Any]]] = {
        "project": lambda: [Task.project_id == p("project_id")],
        "assignee": lambda: [Task.assignee_id == p("assignee_id")],
        "unassigned": lambda: [col(Task.assignee_id).is_(None)],
        "pending": lambda: [col(Task.completed).is_(False)],
        "completed": lambda: [col(Task.completed).is_(True)],
        "tag": lambda: [sa.cast(Task.tags, sa.String).like(p("tag_like"), escape="\\")],
        "priority": lambda: [Task.priority == p("priority")],
        "due_on": lambda: [Task.due_date == p("due_on")],
        "overdue": lambda: [col(Task.due_date) < p("today"), col(Task.completed).is_(False)],
        "upcoming": lambda: [col(Task.due_date) > p("today")],
        "undated": lambda: [col(Task.due_date).is_(None)],
        # the Today view: what is due today or earlier and still open
        "agenda": lambda: [_DATED, col(Task.due_date) <= p("today"), col(Task.completed).is_(False)],
        "within": lambda: [
            _DATED,
            col(Task.due_date) >= p("today"),
            col(Task.due_date) <= p("until"),
            col(Task.completed).is_(False),
        ],
        "top_level": lambda: [col(Task.parent_id).is_(None)],
        "search": lambda: [
            sa.or_(
                func.lower(Task.title).like(p("pattern"), escape="\\"),
                func.lower(Task.description).like(p("pattern"), escape="\\"),
            )
        ],
    }
    for part in shape:
        stmt = stmt.where(*conditions[part]())
    return stmt


@lru_cache(maxsize=256)
def _listing(shape: tuple[str, ...], sort: SortKey, offset: bool, limit: bool) -> Any:
    """:func:`list_tasks`' statement: the shape's tasks in ``sort`` order, paged by ``:offset`` and
    ``:limit`` when asked (built once per shape, as :func:`_filtered`)."""
    stmt = _ordered(_filtered(shape), sort)
    if offset:
        stmt = stmt.offset(sa.bindparam("offset", type_=sa.Integer()))
    if limit:
        stmt = stmt.limit(sa.bindparam("limit", type_=sa.Integer()))
    return stmt


@lru_cache(maxsize=256)
def _counting(shape: tuple[str, ...]) -> Any:
    """:func:`count_by_status`' statement: the shape's tasks counted by done / open.

    Only the column counted, unordered: a subquery of every column cost two thirds of the count
    (SQLAlchemy builds a proxy per column; issue 19, the nav's Today count per click).
    """
    counted = _filtered(shape).with_only_columns(col(Task.completed), maintain_column_froms=True)
    sub = counted.order_by(None).subquery()
    return select(sub.c.completed, func.count()).group_by(sub.c.completed)


def _ordered(stmt: Any, sort: SortKey) -> Any:
    if sort == "due_date":
        return stmt.order_by(
            col(Task.due_date).is_(None),
            col(Task.due_date).asc(),
            col(Task.due_time).is_(None),
            col(Task.due_time).asc(),
            col(Task.created_at).desc(),
        )
    if sort == "completed":
        return stmt.order_by(col(Task.completed_at).desc(), col(Task.created_at).desc())
    if sort == "priority":
        rank = sa.case({p.value: r for p, r in PRIORITY_RANK.items()}, value=Task.priority, else_=3)
        return stmt.order_by(rank, col(Task.created_at).desc())
    if sort == "title":
        return stmt.order_by(func.lower(Task.title), col(Task.created_at).desc())
    return stmt.order_by(col(Task.created_at).desc(), col(Task.id))


def list_tasks(
    session: Session, *, user_id: uuid.UUID, query: TaskQuery | None = None, today: date | None = None
) -> list[Task]:
    """The user's tasks matching ``query``, in its order."""
    query = query or TaskQuery()
    today = today or user_today(session, user_id=user_id)
    shape, params = _filter(user_id, query, today)
    stmt = _listing(shape, query.sort, bool(query.offset), query.limit is not None)
    params |= {"offset": query.offset, "limit": query.limit}
    return list(session.exec(stmt, params=params).all())


def count_by_status(
    session: Session, *, user_id: uuid.UUID, query: TaskQuery | None = None, today: date | None = None
) -> dict[str, int]:
    """Counts for the All / Pending / Completed tabs under the other filters of ``query``."""
    base = TaskQuery(**{**(query or TaskQuery()).__dict__, "status": "all", "limit": None, "offset": 0})
    shape, params = _filter(user_id, base, today or user_today(session, user_id=user_id))
    rows = session.exec(_counting(shape), params=params).all()
    done = sum(n for flag, n in rows if flag)
    pending = sum(n for flag, n in rows if not flag)
    return {"all": done + pending, "pending": pending, "completed": done}


def list_tags(session: Session, *, user_id: uuid.UUID) -> list[str]:
    """Every tag the user uses, sorted."""
    tags: set[str] = set()
    for row in session.exec(
        select(Task.tags).where(col(Task.project_id).in_(visible_projects(user_id)))
    ).all():
        tags.update(row or [])
    return sorted(tags)


def get_task(session: Session, *, user_id: uuid.UUID, task_id: uuid.UUID | str) -> Task:
    """One task the user can see (a member of its project); any other id is "not found", exactly
    like a missing one."""
    tid = parse_id(task_id)
    task = session.get(Task, tid) if tid else None
    if task is None or not is_member(session, project_id=task.project_id, user_id=user_id):
        raise NotFoundError("Task not found.")
    return task


def _lock_rows(
    session: Session, ids: Sequence[uuid.UUID], *, user_id: uuid.UUID | None = None
) -> dict[uuid.UUID, Task]:
    """These task rows as stored now, locked until the transaction ends (missing ones left out).

    PostgreSQL locks the rows (``FOR UPDATE``, in id order so two bulk changes can't deadlock);
    SQLite takes its one write lock (:func:`app.core.db.begin_write`). A racing request waits
    here, then reads the winner's change (the task completed, or deleted) rather than the state
    both saw before either wrote. The rows are re-read even when the session holds them already.
    """
    if not ids:
        return {}
    begin_write(session)
    params: dict[str, Any] = {"ids": list(ids)} | ({} if user_id is None else {"user_id": user_id})
    return {task.id: task for task in session.exec(_locked_tasks(user_id is not None), params=params).all()}


@cache
def _locked_tasks(scoped: bool) -> Any:
    """Tasks ``:ids`` locked for a change, of the projects ``:user_id`` may change when ``scoped``
    (built once, as :func:`_children_of`)."""
    stmt = select(Task).where(col(Task.id).in_(sa.bindparam("ids", expanding=True)))
    if scoped:
        stmt = stmt.where(col(Task.project_id).in_(writable_projects(sa.bindparam("user_id"))))
    return stmt.order_by(col(Task.id)).with_for_update().execution_options(populate_existing=True)


def _lock_tasks(session: Session, *, user_id: uuid.UUID, task_ids: Sequence[uuid.UUID | str]) -> list[Task]:
    """The tasks for ``task_ids`` the user may change, each once, in order, locked for a change (see
    :func:`_lock_rows`).

    Any unknown id (or one the user may not change, or one deleted by a request that won a race)
    raises "not found" before anything changes.
    """
    ids: dict[uuid.UUID, None] = {}
    for raw in task_ids:
        tid = parse_id(raw)
        if tid is None:
            raise NotFoundError("Task not found.")
        ids[tid] = None
    rows = _lock_rows(session, list(ids), user_id=user_id)
    if len(rows) != len(ids):
        raise NotFoundError("Task not found.")
    return [rows[tid] for tid in ids]


def _changed(before: dict[str, Any], task: Task) -> bool:
    """Whether ``task`` differs from its ``before`` snapshot (the update time aside)."""
    after = snapshot(task)
    return any(after[name] != value for name, value in before.items() if name != "updated_at")


def _validate(model: type[TaskCreate] | type[TaskUpdate], data: Any) -> Any:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc


def create_task(
    session: Session, *, user_id: uuid.UUID, data: TaskCreate | dict[str, Any], origin: Origin = PAGE
) -> Task:
    """Create a task; ``completed=True`` creates it already done.

    It goes in ``project_id`` (one the user may change) or the user's Inbox, and may be assigned to
    a member of that project.
    """
    fields = _validate(TaskCreate, data)
    if fields.parent_id is not None:
        parent = _lock_tasks(session, user_id=user_id, task_ids=[fields.parent_id])[0]
        if fields.project_id is not None and fields.project_id != parent.project_id:
            raise InvalidInputError("A subtask is in its parent's project.")
        if _depth(session, parent) + 1 > DEPTH_MAX:
            raise InvalidInputError(f"Subtasks go at most {DEPTH_MAX} levels deep.")
        fields.project_id = parent.project_id
    if fields.project_id is None:
        fields.project_id = inbox(session, user_id=user_id).id
    else:
        get_project(session, user_id=user_id, project_id=fields.project_id, need=WRITE)
    _check_assignee(session, fields.project_id, fields.assignee_id)
    if fields.due_time is not None and fields.due_date is None:
        fields.due_date = user_today(session, user_id=user_id)  # "at 5pm": today at 5pm
    if fields.due_time is not None and not fields.reminders:
        fields.reminders = _default_reminders(session, user_id)
    now = utcnow()
    task = Task(
        user_id=user_id,
        **fields.model_dump(exclude={"completed"}),
        completed=fields.completed,
        completed_at=now if fields.completed else None,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    reminders.sync(session, task, new=True)
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.create,
        command={"action": "create", **fields.model_dump(mode="json")},
        before=[(task.id, None)],
        after=[task],
        task_id=task.id,
    )
    return task


def _default_reminders(session: Session, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's default reminder (settings) for a task given a due time, or none."""
    minutes = session.exec(select(User.default_reminder).where(User.id == user_id)).first()
    return [] if minutes is None else [{"before": minutes}]


def _depth(session: Session, task: Task) -> int:
    """1 for a task of its own, 2 for a subtask, 3 for a subtask's subtask."""
    depth, parent_id = 1, task.parent_id
    while parent_id is not None and depth <= DEPTH_MAX:
        depth += 1
        parent_id = session.exec(select(Task.parent_id).where(Task.id == parent_id)).first()
    return depth


def descendants(session: Session, task_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Every subtask (and theirs) of these tasks, level by level, parents before children."""
    found: list[uuid.UUID] = []
    frontier = list(task_ids)
    for _ in range(DEPTH_MAX):
        if not frontier:
            break
        frontier = list(session.exec(_children_of(), params={"parents": frontier}).all())
        found += [tid for tid in frontier if tid not in found]
    return found


@cache
def _children_of() -> Any:
    """The ids of the direct subtasks of ``:parents`` (statements on every click's path are built
    once: building one cost about as much as running it, issue 19)."""
    return select(Task.id).where(col(Task.parent_id).in_(sa.bindparam("parents", expanding=True)))


def subtask_progress(session: Session, parent_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """``{parent id: (done, total)}`` of each task's direct subtasks (tasks without any left out)."""
    if not parent_ids:
        return {}
    rows = session.exec(_subtask_counts(), params={"parents": list(parent_ids)}).all()
    out: dict[uuid.UUID, tuple[int, int]] = {}
    for parent_id, completed, n in rows:
        if parent_id is None:
            continue
        done, total = out.get(parent_id, (0, 0))
        out[parent_id] = (done + (n if completed else 0), total + n)
    return out


@cache
def _subtask_counts() -> Any:
    """Done and open direct subtasks of ``:parents``, by parent (built once, as :func:`_children_of`)."""
    return (
        select(Task.parent_id, Task.completed, func.count())
        .where(col(Task.parent_id).in_(sa.bindparam("parents", expanding=True)))
        .group_by(col(Task.parent_id), col(Task.completed))
    )


def _check_assignee(session: Session, project_id: uuid.UUID, assignee_id: uuid.UUID | None) -> None:
    if assignee_id is not None and not is_member(session, project_id=project_id, user_id=assignee_id):
        raise InvalidInputError("A task can only be assigned to a member of its project.")


def _apply_completion(task: Task, completed: bool) -> None:
    if completed and not task.completed:
        task.completed, task.completed_at = True, utcnow()
    elif not completed and task.completed:
        task.completed, task.completed_at = False, None


def update_task(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID | str,
    data: TaskUpdate | dict[str, Any],
    origin: Origin = PAGE,
) -> Task:
    """Change the fields given (only those); ``due_date: None`` clears the due date.

    A change that leaves the task as it was (a title it already has, ``completed`` as it is)
    is journaled with nothing to undo, and keeps ``updated_at``.
    """
    return bulk_update(session, user_id=user_id, task_ids=[task_id], data=data, origin=origin)[0]


def bulk_update(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_ids: Sequence[uuid.UUID | str],
    data: TaskUpdate | dict[str, Any],
    origin: Origin = PAGE,
) -> list[Task]:
    """The same change to several tasks ("reschedule my overdue tasks to tomorrow"), as one
    undoable change (all or nothing: any unknown id aborts)."""
    requested = _validate(TaskUpdate, data).model_dump(exclude_unset=True)
    tasks = _lock_tasks(session, user_id=user_id, task_ids=task_ids)
    before: list[tuple[uuid.UUID, dict[str, Any] | None]] = []
    after: list[Task] = []
    kinds: set[OperationType] = set()
    for task in tasks:
        changes = _derive(session, user_id, task, dict(requested))
        kinds.add(_kind_of_update(changes))
        before += _apply_changes(session, task, changes, after)
    one = len(tasks) == 1
    ids = {"task_id": str(tasks[0].id)} if one else {"task_ids": [str(t.id) for t in tasks]}
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=kinds.pop() if len(kinds) == 1 else OperationType.update,
        command={"action": "update", **ids, **_json(requested)},  # what was asked, not what followed
        before=before,
        after=after,
        task_id=tasks[0].id if one else None,
    )
    return tasks


def _derive(session: Session, user_id: uuid.UUID, task: Task, changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` checked for ``task``, with what follows from them (a subtask moving with its
    parent, a time needing a date, an assignee who is not in the new project, a default reminder)."""
    for name in ("title", "priority", "tags", "description", "project_id", "reminders"):
        if name in changes and changes[name] is None:
            raise InvalidInputError(f"{name} can't be empty.")
    if changes.get("parent_id") is not None:
        parent = _check_parent(session, user_id, task, changes["parent_id"])
        if changes.get("project_id", parent.project_id) != parent.project_id:
            raise InvalidInputError("A subtask is in its parent's project.")
        changes["project_id"] = parent.project_id
    elif "project_id" in changes and task.parent_id is not None and "parent_id" not in changes:
        parent_project = session.exec(select(Task.project_id).where(Task.id == task.parent_id)).first()
        if parent_project != changes["project_id"]:
            changes["parent_id"] = None  # moved away from its parent's project: a task of its own
    if "due_date" in changes and changes["due_date"] is None:
        changes["due_time"] = None  # a time needs a date
    elif changes.get("due_time") is not None and changes.get("due_date", task.due_date) is None:
        changes["due_date"] = user_today(session, user_id=user_id)
    first_time = changes.get("due_time") is not None and task.due_time is None
    if first_time and not task.reminders and "reminders" not in changes:
        changes["reminders"] = _default_reminders(session, user_id)
    target = changes.get("project_id", task.project_id)
    if target != task.project_id:
        get_project(session, user_id=user_id, project_id=target, need=WRITE)
        assignee = changes.get("assignee_id", task.assignee_id)
        if assignee is not None and not is_member(session, project_id=target, user_id=assignee):
            changes["assignee_id"] = None  # they are not in the new project: nobody's task there
    if changes.get("assignee_id") is not None:
        _check_assignee(session, target, changes["assignee_id"])
    return changes


def _apply_changes(
    session: Session, task: Task, changes: dict[str, Any], after: list[Task]
) -> list[tuple[uuid.UUID, dict[str, Any] | None]]:
    """Apply derived ``changes`` to the locked ``task``; the ``before`` pairs of what changed (the
    task unless it was already so, and subtasks that moved with it), the touched tasks added to
    ``after``."""
    before = snapshot(task)
    changes = dict(changes)
    completed = changes.pop("completed", None)
    for name, value in changes.items():
        setattr(task, name, value)
    if completed is not None:
        _apply_completion(task, completed)
    changed = _changed(before, task)
    if changed:
        task.updated_at = utcnow()
    session.add(task)
    moved = _move_subtasks(session, task) if "project_id" in changes else []
    reminders.sync(session, task)
    after += [task, *(t for t, _ in moved)]
    return ([(task.id, before)] if changed else []) + [(t.id, snap) for t, snap in moved]


def _check_parent(session: Session, user_id: uuid.UUID, task: Task, parent_id: uuid.UUID) -> Task:
    """The new parent of ``task``, refused when it would make a loop or go too deep."""
    parent = _lock_tasks(session, user_id=user_id, task_ids=[parent_id])[0]
    below = descendants(session, [task.id])
    if parent.id == task.id or parent.id in below:
        raise InvalidInputError("A task can't be a subtask of itself or of its own subtasks.")
    height, frontier = 1, [task.id]
    while frontier:
        frontier = list(session.exec(select(Task.id).where(col(Task.parent_id).in_(frontier))).all())
        height += 1 if frontier else 0
    if _depth(session, parent) + height > DEPTH_MAX:
        raise InvalidInputError(f"Subtasks go at most {DEPTH_MAX} levels deep.")
    return parent


def _move_subtasks(session: Session, task: Task) -> list[tuple[Task, dict[str, Any]]]:
    """Move ``task``'s subtasks (all levels) into its project, as their ``before`` snapshots.

    Assignees who are not members there are unassigned, as for the task itself.
    """
    moved: list[tuple[Task, dict[str, Any]]] = []
    below = descendants(session, [task.id])
    for sub in _lock_rows(session, below).values():
        if sub.project_id == task.project_id:
            continue
        snap = snapshot(sub)
        sub.project_id = task.project_id
        if sub.assignee_id is not None and not is_member(
            session, project_id=task.project_id, user_id=sub.assignee_id
        ):
            sub.assignee_id = None
        sub.updated_at = utcnow()
        session.add(sub)
        reminders.sync(session, sub)
        moved.append((sub, snap))
    return moved


def _kind_of_update(changes: dict[str, Any]) -> OperationType:
    """How the journal names an update: a move, an assignment, a categorisation or an edit."""
    names = set(changes)
    if names and names <= {"project_id", "assignee_id"} and "project_id" in names:
        return OperationType.move
    if names == {"assignee_id"}:
        return OperationType.assign
    if names and names <= {"tags", "priority"}:
        return OperationType.categorize
    return OperationType.update


def _json(changes: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return str(value) if isinstance(value, uuid.UUID) else value

    return {name: plain(value) for name, value in changes.items()}


def next_due(due: date, recurrence: str) -> date:
    """The next occurrence: a day, a week or a calendar month later (clamped to month end)."""
    if recurrence == "daily":
        return due + timedelta(days=1)
    if recurrence == "weekly":
        return due + timedelta(weeks=1)
    year, month = (due.year + 1, 1) if due.month == 12 else (due.year, due.month + 1)
    return date(year, month, min(due.day, calendar.monthrange(year, month)[1]))


def _following_due(task: Task, today: date) -> date | None:
    """The next occurrence's due date, or None (not recurring, or past the last representable date)."""
    if not task.recurrence:
        return None
    try:
        return next_due(task.due_date or today, task.recurrence)
    except (OverflowError, ValueError):
        return None


def _complete_one(
    session: Session, task: Task, today: date, added: list[Task]
) -> list[tuple[uuid.UUID, dict[str, Any] | None]]:
    """Complete one locked task; what changed, as ``before`` pairs (nothing when it was done already).

    A next occurrence it creates is appended to ``added``.
    """
    if task.completed:
        return []
    before: list[tuple[uuid.UUID, dict[str, Any] | None]] = [(task.id, snapshot(task))]
    _apply_completion(task, True)
    task.updated_at = utcnow()
    session.add(task)
    if task.reminders:  # without any, it has no pending rows: each write's sync removed them
        reminders.sync(session, task)
    following = _following_due(task, today)
    if following is not None and not _has_occurrence(session, task, following):
        days = (following - task.due_date).days if task.due_date else 0
        nxt = _copy(task, parent_id=task.parent_id, due_date=following, days=days)
        session.add(nxt)
        session.flush()
        before.append((nxt.id, None))
        added.append(nxt)
        reminders.sync(session, nxt, new=True)
        before += _copy_subtasks(session, task, nxt, days, added)
    return before


def _copy(task: Task, *, parent_id: uuid.UUID | None, due_date: date | None, days: int) -> Task:
    """An open copy of ``task`` (a recurring task's next occurrence, or one of its subtasks)."""
    return Task(
        user_id=task.user_id,
        project_id=task.project_id,
        parent_id=parent_id,
        assignee_id=task.assignee_id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        tags=list(task.tags),
        recurrence=task.recurrence,
        due_date=due_date,
        due_time=task.due_time if due_date else None,
        reminders=reminders.shift(task.reminders or [], days) if due_date else [],
    )


def _copy_subtasks(
    session: Session, task: Task, nxt: Task, days: int, added: list[Task]
) -> list[tuple[uuid.UUID, dict[str, Any] | None]]:
    """The next occurrence gets the series' subtasks again, all open (their dates move along)."""
    created: list[tuple[uuid.UUID, dict[str, Any] | None]] = []
    children = session.exec(
        select(Task).where(Task.parent_id == task.id).order_by(col(Task.created_at))
    ).all()
    for child in children:
        due = child.due_date + timedelta(days=days) if child.due_date else None
        copy = _copy(child, parent_id=nxt.id, due_date=due, days=days)
        copy.recurrence = None
        session.add(copy)
        session.flush()
        reminders.sync(session, copy, new=True)
        created.append((copy.id, None))
        added.append(copy)
        created += _copy_subtasks(session, child, copy, days, added)
    return created


def _has_occurrence(session: Session, task: Task, due: date) -> bool:
    """Whether the series already has its occurrence due on ``due``: completing, reopening and
    completing again (a slip of the finger) must not add a second next occurrence. A series is
    its project, title and recurrence (there is no series id)."""
    stmt = select(Task.id).where(
        Task.project_id == task.project_id,
        Task.title == task.title,
        Task.recurrence == task.recurrence,
        Task.due_date == due,
        Task.id != task.id,
    )
    return session.exec(stmt.limit(1)).first() is not None


def complete_task(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID | str,
    origin: Origin = PAGE,
    today: date | None = None,
) -> Task:
    """Mark done; a recurring task also gets its next occurrence, due one period later."""
    return bulk_complete(session, user_id=user_id, task_ids=[task_id], origin=origin, today=today)[0]


def bulk_complete(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_ids: Sequence[uuid.UUID | str],
    origin: Origin = PAGE,
    today: date | None = None,
) -> list[Task]:
    """Complete several tasks as one undoable change (all or nothing: any unknown id aborts).

    Tasks already done stay as they are: no new occurrence, nothing to undo for them.
    """
    tasks = _lock_tasks(session, user_id=user_id, task_ids=task_ids)
    if not tasks:
        return []
    before: list[tuple[uuid.UUID, dict[str, Any] | None]] = []
    added: list[Task] = []
    named = {task.id for task in tasks}
    # A parent completes with its open subtasks (one change, one undo); the page asks first.
    below = [
        tid for tid in descendants(session, [t.id for t in tasks if not t.completed]) if tid not in named
    ]
    subtasks = [t for t in _lock_rows(session, below).values() if not t.completed]
    today = today or user_today(session, user_id=user_id)
    for task in [*subtasks, *tasks]:
        before += _complete_one(session, task, today, added)
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.complete,
        command={"action": "complete", "task_ids": [str(t.id) for t in tasks]},
        before=before,
        after=[*tasks, *subtasks, *added],
        task_id=tasks[0].id if len(tasks) == 1 else None,
    )
    return tasks


def reopen_task(
    session: Session, *, user_id: uuid.UUID, task_id: uuid.UUID | str, origin: Origin = PAGE
) -> Task:
    """Mark a completed task as not done again, journaled as a reopen (undo says "reopening").

    Reopening an open task changes nothing and journals nothing to undo.
    """
    task = _lock_tasks(session, user_id=user_id, task_ids=[task_id])[0]
    before: list[tuple[uuid.UUID, dict[str, Any] | None]] = []
    if task.completed:
        before.append((task.id, snapshot(task)))
        _apply_completion(task, False)
        task.updated_at = utcnow()
        session.add(task)
        reminders.sync(session, task)
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.reopen,
        command={"action": "reopen", "task_id": str(task.id)},
        before=before,
        after=[task],
        task_id=task.id,
    )
    return task


def delete_task(
    session: Session, *, user_id: uuid.UUID, task_id: uuid.UUID | str, origin: Origin = PAGE
) -> Task:
    """Delete one task (undo brings it back with the same id)."""
    return bulk_delete(session, user_id=user_id, task_ids=[task_id], origin=origin)[0]


def bulk_delete(
    session: Session, *, user_id: uuid.UUID, task_ids: Sequence[uuid.UUID | str], origin: Origin = PAGE
) -> list[Task]:
    """Delete several tasks, with their subtasks, as one undoable change (all or nothing)."""
    tasks = _lock_tasks(session, user_id=user_id, task_ids=task_ids)
    if not tasks:
        return []
    named = {task.id for task in tasks}
    below = _lock_rows(session, [t for t in descendants(session, list(named)) if t not in named])
    gone = [*tasks, *below.values()]
    before: list[tuple[uuid.UUID, dict[str, Any] | None]] = [(t.id, snapshot(t)) for t in gone]
    for task in _children_first(gone):
        session.delete(task)
        session.flush()
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.delete,
        command={"action": "delete", "task_ids": [str(t.id) for t in tasks]},
        before=before,
        after=[],
        task_id=tasks[0].id if len(tasks) == 1 else None,
    )
    return tasks


def _children_first(tasks: Sequence[Task]) -> list[Task]:
    """``tasks`` ordered so that a subtask comes before its parent (deletes), reversed for inserts."""
    ids = {t.id for t in tasks}
    by_id = {t.id: t for t in tasks}

    def depth(task: Task) -> int:
        n, parent = 0, task.parent_id
        while parent in ids and n <= DEPTH_MAX:
            n, parent = n + 1, by_id[parent].parent_id
        return n

    return sorted(tasks, key=depth, reverse=True)


@dataclass
class UndoResult:
    """What an undo reverted."""

    operation_type: str
    tasks: list[Task]
    titles: list[str]


def undo_last(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | None = None) -> UndoResult:
    """Revert the newest change in a thread (or outside any thread, for the task page).

    Two undos at once revert two changes, the newest and the one before it, as they would one
    after the other: the one that loses the newest change takes the next.
    """
    begin_write(session)
    while True:
        op = last_undoable(session, user_id=user_id, thread_id=thread_id)
        if op is None:
            raise NotFoundError("Nothing to undo.")
        if _claim_undo(session, op):
            return _revert(session, user_id=user_id, op=op)


def undo_operation(session: Session, *, user_id: uuid.UUID, operation_id: uuid.UUID | str) -> UndoResult:
    """Revert one given change (a widget's Undo button); undoing it twice is refused."""
    oid = parse_id(operation_id)
    op = session.get(TaskOperation, oid) if oid else None
    if op is None or op.user_id != user_id or op.undo_state is None:
        raise NotFoundError("That change was not found.")
    if op.undone_at is not None or not _claim_undo(session, op):
        raise ConflictError("That change was already undone.")
    return _revert(session, user_id=user_id, op=op)


def undo_field_change(
    session: Session,
    *,
    user_id: uuid.UUID,
    task_id: uuid.UUID | str,
    operation_id: uuid.UUID | str,
    field: str,
    origin: Origin,
) -> Task:
    """Put back one field of one journaled change to ``task_id`` (the task panel's per-change Undo).

    When the change is still the newest outside any thread, the journal entry itself is undone
    (whole, as :func:`undo_operation`); after later changes only ``field`` goes back to its value
    before that change (a new journaled change), so undoing an older change never reverts the
    newer ones with it. Another person's change, or a field the journal does not hold, is not found.
    """
    oid = parse_id(operation_id)
    tid = parse_id(task_id)
    newest = last_undoable(session, user_id=user_id, thread_id=None)
    if newest is not None and oid is not None and newest.id == oid:
        undo_operation(session, user_id=user_id, operation_id=oid)
        return get_task(session, user_id=user_id, task_id=task_id)
    op = session.get(TaskOperation, oid) if oid else None
    entries = (op.undo_state or []) if op is not None and op.user_id == user_id else []
    entry = next((e for e in entries if tid is not None and e.get("id") == str(tid)), None)
    before = entry.get("before") if entry else None
    if not before or field not in before:
        raise NotFoundError("That change was not found.")
    return update_task(session, user_id=user_id, task_id=task_id, data={field: before[field]}, origin=origin)


def _may_write(session: Session, user_id: uuid.UUID, project_id: uuid.UUID | str | None) -> bool:
    try:
        get_project(session, user_id=user_id, project_id=project_id, need=WRITE)
    except NotFoundError:
        return False
    return True


def _claim_undo(session: Session, op: TaskOperation) -> bool:
    """Mark the change undone unless a racing undo did first (a conditional update: one of them wins)."""
    now = utcnow()
    result: Any = session.execute(
        sa.update(TaskOperation)
        .where(col(TaskOperation.id) == op.id, col(TaskOperation.undone_at).is_(None))
        .values(undone_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    for name in ("undone_at", "updated_at"):  # as stored by the update above: not written again
        set_committed_value(op, name, now)
    return True


def _revert(session: Session, *, user_id: uuid.UUID, op: TaskOperation) -> UndoResult:
    """Put back every task the (claimed) change touched, its rows locked like any other change."""
    restored: list[Task] = []
    titles: list[str] = []
    entries = op.undo_state or []
    rows = _lock_rows(session, [uuid.UUID(entry["id"]) for entry in entries])
    removed: list[Task] = []
    writable: dict[str, bool] = {}  # project id -> may write it: asked once per project in an undo

    def may_write(project_id: uuid.UUID | str | None) -> bool:
        key = str(project_id)
        if key not in writable:
            writable[key] = _may_write(session, user_id, project_id)
        return writable[key]

    for entry in entries:
        tid = uuid.UUID(entry["id"])
        current = rows.get(tid)
        if current is not None and not may_write(current.project_id):
            continue
        before = entry["before"]
        if before is None:
            if current is not None:
                titles.append(current.title)
                removed.append(current)
            continue
        values = TaskPublic.model_validate(before).model_dump()
        values.pop("id")
        if values.get("project_id") is None or not may_write(values["project_id"]):
            values["project_id"] = inbox(session, user_id=user_id).id  # the project went, or they left it
        if values.get("assignee_id") and not is_member(
            session, project_id=values["project_id"], user_id=values["assignee_id"]
        ):
            values["assignee_id"] = None
        if current is None:
            creator = parse_id(before.get("user_id"))
            if creator is None or session.get(User, creator) is None:  # that account is gone
                creator = user_id
            current = Task(id=tid, user_id=creator, **values)
        else:
            for name, value in values.items():
                setattr(current, name, value)
        restored.append(current)
        titles.append(current.title)
    for task in _children_first(removed):
        session.delete(task)
        session.flush()
    for task in reversed(_children_first(restored)):  # a parent before its subtasks
        if task.parent_id is not None and session.get(Task, task.parent_id) is None:
            task.parent_id = None  # its parent is gone since: a task of its own
        session.add(task)
        session.flush()
        reminders.sync(session, task)
    session.add(op)
    session.flush()
    return UndoResult(operation_type=op.operation_type, tasks=restored, titles=titles)
