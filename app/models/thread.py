"""Threads: one conversation with the assistant.

Reconciles seed 000's Thread, seed 001's ChatSession, seeds 002/003's Conversation and
seed 004's ChatThread into one table. Chosen union:
- ``title`` is required, 1-200 characters (seeds 000 and 004; seed 002's 255 is looser).
- ``metadata`` JSON (seed 000) also holds seed 001's ``context`` and the agent's memory.
- ``status`` active|archived (seeds 000/003); seed 001's ``isActive`` is derived, not stored:
  a thread is inactive after 24 hours without a message and active again on the next one,
  which a stored flag could only approximate with a background job.
- ``last_message_at`` orders the sidebar; ``updated_at`` moves on every message too.

``title`` and ``metadata`` are encrypted at rest (``app.core.crypto``): a title is usually the
first words of the conversation, and ``metadata`` holds the agent's memory of it. ``title`` is
therefore a TEXT column (a 200-character title's ciphertext is longer); the 1-200 rule lives
in ``app.services.threads.clean_title``. Search reads ``search_terms``, never the titles.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import (
    created_at_field,
    encrypted_text_field,
    fk,
    json_field,
    updated_at_field,
    utcnow,
    uuid_pk,
)

THREAD_TITLE_MAX = 200
INACTIVE_AFTER = timedelta(hours=24)


class ThreadStatus(StrEnum):
    active = "active"
    archived = "archived"


class Thread(SQLModel, table=True):
    """A conversation owned by one user."""

    __tablename__ = "threads"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id")
    title: str = encrypted_text_field("threads.title", default=..., max_length=THREAD_TITLE_MAX)
    status: str = Field(default=ThreadStatus.active.value, max_length=10)
    meta: dict[str, Any] = json_field(name="metadata", encrypted="threads.metadata")
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    search_block: int | None = Field(default=None, nullable=True)
    """The search index's block of the owner's threads this one belongs to (``app.models.search_term``);
    set when the thread is made, none for rows loaded in bulk (searched without the block filter)."""

    __table_args__ = (
        sa.Index("ix_threads_user_updated", "user_id", sa.text("updated_at DESC")),
        sa.Index("ix_threads_user_search_block", "user_id", "search_block"),
        sa.CheckConstraint("status IN ('active','archived')", name="ck_threads_status"),
        sa.CheckConstraint("length(title) >= 1", name="ck_threads_title_len"),
    )

    def is_active(self, now: datetime | None = None) -> bool:
        """Seed 001: active unless archived or idle for 24 hours."""
        return thread_is_active(self.status, self.updated_at, now)


def thread_is_active(status: str, updated_at: datetime, now: datetime | None = None) -> bool:
    """Whether a thread with this status and last activity is active (:meth:`Thread.is_active`)."""
    return status == ThreadStatus.active and (now or utcnow()) - updated_at < INACTIVE_AFTER
