"""Tasks: the todo items both the task page and the assistant change.

Fields follow the issue's reconciliation of the seeds: title 1-200, priority
low|medium|high (default medium), lower-case tags, an optional due date and recurrence.

Issue 17 adds the daily loop's fields:

- ``due_time``: a wall-clock time on the due date, in the owner's zone ("tomorrow at 5pm"). It is
  stored as the local time, not as an instant, so a recurring "every day at 8am" stays at 8:00
  across a daylight-saving change. A time needs a date; clearing the date clears the time.
- ``parent_id``: the task this one is a subtask of (same project; at most three levels).
- ``reminders``: what the person asked for, each ``{"at": "YYYY-MM-DDTHH:MM"}`` (local wall clock)
  or ``{"before": minutes}`` (before the due time; a due date without a time counts from 09:00,
  :data:`DAY_START`). They are part of the task, so undo and the journal see them; the scheduler's
  rows (:mod:`app.models.reminder`) are derived from them by :mod:`app.services.reminders`.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_serializer, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.core.inputs import Bool, IsoDate, Text, check_text
from app.models.base import UTCDateTime, created_at_field, fk, json_field, updated_at_field, uuid_pk

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TAGS_MAX = 20
TAG_MAX = 32
REMINDERS_MAX = 10
REMINDER_BEFORE_MAX = 4 * 7 * 24 * 60
"""A relative reminder is at most four weeks before the due time (in minutes)."""
DEPTH_MAX = 3
"""A task, its subtasks and theirs: three levels."""
DAY_START = time(9, 0)
"""Where a relative reminder counts from when the due date has no time."""


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Recurrence(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


PRIORITY_RANK = {Priority.high: 0, Priority.medium: 1, Priority.low: 2}
"""Priority order, most urgent first (the "priority" sort)."""

# The task vocabulary, spelled once: every interface (tools, API, CLI, pages) takes these.
PRIORITIES: tuple[str, ...] = tuple(member.value for member in Priority)
RECURRENCES: tuple[str, ...] = tuple(member.value for member in Recurrence)
PriorityName: Any = Literal[PRIORITIES]
"""``Literal["low", "medium", "high"]``: a schema shows the values inline, as plain strings."""
RecurrenceName: Any = Literal[RECURRENCES]
"""``Literal["daily", "weekly", "monthly"]``."""
StatusFilter = Literal["all", "pending", "completed"]
DueFilter = Literal["today", "tomorrow", "overdue", "upcoming", "none", "agenda"]
"""``agenda`` is the Today view: open tasks due today or earlier."""
SortKey = Literal["created", "due_date", "priority", "title", "completed"]
STATUS_FILTERS: tuple[str, ...] = get_args(StatusFilter)
DUE_FILTERS: tuple[str, ...] = get_args(DueFilter)
SORT_KEYS: tuple[str, ...] = get_args(SortKey)


def _sql_in(values: tuple[str, ...]) -> str:
    return "(" + ",".join(f"'{value}'" for value in values) + ")"


class Task(SQLModel, table=True):
    """One todo item in one project (issue 16).

    ``user_id`` is who created it; who may see or change it is its project's membership
    (:mod:`app.services.projects`). A task written without ``project_id`` goes to its creator's
    Inbox. ``assignee_id`` is a member of the project, or null.
    """

    __tablename__ = "tasks"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = fk("users.id", index=True)
    project_id: uuid.UUID = Field(
        default=None, sa_column_args=[sa.ForeignKey("projects.id", ondelete="CASCADE")], nullable=False
    )
    assignee_id: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", sa_type=sa.Text)
    completed: bool = Field(default=False)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    priority: str = Field(default=Priority.medium.value, max_length=10)
    tags: list[str] = json_field(list)
    due_date: date | None = Field(default=None, nullable=True)
    recurrence: str | None = Field(default=None, max_length=10, nullable=True)
    due_time: time | None = Field(default=None, nullable=True)
    parent_id: uuid.UUID | None = fk("tasks.id", ondelete="CASCADE", nullable=True, index=True)
    reminders: list[dict[str, Any]] = json_field(list)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.Index("ix_tasks_user_completed", "user_id", "completed"),
        sa.Index("ix_tasks_user_due", "user_id", "due_date"),
        # A project's list and "assigned to me" read in the order they show (bench/store.py: no sort
        # of the whole project): due first (no due date last; on a day, timed ones first by time), then
        # newest; or newest.
        sa.Index(
            "ix_tasks_project_open_due",
            "project_id",
            "completed",
            sa.text("(due_date IS NULL)"),
            "due_date",
            sa.text("(due_time IS NULL)"),
            "due_time",
            sa.text("created_at DESC"),
        ),
        sa.Index("ix_tasks_project_open_created", "project_id", "completed", "created_at"),
        sa.Index(
            "ix_tasks_assignee_open_due",
            "assignee_id",
            "completed",
            sa.text("(due_date IS NULL)"),
            "due_date",
            sa.text("(due_time IS NULL)"),
            "due_time",
            sa.text("created_at DESC"),
        ),
        sa.Index("ix_tasks_assignee_open_created", "assignee_id", "completed", "created_at"),
        sa.CheckConstraint(f"priority IN {_sql_in(PRIORITIES)}", name="ck_tasks_priority"),
        sa.CheckConstraint(
            f"recurrence IS NULL OR recurrence IN {_sql_in(RECURRENCES)}", name="ck_tasks_recurrence"
        ),
        sa.CheckConstraint("length(title) >= 1", name="ck_tasks_title_len"),
        sa.CheckConstraint("due_time IS NULL OR due_date IS NOT NULL", name="ck_tasks_time_needs_date"),
    )


_TAG_RE = re.compile(r"^[\w][\w\-./+&]*$")


def normalize_tags(value: Any) -> list[str]:
    """Lower-case, strip ``#`` and blanks, drop duplicates; refuse what cannot be a tag."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", check_text(value, "Tags")) if part]
    if not isinstance(value, list | tuple | set):
        raise ValueError('Tags must be a list of words, like ["work", "home"].')
    tags: list[str] = []
    for raw in value:
        if not isinstance(raw, str):  # never "none", "true" or "1.5" from null, true or 1.5
            raise ValueError('Tags must be words (text), like ["work", "home"].')
        tag = check_text(raw, "A tag").strip().lstrip("#").strip().lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValueError(f"Tag '{tag[:40]}' is too long (at most {TAG_MAX} characters).")
        if not _TAG_RE.match(tag):
            raise ValueError(f"Tag '{tag}' may only hold letters, digits and - _ . / + &.")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ValueError(f"A task can have at most {TAGS_MAX} tags.")
    return tags


