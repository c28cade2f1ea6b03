"""TaskOperations: every change or query made to tasks, from any interface (seed 001).

Seed 001 logs operations the chat makes; we log every task change (chat, widget actions,
the task page, CLI, API, MCP) in the same table because it doubles as the undo journal:
``undo_state`` holds each touched task as it was before (or ``null`` where the task did
not exist), and ``undone_at`` marks a reverted change. ``source`` says which interface
acted, ``tool_name`` which registry tool ran, and ``thread_id`` scopes "undo" in a chat.
``project_id`` is the project the change happened in (issue 16): a project's activity feed is
its journal entries, read from this one table rather than a second log. Moves, assignments,
comments, project changes and membership changes are journaled here too.

``input_text`` (the chat message that caused the operation), ``structured_command`` (the tool's
arguments, e.g. a search query in the person's words) and ``result`` are encrypted at rest
(``app.core.crypto``). ``undo_state`` is not: it holds task snapshots, the same data the
``tasks`` table keeps in plaintext, and undo looks it up with ``IS NOT NULL``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import (
    UTCDateTime,
    created_at_field,
    encrypted_text_field,
    fk,
    json_field,
    updated_at_field,
    uuid_pk,
)


class OperationType(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    complete = "complete"
    reopen = "reopen"
    search = "search"
    categorize = "categorize"
    move = "move"
    assign = "assign"
    comment = "comment"
    project = "project"
    member = "member"


class OperationStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    completed = "completed"
    failed = "failed"


class TaskOperation(SQLModel, table=True):
    """One operation on tasks, with its input, structured command and outcome."""

    __tablename__ = "task_operations"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id")
    thread_id: uuid.UUID | None = fk("threads.id", nullable=True, index=True)
    message_id: uuid.UUID | None = fk("messages.id", ondelete="SET NULL", nullable=True)
    source: str = Field(default="app", max_length=16)
    tool_name: str | None = Field(default=None, max_length=64, nullable=True)
    input_text: str = encrypted_text_field("task_operations.input_text")
    operation_type: str = Field(max_length=12)
    structured_command: dict[str, Any] = json_field(encrypted="task_operations.structured_command")
    task_id: uuid.UUID | None = Field(default=None, nullable=True)
    project_id: uuid.UUID | None = fk("projects.id", nullable=True)
    status: str = Field(default=OperationStatus.pending.value, max_length=12)
    result: dict[str, Any] | None = json_field(None, nullable=True, encrypted="task_operations.result")
    undo_state: list[dict[str, Any]] | None = json_field(None, nullable=True, none_as_null=True)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.Index("ix_task_operations_user_created", "user_id", "created_at"),
        sa.Index("ix_task_operations_project_created", "project_id", "created_at"),
        sa.CheckConstraint(
            "operation_type IN ('create','update','delete','complete','search','categorize','reopen',"
            "'move','assign','comment','project','member')",
            name="ck_task_operations_type",
        ),
        sa.CheckConstraint(
            "status IN ('pending','processing','completed','failed')", name="ck_task_operations_status"
        ),
    )
