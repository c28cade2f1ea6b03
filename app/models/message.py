"""Messages of a thread.

Union of the seeds: ``role`` user|assistant|system (seed 000; seed 001's ``ai`` is
``assistant``), ``content`` up to 10,000 characters, ``tool_calls`` (seed 004) and
``metadata`` JSON (seeds 000/003), a ``status`` pending|processing|completed|error (seed 003)
and ``user_id`` (seed 002) so isolation checks need no join. Messages are immutable once
completed (seed 001); only an assistant message's status and content move while it is produced.

The partial unique index ``ux_messages_one_open_turn`` lets a thread hold at most one
assistant message that is pending or processing: the database, not memory, enforces
"one turn at a time", across processes and app instances.

``content``, ``tool_calls`` and ``metadata`` are encrypted at rest (``app.core.crypto``): tool
calls repeat what was asked (arguments) and found (results), and metadata can hold a pending
confirmation's wording. ``ix_messages_thread_created`` covers (thread_id, created_at, id): the
chat's keyset order, with the id breaking ties of equal timestamps, all inside the index.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, encrypted_text_field, fk, json_field, updated_at_field, uuid_pk

MESSAGE_MAX = 10_000


class Role(StrEnum):
    user = "user"
    assistant = "assistant"
    system = "system"


class MessageStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    completed = "completed"
    error = "error"


OPEN_STATUSES = (MessageStatus.pending.value, MessageStatus.processing.value)


class Message(SQLModel, table=True):
    """One message in a thread."""

    __tablename__ = "messages"

    id: uuid.UUID = uuid_pk()
    thread_id: uuid.UUID = fk("threads.id")
    user_id: uuid.UUID = fk("users.id", index=True)
    role: str = Field(max_length=10)
    content: str = encrypted_text_field("messages.content")
    status: str = Field(default=MessageStatus.completed.value, max_length=12)
    tool_calls: list[dict[str, Any]] | None = json_field(None, nullable=True, encrypted="messages.tool_calls")
    meta: dict[str, Any] = json_field(name="metadata", encrypted="messages.metadata")
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.Index("ix_messages_thread_created", "thread_id", "created_at", "id"),
        sa.Index(
            "ux_messages_one_open_turn",
            "thread_id",
            unique=True,
            sqlite_where=sa.text("status IN ('pending','processing')"),
            postgresql_where=sa.text("status IN ('pending','processing')"),
        ),
        sa.CheckConstraint("role IN ('user','assistant','system')", name="ck_messages_role"),
        sa.CheckConstraint(
            "status IN ('pending','processing','completed','error')", name="ck_messages_status"
        ),
    )
