"""Plain, JSON-ready views of threads and messages for every interface (pages, API, CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.models import Message, Widget
from app.models.base import utcnow
from app.services.messages import MessageRow
from app.services.threads import ThreadRow
from app.views.widget import WNode, to_view

GROUPS = ("Today", "Yesterday", "Previous 7 days", "Older")


def recency_group(when: datetime, now: datetime | None = None) -> str:
    """The sidebar group of a thread: Today / Yesterday / Previous 7 days / Older (UTC days)."""
    today = (now or utcnow()).date()
    day = when.date()
    if day >= today:
        return GROUPS[0]
    if day == today - timedelta(days=1):
        return GROUPS[1]
    if day >= today - timedelta(days=7):
        return GROUPS[2]
    return GROUPS[3]


@dataclass
class ThreadView:
    id: str = ""
    title: str = ""
    group: str = ""
    first_in_group: bool = False
    archived: bool = False
    updated_at: str = ""


def thread_views(threads: Sequence[ThreadRow], now: datetime | None = None) -> list[ThreadView]:
    views, last_group = [], None
    for thread in threads:
        group = recency_group(thread.updated_at, now)
        views.append(
            ThreadView(
                id=str(thread.id),
                title=thread.title,
                group=group,
                first_in_group=group != last_group,
                archived=thread.status == "archived",
                updated_at=thread.updated_at.isoformat(),
            )
        )
        last_group = group
    return views


@dataclass
class MessageView:
    id: str = ""
    role: str = ""
    content: str = ""
    status: str = "completed"
    error: str = ""
    created_at: str = ""
    time_label: str = ""
    tool_names: list[str] = field(default_factory=list)
    widgets: list[WNode] = field(default_factory=list)


def message_view(
    message: Message | MessageRow,
    widgets: list[Widget] | None = None,
    live: dict[str, dict[str, Any]] | None = None,
) -> MessageView:
    """A message and its widgets; ``live``: payloads to show instead of the stored ones, by widget id
    (cards read with their tasks as they are now, ``app.orchestration.live_cards``)."""
    meta: dict[str, Any] = message.meta or {}
    live = live or {}
    return MessageView(
        id=str(message.id),
        role=message.role,
        content=message.content,
        status=message.status,
        error=str(meta.get("error") or ""),
        created_at=message.created_at.isoformat(),
        time_label=message.created_at.strftime("%H:%M"),
        tool_names=[str(c.get("name")) for c in (message.tool_calls or [])],
        widgets=[
            to_view(live.get(w.id, w.payload), widget_id=w.id, version=w.version) for w in widgets or []
        ],
    )
