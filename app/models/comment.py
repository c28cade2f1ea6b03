"""Comments on tasks: a team's conversation about one task, encrypted at rest like messages.

The body is markdown, 1-5,000 characters. ``author_id`` is null once the author's account is
gone (the comment stays, shown as written by a deleted account). Who may read or write one is the
task's project membership (:mod:`app.services.projects`): every member reads and comments, viewers
included; authors edit and delete their own.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, encrypted_text_field, fk, uuid_pk

COMMENT_MAX = 5000


class Comment(SQLModel, table=True):
    """One comment on one task."""

    __tablename__ = "comments"

    id: uuid.UUID = uuid_pk()
    task_id: uuid.UUID = fk("tasks.id")
    author_id: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    body: str = encrypted_text_field("comments.body")
    created_at: datetime = created_at_field()
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)

    __table_args__ = (sa.Index("ix_comments_task_created", "task_id", "created_at"),)
