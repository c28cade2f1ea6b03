"""Read models of the daily loop (issue 17) for the task page, REST and anyone else: which query each
view runs, how a due time and a reminder read, how subtasks nest under their parent in a list and
how Upcoming groups by day. Nothing here writes.

Views:

- ``today``: open tasks due today or earlier, in the person's zone (``TaskQuery(due="agenda")``).
- ``upcoming``: open tasks due from today to 14 days ahead, by due date and time, grouped by day.
- ``completed``: completed tasks, the most recently completed first.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Literal, TypeVar, get_args

from sqlmodel import Session, col, func, select

from app.models import Task
from app.services import clock, reminders
from app.services import tasks as task_service
from app.services.presentation import human_date, relative_due

View = Literal["today", "upcoming", "completed"]
VIEWS: tuple[str, ...] = get_args(View)
UPCOMING_DAYS = 14
"""How far Upcoming looks ahead (today included)."""

T = TypeVar("T")


def view_query(view: str, query: task_service.TaskQuery | None = None) -> task_service.TaskQuery:
    """``query`` (its other filters kept) narrowed to ``view``; its own status, due and sort give way."""
    query = query or task_service.TaskQuery()
    if view == "today":
        return dataclasses.replace(query, status="pending", due="agenda", within_days=None, sort="due_date")
    if view == "upcoming":
        return dataclasses.replace(
            query, status="pending", due=None, within_days=UPCOMING_DAYS, sort="due_date"
        )
    if view == "completed":
        return dataclasses.replace(query, status="completed", sort="completed")
    return query


def local_now(zone_name: str | None, now: datetime | None = None) -> datetime:
    """The wall clock in the zone ``zone_name`` (``clock.user_zone``: a person's), naive local time."""
    return (now or datetime.now(UTC)).astimezone(clock.zone(zone_name)).replace(tzinfo=None)


def done_text(completed_at: datetime | None, zone_name: str | None, now: datetime) -> str:
    """When a task was completed, on the person's clock: "Done today 14:05", "Done Fri 4 Dec 09:30"."""
    if completed_at is None:
        return ""
    aware = completed_at if completed_at.tzinfo else completed_at.replace(tzinfo=UTC)
    local = aware.astimezone(clock.zone(zone_name))
    return f"Done {human_date(local.date(), now.date())} {local.strftime('%H:%M')}"


def hh_mm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def due_text(
    due: date | None, due_time: time | None, now: datetime, *, completed: bool = False
) -> tuple[str, str]:
    """A due date and time as a row shows it, with its tone: ("Tomorrow 17:00", "soon").

    The words are :func:`relative_due`'s; a time follows the day. A task due today whose time has
    passed is overdue (red) though its words still say today.
    """
    label, tone = relative_due(due, now.date(), completed=completed)
    if not label:
        return "", tone
    if due_time is not None:
        label = f"{label} {hh_mm(due_time)}"
        if tone == "today" and not completed and due_time < now.time().replace(second=0, microsecond=0):
            tone = "overdue"
    return capitalized(label), tone


def day_heading(day: date, today: date) -> str:
    """An Upcoming heading: "Today · Sat 5 Dec", "Tomorrow · Sun 6 Dec", then "Mon 7 Dec"."""
    plain = human_date(day, today)
    dated = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    if plain in ("today", "tomorrow"):
        return f"{capitalized(plain)} · {dated}"
    return dated if day.year == today.year else f"{dated} {day.year}"


def nest(items: Sequence[T], id_of: Callable[[T], str], parent_of: Callable[[T], str]) -> list[tuple[T, int]]:
    """``items`` with each subtask moved right under its parent when the parent is listed too,
    with its depth (0 for a task whose parent is not in the list); the list's order otherwise."""
    shown = {id_of(item) for item in items}
    children: dict[str, list[T]] = {}
    roots: list[T] = []
    for item in items:
        parent = parent_of(item)
        if parent and parent in shown and parent != id_of(item):
            children.setdefault(parent, []).append(item)
        else:
            roots.append(item)
    out: list[tuple[T, int]] = []
    seen: set[str] = set()

    def walk(item: T, depth: int) -> None:
        if id_of(item) in seen:
            return
        seen.add(id_of(item))
        out.append((item, depth))
        for child in children.get(id_of(item), []):
            walk(child, depth + 1)

    for item in roots:
        walk(item, 0)
    for item in items:  # a loop in the data would leave some out: never lose a row
        if id_of(item) not in seen:
            walk(item, 0)
    return out


def before_label(minutes: int) -> str:
    """30 -> "30 minutes before", 60 -> "1 hour before", 1440 -> "1 day before", 0 -> "At the due time"."""
    if minutes == 0:
        return "At the due time"
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'' if n == 1 else 's'} before"
    return f"{minutes} minute{'' if minutes == 1 else 's'} before"


@dataclasses.dataclass
class ReminderView:
    """One of a task's reminders as a person reads it."""

    key: str
    """``at:2026-12-24T17:00`` or ``before:30`` (which one to remove)."""
    label: str
    """When it fires, on the person's clock: "Tomorrow 16:30"."""
    note: str
    """How it was asked: "30 minutes before", or "" for a set time."""
    past: bool


def reminder_views(task: Task, now: datetime) -> list[ReminderView]:
    """The task's reminders, soonest first; a relative one without a due date says it waits for one."""
    out: list[tuple[datetime, ReminderView]] = []
    fires = dict(reminders.local_times(task))
    for spec in task.reminders or []:
        key = reminders.spec_key(spec)
        note = "" if "at" in spec else before_label(int(str(spec["before"])))
        at = fires.get(key)
        if at is None:
            out.append((datetime.max, ReminderView(key, "When the task gets a due date", note, False)))
            continue
        label = capitalized(human_date(at.date(), now.date())) + " " + at.strftime("%H:%M")
        out.append((at, ReminderView(key, label, note, at < now)))
    return [view for _, view in sorted(out, key=lambda pair: pair[0])]


def today_count(session: Session, *, user_id: uuid.UUID) -> int:
    """How many open tasks are due today or earlier for the person (the nav's Today count)."""
    query = view_query("today")
    return task_service.count_by_status(session, user_id=user_id, query=query)["pending"]


def open_below(session: Session, *, task_id: uuid.UUID) -> int:
    """How many open subtasks (every level) a task has: completing it completes them too."""
    below = task_service.descendants(session, [task_id])
    if not below:
        return 0
    stmt = (
        select(func.count()).select_from(Task).where(col(Task.id).in_(below), col(Task.completed).is_(False))
    )
    return int(session.exec(stmt).one())
