"""Tasks: the todo items both the task page and the assistant change.

Fields follow the issue's reconciliation of the seeds: title 1-200, priority
low|medium|high (default medium), lower-case tags, an optional due date and recurrence.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.core.inputs import Bool, IsoDate, Text, check_text
from app.models.base import UTCDateTime, created_at_field, fk, json_field, updated_at_field, uuid_pk

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TAGS_MAX = 20
TAG_MAX = 32


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
DueFilter = Literal["today", "tomorrow", "overdue", "upcoming", "none"]
SortKey = Literal["created", "due_date", "priority", "title"]
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
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.Index("ix_tasks_user_completed", "user_id", "completed"),
        sa.Index("ix_tasks_user_due", "user_id", "due_date"),
        # A project's list and "assigned to me" read in the order they show (bench/store.py: no sort
        # of the whole project): due first (no due date last), then newest; or newest.
        sa.Index(
            "ix_tasks_project_open_due",
            "project_id",
            "completed",
            sa.text("(due_date IS NULL)"),
            "due_date",
            sa.text("created_at DESC"),
        ),
        sa.Index("ix_tasks_project_open_created", "project_id", "completed", "created_at"),
        sa.Index(
            "ix_tasks_assignee_open_due",
            "assignee_id",
            "completed",
            sa.text("(due_date IS NULL)"),
            "due_date",
            sa.text("created_at DESC"),
        ),
        sa.Index("ix_tasks_assignee_open_created", "assignee_id", "completed", "created_at"),
        sa.CheckConstraint(f"priority IN {_sql_in(PRIORITIES)}", name="ck_tasks_priority"),
        sa.CheckConstraint(
            f"recurrence IS NULL OR recurrence IN {_sql_in(RECURRENCES)}", name="ck_tasks_recurrence"
        ),
        sa.CheckConstraint("length(title) >= 1", name="ck_tasks_title_len"),
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
    """The project it goes in (the creator's Inbox when not given)."""
    assignee_id: uuid.UUID | None = None
    """A member of the project, or nobody."""


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


class TaskPublic(BaseModel):
    """A task as every interface shows it (CLI JSON, tools, API, pages)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "id": "6f1c1a0e-4f7e-4d3b-9a52-1c2f3e4d5a6b",
            "project_id": "0b7e2c8a-1d2f-4e5a-9b6c-7d8e9f0a1b2c", "assignee_id": None,
            "title": "pay rent", "description": "",
            "completed": False, "completed_at": None, "priority": "high", "tags": ["home"],
            "due_date": "2026-12-01", "recurrence": None, "created_at": "2026-11-23T10:00:00Z",
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
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: ids as strings, due dates as YYYY-MM-DD, times ISO 8601."""
        return self.model_dump(mode="json")
