"""Widgets: ChatKit-shaped interactive cards attached to an assistant message (seed 000).

``id`` is a kind-prefixed string (``wdg_...``) as ChatKit names items; being globally
unique it is also unique within its message, as the seed asks. ``thread_id`` is kept
beside ``message_id`` so an action's authorisation is one indexed lookup.

``payload`` is encrypted at rest (``app.core.crypto``): cards show task titles, replies and
form values from the conversation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, fk, json_field, updated_at_field


class WidgetState(StrEnum):
    pending = "pending"
    rendered = "rendered"
    interacted = "interacted"
    updated = "updated"


def new_widget_id() -> str:
    return f"wdg_{uuid.uuid4().hex}"


class Widget(SQLModel, table=True):
    """One widget tree (its root ``type`` and whole ``payload``)."""

    __tablename__ = "widgets"

    id: str = Field(default_factory=new_widget_id, primary_key=True, max_length=64)
    message_id: uuid.UUID = fk("messages.id", index=True)
    thread_id: uuid.UUID = fk("threads.id", index=True)
    type: str = Field(max_length=32)
    payload: dict[str, Any] = json_field(encrypted="widgets.payload")
    state: str = Field(default=WidgetState.pending.value, max_length=12)
    action_handler: str | None = Field(default=None, max_length=64, nullable=True)
    version: int = Field(
        default=0, description="Bumped on every update; part of the client's idempotency key."
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.CheckConstraint("state IN ('pending','rendered','interacted','updated')", name="ck_widgets_state"),
    )
