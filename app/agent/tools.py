"""The task tools. Names and the ``{task_id, status, title}`` result shape of the first five
(``add_task``, ``list_tasks``, ``complete_task``, ``delete_task``, ``update_task``) are kept
from the hackathon MCP server so existing clients keep working.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.agent.types import Tool, ToolContext
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


def _public(task) -> dict[str, Any]:
    return task_service.to_public(task).to_json()


def _result(task, status: str) -> dict[str, Any]:
    return {"task_id": str(task.id), "status": status, "title": task.title, "task": _public(task)}


def add_task(ctx: ToolContext, args: AddTaskArgs) -> dict[str, Any]:
    task = task_service.create_task(
        ctx.session, user_id=ctx.user_id, data=args.model_dump(exclude_none=True), origin=ctx.origin
    )
    return _result(task, "created")


def list_tasks(ctx: ToolContext, args: ListTasksArgs) -> dict[str, Any]:
    query = task_service.TaskQuery(
        status=args.status,
        tag=args.tag,
        priority=args.priority,
        due=args.due,
        search=args.search,
        sort=args.sort,
    )
    tasks = task_service.list_tasks(ctx.session, user_id=ctx.user_id, query=query)
    return {
        "tasks": [_public(t) for t in tasks[: args.limit]],
        "count": len(tasks),
        "filters": args.model_dump(),
    }


def search_tasks(ctx: ToolContext, args: SearchTasksArgs) -> dict[str, Any]:
    return list_tasks(ctx, ListTasksArgs(search=args.query, status=args.status))


def complete_task(ctx: ToolContext, args: TaskIdArgs) -> dict[str, Any]:
    task = task_service.complete_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin
    )
    return _result(task, "completed")


def reopen_task(ctx: ToolContext, args: TaskIdArgs) -> dict[str, Any]:
    task = task_service.reopen_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin)
    return _result(task, "pending")


def delete_task(ctx: ToolContext, args: TaskIdArgs) -> dict[str, Any]:
    task = task_service.delete_task(ctx.session, user_id=ctx.user_id, task_id=args.task_id, origin=ctx.origin)
    return {"task_id": str(task.id), "status": "deleted", "title": task.title}


def delete_tasks(ctx: ToolContext, args: TaskIdsArgs) -> dict[str, Any]:
    tasks = task_service.bulk_delete(
        ctx.session, user_id=ctx.user_id, task_ids=args.task_ids, origin=ctx.origin
    )
    return {
        "status": "deleted",
        "count": len(tasks),
        "task_ids": [str(t.id) for t in tasks],
        "titles": [t.title for t in tasks],
    }


def update_task(ctx: ToolContext, args: UpdateTaskArgs) -> dict[str, Any]:
    changes = args.model_dump(exclude_unset=True, exclude={"task_id"})
    task = task_service.update_task(
        ctx.session, user_id=ctx.user_id, task_id=args.task_id, data=changes, origin=ctx.origin
    )
    return _result(task, "updated")


def undo(ctx: ToolContext, args: UndoArgs) -> dict[str, Any]:
    if args.operation_id:
        result = task_service.undo_operation(ctx.session, user_id=ctx.user_id, operation_id=args.operation_id)
    else:
        result = task_service.undo_last(ctx.session, user_id=ctx.user_id, thread_id=ctx.origin.thread_id)
    first = result.tasks[0] if result.tasks else None
    return {
        "status": "undone",
        "undone": result.operation_type,
        "task_id": str(first.id) if first else None,
        "title": ", ".join(result.titles),
        "titles": result.titles,
    }


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
