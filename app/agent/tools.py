"""The task tools. Names and the ``{task_id, status, title}`` result shape of the first five
(``add_task``, ``list_tasks``, ``complete_task``, ``delete_task``, ``update_task``) are kept
from the hackathon MCP server so existing clients keep working.

Each handler returns a typed result (a :class:`ToolResult` below); the registry turns it into the
JSON object clients get, whose keys are the result's fields in order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from app.agent.types import Tool, ToolContext, ToolError, ToolResult
from app.models import OperationType, User
from app.models.comment import COMMENT_MAX
from app.models.project import PROJECT_COLORS, PROJECT_NAME_MAX
from app.models.task import (
    DESCRIPTION_MAX,
    REMINDER_BEFORE_MAX,
    REMINDERS_MAX,
    TITLE_MAX,
    DueFilter,
    Priority,
    PriorityName,
    RecurrenceName,
    SortKey,
    StatusFilter,
    Task,
)
from app.services import activity as activity_service
from app.services import clock
from app.services import comments as comment_service
from app.services import projects as project_service
from app.services import reminders as reminder_service
from app.services import tasks as task_service
from app.services.errors import NotFoundError

MAX_LISTED = 50


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


TIME_HELP = "HH:MM (24-hour) on the due date, in the user's time zone, e.g. 17:00."
REMINDERS_HELP = (
    'Each {"at": "YYYY-MM-DDTHH:MM"} (the user\'s local time) or {"before": minutes} (before the due '
    "time; a due date without a time counts from 09:00)."
)


class AddTaskArgs(_Args):
    title: str = Field(
        description="What to do, without dates, priority or tags.", min_length=1, max_length=TITLE_MAX
    )
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: PriorityName = Priority.medium.value
    tags: list[str] = Field(default_factory=list, description="Lower-case tags without '#'.")
    due_date: date | None = Field(default=None, description="YYYY-MM-DD")
    recurrence: RecurrenceName | None = None
    project_id: str | None = Field(
        default=None,
        max_length=PROJECT_NAME_MAX,
        description="The project it goes in: its id or its name (default: the user's Inbox).",
    )
    assignee_id: str | None = Field(
        default=None,
        max_length=320,
        description="Assign it to a member of that project: their id, email, name, or 'me'.",
    )
    due_time: str | None = Field(
        default=None, description=TIME_HELP + " Without a due_date it is today at that time."
    )
    parent_id: str | None = Field(
        default=None, max_length=TITLE_MAX, description="Make it a subtask of this task: its id or its title."
    )
    reminders: list[dict[str, Any]] = Field(
        default_factory=list, max_length=REMINDERS_MAX, description=REMINDERS_HELP
    )


PROJECT_HELP = "A project the user is a member of: its id or its name ('Inbox' is their personal list)."
PERSON_HELP = "A person: 'me', or a member's email or name (a first name is enough when it is unique)."


class ListTasksArgs(_Args):
    status: StatusFilter = "all"
    tag: str | None = None
    priority: PriorityName | None = None
    due: DueFilter | None = None
    search: str | None = Field(default=None, max_length=200)
    sort: SortKey = "created"
    limit: int = Field(default=MAX_LISTED, ge=1, le=200)
    project: str | None = Field(default=None, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)
    assignee: str | None = Field(default=None, max_length=320, description=PERSON_HELP)
    unassigned: bool = Field(default=False, description="Only tasks assigned to nobody.")
    within_days: int | None = Field(
        default=None, ge=0, le=366, description="Only open tasks due from today to this many days ahead."
    )


class SearchTasksArgs(_Args):
    query: str = Field(min_length=1, max_length=200)
    status: StatusFilter = "all"
    project: str | None = Field(default=None, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)
    assignee: str | None = Field(default=None, max_length=320, description=PERSON_HELP)


class TaskIdArgs(_Args):
    task_id: str = Field(description="The task's id (UUID).")


class TaskIdsArgs(_Args):
    task_ids: list[str] = Field(min_length=1, max_length=2000, description="The tasks' ids (UUIDs).")


class UpdateTaskArgs(_Args):
    task_id: str
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: PriorityName | None = None
    tags: list[str] | None = Field(default=None, description="The complete new list of tags.")
    due_date: date | None = Field(default=None, description="YYYY-MM-DD, or null to clear the due date.")
    recurrence: RecurrenceName | None = None
    project_id: str | None = Field(
        default=None, max_length=PROJECT_NAME_MAX, description="Move it to this project (id or name)."
    )
    assignee_id: str | None = Field(
        default=None,
        max_length=320,
        description="Assign it to a member of its project (id, email, name or 'me'); null unassigns.",
    )
    due_time: str | None = Field(default=None, description=TIME_HELP + " null clears the time.")
    parent_id: str | None = Field(
        default=None,
        max_length=TITLE_MAX,
        description="Make it a subtask of this task (its id or title); null makes it a task of its own.",
    )
    reminders: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=REMINDERS_MAX,
        description="Replaces its reminders ([] removes them). " + REMINDERS_HELP,
    )


class AddSubtasksArgs(_Args):
    parent_id: str = Field(
        min_length=1, max_length=TITLE_MAX, description="The parent task: its id or title."
    )
    titles: list[str] = Field(
        min_length=1, max_length=50, description="The subtasks to add, in order (one change, one undo)."
    )


class ProposeSubtasksArgs(_Args):
    parent_id: str = Field(
        min_length=1, max_length=TITLE_MAX, description="The task to break down: its id or title."
    )
    titles: list[str] = Field(
        min_length=1, max_length=12, description="The subtasks you suggest, in order (2 to 8 is usual)."
    )


class AddReminderArgs(_Args):
    task_id: str = Field(description="The task's id (UUID).")
    at: str | None = Field(
        default=None, description="When to remind: YYYY-MM-DDTHH:MM in the user's local time."
    )
    before: int | None = Field(
        default=None, ge=0, le=REMINDER_BEFORE_MAX, description="Or: this many minutes before the due time."
    )


class MyDayArgs(_Args):
    limit: int = Field(default=MAX_LISTED, ge=1, le=200)
    project: str | None = Field(default=None, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)


class RescheduleOverdueArgs(_Args):
    due_date: date = Field(description="The new due date for every overdue task (YYYY-MM-DD).")
    task_ids: list[str] | None = Field(
        default=None,
        max_length=2000,
        description="Only these overdue tasks (the ones the user confirmed); default: all of them.",
    )


class ProjectArgs(_Args):
    project: str = Field(min_length=1, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)


class CreateProjectArgs(_Args):
    name: str = Field(min_length=1, max_length=PROJECT_NAME_MAX, description="The new project's name.")
    color: str | None = Field(default=None, description=f"One of {', '.join(PROJECT_COLORS)}.")


class ListProjectsArgs(_Args):
    archived: bool = Field(default=False, description="Include archived projects.")
    members: bool = Field(default=True, description="Include each project's members and invitations.")


class MoveTaskArgs(_Args):
    task_id: str = Field(description="The task's id (UUID).")
    project: str = Field(min_length=1, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)


class AssignTaskArgs(_Args):
    task_id: str = Field(description="The task's id (UUID).")
    assignee: str = Field(
        min_length=1,
        max_length=320,
        description="A member of the task's project: 'me', their email or their name.",
    )


class CommentArgs(_Args):
    task_id: str = Field(description="The task's id (UUID).")
    body: str = Field(min_length=1, max_length=COMMENT_MAX, description="The comment (markdown).")


class ActivityArgs(_Args):
    project: str | None = Field(
        default=None, max_length=PROJECT_NAME_MAX, description="Only this project's activity."
    )
    person: str | None = Field(
        default=None, max_length=320, description="Only what this person did (in projects shared with them)."
    )
    since: Literal["today", "yesterday", "week", "all"] = Field(
        default="all", description="today, since yesterday, the last 7 days, or any time."
    )
    limit: int = Field(default=50, ge=1, le=200)


class ShareProjectArgs(_Args):
    project: str = Field(min_length=1, max_length=PROJECT_NAME_MAX, description=PROJECT_HELP)
    email: str = Field(min_length=3, max_length=320, description="Who to share it with.")
    role: Literal["editor", "viewer"] = Field(
        default="editor", description="editor: changes tasks; viewer: reads and comments."
    )


class UndoArgs(_Args):
    operation_id: str | None = Field(default=None, description="Undo this change; default: the last one.")


class TaskRef(ToolResult):
    """One task a tool acted on (``delete_task``): the hackathon server's result shape."""

    task_id: str
    status: Literal["created", "completed", "pending", "updated", "deleted"]
    title: str


