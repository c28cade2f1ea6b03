"""The bell's read model: a person's recent notifications as plain, JSON-ready lines (issue 17).

The header's bell (``app.states.notifications``) and ``GET /api/me/notifications`` both show these:
what happened ("Reminder", "Missed reminder"...), the task's title, and when, on the person's clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session

from app.models import Notification, NotificationKind, User
from app.models.base import utcnow
from app.services import notifications
from app.services.clock import zone
from app.services.presentation import human_date
from app.views.daily import today_count

KIND_WORDS = {
    NotificationKind.reminder.value: "Reminder",
    NotificationKind.missed.value: "Missed reminder",
    NotificationKind.failed.value: "Reminder email failed",
    NotificationKind.digest.value: "Daily digest",
}


@dataclass
class BellItem:
    id: str = ""
    kind: str = ""
    kind_label: str = ""
    title: str = ""
    body: str = ""
    when: str = ""
    """On the person's clock: "just now", "5 min ago", "today 17:00", "Fri 11 Dec 09:30"."""
    created_at: str = ""
    """ISO 8601, UTC."""
    unread: bool = False
    task_id: str = ""


@dataclass
class Bell:
    unread: int = 0
    items: list[BellItem] = field(default_factory=list)
    today: int = 0
    """Open tasks due today or overdue (the nav's count beside Tasks)."""


def when_words(at: datetime, zone_name: str | None, now: datetime | None = None) -> str:
    """How long ago, in words, within the hour; else the local day and time."""
    now = now or utcnow()
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    seconds = (now - at).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    tz = zone(zone_name)
    local = at.astimezone(tz)
    return f"{human_date(local.date(), now.astimezone(tz).date())} {local.strftime('%H:%M')}"


def item(row: Notification, zone_name: str | None, now: datetime | None = None) -> BellItem:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return BellItem(
        id=str(row.id),
        kind=row.kind,
        kind_label=KIND_WORDS.get(row.kind, row.kind.capitalize()),
        title=row.title,
        body=row.body,
        when=when_words(created, zone_name, now),
        created_at=created.isoformat(),
        unread=row.read_at is None,
        task_id=str(row.task_id) if row.task_id else "",
    )


def bell(session: Session, *, user_id: uuid.UUID, now: datetime | None = None) -> Bell:
    """The person's unread count and newest notifications."""
    user = session.get(User, user_id)
    zone_name = user.time_zone if user else None
    rows = notifications.recent(session, user_id=user_id)
    return Bell(
        unread=notifications.unread_count(session, user_id=user_id),
        items=[item(row, zone_name, now) for row in rows],
        today=today_count(session, user_id=user_id),
    )
