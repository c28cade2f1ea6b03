"""Projects, their members and pending invitations: how a small team shares lists (issue 16).

- **Project**: a named list of tasks (1-100 characters, unique per owner whatever the case, kept
  in ``name_key``), a colour from :data:`PROJECT_COLORS`, ``archived``. Every user has one
  personal **Inbox** (``is_inbox``): not shareable, not deletable, not renamable; a task given no
  project goes there (see :func:`_tasks_default_to_the_inbox`).
- **Membership**: a user's role in a project, ``owner`` | ``editor`` | ``viewer``, who added them
  and when. A project may have several owners and always keeps at least one; ``Project.owner_id``
  is its primary owner (whose names it must not clash with), moved with ownership.
- **Invitation**: a role offered to an email without an account yet; it becomes a membership when
  that email signs up (:func:`app.services.projects.accept_invitations`).

Who may see or change what is decided in one place, :mod:`app.services.projects`; a task is
seen only through a membership of its project.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel, select

from app.models.base import created_at_field, fk, updated_at_field, uuid_pk

PROJECT_NAME_MAX = 100
INBOX_NAME = "Inbox"
PROJECT_COLORS: tuple[str, ...] = (
    "gray",
    "red",
    "orange",
    "amber",
    "green",
    "teal",
    "blue",
    "purple",
    "pink",
)
DEFAULT_COLOR = "blue"


class ProjectRole(StrEnum):
    owner = "owner"
    editor = "editor"
    viewer = "viewer"


ROLES: tuple[str, ...] = tuple(role.value for role in ProjectRole)
WRITE_ROLES: tuple[str, ...] = (ProjectRole.owner.value, ProjectRole.editor.value)


def name_key(name: str) -> str:
    """The form names are compared in: case and spacing do not make two projects different."""
    return " ".join(name.split()).casefold()


class Project(SQLModel, table=True):
    """A shared (or personal) list of tasks."""

    __tablename__ = "projects"

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = fk("users.id")
    name: str = Field(max_length=PROJECT_NAME_MAX)
    name_key: str = Field(max_length=PROJECT_NAME_MAX * 2)
    color: str = Field(default=DEFAULT_COLOR, max_length=16)
    is_inbox: bool = Field(default=False)
    archived: bool = Field(default=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

    __table_args__ = (
        sa.UniqueConstraint("owner_id", "name_key", name="uq_projects_owner_name"),
        sa.Index(
            "ux_projects_one_inbox",
            "owner_id",
            unique=True,
            sqlite_where=sa.text("is_inbox"),
            postgresql_where=sa.text("is_inbox"),
        ),
        sa.CheckConstraint("length(name) >= 1", name="ck_projects_name_len"),
    )


class Membership(SQLModel, table=True):
    """One user's role in one project."""

    __tablename__ = "project_members"

    id: uuid.UUID = uuid_pk()
    project_id: uuid.UUID = fk("projects.id")
    user_id: uuid.UUID = fk("users.id", index=True)
    role: str = Field(max_length=10)
    added_by: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    created_at: datetime = created_at_field()

    __table_args__ = (
        sa.UniqueConstraint("project_id", "user_id", name="uq_project_members_project_user"),
        sa.CheckConstraint("role IN ('owner','editor','viewer')", name="ck_project_members_role"),
    )


class Invitation(SQLModel, table=True):
    """A role in a project offered to an email that has no account yet."""

    __tablename__ = "project_invitations"

    id: uuid.UUID = uuid_pk()
    project_id: uuid.UUID = fk("projects.id")
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=10)
    invited_by: uuid.UUID | None = fk("users.id", ondelete="SET NULL", nullable=True)
    created_at: datetime = created_at_field()

    __table_args__ = (
        sa.UniqueConstraint("project_id", "email", name="uq_project_invitations_project_email"),
        sa.CheckConstraint("role IN ('editor','viewer')", name="ck_project_invitations_role"),
    )


def inbox_id(session: OrmSession, user_id: uuid.UUID) -> uuid.UUID:
    """The id of ``user_id``'s Inbox, made (with its owner membership) when it does not exist yet."""
    with session.no_autoflush:
        found = session.execute(
            select(Project.id).where(Project.owner_id == user_id, Project.is_inbox == sa.true())
        ).scalar_one_or_none()
        if found is not None:
            return found
        for obj in session.new:  # made earlier in this transaction and not flushed yet
            if isinstance(obj, Project) and obj.is_inbox and obj.owner_id == user_id:
                return obj.id
    return _new_inbox(session, user_id)


@event.listens_for(OrmSession, "before_flush")
def _tasks_default_to_the_inbox(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Every new account gets its Inbox in the same flush, and a task written without a project
    goes to its creator's Inbox (made on first use for accounts older than projects)."""
    from app.models.task import Task  # the task model imports this module
    from app.models.user import User

    for obj in list(session.new):
        if isinstance(obj, User):
            _new_inbox(session, obj.id)
    for obj in list(session.new):
        if isinstance(obj, Task) and getattr(obj, "project_id", None) is None and obj.user_id is not None:
            obj.project_id = inbox_id(session, obj.user_id)


def _new_inbox(session: OrmSession, user_id: uuid.UUID) -> uuid.UUID:
    inbox = Project(
        owner_id=user_id, name=INBOX_NAME, name_key=name_key(INBOX_NAME), color="gray", is_inbox=True
    )
    session.add(inbox)
    session.add(Membership(project_id=inbox.id, user_id=user_id, role=ProjectRole.owner.value))
    return inbox.id


def _insert_parents_first() -> None:
    """Write order: the unit of work orders INSERTs by relationships, not by foreign keys, so these
    many-to-one links (never loaded by the code) make a user go in before the projects and
    memberships made for it in the same flush, and a project before its members and tasks."""
    from sqlalchemy.orm import relationship

    from app.models.task import Task
    from app.models.user import User

    links: list[tuple[Any, str, Any, Any]] = [
        (Project, "_owner", User, Project.owner_id),
        (Membership, "_project", Project, Membership.project_id),
        (Membership, "_user", User, Membership.user_id),
        (Invitation, "_project", Project, Invitation.project_id),
        (Task, "_project", Project, Task.project_id),
        (Task, "_creator", User, Task.user_id),
    ]
    for model, name, parent, column in links:
        model.__mapper__.add_property(name, relationship(parent, foreign_keys=[column], lazy="raise_on_sql"))