class TaskChanged(TaskRef):
    """A task added or changed, with the task as it is now (``task``: the task's public JSON)."""

    task: dict[str, Any]


class SubtasksAdded(ToolResult):
    """Subtasks added to a task as one change (one undo removes them all)."""

    status: Literal["created"] = "created"
    task_id: str
    """The parent's id."""
    title: str
    """The parent's title."""
    count: int
    task_ids: list[str]
    titles: list[str]
    tasks: list[dict[str, Any]]


class SubtasksProposed(ToolResult):
    """Subtasks suggested for a task: nothing is added until the person accepts them."""

    status: Literal["proposed"] = "proposed"
    task_id: str
    """The parent's id."""
    title: str
    """The parent's title."""
    titles: list[str]
    message: str


class MyDay(ToolResult):
    """The Today view: open tasks overdue or due today (in the user's zone), soonest first."""

    today: str
    tasks: list[dict[str, Any]]
    count: int
    overdue: int
    due_today: int


class Rescheduled(ToolResult):
    """Overdue tasks moved to one date as one change (one undo moves them all back)."""

    status: Literal["updated"] = "updated"
    due_date: str
    count: int
    task_ids: list[str]
    titles: list[str]


class TaskList(ToolResult):
    """Listed tasks (at most ``limit``), how many matched, and the filters applied."""

    tasks: list[dict[str, Any]]
    count: int
    filters: dict[str, Any]


