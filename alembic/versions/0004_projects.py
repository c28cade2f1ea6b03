"""projects, memberships, invitations, comments; tasks belong to a project and may have an assignee

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Upgrade (issue 16):
- new tables ``projects``, ``project_members``, ``project_invitations`` and ``comments``;
- every user gets a personal Inbox (owner membership), and each existing task moves into its
  creator's Inbox: ``tasks.project_id`` is added, filled, then made required; ``tasks.assignee_id``
  is added empty;
- ``task_operations.project_id`` (the activity feed reads the journal by project) is filled with
  the Inbox for the user's existing task changes, and ``operation_type`` may also be ``move``,
  ``assign``, ``comment``, ``project`` or ``member``.

Downgrade drops what upgrade added. Tasks stay with the account that created them (their
``user_id``); projects, memberships, invitations, comments, assignees and the journal entries of
the new kinds are lost, as they have nowhere to go in the older schema.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import EncryptedText, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("create", "update", "delete", "complete", "search", "categorize", "reopen")
KINDS_AFTER = (*KINDS_BEFORE, "move", "assign", "comment", "project", "member")
CHECK = "ck_task_operations_type"


def _kinds(kinds: Sequence[str]) -> str:
    return "operation_type IN (" + ",".join(f"'{kind}'" for kind in kinds) + ")"


def _string(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", _string(100), nullable=False),
        sa.Column("name_key", _string(200), nullable=False),
        sa.Column("color", _string(16), nullable=False),
        sa.Column("is_inbox", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(name) >= 1", name="ck_projects_name_len"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "name_key", name="uq_projects_owner_name"),
    )
    op.create_index(
        "ux_projects_one_inbox",
        "projects",
        ["owner_id"],
        unique=True,
        sqlite_where=sa.text("is_inbox"),
        postgresql_where=sa.text("is_inbox"),
    )
    op.create_table(
        "project_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", _string(10), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('owner','editor','viewer')", name="ck_project_members_role"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_project_members_project_user"),
    )
    op.create_index("ix_project_members_user_id", "project_members", ["user_id"])
    op.create_table(
        "project_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("email", _string(320), nullable=False),
        sa.Column("role", _string(10), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('editor','viewer')", name="ck_project_invitations_role"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "email", name="uq_project_invitations_project_email"),
    )
    op.create_index("ix_project_invitations_email", "project_invitations", ["email"])

    _inboxes_for_every_user()

    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("project_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Uuid(), nullable=True))
    op.execute(
        "UPDATE tasks SET project_id = (SELECT p.id FROM projects p"
        " WHERE p.owner_id = tasks.user_id AND p.is_inbox)"
    )
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("project_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key(
            "fk_tasks_project_id", "projects", ["project_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            "fk_tasks_assignee_id", "users", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_tasks_project_open_created", ["project_id", "completed", "created_at"])
        batch.create_index("ix_tasks_assignee_open_created", ["assignee_id", "completed", "created_at"])

    for name, column in (
        ("ix_tasks_project_open_due", "project_id"),
        ("ix_tasks_assignee_open_due", "assignee_id"),
    ):
        # the list's order, due first (no due date last) then newest (autogenerate can't render these)
        op.create_index(
            name,
            "tasks",
            [column, "completed", sa.text("(due_date IS NULL)"), "due_date", sa.text("created_at DESC")],
        )
    op.create_table(
        "comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", EncryptedText("comments.body"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comments_task_created", "comments", ["task_id", "created_at"])

    with op.batch_alter_table("task_operations") as batch:
        batch.add_column(sa.Column("project_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_task_operations_project_id", "projects", ["project_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_task_operations_project_created", ["project_id", "created_at"])
        batch.drop_constraint(CHECK, type_="check")
        batch.create_check_constraint(CHECK, _kinds(KINDS_AFTER))
    op.execute(
        "UPDATE task_operations SET project_id = (SELECT p.id FROM projects p"
        " WHERE p.owner_id = task_operations.user_id AND p.is_inbox)"
        " WHERE operation_type <> 'search'"
    )


def _inboxes_for_every_user() -> None:
    bind = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.Uuid()),
        sa.column("owner_id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("color", sa.String()),
        sa.column("is_inbox", sa.Boolean()),
        sa.column("archived", sa.Boolean()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    members = sa.table(
        "project_members",
        sa.column("id", sa.Uuid()),
        sa.column("project_id", sa.Uuid()),
        sa.column("user_id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("created_at", UTCDateTime()))
    rows = bind.execute(sa.select(users.c.id, users.c.created_at)).all()
    now = datetime.now(UTC)
    for start in range(0, len(rows), 1000):
        inboxes, owners = [], []
        for user_id, created in rows[start : start + 1000]:
            pid = uuid.uuid4()
            inboxes.append({
                "id": pid, "owner_id": user_id, "name": "Inbox", "name_key": "inbox", "color": "gray",
                "is_inbox": True, "archived": False, "created_at": created or now, "updated_at": now,
            })  # fmt: skip
            owners.append(
                {
                    "id": uuid.uuid4(),
                    "project_id": pid,
                    "user_id": user_id,
                    "role": "owner",
                    "created_at": created or now,
                }
            )
        bind.execute(projects.insert(), inboxes)
        bind.execute(members.insert(), owners)


def downgrade() -> None:
    op.execute(
        "DELETE FROM task_operations WHERE operation_type IN ('move','assign','comment','project','member')"
    )
    with op.batch_alter_table("task_operations") as batch:
        batch.drop_constraint(CHECK, type_="check")
        batch.create_check_constraint(CHECK, _kinds(KINDS_BEFORE))
        batch.drop_index("ix_task_operations_project_created")
        batch.drop_constraint("fk_task_operations_project_id", type_="foreignkey")
        batch.drop_column("project_id")
    op.drop_index("ix_comments_task_created", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_tasks_assignee_open_due", table_name="tasks")
    op.drop_index("ix_tasks_project_open_due", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_assignee_open_created")
        batch.drop_index("ix_tasks_project_open_created")
        batch.drop_constraint("fk_tasks_assignee_id", type_="foreignkey")
        batch.drop_constraint("fk_tasks_project_id", type_="foreignkey")
        batch.drop_column("assignee_id")
        batch.drop_column("project_id")
    op.drop_index("ix_project_invitations_email", table_name="project_invitations")
    op.drop_table("project_invitations")
    op.drop_index("ix_project_members_user_id", table_name="project_members")
    op.drop_table("project_members")
    op.drop_index("ux_projects_one_inbox", table_name="projects")
    op.drop_table("projects")
