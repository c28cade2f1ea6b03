"""Tasks over HTTP: the task service's filters, sorts and changes.

A task is seen through its project (:mod:`app.services.projects`): ``?project=`` narrows the list to
one project, ``?assignee=`` to a person's tasks (a user id, ``me``, or ``none`` for unassigned); a
body's ``project_id`` moves a task and ``assignee_id`` assigns it (``null`` unassigns).

``?view=`` gives the task page's views (issue 17, :mod:`app.views.daily`): ``today`` (open tasks due
today or overdue, in the person's time zone), ``upcoming`` (open tasks due in the next 14 days, by
due date and time) and ``completed`` (the most recently completed first); the other filters combine
with it. ``due_time``, ``parent_id`` and ``reminders`` come and go with every task (``TaskPublic``).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import CurrentUser, SessionDep
from app.api.schemas import ERRORS, TaskCreateBody, TaskList, TaskUpdateBody
from app.models import TaskPublic
from app.models.task import DueFilter, PriorityName, SortKey, StatusFilter
from app.services import projects as project_service
from app.services import tasks as task_service
from app.services.errors import InvalidInputError
from app.services.operations import Origin
from app.views import daily

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=ERRORS)
API = Origin(source="api")


@router.get("", response_model=TaskList, summary="List tasks with filters and a sort")
def list_tasks(
    session: SessionDep,
    user: CurrentUser,
    status: StatusFilter = "all",
    tag: Annotated[str | None, Query(max_length=32)] = None,
    priority: PriorityName | None = None,
    due: DueFilter | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search title and description")] = None,
    sort: Annotated[
        SortKey | None, Query(description="created (the default), or the view's own order with view=")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    project: Annotated[uuid.UUID | None, Query(description="Only this project's tasks")] = None,
    assignee: Annotated[
        str | None, Query(max_length=64, description='Only tasks assigned to this user id, "me", or "none"')
    ] = None,
    view: Annotated[
        daily.View | None,
        Query(
            description="today (due today or overdue), upcoming (next 14 days) or completed (latest first)"
        ),
    ] = None,
) -> TaskList:
    if project is not None:  # a project one may not see is "not found", exactly like a missing one
        project_service.get_project(session, user_id=user.id, project_id=project)
    assignee_id, unassigned = _assignee(assignee, user.id)
    if view is not None and due is not None and view != "completed":
        raise InvalidInputError(f"view={view} already chooses the due dates: leave out due.")
    query = task_service.TaskQuery(
        status=status, tag=tag, priority=priority, due=due, search=q, sort=sort or "created", limit=limit,
        offset=offset, project_id=project, assignee_id=assignee_id, unassigned=unassigned,
    )  # fmt: skip
    if view is not None:
        query = daily.view_query(view, query)
        if sort is not None:
            query = dataclasses.replace(query, sort=sort)
    tasks = task_service.list_tasks(session, user_id=user.id, query=query)
    count = task_service.count_by_status(session, user_id=user.id, query=query)[query.status]
    return TaskList(data=[task_service.to_public(t) for t in tasks], count=count)


def _assignee(value: str | None, me: uuid.UUID) -> tuple[uuid.UUID | None, bool]:
    """``?assignee=``: (the person, only unassigned tasks)."""
    if value is None:
        return None, False
    word = value.strip().lower()
    if word == "me":
        return me, False
    if word == "none":
        return None, True
    try:
        return uuid.UUID(word), False
    except ValueError:
        raise InvalidInputError('assignee: must be a user id, "me" or "none".') from None


@router.post("", response_model=TaskPublic, status_code=201, summary="Create a task")
def create_task(body: TaskCreateBody, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return task_service.to_public(task_service.create_task(session, user_id=user.id, data=body, origin=API))


@router.get("/{task_id}", response_model=TaskPublic, summary="One task")
def get_task(task_id: str, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return task_service.to_public(task_service.get_task(session, user_id=user.id, task_id=task_id))


@router.patch("/{task_id}", response_model=TaskPublic, summary="Change any fields of a task")
def update_task(task_id: str, body: TaskUpdateBody, session: SessionDep, user: CurrentUser) -> TaskPublic:
    task = task_service.update_task(session, user_id=user.id, task_id=task_id, data=body, origin=API)
    return task_service.to_public(task)


@router.delete("/{task_id}", status_code=204, response_class=Response, summary="Delete a task")
def delete_task(task_id: str, session: SessionDep, user: CurrentUser) -> Response:
    task_service.delete_task(session, user_id=user.id, task_id=task_id, origin=API)
    return Response(status_code=204)


@router.post("/{task_id}/complete", response_model=TaskPublic, summary="Mark a task done")
def complete_task(task_id: str, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return task_service.to_public(
        task_service.complete_task(session, user_id=user.id, task_id=task_id, origin=API)
    )


@router.post("/{task_id}/reopen", response_model=TaskPublic, summary="Mark a task not done")
def reopen_task(task_id: str, session: SessionDep, user: CurrentUser) -> TaskPublic:
    return task_service.to_public(
        task_service.reopen_task(session, user_id=user.id, task_id=task_id, origin=API)
    )