class TasksDeleted(ToolResult):
    """Several tasks deleted as one change."""

    status: Literal["deleted"] = "deleted"
    count: int
    task_ids: list[str]
    titles: list[str]


class ProjectList(ToolResult):
    """The user's projects (the Inbox first), each with its members and the user's role."""

    projects: list[dict[str, Any]]
    count: int


class ProjectDone(ToolResult):
    """A project created or shared: what happened (``status``) and the project as it is now."""

    status: Literal["created", "member", "invited"]
    project_id: str
    name: str
    project: dict[str, Any]
    email: str | None = None
    role: str | None = None


class CommentAdded(ToolResult):
    """A comment added to a task."""

    status: Literal["commented"] = "commented"
    task_id: str
    title: str
    comment: dict[str, Any]


class Activity(ToolResult):
    """Activity lines, newest first ("Sam completed "Buy milk""), and what was asked."""

    entries: list[dict[str, Any]]
    count: int
    project: str | None = None
    person: str | None = None


class Undone(ToolResult):
    """What an undo reverted: the kind of change (``undone``), the first task and every title."""

    status: Literal["undone"] = "undone"
    undone: str
    task_id: str | None
    title: str
    titles: list[str]


def public_tasks(session: Any, tasks: list[Task], *, new: bool = False) -> list[dict[str, Any]]:
    """Tasks' public JSON with where they are and who has them: ``project`` (its name, "Inbox" for
    an inbox), ``assignee`` (email) and ``assignee_name``, as every surface shows a task; for the
    daily loop, ``parent`` (the parent task's title), ``subtasks`` (``{"done", "total"}`` of its
    direct subtasks, when it has any) and ``reminder_times`` (local ``YYYY-MM-DDTHH:MM``, soonest first).

    ``new``: the tasks were just made, so none has subtasks yet (they are not counted).
    """
    labels = project_service.task_labels(session, tasks)
    parent_ids = {t.parent_id for t in tasks if t.parent_id is not None}
    parents: dict[uuid.UUID, str] = {}
    if parent_ids:
        rows = session.exec(select(Task.id, Task.title).where(col(Task.id).in_(list(parent_ids)))).all()
        parents = {tid: str(title) for tid, title in rows}
    progress = {} if new else task_service.subtask_progress(session, [t.id for t in tasks])
    out = []
    for task in tasks:
        label = labels.get(task.id, {})
        done_total = progress.get(task.id)
        out.append(
            {
                **task_service.to_public(task).to_json(),
                "project": label.get("project"),
                "assignee": label.get("assignee"),
                "assignee_name": label.get("assignee_name"),
                "parent": parents.get(task.parent_id) if task.parent_id else None,
                "subtasks": {"done": done_total[0], "total": done_total[1]} if done_total else None,
                "reminder_times": reminder_service.local_iso(task),
            }
        )
    return out


def _public(ctx: ToolContext, task: Task, *, new: bool = False) -> dict[str, Any]:
    return public_tasks(ctx.session, [task], new=new)[0]


def _changed(
    ctx: ToolContext, task: Task, status: Literal["created", "completed", "pending", "updated"]
) -> TaskChanged:
    task_json = _public(ctx, task, new=status == "created")
    return TaskChanged(task_id=str(task.id), status=status, title=task.title, task=task_json)


