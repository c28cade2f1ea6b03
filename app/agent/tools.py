"""The task tools. Names and the ``{task_id, status, title}`` result shape of the first five
(``add_task``, ``list_tasks``, ``complete_task``, ``delete_task``, ``update_task``) are kept
from the hackathon MCP server so existing clients keep working.

Each handler returns a typed result (a :class:`ToolResult` below); the registry turns it into the
JSON object clients get, whose keys are the result's fields in order.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.agent.types import Tool, ToolContext, ToolResult
from app.models import OperationType
from app.models.task import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    DueFilter,
    Priority,
    PriorityName,
    RecurrenceName,
    SortKey,
    StatusFilter,
    Task,
)
from app.services import tasks as task_service

MAX_LISTED = 50


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddTaskArgs(_Args):
    title: str = Field(
        description="What to do, without dates, priority or tags.", min_length=1, max_length=TITLE_MAX
    )
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: PriorityName = Priority.medium.value
    tags: list[str] = Field(default_factory=list, description="Lower-case tags without '#'.")
    due_date: date | None = Field(default=None, description="YYYY-MM-DD")
    recurrence: RecurrenceName | None = None


class ListTasksArgs(_Args):
    status: StatusFilter = "all"
    tag: str | None = None
    priority: PriorityName | None = None
    due: DueFilter | None = None
    search: str | None = Field(default=None, max_length=200)
    sort: SortKey = "created"
    limit: int = Field(default=MAX_LISTED, ge=1, le=200)


class SearchTasksArgs(_Args):
    query: str = Field(min_length=1, max_length=200)
    status: StatusFilter = "all"


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


class Undone(ToolResult):
    """What an undo reverted: the kind of change (``undone``), the first task and every title."""

    status: Literal["undone"] = "undone"
    undone: str
    task_id: str | None
    title: str
    titles: list[str]


def _public(task: Task) -> dict[str, Any]:
    return task_service.to_public(task).to_json()


def _changed(task: Task, status: Literal["created", "completed", "pending", "updated"]) -> TaskChanged:
    return TaskChanged(task_id=str(task.id), status=status, title=task.title, task=_public(task))


def add_task(ctx: ToolContext, args: AddTaskArgs) -> TaskChanged:
    task = task_service.create_task(
        ctx.session, user_id=ctx.user_id, data=args.model_dump(exclude_none=True), origin=ctx.origin
    )
    return _changed(task, "created")


def list_tasks(ctx: ToolContext, args: ListTasksArgs) -> TaskList:
    query = task_service.TaskQuery(
        status=args.status,
        tag=args.tag,
        priority=args.priority,
        due=args.due,
        search=args.search,
        sort=args.sort,
    )
    tasks = task_service.list_tasks(ctx.session, user_id=ctx.user_id, query=query)
    return TaskList(
        tasks=[_public(t) for t in tasks[: args.limit]], count=len(tasks), filters=args.model_dump()
    )


def search_tasks(ctx: ToolContext, args: SearchTasksArgs) -> TaskList:
    return list_tasks(ctx, ListTasksArgs(search=args.query, status=args.status))


def complete_task(ctx: ToolContext, args: TaskIdArgs) -> TaskChanged:
    task = task_service.complete_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin
    )
    return _changed(task, "completed")


def reopen_task(ctx: ToolContext, args: TaskIdArgs) -> TaskChanged:
    task = task_service.reopen_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin)
    return _changed(task, "pending")


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
    task = task_service.update_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, data=changes, origin=ctx.origin
    )
    return _changed(task, "updated")


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
    Tool("add_task", "Create a task for the user.", AddTaskArgs, OperationType.create, add_task),
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
        "Change a task's title, description, priority, tags, due date or recurrence.",
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
)
"""Every tool, in the order the agents list them; ``app.agent.registry`` builds its table from these."""
