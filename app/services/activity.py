"""A project's activity feed, read from the one journal (``task_operations``), never a second log.

Every change to a project's tasks, members or comments is journaled with its project
(:func:`app.services.operations.record_change`), whatever surface made it. This module turns those
entries into lines a teammate reads ("Sam completed "Buy milk""), for the members of the project
only (:mod:`app.services.projects`). What it shows comes from the entries' task snapshots and
commands: never the chat message that led to a change (chats stay private to their user), never
a comment's text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import OperationStatus, OperationType, Project, TaskOperation, User
from app.services.errors import InvalidInputError
from app.services.projects import display_name, get_project, names_of, visible_projects

PAGE_MAX = 200
SHOWN_KINDS = tuple(
    kind.value
    for kind in (
        OperationType.create,
        OperationType.update,
        OperationType.delete,
        OperationType.complete,
        OperationType.reopen,
        OperationType.categorize,
        OperationType.move,
        OperationType.assign,
        OperationType.comment,
        OperationType.project,
        OperationType.member,
    )
)


@dataclass
class Entry:
    """One line of a feed; ``at`` is when the change was journaled (the feed's order and cursor)."""

    id: uuid.UUID
    at: datetime
    actor: User | None
    kind: str
    text: str
    source: str
    project_id: uuid.UUID | None
    project_name: str
    task_id: uuid.UUID | None
    undone: bool

    @property
    def line(self) -> str:
        """ "Sam completed "Buy milk"" (the actor's name first)."""
        return f"{display_name(self.actor)} {self.text}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "at": self.at.isoformat(),
            "actor": None
            if self.actor is None
            else {"id": str(self.actor.id), "name": display_name(self.actor), "email": self.actor.email},
            "kind": self.kind,
            "text": self.line,
            "source": self.source,
            "project_id": str(self.project_id) if self.project_id else None,
            "project": self.project_name,
            "task_id": str(self.task_id) if self.task_id else None,
            "undone": self.undone,
        }


def _titles(op: TaskOperation) -> list[str]:
    titles: list[str] = []
    for entry in op.undo_state or []:
        snap = entry.get("after") or entry.get("before") or {}
        if snap.get("title") and snap["title"] not in titles:
            titles.append(snap["title"])
    if not titles and (op.structured_command or {}).get("title"):
        titles.append(op.structured_command["title"])
    return titles


def _quoted(titles: list[str]) -> str:
    if not titles:
        return "a task"
    first = f'"{titles[0]}"'
    return first if len(titles) == 1 else f"{first} and {len(titles) - 1} more"


def _assignment(op: TaskOperation, people: dict[uuid.UUID, User]) -> str:
    for entry in op.undo_state or []:
        after = (entry.get("after") or {}).get("assignee_id")
        if after:
            return f"assigned {_quoted(_titles(op))} to {display_name(people.get(uuid.UUID(after)))}"
    return f"unassigned {_quoted(_titles(op))}"


def _describe(op: TaskOperation, people: dict[uuid.UUID, User], projects: dict[uuid.UUID, Project]) -> str:
    kind, cmd = op.operation_type, op.structured_command or {}
    titles = _quoted(_titles(op))
    if kind == OperationType.create:
        return f"added {titles}"
    if kind == OperationType.complete:
        return f"completed {titles}"
    if kind == OperationType.reopen:
        return f"reopened {titles}"
    if kind == OperationType.delete:
        return f"deleted {titles}"
    if kind == OperationType.move:
        here = projects.get(op.project_id) if op.project_id else None
        return f"moved {titles} to {here.name if here else 'another project'}"
    if kind == OperationType.assign:
        return _assignment(op, people)
    if kind == OperationType.comment:
        if cmd.get("action") == "edit_comment":
            return f"edited a comment on {titles}"
        if cmd.get("action") == "delete_comment":
            return f"deleted a comment on {titles}"
        return f"commented on {titles}"
    if kind == OperationType.project:
        if cmd.get("action") == "create_project":
            return "created the project"
        after = cmd.get("after") or {}
        if "name" in after:
            return f'renamed the project to "{after["name"]}"'
        if "archived" in after:
            return "archived the project" if after["archived"] else "restored the project"
        return "changed the project"
    if kind == OperationType.member:
        action = cmd.get("action")
        member = people.get(uuid.UUID(cmd["member_id"])) if cmd.get("member_id") else None
        if action == "share":
            verb = "invited" if cmd.get("outcome") == "invited" else "shared the project with"
            return f"{verb} {cmd.get('email')} as {cmd.get('role')}"
        if action == "leave":
            return "left the project"
        if action == "join":
            return f"joined the project as {cmd.get('role')}"
        if action == "inherit":
            return f"became the owner ({cmd.get('email') or 'the previous owner'} deleted their account)"
        if action == "remove":
            return f"removed {display_name(member)}"
        if action == "set_role":
            return f"made {display_name(member)} {cmd.get('role')}"
        if action == "transfer":
            to = people.get(uuid.UUID(cmd["to"])) if cmd.get("to") else None
            return f"passed ownership to {display_name(to)}"
        if action == "cancel_invitation":
            return f"withdrew the invitation for {cmd.get('email')}"
        return "changed the members"
    return f"edited {titles}"