# ----- names to ids: projects and people, through the membership rules of services/projects -----


def resolve_project(ctx: ToolContext, ref: str, *, need: str = project_service.READ) -> Any:
    """The project ``ref`` names (an id or a name) that the user may ``need``; else "not found"."""
    pid = project_service.parse_id(ref)
    if pid is not None:
        return project_service.get_project(ctx.session, user_id=ctx.user_id, project_id=pid, need=need)
    try:
        return project_service.find_project(ctx.session, user_id=ctx.user_id, name=ref, need=need)
    except NotFoundError:
        raise ToolError(f"You have no project called “{' '.join(ref.split())}”.") from None


def _who(user: User) -> str:
    name = project_service.display_name(user)
    return f"{name} ({user.email})" if user.name else name


def _one_person(ref: str, found: list[User], where: str) -> User:
    if not found:
        raise ToolError(f"{ref} is not a member of {where}: share it with them first. Nothing was changed.")
    if len(found) > 1:
        names = " or ".join(_who(u) for u in found[:5])
        raise ToolError(f"Which {ref} do you mean: {names}? Say their email. Nothing was changed.")
    return found[0]


def resolve_member(ctx: ToolContext, project: Any, ref: str) -> User:
    """The member of ``project`` that ``ref`` names (id, email, name, "me"); a clear refusal when
    they are not a member or the name fits several."""
    pid = project_service.parse_id(ref)
    matches: list[User]
    if pid is not None:
        people = project_service.names_of(ctx.session, {pid})
        member = project_service.is_member(ctx.session, project_id=project.id, user_id=pid)
        matches = [people[pid]] if member and pid in people else []
    else:
        matches = project_service.members_matching(
            ctx.session, user_id=ctx.user_id, project_id=project.id, who=ref
        )
    return _one_person(" ".join(ref.split()), matches, f"“{project.name}”")


def resolve_person(ctx: ToolContext, ref: str, projects: list[Any] | None = None) -> User:
    """A person the user shares a project with (or the user, for "me"), by id, email or name."""
    if " ".join(ref.split()).casefold() in {"me", "myself", "i"}:
        me = project_service.names_of(ctx.session, {ctx.user_id}).get(ctx.user_id)
        if me is None:
            raise ToolError("Your account was not found.")
        return me
    if projects is None:
        projects = [v.project for v in project_service.list_projects(ctx.session, user_id=ctx.user_id)]
    found: dict[uuid.UUID, User] = {}
    for project in projects:
        pid = project_service.parse_id(ref)
        if pid is not None:
            if project_service.is_member(ctx.session, project_id=project.id, user_id=pid):
                found.update(project_service.names_of(ctx.session, {pid}))
            continue
        for user in project_service.members_matching(
            ctx.session, user_id=ctx.user_id, project_id=project.id, who=ref
        ):
            found[user.id] = user
    where = f"“{projects[0].name}”" if len(projects) == 1 else "any of your projects"
    return _one_person(" ".join(ref.split()), list(found.values()), where)


def resolve_task(ctx: ToolContext, ref: str) -> Task:
    """The task ``ref`` names: its id, else its title (exactly, else the one title containing it)."""
    tid = project_service.parse_id(ref)
    if tid is not None:
        return task_service.get_task(ctx.session, user_id=ctx.user_id, task_id=tid)
    said = " ".join(ref.split())
    if not said or "\x00" in said:  # no title holds a NUL (PostgreSQL refuses one in a query)
        raise NotFoundError("Task not found.")
    found = task_service.list_tasks(
        ctx.session, user_id=ctx.user_id, query=task_service.TaskQuery(search=said, limit=200)
    )
    key = said.casefold()
    for pick in (
        [t for t in found if t.title.casefold() == key],
        [t for t in found if key in t.title.casefold()] if len(key) >= 3 else [],
    ):
        open_ones = [t for t in pick if not t.completed]
        pick = open_ones if len(open_ones) == 1 else pick
        if len(pick) == 1:
            return pick[0]
        if len(pick) > 1:
            names = ", ".join(f"“{t.title}” ({t.id})" for t in pick[:5])
            raise ToolError(
                f"Several tasks match “{said}”: {names}. Give the task's id. Nothing was changed."
            )
    raise NotFoundError("Task not found.")  # the words of a missing id: no hint either way