def _clean_title(value: str) -> str:
    value = " ".join(str(value).replace("\x00", "").split())
    if not value:
        raise ValueError("Title can't be empty.")
    if len(value) > TITLE_MAX:
        raise ValueError(f"Title is too long ({len(value)} characters; at most {TITLE_MAX}).")
    return value


class TaskFields(BaseModel):
    """Validators shared by create and update."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    @field_validator("title", check_fields=False)
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _clean_title(value)

    @field_validator("description", check_fields=False)
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value).replace("\x00", "").strip()
        if len(value) > DESCRIPTION_MAX:
            raise ValueError(f"Description is too long (at most {DESCRIPTION_MAX} characters).")
        return value

    @field_validator("tags", mode="before", check_fields=False)
    @classmethod
    def _tags(cls, value: Any) -> list[str] | None:
        return None if value is None else normalize_tags(value)

    @field_validator("due_time", mode="before", check_fields=False)
    @classmethod
    def _due_time(cls, value: Any) -> time | None:
        return parse_time(value)

    @field_validator("reminders", mode="before", check_fields=False)
    @classmethod
    def _reminders(cls, value: Any) -> list[dict[str, Any]] | None:
        return None if value is None else normalize_reminders(value)


class TaskCreate(TaskFields):
    """A new task; only the title is required."""

    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        json_schema_extra={
            "examples": [
                {"title": "pay rent", "priority": "high", "tags": ["home"], "due_date": "2026-12-01"}
            ]
        },
    )

    title: Text
    description: Text = ""
    priority: Priority = Priority.medium
    tags: list[str] = PField(default_factory=list)
    due_date: IsoDate | None = None
    recurrence: Recurrence | None = None
    completed: Bool = False
    project_id: uuid.UUID | None = None
    """The project it goes in (the creator's Inbox when not given; a subtask's is its parent's)."""
    assignee_id: uuid.UUID | None = None
    """A member of the project, or nobody."""
    due_time: time | None = None
    """HH:MM on the due date, in the owner's time zone (a time without a date means today)."""
    parent_id: uuid.UUID | None = None
    """Make it a subtask of this task."""
    reminders: list[dict[str, Any]] = PField(default_factory=list)
    """``{"at": "YYYY-MM-DDTHH:MM"}`` (local) or ``{"before": minutes}`` (before the due time)."""


class TaskUpdate(TaskFields):
    """A partial change: only the fields given are applied (``due_date: null`` clears it)."""

    model_config = ConfigDict(
        extra="forbid",
        use_enum_values=True,
        json_schema_extra={"examples": [{"title": "pay the rent", "due_date": None, "completed": True}]},
    )

    title: Text | None = None
    description: Text | None = None
    priority: Priority | None = None
    tags: list[str] | None = None
    due_date: IsoDate | None = None
    recurrence: Recurrence | None = None
    completed: Bool | None = None
    project_id: uuid.UUID | None = None
    """Move it to this project (``null`` is refused: every task is in a project)."""
    assignee_id: uuid.UUID | None = None
    """Assign it to a member of its project (``null`` unassigns)."""
    due_time: time | None = None
    """HH:MM on the due date (``null`` clears the time, keeping the date)."""
    parent_id: uuid.UUID | None = None
    """Make it a subtask of this task (``null``: a task of its own again)."""
    reminders: list[dict[str, Any]] | None = None
    """Replaces the task's reminders (``[]`` removes them all)."""


class TaskPublic(BaseModel):
    """A task as every interface shows it (CLI JSON, tools, API, pages)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "id": "6f1c1a0e-4f7e-4d3b-9a52-1c2f3e4d5a6b",
            "project_id": "0b7e2c8a-1d2f-4e5a-9b6c-7d8e9f0a1b2c", "assignee_id": None,
            "title": "pay rent", "description": "",
            "completed": False, "completed_at": None, "priority": "high", "tags": ["home"],
            "due_date": "2026-12-01", "recurrence": None, "due_time": "17:00", "parent_id": None,
            "reminders": [{"before": 30}], "created_at": "2026-11-23T10:00:00Z",
            "updated_at": "2026-11-23T10:00:00Z",
        }]}
    )  # fmt: skip

    id: uuid.UUID
    project_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    title: str
    description: str
    completed: bool
    completed_at: datetime | None
    priority: str
    tags: list[str]
    due_date: date | None
    recurrence: str | None
    due_time: time | None = None
    parent_id: uuid.UUID | None = None
    reminders: list[dict[str, Any]] = PField(default_factory=list)
    created_at: datetime
    updated_at: datetime

    @field_serializer("due_time", when_used="json")
    def _hh_mm(self, value: time | None) -> str | None:
        return None if value is None else value.strftime("%H:%M")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: ids as strings, due dates as YYYY-MM-DD, times ISO 8601."""
        return self.model_dump(mode="json")


_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


def parse_time(value: Any) -> time | None:
    """``"17:00"``, ``"7:05"`` or a ``time`` (seconds dropped); a clear refusal otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(value, str):
        raise ValueError('A due time is written HH:MM, like "17:00".')
    match = _TIME_RE.match(value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"'{value.strip()[:20]}' is not a time: write HH:MM (24-hour), like 17:00.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_local(value: Any) -> datetime:
    """A local wall-clock datetime ``YYYY-MM-DDTHH:MM`` (no zone: it is in the owner's zone)."""
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = str(value).strip() if isinstance(value, str) else ""
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        parsed = None
    if parsed is None or "T" not in text.replace(" ", "T"):
        raise ValueError(
            f"'{str(value)[:30]}' is not a reminder time: write YYYY-MM-DDTHH:MM, like 2026-12-24T17:00."
        )
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def normalize_reminders(value: Any) -> list[dict[str, Any]]:
    """Each reminder as ``{"at": "YYYY-MM-DDTHH:MM"}`` or ``{"before": minutes}``, duplicates dropped.

    A plain string is an ``at`` time; a plain number is minutes before the due time.
    """
    if not isinstance(value, list | tuple):
        raise ValueError('Reminders are a list, like [{"at": "2026-12-24T17:00"}, {"before": 30}].')
    out: list[dict[str, Any]] = []
    for raw in value:
        if isinstance(raw, str | datetime):
            raw = {"at": raw}
        elif isinstance(raw, int) and not isinstance(raw, bool):
            raw = {"before": raw}
        if not isinstance(raw, dict) or len(raw) != 1 or not ({"at", "before"} & set(raw)):
            raise ValueError('Each reminder is {"at": "YYYY-MM-DDTHH:MM"} or {"before": minutes}.')
        if "at" in raw:
            item: dict[str, Any] = {"at": parse_local(raw["at"]).strftime("%Y-%m-%dT%H:%M")}
        else:
            minutes = raw["before"]
            if isinstance(minutes, bool) or not isinstance(minutes, int):
                raise ValueError("A reminder's 'before' is a whole number of minutes, like 30.")
            if not 0 <= minutes <= REMINDER_BEFORE_MAX:
                raise ValueError("A reminder can be from 0 minutes to 4 weeks before the due time.")
            item = {"before": minutes}
        if item not in out:
            out.append(item)
    if len(out) > REMINDERS_MAX:
        raise ValueError(f"A task can have at most {REMINDERS_MAX} reminders.")
    return out
