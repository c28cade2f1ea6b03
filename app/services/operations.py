"""The TaskOperation journal: who changed which tasks, from where, and how to undo it.

Every task change from any interface goes through :func:`record_change`, so "undo" works
the same on the task page, in a chat thread and through a widget. A caller that already
tracks an operation (the tool registry: pending -> processing -> completed) passes it in
``Origin.operation`` and the change is written onto that row instead of a new one (the caller
adds it to the session with its outcome: one INSERT).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.models import OperationStatus, Task, TaskOperation
from app.models.base import utcnow
from app.services import live


@dataclass
class Origin:
    """Where a change comes from; ``thread_id`` scopes undo to a chat thread."""

    source: str = "page"
    thread_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    input_text: str = ""
    tool_name: str | None = None
    operation: TaskOperation | None = None


PAGE = Origin()

_DESCRIBED_BY_COMMAND = frozenset({"comment", "project", "member"})
"""Kinds of change the activity feed describes from their command (not from task snapshots)."""


def snapshot(task: Task) -> dict[str, Any]:
    """A task's columns as JSON, enough to recreate it exactly."""
    return task.model_dump(mode="json")


def record_change(
    session: Session,
    *,
    user_id: uuid.UUID,
    origin: Origin,
    operation_type: str,
    command: dict[str, Any],
    before: list[tuple[uuid.UUID, dict[str, Any] | None]],
    after: Sequence[Task],
    task_id: uuid.UUID | None,
    result: dict[str, Any] | None = None,
    project_id: uuid.UUID | None = None,
) -> TaskOperation:
    """Journal one change; ``before`` pairs each touched task id with its prior snapshot (None: new).

    ``after`` holds the touched tasks as the change left them; a touched id missing from it was
    deleted. Each journal entry holds its task before and after the change: undo puts ``before``
    back, and a reader of the journal (the activity of a list, an audit) sees what changed.

    An empty ``before`` (the request found nothing to change: the task was done already, or a
    racing request did it first) journals the request with nothing to undo, so "undo" reverts the
    change that did happen rather than this one.

    ``project_id`` is the project the change happened in (its activity feed); by default the
    project of the first touched task.
    """
    if project_id is None:
        project_id = next((t.project_id for t in after), None)
    if project_id is None:
        project_id = next((uuid.UUID(s["project_id"]) for _, s in before if s and s.get("project_id")), None)
    now = {task.id: snapshot(task) for task in after}
    undo_state = [{"id": str(tid), "before": snap, "after": now.get(tid)} for tid, snap in before] or None
    op = origin.operation
    if op is None:
        op = TaskOperation(
            user_id=user_id,
            thread_id=origin.thread_id,
            message_id=origin.message_id,
            source=origin.source,
            tool_name=origin.tool_name,
            input_text=origin.input_text,
            operation_type=operation_type,
            structured_command=command,
            status=OperationStatus.completed.value,
            result=result,
        )
    if origin.operation is not None and operation_type in _DESCRIBED_BY_COMMAND:
        # a tool's row keeps its call; a change that has no task snapshot to show (a comment, a
        # project or membership change) adds what the service did, for the activity feed
        op.structured_command = {**(op.structured_command or {}), **command}
    op.task_id = task_id
    op.project_id = project_id
    concerned = [uuid.UUID(command[key]) for key in ("member_id", "to") if command.get(key)]
    live.touch(session, project_id=project_id, users=concerned)
    op.undo_state = undo_state
    op.updated_at = utcnow()
    if origin.operation is None:  # a caller's row is the caller's to add, once it has its outcome
        session.add(op)
    return op


def last_undoable(
    session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | None
) -> TaskOperation | None:
    """The newest change in this scope (a thread, or outside any thread) not yet undone.

    Newest by when the change was applied (``updated_at``, set with it while its rows were locked),
    not by when the request was journaled: a tool call's row is dated when the call begins, so of two
    racing requests the first journaled may be the second applied, and undo must walk back the
    changes in the order they happened.
    """
    stmt = (
        select(TaskOperation)
        .where(
            TaskOperation.user_id == user_id,
            col(TaskOperation.undo_state).is_not(None),
            col(TaskOperation.undone_at).is_(None),
            col(TaskOperation.status).in_(
                [OperationStatus.completed.value, OperationStatus.processing.value]
            ),
        )
        .order_by(col(TaskOperation.updated_at).desc(), col(TaskOperation.created_at).desc())
        .limit(1)
    )
    if thread_id is None:
        stmt = stmt.where(col(TaskOperation.thread_id).is_(None))
    else:
        stmt = stmt.where(TaskOperation.thread_id == thread_id)
    return session.exec(stmt).first()