def _task_fields(ctx: ToolContext, data: dict[str, Any], *, project_of: Any = None) -> dict[str, Any]:
    """``project_id``, ``assignee_id`` and ``parent_id`` given as names or titles turned into ids
    (ids pass through)."""
    if isinstance(data.get("parent_id"), str):
        data["parent_id"] = resolve_task(ctx, data["parent_id"]).id
    if data.get("project_id") is not None:
        data["project_id"] = resolve_project(ctx, str(data["project_id"]), need=project_service.WRITE).id
    if data.get("assignee_id") is not None:
        if data.get("project_id") is not None:
            project = project_service.get_project(
                ctx.session, user_id=ctx.user_id, project_id=data["project_id"]
            )
        elif project_of is not None:
            project = project_of
        else:
            project = project_service.inbox(ctx.session, user_id=ctx.user_id)
        data["assignee_id"] = resolve_member(ctx, project, str(data["assignee_id"])).id
    return data


def add_task(ctx: ToolContext, args: AddTaskArgs) -> TaskChanged:
    data = _task_fields(ctx, args.model_dump(exclude_none=True))
    task = task_service.create_task(ctx.session, user_id=ctx.user_id, data=data, origin=ctx.origin)
    return _changed(ctx, task, "created")


def _listing(
    ctx: ToolContext, query: task_service.TaskQuery, project: str | None, assignee: str | None
) -> list[Task]:
    scope = None
    if project:
        scope = resolve_project(ctx, project)
        query.project_id = scope.id
    if assignee:
        query.assignee_id = resolve_person(ctx, assignee, [scope] if scope is not None else None).id
    return task_service.list_tasks(ctx.session, user_id=ctx.user_id, query=query)


def list_tasks(ctx: ToolContext, args: ListTasksArgs) -> TaskList:
    query = task_service.TaskQuery(
        status=args.status,
        tag=args.tag,
        priority=args.priority,
        due=args.due,
        search=args.search,
        sort=args.sort,
        unassigned=args.unassigned,
        within_days=args.within_days,
    )
    tasks = _listing(ctx, query, args.project, args.assignee)
    return TaskList(
        tasks=public_tasks(ctx.session, tasks[: args.limit]), count=len(tasks), filters=_filters(args)
    )


_TEAM_FILTERS = ("project", "assignee", "unassigned", "within_days")


def _filters(args: ListTasksArgs) -> dict[str, Any]:
    """The filters applied: the first seven always (clients read them), the others (team ones, the
    day window) when given."""
    given = args.model_dump()
    return {k: v for k, v in given.items() if k not in _TEAM_FILTERS or v not in (None, False)}


def search_tasks(ctx: ToolContext, args: SearchTasksArgs) -> TaskList:
    return list_tasks(
        ctx,
        ListTasksArgs(search=args.query, status=args.status, project=args.project, assignee=args.assignee),
    )


def complete_task(ctx: ToolContext, args: TaskIdArgs) -> TaskChanged:
    task = task_service.complete_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin
    )
    return _changed(ctx, task, "completed")


def reopen_task(ctx: ToolContext, args: TaskIdArgs) -> TaskChanged:
    task = task_service.reopen_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin)
    return _changed(ctx, task, "pending")


def delete_task(ctx: ToolContext, args: TaskIdArgs) -> TaskRef:
    task = task_service.delete_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin)
    return TaskRef(task_id=str(task.id), status="deleted", title=task.title)


def delete_tasks(ctx: ToolContext, args: TaskIdsArgs) -> TasksDeleted:
    tasks = task_service.bulk_delete(
        ctx.session, user_id=ctx.user_id, task_ids=args.task_ids, origin=ctx.origin
    )
    return TasksDeleted(
        count=len(tasks), task_ids=[str(t.id) for t in tasks], titles=[t.title for t in tasks]
    )


def update_task(ctx: ToolContext, args: UpdateTaskArgs) -> TaskChanged:
    changes = args.model_dump(exclude_unset=True, exclude={"task_id"})
    if isinstance(changes.get("parent_id"), str):
        changes["parent_id"] = resolve_task(ctx, changes["parent_id"]).id
    if changes.get("project_id") is not None or changes.get("assignee_id") is not None:
        current = task_service.get_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id)
        here = project_service.get_project(ctx.session, user_id=ctx.user_id, project_id=current.project_id)
        changes = _task_fields(ctx, changes, project_of=here)
    task = task_service.update_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, data=changes, origin=ctx.origin
    )
    return _changed(ctx, task, "updated")


