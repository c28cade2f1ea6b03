"""The notification centre (the bell): what reached each person, newest first (issue 17).

Rows are written by the reminder scheduler (:mod:`app.orchestration.reminders`) and read here,
always for one person: nobody sees or marks another's notifications.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.models import Notification, NotificationKind
from app.models.base import utcnow
from app.services.projects import parse_id

RECENT = 30


def notify(
    session: Session,
    *,
    user_id: uuid.UUID,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    task_id: uuid.UUID | None = None,
    reminder_id: uuid.UUID | None = None,
) -> Notification:
    """Add one line to ``user_id``'s bell."""
    row = Notification(
        user_id=user_id,
        kind=str(kind),
        title=title[:300],
        body=body[:1000],
        task_id=task_id,
        reminder_id=reminder_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def recent(session: Session, *, user_id: uuid.UUID, limit: int = RECENT) -> list[Notification]:
    """The person's newest notifications."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def unread_count(session: Session, *, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    return int(session.exec(stmt).one())


def mark_read(session: Session, *, user_id: uuid.UUID, ids: Sequence[uuid.UUID | str] | None = None) -> int:
    """Mark these notifications (all when ``ids`` is None) read; how many changed. Unknown or
    another person's ids are ignored."""
    stmt = sa.update(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    )
    if ids is not None:
        wanted = [tid for tid in (parse_id(i) for i in ids) if tid is not None]
        if not wanted:
            return 0
        stmt = stmt.where(col(Notification.id).in_(wanted))
    result: Any = session.execute(stmt.values(read_at=utcnow()))
    return int(result.rowcount or 0)
