"""Actions: a click or form submit on a widget (seed 000), processed exactly once.

The unique key (``widget_id``, ``idempotency_key``) makes a replayed or doubled action a
no-op in the database itself, so it holds across app instances. ``status`` records
pending -> completed|failed; ``processed_at`` stays null until processing ends.

``payload`` and ``result`` are encrypted at rest (``app.core.crypto``): a submitted form
carries what the person typed, and results repeat task titles and error text.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, fk, json_field, uuid_pk


class ActionStatus(StrEnum):
    pending = "pending"
    completed = "completed"
    failed = "failed"


class Action(SQLModel, table=True):
    """One recorded interaction with a widget."""

    __tablename__ = "actions"

    id: uuid.UUID = uuid_pk()
    widget_id: str = Field(
        max_length=64, sa_column_args=[sa.ForeignKey("widgets.id", ondelete="CASCADE")], index=True
    )
    thread_id: uuid.UUID = fk("threads.id", index=True)
    user_id: uuid.UUID = fk("users.id", index=True)
    type: str = Field(max_length=64)
    payload: dict[str, Any] = json_field(encrypted="actions.payload")
    idempotency_key: str = Field(max_length=128)
    status: str = Field(default=ActionStatus.pending.value, max_length=12)
    result: dict[str, Any] | None = json_field(None, nullable=True, encrypted="actions.result")
    created_at: datetime = created_at_field()
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)

    __table_args__ = (
        sa.UniqueConstraint("widget_id", "idempotency_key", name="uq_actions_widget_key"),
        sa.CheckConstraint("status IN ('pending','completed','failed')", name="ck_actions_status"),
    )