def _one_change(ctx: ToolContext, steps: list[Any]) -> list[Any]:
    """Run several task-service writes as one journaled change: one operation whose undo state holds
    every task's entry, so one undo reverts them all. (The service journals each write onto the
    tool's operation row, each replacing the last one's entries; this keeps them all.)"""
    op = ctx.origin.operation
    entries: list[dict[str, Any]] = []
    out = []
    for step in steps:
        out.append(step())
        if op is not None:
            entries += op.undo_state or []
    if op is not None:
        op.undo_state = entries or None
        ctx.session.add(op)
    return out


def add_subtasks(ctx: ToolContext, args: AddSubtasksArgs) -> SubtasksAdded:
    parent = resolve_task(ctx, args.parent_id)
    titles = [" ".join(t.split()) for t in args.titles if t and t.strip()]
    if not titles:
        raise ToolError("Which subtasks? Give at least one title. Nothing was changed.")

    def add(title: str) -> Any:
        return lambda: task_service.create_task(
            ctx.session, user_id=ctx.user_id, data={"title": title, "parent_id": parent.id}, origin=ctx.origin
        )

    created = _one_change(ctx, [add(title) for title in titles])
    if ctx.origin.operation is not None:
        ctx.origin.operation.task_id = parent.id
    return SubtasksAdded(
        task_id=str(parent.id),
        title=parent.title,
        count=len(created),
        task_ids=[str(t.id) for t in created],
        titles=[t.title for t in created],
        tasks=public_tasks(ctx.session, created),
    )


def propose_subtasks(ctx: ToolContext, args: ProposeSubtasksArgs) -> SubtasksProposed:
    """Checks a breakdown (the task is the person's, the titles are usable) and changes nothing: the
    person edits and accepts it on a card (or says yes, and then add_subtasks adds it)."""
    parent = resolve_task(ctx, args.parent_id)
    titles = list(dict.fromkeys(" ".join(t.split())[:TITLE_MAX] for t in args.titles if t and t.strip()))
    if not titles:
        raise ToolError("Which subtasks? Give at least one title. Nothing was proposed.")
    return SubtasksProposed(
        task_id=str(parent.id),
        title=parent.title,
        titles=titles,
        message=f"Nothing is added yet: the user sees these subtasks for “{parent.title}” on a card where "
        "they can edit them and choose Add these. If they say yes instead, call add_subtasks with them.",
    )


def add_reminder(ctx: ToolContext, args: AddReminderArgs) -> TaskChanged:
    if (args.at is None) == (args.before is None):
        raise ToolError("Give either 'at' (YYYY-MM-DDTHH:MM) or 'before' (minutes). Nothing was changed.")
    task = task_service.get_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id)
    if args.before is not None and task.due_date is None:
        raise ToolError(
            f"“{task.title}” has no due date, so there is nothing to remind before: give it a due date "
            "or a time to remind at. Nothing was changed."
        )
    spec: dict[str, Any] = {"at": args.at} if args.at is not None else {"before": args.before}
    task = task_service.update_task(
        ctx.session,
        user_id=ctx.user_id,
        task_id=task.id,
        data={"reminders": [*(task.reminders or []), spec]},
        origin=ctx.origin,
    )
    return _changed(ctx, task, "updated")


def my_day(ctx: ToolContext, args: MyDayArgs) -> MyDay:
    today = clock.user_today(ctx.session, user_id=ctx.user_id)
    query = task_service.TaskQuery(status="pending", due="agenda", sort="due_date")
    tasks = _listing(ctx, query, args.project, None)
    overdue = sum(1 for t in tasks if t.due_date is not None and t.due_date < today)
    return MyDay(
        today=today.isoformat(),
        tasks=public_tasks(ctx.session, tasks[: args.limit]),
        count=len(tasks),
        overdue=overdue,
        due_today=len(tasks) - overdue,
    )


def reschedule_overdue(ctx: ToolContext, args: RescheduleOverdueArgs) -> Rescheduled:
    query = task_service.TaskQuery(status="pending", due="overdue", sort="due_date")
    tasks = task_service.list_tasks(ctx.session, user_id=ctx.user_id, query=query)
    if args.task_ids is not None:
        wanted = {str(t) for t in args.task_ids}
        tasks = [t for t in tasks if str(t.id) in wanted]
    if not tasks:
        raise ToolError("You have no overdue tasks to move. Nothing was changed.")

    moved = task_service.bulk_update(
        ctx.session,
        user_id=ctx.user_id,
        task_ids=[t.id for t in tasks],
        data={"due_date": args.due_date},
        origin=ctx.origin,
    )
    return Rescheduled(
        due_date=args.due_date.isoformat(),
        count=len(moved),
        task_ids=[str(t.id) for t in moved],
        titles=[t.title for t in moved],
    )