def _people_in(ops: list[TaskOperation]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = {op.user_id for op in ops}
    for op in ops:
        cmd = op.structured_command or {}
        for key in ("member_id", "to"):
            if cmd.get(key):
                ids.add(uuid.UUID(cmd[key]))
        for entry in op.undo_state or []:
            if (entry.get("after") or {}).get("assignee_id"):
                ids.add(uuid.UUID(entry["after"]["assignee_id"]))
    return ids


def _entries(session: Session, ops: list[TaskOperation]) -> list[Entry]:
    people = names_of(session, _people_in(ops))
    pids = {op.project_id for op in ops if op.project_id}
    projects = (
        {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(list(pids)))).all()}
        if pids
        else {}
    )
    return [
        Entry(
            id=op.id,
            at=op.created_at,
            actor=people.get(op.user_id),
            kind=op.operation_type,
            text=_describe(op, people, projects),
            source=op.source,
            project_id=op.project_id,
            project_name=projects[op.project_id].name if op.project_id in projects else "",
            task_id=op.task_id,
            undone=op.undone_at is not None,
        )
        for op in ops
    ]


def _limit(limit: int) -> int:
    if limit < 1 or limit > PAGE_MAX:
        raise InvalidInputError(f"limit must be between 1 and {PAGE_MAX}.")
    return limit


def _base() -> Any:
    return select(TaskOperation).where(
        col(TaskOperation.operation_type).in_(SHOWN_KINDS),
        TaskOperation.status == OperationStatus.completed.value,
        # a request that found nothing to change (done already) journals nothing for a reader
        (col(TaskOperation.undo_state).is_not(None))
        | col(TaskOperation.operation_type).in_(
            [OperationType.comment.value, OperationType.project.value, OperationType.member.value]
        ),
    )


def _before(stmt: Any, before: datetime | None, before_id: uuid.UUID | None) -> Any:
    if before is None:
        return stmt
    older = col(TaskOperation.created_at) < before
    if before_id is None:
        return stmt.where(older)
    return stmt.where(
        older | ((col(TaskOperation.created_at) == before) & (col(TaskOperation.id) < before_id))
    )


def project_activity(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    limit: int = 50,
    before: datetime | None = None,
    task_id: uuid.UUID | None = None,
    before_id: uuid.UUID | None = None,
) -> list[Entry]:
    """A project's feed, newest first (members only).

    ``before`` pages back: the entries older than an entry's ``at`` (with ``before_id``, that
    entry's ``id``, entries of the very same time that sort after it too, so a page boundary
    between two changes of one instant loses neither); ``task_id`` narrows it to one task.
    """
    project = get_project(session, user_id=user_id, project_id=project_id)
    stmt = _base().where(TaskOperation.project_id == project.id)
    if task_id is not None:
        stmt = stmt.where(TaskOperation.task_id == task_id)
    stmt = _before(stmt, before, before_id)
    stmt = stmt.order_by(col(TaskOperation.created_at).desc(), col(TaskOperation.id).desc()).limit(
        _limit(limit)
    )
    return _entries(session, list(session.exec(stmt).all()))


def activity_of(
    session: Session,
    *,
    user_id: uuid.UUID,
    actor_id: uuid.UUID,
    since: datetime | None = None,
    limit: int = 50,
) -> list[Entry]:
    """What ``actor_id`` did in the projects ``user_id`` shares with them, newest first."""
    stmt = _base().where(
        TaskOperation.user_id == actor_id, col(TaskOperation.project_id).in_(visible_projects(user_id))
    )
    if since is not None:
        stmt = stmt.where(col(TaskOperation.created_at) >= since)
    stmt = stmt.order_by(col(TaskOperation.created_at).desc(), col(TaskOperation.id).desc()).limit(
        _limit(limit)
    )
    return _entries(session, list(session.exec(stmt).all()))


def activity_involving(session: Session, *, user_id: uuid.UUID) -> list[Entry]:
    """Every line ``user_id`` took part in, oldest first, in the projects they are a member of (their
    export): the changes they made, and teammates' changes that concern them (shared with them,
    their role changed, a task assigned to them or taken from them)."""
    person = session.get(User, user_id)
    me, email = str(user_id), person.email if person else None
    concerning = [
        OperationType.create.value,
        OperationType.update.value,
        OperationType.assign.value,
        OperationType.move.value,
        OperationType.member.value,
    ]
    stmt = (
        _base()
        .where(
            col(TaskOperation.project_id).in_(visible_projects(user_id)),
            sa.or_(col(TaskOperation.user_id) == user_id, col(TaskOperation.operation_type).in_(concerning)),
        )
        .order_by(col(TaskOperation.created_at), col(TaskOperation.id))
    )
    ops = [op for op in session.exec(stmt).all() if op.user_id == user_id or _concerns(op, me, email)]
    return _entries(session, ops)


def _concerns(op: TaskOperation, me: str, email: str | None) -> bool:
    cmd = op.structured_command or {}
    if me in (cmd.get("member_id"), cmd.get("to")) or (email is not None and cmd.get("email") == email):
        return True
    for entry in op.undo_state or []:  # assigned to them, or unassigned
        was, now = (
            (entry.get("before") or {}).get("assignee_id"),
            (entry.get("after") or {}).get("assignee_id"),
        )
        if was != now and me in (was, now):
            return True
    return False
