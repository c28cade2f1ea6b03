"""the daily loop: due times, subtasks, reminders, notifications, digest and calendar settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

Upgrade (issue 17):
- ``tasks.due_time`` (a wall-clock time on the due date, null for every existing task),
  ``tasks.parent_id`` (subtasks; deleting a parent deletes its subtasks) and ``tasks.reminders``
  (what the person asked for, ``[]`` for existing tasks);
- ``users.default_reminder``, ``users.email_reminders`` (on), ``users.digest_at`` and
  ``users.digest_sent_on`` (no digest), ``users.calendar_token`` (no feed);
- new tables ``reminders`` (the scheduler's rows) and ``notifications`` (the bell).

Downgrade drops them: due times, subtask links, reminders and notifications are lost (subtasks
stay as tasks of their own).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


EXPRESSION_INDEXES = (
    ("ix_tasks_project_open_due", "project_id"),
    ("ix_tasks_assignee_open_due", "assignee_id"),
)
"""0004's list-order indexes: SQLite's batch copy of ``tasks`` can't carry them, so they are
dropped before it and made again after, with the due time in the order (a day's timed tasks by time)."""


def _drop_expression_indexes() -> None:
    for name, _ in EXPRESSION_INDEXES:
        op.drop_index(name, table_name="tasks")


def _create_expression_indexes(*, with_time: bool) -> None:
    for name, column in EXPRESSION_INDEXES:
        order = [sa.text("(due_time IS NULL)"), "due_time"] if with_time else []
        op.create_index(
            name,
            "tasks",
            [
                column,
                "completed",
                sa.text("(due_date IS NULL)"),
                "due_date",
                *order,
                sa.text("created_at DESC"),
            ],
        )


def upgrade() -> None:
    _drop_expression_indexes()
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("due_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("reminders", sa.JSON(), nullable=False, server_default="[]"))
        batch.create_foreign_key("fk_tasks_parent_id", "tasks", ["parent_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_tasks_parent_id", ["parent_id"])
        batch.create_check_constraint("ck_tasks_time_needs_date", "due_time IS NULL OR due_date IS NOT NULL")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("reminders", server_default=None)
    _create_expression_indexes(with_time=True)  # on a day, timed tasks first, by time
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("default_reminder", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("email_reminders", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("digest_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("calendar_token", _string(64), nullable=True))
        batch.create_unique_constraint("uq_users_calendar_token", ["calendar_token"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("spec", _string(40), nullable=False),
        sa.Column("local_at", _string(16), nullable=False),
        sa.Column("fire_at", UTCDateTime(), nullable=False),
        sa.Column("status", _string(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", _string(64), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("error", _string(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','sending','sent','missed','failed')", name="ck_reminders_status"
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "spec", "fire_at", name="uq_reminders_task_spec_fire"),
    )
    op.create_index("ix_reminders_task_id", "reminders", ["task_id"])
    op.create_index("ix_reminders_user_id", "reminders", ["user_id"])
    op.create_index("ix_reminders_status_next", "reminders", ["status", "next_attempt_at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("reminder_id", sa.Uuid(), nullable=True),
        sa.Column("kind", _string(10), nullable=False),
        sa.Column("title", _string(300), nullable=False),
        sa.Column("body", _string(1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminders.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notifications_task_id", "notifications", ["task_id"])
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("reminders")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_calendar_token", type_="unique")
        for name in ("calendar_token", "digest_sent_on", "digest_at", "email_reminders", "default_reminder"):
            batch.drop_column(name)
    _drop_expression_indexes()
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("ck_tasks_time_needs_date", type_="check")
        batch.drop_index("ix_tasks_parent_id")
        batch.drop_constraint("fk_tasks_parent_id", type_="foreignkey")
        for name in ("reminders", "parent_id", "due_time"):
            batch.drop_column(name)
    _create_expression_indexes(with_time=False)