def _project_json(ctx: ToolContext, project: Any) -> dict[str, Any]:
    return project_service.project_view(ctx.session, user_id=ctx.user_id, project_id=project.id).to_json()


def list_projects(ctx: ToolContext, args: ListProjectsArgs) -> ProjectList:
    views = project_service.list_projects(
        ctx.session, user_id=ctx.user_id, archived=args.archived, with_members=args.members
    )
    return ProjectList(projects=[v.to_json() for v in views], count=len(views))


def create_project(ctx: ToolContext, args: CreateProjectArgs) -> ProjectDone:
    project = project_service.create_project(
        ctx.session, user_id=ctx.user_id, name=args.name, color=args.color, origin=ctx.origin
    )
    return ProjectDone(
        status="created", project_id=str(project.id), name=project.name, project=_project_json(ctx, project)
    )


def move_task(ctx: ToolContext, args: MoveTaskArgs) -> TaskChanged:
    return update_task(ctx, UpdateTaskArgs(task_id=args.task_id, project_id=args.project))


def assign_task(ctx: ToolContext, args: AssignTaskArgs) -> TaskChanged:
    return update_task(ctx, UpdateTaskArgs(task_id=args.task_id, assignee_id=args.assignee))


def unassign_task(ctx: ToolContext, args: TaskIdArgs) -> TaskChanged:
    return update_task(ctx, UpdateTaskArgs(task_id=args.task_id, assignee_id=None))


def add_comment(ctx: ToolContext, args: CommentArgs) -> CommentAdded:
    view = comment_service.add_comment(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, body=args.body, origin=ctx.origin
    )
    task = task_service.get_task(ctx.session, user_id=ctx.user_id, task_id=view.task_id)
    return CommentAdded(task_id=str(task.id), title=task.title, comment=view.to_json())


def _since(ctx: ToolContext, period: str) -> datetime | None:
    """The start of ``period`` in UTC: midnight today (or yesterday, or 6 days ago) in the user's zone."""
    days = {"today": 0, "yesterday": 1, "week": 6}.get(period)
    if days is None:
        return None
    name = clock.user_zone(ctx.session, ctx.user_id)
    first = clock.today_in(name) - timedelta(days=days)
    return datetime.combine(first, time.min, tzinfo=clock.zone(name)).astimezone(UTC)


def project_activity(ctx: ToolContext, args: ActivityArgs) -> Activity:
    since = _since(ctx, args.since)
    project = resolve_project(ctx, args.project) if args.project else None
    if args.person:
        person = resolve_person(ctx, args.person, [project] if project is not None else None)
        entries = activity_service.activity_of(
            ctx.session, user_id=ctx.user_id, actor_id=person.id, since=since, limit=args.limit
        )
        if project is not None:
            entries = [e for e in entries if e.project_id == project.id]
        return Activity(
            entries=[e.to_json() for e in entries],
            count=len(entries),
            project=project.name if project is not None else None,
            person=project_service.display_name(person),
        )
    if project is None:
        raise ToolError("Which project's activity? Name a project or a person.")
    entries = activity_service.project_activity(
        ctx.session, user_id=ctx.user_id, project_id=project.id, limit=args.limit
    )
    if since is not None:
        entries = [e for e in entries if _aware(e.at) >= since]
    return Activity(entries=[e.to_json() for e in entries], count=len(entries), project=project.name)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def share_project(ctx: ToolContext, args: ShareProjectArgs) -> ProjectDone:
    project = resolve_project(ctx, args.project, need=project_service.OWN)
    shared = project_service.share_project(
        ctx.session,
        user_id=ctx.user_id,
        project_id=project.id,
        email=args.email,
        role=args.role,
        origin=ctx.origin,
    )
    return ProjectDone(
        status="member" if shared.outcome == "member" else "invited",
        project_id=str(project.id),
        name=project.name,
        project=_project_json(ctx, project),
        email=shared.email,
        role=shared.role,
    )


