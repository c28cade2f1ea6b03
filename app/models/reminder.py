"""Reminders the scheduler sends, and the notifications people read (issue 17).

A task's ``reminders`` field says what the person asked for ("at 17:00", "30 minutes before"); this
module's :class:`Reminder` rows are the schedule derived from it (:mod:`app.services.reminders`
keeps them in step on every task write): one row per reminder per fire time, with the instant in
UTC. The scheduler claims a due row (``pending`` -> ``sending``), delivers it and marks it ``sent``
exactly once across instances; a row that fell due more than an hour before anyone could send it
is ``missed``; one whose email kept failing is ``failed``. Sent, missed and failed rows stay, so
changing a task's due time after its reminder went out schedules a new one and never resends the old.

A :class:`Notification` is what the bell shows: a reminder that arrived, one that was missed or
failed, a digest. It names its task (which may since have gone: ``task_id`` is then null).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, fk, uuid_pk


class ReminderStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    missed = "missed"
    failed = "failed"


class Reminder(SQLModel, table=True):
    """One scheduled reminder of one task, for one person."""

    __tablename__ = "reminders"

    id: uuid.UUID = uuid_pk()
    task_id: uuid.UUID = fk("tasks.id", index=True)
    user_id: uuid.UUID = fk("users.id", index=True)
    """Who is reminded: the task's assignee, or its creator when nobody is assigned."""
    spec: str = Field(max_length=40)
    """The task's reminder this row is for: ``at:2026-12-24T17:00`` or ``before:30``."""
    local_at: str = Field(max_length=16)
    """The fire time on the person's wall clock (``YYYY-MM-DDTHH:MM``), as they would say it."""
    fire_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(default=ReminderStatus.pending.value, max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    """When the scheduler may (re)try it: ``fire_at`` at first, later by backoff after a failure."""
    claimed_by: str | None = Field(default=None, max_length=64, nullable=True)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    error: str | None = Field(default=None, max_length=500, nullable=True)
    created_at: datetime = created_at_field()

    __table_args__ = (
        sa.UniqueConstraint("task_id", "spec", "fire_at", name="uq_reminders_task_spec_fire"),
        sa.Index("ix_reminders_status_next", "status", "next_attempt_at"),
        sa.CheckConstraint(
            "status IN ('pending','sending','sent','missed','failed')", name="ck_reminders_status"
        ),
    )


class NotificationKind(StrEnum):
    reminder = "reminder"
    missed = "missed"
    failed = "failed"
    digest = "digest"


class Notification(SQLModel, table=True):
    """One line in a person's notification centre (the bell)."""

    __tablename__ = "notifications"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id")
    task_id: uuid.UUID | None = fk("tasks.id", ondelete="SET NULL", nullable=True, index=True)
    reminder_id: uuid.UUID | None = fk("reminders.id", ondelete="SET NULL", nullable=True)
    kind: str = Field(max_length=10)
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)

    __table_args__ = (sa.Index("ix_notifications_user_created", "user_id", "created_at"),)
