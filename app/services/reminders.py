"""Reminder schedule: the scheduler's rows kept in step with what each task asks for (issue 17).

A task's ``reminders`` (``{"at": local}`` or ``{"before": minutes}``) are wall-clock times in its
creator's time zone. :func:`sync` turns them into :class:`~app.models.Reminder` rows with the UTC
instant, for the person to remind (the assignee, else the creator), every time the task service
writes a task; a completed task has no pending reminders. Converting at write time with the zone's
rules keeps the wall clock through daylight-saving changes ("17:00" is 17:00 on both sides); a
time that does not exist that day (the hour skipped in spring) fires at the same offset as the hour
before the change, which is the moment the clocks show that time after jumping.

Times in the past when they are written are not scheduled: nobody wants a reminder for something
they just set in the past. The scheduler (:mod:`app.orchestration.reminders`) claims due rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import Reminder, ReminderStatus, Task
from app.models.base import utcnow
from app.models.task import DAY_START
from app.services import clock
from app.services.clock import zone

PAST_GRACE = timedelta(minutes=1)
"""A reminder written for up to a minute ago is still scheduled (it fires at once)."""


def spec_key(spec: dict[str, object]) -> str:
    """``at:2026-12-24T17:00`` or ``before:30``: which of the task's reminders a row is for."""
    return f"at:{spec['at']}" if "at" in spec else f"before:{spec['before']}"


def due_at(task: Task) -> datetime | None:
    """The task's due moment on its wall clock (09:00 when it has a date but no time), or None."""
    if task.due_date is None:
        return None
    return datetime.combine(task.due_date, task.due_time or DAY_START)


def local_times(task: Task) -> list[tuple[str, datetime]]:
    """Each reminder of the task with its wall-clock fire time (relative ones need a due date)."""
    out: list[tuple[str, datetime]] = []
    due = due_at(task)
    for spec in task.reminders or []:
        if "at" in spec:
            out.append((spec_key(spec), datetime.fromisoformat(str(spec["at"]))))
        elif due is not None:
            out.append((spec_key(spec), due - timedelta(minutes=int(str(spec["before"])))))
    return out


def to_utc(local: datetime, zone_name: str | None) -> datetime:
    """A wall-clock time in ``zone_name`` as a UTC instant (the earlier one when clocks fall back)."""
    return local.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def local_iso(task: Task) -> list[str]:
    """The task's reminders as local ``YYYY-MM-DDTHH:MM`` strings, soonest first."""
    return sorted(at.strftime("%Y-%m-%dT%H:%M") for _, at in local_times(task))


def shift(specs: Iterable[dict[str, object]], days: int) -> list[dict[str, object]]:
    """A recurring task's reminders for its next occurrence: ``at`` times move with the due date."""
    out: list[dict[str, object]] = []
    for spec in specs:
        if "at" in spec:
            moved = datetime.fromisoformat(str(spec["at"])) + timedelta(days=days)
            out.append({"at": moved.strftime("%Y-%m-%dT%H:%M")})
        else:
            out.append(dict(spec))
    return out


def sync(session: Session, task: Task, *, now: datetime | None = None, new: bool = False) -> None:
    """Make the task's pending reminder rows match its ``reminders`` (none when it is done).

    ``new``: the task was made in this transaction, so it has no rows yet (none are read or deleted).
    """
    now = now or utcnow()
    pending = col(Reminder.status) == ReminderStatus.pending.value
    if task.completed or not task.reminders:
        if not new:
            session.execute(sa.delete(Reminder).where(col(Reminder.task_id) == task.id, pending))
        return
    zone_name = clock.user_zone(session, task.user_id)
    recipient = task.assignee_id or task.user_id
    wanted: dict[tuple[str, datetime], str] = {}
    for key, local in local_times(task):
        fire = to_utc(local, zone_name)
        if fire >= now - PAST_GRACE:
            wanted[(key, fire)] = local.strftime("%Y-%m-%dT%H:%M")
    rows = [] if new else session.exec(select(Reminder).where(col(Reminder.task_id) == task.id)).all()
    have: set[tuple[str, datetime]] = set()
    for row in rows:
        have_key = (row.spec, row.fire_at)
        if row.status == ReminderStatus.pending.value and have_key not in wanted:
            session.delete(row)
            continue
        have.add(have_key)
        if row.status == ReminderStatus.pending.value and row.user_id != recipient:
            row.user_id = recipient
            session.add(row)
    for (spec, fire), local_text in wanted.items():
        if (spec, fire) not in have:
            session.add(
                Reminder(
                    task_id=task.id,
                    user_id=recipient,
                    spec=spec,
                    local_at=local_text,
                    fire_at=fire,
                    next_attempt_at=fire,
                )
            )
    session.flush()