def undo(ctx: ToolContext, args: UndoArgs) -> Undone:
    if args.operation_id:
        result = task_service.undo_operation(ctx.session, user_id=ctx.user_id, operation_id=args.operation_id)
    else:
        result = task_service.undo_last(ctx.session, user_id=ctx.user_id, thread_id=ctx.origin.thread_id)
    first = result.tasks[0] if result.tasks else None
    return Undone(
        undone=result.operation_type,
        task_id=str(first.id) if first else None,
        title=", ".join(result.titles),
        titles=result.titles,
    )


TOOLS: tuple[Tool, ...] = (
    Tool(
        "add_task",
        "Create a task for the user (with a due date and time, reminders, or as a subtask of another).",
        AddTaskArgs,
        OperationType.create,
        add_task,
    ),
    Tool(
        "list_tasks",
        "List the user's tasks with optional filters.",
        ListTasksArgs,
        OperationType.search,
        list_tasks,
    ),
    Tool("complete_task", "Mark a task as done.", TaskIdArgs, OperationType.complete, complete_task),
    Tool("delete_task", "Delete a task.", TaskIdArgs, OperationType.delete, delete_task),
    Tool(
        "update_task",
        "Change a task's title, description, priority, tags, due date, due time, recurrence, reminders "
        "or parent task.",
        UpdateTaskArgs,
        OperationType.update,
        update_task,
    ),
    Tool(
        "delete_tasks",
        "Delete several tasks as one change (ask the user to confirm first).",
        TaskIdsArgs,
        OperationType.delete,
        delete_tasks,
    ),
    Tool("reopen_task", "Mark a completed task as not done.", TaskIdArgs, OperationType.reopen, reopen_task),
    Tool(
        "search_tasks",
        "Find tasks whose title or description contains text.",
        SearchTasksArgs,
        OperationType.search,
        search_tasks,
    ),
    Tool("undo", "Undo the last change made in this conversation.", UndoArgs, OperationType.update, undo),
    Tool(
        "list_projects",
        "List the user's projects (the Inbox first) with their members and the user's role.",
        ListProjectsArgs,
        OperationType.search,
        list_projects,
    ),
    Tool(
        "create_project",
        "Create a project owned by the user.",
        CreateProjectArgs,
        OperationType.project,
        create_project,
    ),
    Tool(
        "move_task",
        "Move a task to another project (by name or id).",
        MoveTaskArgs,
        OperationType.move,
        move_task,
    ),
    Tool(
        "assign_task",
        "Assign a task to a member of its project (by name or email); a non-member is refused.",
        AssignTaskArgs,
        OperationType.assign,
        assign_task,
    ),
    Tool("unassign_task", "Assign a task to nobody.", TaskIdArgs, OperationType.assign, unassign_task),
    Tool(
        "add_comment",
        "Comment on a task (any member of its project may).",
        CommentArgs,
        OperationType.comment,
        add_comment,
    ),
    Tool(
        "project_activity",
        "What happened in a project, or what a person did in the projects shared with them.",
        ActivityArgs,
        OperationType.search,
        project_activity,
    ),
    Tool(
        "share_project",
        "Share a project with someone by email, as editor or viewer (owners only). Always ask the user "
        "to confirm first.",
        ShareProjectArgs,
        OperationType.member,
        share_project,
    ),
    Tool(
        "add_subtasks",
        "Add several subtasks to a task at once (one change, one undo).",
        AddSubtasksArgs,
        OperationType.create,
        add_subtasks,
    ),
    Tool(
        "propose_subtasks",
        "Suggest subtasks to break a task down. Adds nothing: the user edits and accepts them on a card.",
        ProposeSubtasksArgs,
        OperationType.search,
        propose_subtasks,
    ),
    Tool(
        "add_reminder",
        "Add a reminder to a task: at a local date and time, or some minutes before its due time.",
        AddReminderArgs,
        OperationType.update,
        add_reminder,
    ),
    Tool(
        "my_day",
        "The Today view: open tasks that are overdue or due today in the user's time zone, soonest first.",
        MyDayArgs,
        OperationType.search,
        my_day,
    ),
    Tool(
        "reschedule_overdue",
        "Move overdue tasks (all, or the listed ones) to one date as one change (one undo). Ask the user "
        "to confirm first.",
        RescheduleOverdueArgs,
        OperationType.update,
        reschedule_overdue,
    ),
)
"""Every tool, in the order the agents list them; ``app.agent.registry`` builds its table from these."""
