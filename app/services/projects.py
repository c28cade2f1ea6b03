"""Projects and membership: who may see and change which tasks, decided here and only here (issue 16).

The rules, for every surface (page, chat, widgets, REST, MCP, CLI):

- A user sees a project, and its tasks, comments and activity, only through a membership of it.
  ``owner`` and ``editor`` change tasks and assign them; every member, ``viewer`` included, reads
  and comments. Anything else (a non-member, a viewer writing, a removed member, a pending
  invitee, another project's id) is refused exactly like a missing id: the same
  :class:`NotFoundError` and message, with nothing changed.
- Only owners share, change roles, remove others, rename, recolour, archive or delete a project. A
  project always keeps an owner: the last one cannot leave or step down (transfer first). Any
  other member may leave.
- Every user has one personal Inbox: never shared, renamed, archived or deleted. A task given no
  project goes there.
- Sharing with an email that has an account adds the member at once; otherwise an invitation waits
  and becomes a membership when that email signs up (:func:`accept_invitations`). Owners thus learn
  whether an address has an account here; on a small team's self-hosted server that is the point.
- A member who leaves or is removed loses the project's tasks assigned to them (unassigned in the
  same change); a task moved to a project its assignee is not in is unassigned too.

Every change here is journaled (:func:`app.services.operations.record_change`, kinds ``project``
and ``member``) with the project it happened in, so the project's activity feed and an audit read
the same one journal as task changes. Functions never commit: the caller's ``session_scope`` does.

:func:`visible_projects` and :func:`writable_projects` are the two subqueries every task query
and write (:mod:`app.services.tasks`) filters by.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.core.db import in_session, transaction_cache
from app.models import Invitation, Membership, OperationType, Project, ProjectRole, Task, User
from app.models.base import utcnow
from app.models.project import (
    DEFAULT_COLOR,
    INBOX_NAME,
    PROJECT_COLORS,
    PROJECT_NAME_MAX,
    ROLES,
    WRITE_ROLES,
    inbox_id,
    name_key,
)
from app.models.user import EMAIL_RE
from app.services import audit, live
from app.services.errors import ConflictError, InvalidInputError, NotFoundError, require_text
from app.services.operations import PAGE, Origin, record_change

NOT_FOUND = "Project not found."
READ, WRITE, OWN = "read", "write", "own"
_NEEDS = {READ: ROLES, WRITE: WRITE_ROLES, OWN: (ProjectRole.owner.value,)}


def visible_projects(user_id: uuid.UUID | sa.BindParameter[Any]) -> Any:
    """The ids of every project ``user_id`` is a member of (a subquery for ``IN``; ``user_id`` may
    be a bind parameter, for a statement built once)."""
    return select(Membership.project_id).where(Membership.user_id == user_id)


def writable_projects(user_id: uuid.UUID | sa.BindParameter[Any]) -> Any:
    """The ids of the projects whose tasks ``user_id`` may change (owner or editor; ``user_id`` as
    in :func:`visible_projects`)."""
    return select(Membership.project_id).where(
        Membership.user_id == user_id, col(Membership.role).in_(WRITE_ROLES)
    )


def parse_id(value: uuid.UUID | str | None) -> uuid.UUID | None:
    """A UUID from user input, or None when it is not one (callers then answer "not found")."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, AttributeError, TypeError):
        return None


def role_of(session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID) -> str | None:
    """``user_id``'s role in the project, or None when not a member."""
    return session.exec(
        select(Membership.role).where(Membership.project_id == project_id, Membership.user_id == user_id)
    ).first()


def get_project(
    session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID | str | None, need: str = READ
) -> Project:
    """The project, when ``user_id`` may ``need`` it (read / write / own); otherwise "not found"."""
    pid = parse_id(project_id)
    project = session.get(Project, pid) if pid else None
    if project is None or role_of(session, user_id=user_id, project_id=project.id) not in _NEEDS[need]:
        raise NotFoundError(NOT_FOUND)
    _hold(session, [project])
    return project


def _hold(session: Session, projects: Iterable[Project]) -> None:
    """Keep ``projects`` in the session for the rest of the transaction (its identity map holds rows
    only while something refers to them): a read later in it finds them without a query."""
    held: dict[uuid.UUID, Project] = transaction_cache(session, "projects")
    for project in projects:
        held[project.id] = project


def inbox(session: Session, *, user_id: uuid.UUID) -> Project:
    """The user's Inbox (made on first use), in one read.

    The transaction keeps it (:func:`_hold`): the reads that follow a change in the Inbox (the
    task's labels, the live push's members) then find it without a query.
    """
    with session.no_autoflush:
        stmt = select(Project).where(Project.owner_id == user_id, col(Project.is_inbox))
        project = session.exec(stmt).first()
    if project is None:
        pid = inbox_id(session, user_id)
        session.flush()
        project = session.get(Project, pid)
        assert project is not None
    _hold(session, [project])
    return project


@dataclass
class ProjectView:
    """A project as one member sees it: their role, the counts and (when asked) the members."""

    project: Project
    role: str
    open_count: int = 0
    members: list[dict[str, Any]] = field(default_factory=list)
    invitations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        p = self.project
        return {
            "id": str(p.id),
            "name": p.name,
            "color": p.color,
            "inbox": p.is_inbox,
            "archived": p.archived,
            "role": self.role,
            "open_tasks": self.open_count,
            "members": self.members,
            "invitations": self.invitations,
            "created_at": p.created_at.isoformat(),
            "updated_at": p.updated_at.isoformat(),
        }


def list_projects(
    session: Session, *, user_id: uuid.UUID, archived: bool = False, with_members: bool = False
) -> list[ProjectView]:
    """The user's projects: the Inbox first, then by name (archived ones only when asked)."""
    inbox(session, user_id=user_id)
    stmt = (
        select(Project, Membership.role)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(col(Project.is_inbox).desc(), col(Project.name_key), col(Project.id))
    )
    if not archived:
        stmt = stmt.where(col(Project.archived).is_(False))
    rows = session.exec(stmt).all()
    ids = [p.id for p, _ in rows]
    counts = (
        dict(
            session.exec(
                select(Task.project_id, func.count())
                .where(col(Task.project_id).in_(ids), col(Task.completed).is_(False))
                .group_by(col(Task.project_id))
            ).all()
        )
        if ids
        else {}
    )
    views = [ProjectView(project=p, role=role, open_count=counts.get(p.id, 0)) for p, role in rows]
    if with_members:
        for view in views:
            view.members, view.invitations = _members_json(session, view.project.id)
    return views


def project_view(session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID | str) -> ProjectView:
    """One project with its members and pending invitations (any member may see who is in it)."""
    project = get_project(session, user_id=user_id, project_id=project_id)
    role = role_of(session, user_id=user_id, project_id=project.id) or ""
    count = session.exec(
        select(func.count()).where(Task.project_id == project.id, col(Task.completed).is_(False))
    ).one()
    members, invitations = _members_json(session, project.id)
    return ProjectView(project=project, role=role, open_count=count, members=members, invitations=invitations)


def _members_json(
    session: Session, project_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.project_id == project_id)
        .order_by(col(Membership.created_at), col(Membership.id))
    ).all()
    members = [
        {
            "user_id": str(user.id),
            "email": user.email,
            "name": user.name,
            "role": m.role,
            "added_at": m.created_at.isoformat(),
        }
        for m, user in rows
    ]
    pending = session.exec(
        select(Invitation).where(Invitation.project_id == project_id).order_by(col(Invitation.created_at))
    ).all()
    invitations = [
        {"id": str(i.id), "email": i.email, "role": i.role, "invited_at": i.created_at.isoformat()}
        for i in pending
    ]
    return members, invitations


def find_project(session: Session, *, user_id: uuid.UUID, name: str, need: str = READ) -> Project:
    """The user's project called ``name`` (any case; "inbox" is the Inbox); own projects win a tie.

    Archived projects are found too (a person may still name one); not found otherwise.
    """
    require_text(name, "The project name")
    key = name_key(str(name or "").replace("\x00", ""))  # as names are stored (PostgreSQL refuses NUL)
    if not key or len(key) > PROJECT_NAME_MAX * 2:
        raise NotFoundError(NOT_FOUND)
    stmt = (
        select(Project, Membership.role)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(Membership.user_id == user_id)
        .where(col(Project.name_key) == key if key != "inbox" else col(Project.is_inbox))
        .order_by((col(Project.owner_id) == user_id).desc(), col(Project.archived), col(Project.created_at))
    )
    for project, role in session.exec(stmt).all():
        if project.is_inbox and project.owner_id != user_id:
            continue
        if role in _NEEDS[need]:
            return project
    raise NotFoundError(NOT_FOUND)


def _clean_name(name: Any) -> str:
    require_text(name, "The project name")
    value = " ".join(str(name or "").replace("\x00", "").split())
    if not value:
        raise InvalidInputError("A project needs a name.")
    if len(value) > PROJECT_NAME_MAX:
        raise InvalidInputError(
            f"Project name is too long ({len(value)} characters; at most {PROJECT_NAME_MAX})."
        )
    return value


def _clean_color(color: Any) -> str:
    value = str(color or "").strip().lower()
    if value not in PROJECT_COLORS:
        raise InvalidInputError(f"Colour must be one of {', '.join(PROJECT_COLORS)}.")
    return value


def _name_free(session: Session, *, owner_id: uuid.UUID, name: str, but: uuid.UUID | None = None) -> None:
    key = name_key(name)
    if key == name_key(INBOX_NAME):
        raise ConflictError(f'"{INBOX_NAME}" is the name of your personal list; pick another name.')
    stmt = select(Project.id).where(Project.owner_id == owner_id, Project.name_key == key)
    if but is not None:
        stmt = stmt.where(Project.id != but)
    if session.exec(stmt).first() is not None:
        raise ConflictError(f'A project called "{name}" already exists.')


def _journal(
    session: Session,
    *,
    user_id: uuid.UUID,
    origin: Origin,
    kind: OperationType,
    project_id: uuid.UUID,
    command: dict[str, Any],
) -> None:
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=kind,
        command=command,
        before=[],
        after=[],
        task_id=None,
        project_id=project_id,
    )


def _audit(
    session: Session,
    *,
    user_id: uuid.UUID,
    origin: Origin,
    actor: audit.Actor | None,
    action: str,
    project_id: uuid.UUID,
    details: dict[str, Any],
    target_label: str | None = None,
) -> None:
    """A sharing change in the audit log (issue 18): ids, roles and emails, never the project's content."""
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor, surface=audit.surface_of(origin.source)),
        action=action,
        target_type="project",
        target_id=project_id,
        target_label=target_label,
        details=details,
    )


def _email_of(session: Session, user_id: uuid.UUID) -> str | None:
    person = session.get(User, user_id)
    return person.email if person else None


def create_project(
    session: Session, *, user_id: uuid.UUID, name: str, color: str | None = None, origin: Origin = PAGE
) -> Project:
    """A new project owned by ``user_id`` (a name unique among theirs, any case)."""
    clean = _clean_name(name)
    colour = _clean_color(color) if color else DEFAULT_COLOR
    _name_free(session, owner_id=user_id, name=clean)
    project = Project(owner_id=user_id, name=clean, name_key=name_key(clean), color=colour)
    session.add(project)
    session.add(
        Membership(project_id=project.id, user_id=user_id, role=ProjectRole.owner.value, added_by=user_id)
    )
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:  # the same name made at the same moment in another request
        raise ConflictError(f'A project called "{clean}" already exists.') from exc
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.project,
        project_id=project.id,
        command={"action": "create_project", "name": clean},
    )
    return project


def update_project(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    name: str | None = None,
    color: str | None = None,
    archived: bool | None = None,
    origin: Origin = PAGE,
) -> Project:
    """Rename, recolour, archive or unarchive (owners only; the Inbox keeps its name and stays)."""
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    changes: dict[str, Any] = {}
    if name is not None:
        clean = _clean_name(name)
        if clean != project.name:
            if project.is_inbox:
                raise InvalidInputError("The Inbox can't be renamed.")
            _name_free(session, owner_id=project.owner_id, name=clean, but=project.id)
            changes["name"] = clean
    if color is not None:
        changes["color"] = _clean_color(color)
    if archived is not None and bool(archived) != project.archived:
        if project.is_inbox:
            raise InvalidInputError("The Inbox can't be archived.")
        changes["archived"] = bool(archived)
    if not changes:
        return project
    before = {k: getattr(project, k) for k in changes}
    for key, value in changes.items():
        setattr(project, key, value)
    if "name" in changes:
        project.name_key = name_key(changes["name"])
    project.updated_at = utcnow()
    session.add(project)
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.project,
        project_id=project.id,
        command={"action": "update_project", "before": before, "after": changes},
    )
    return project


def delete_project(
    session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID | str, origin: Origin = PAGE
) -> tuple[str, int]:
    """Delete a project and its tasks (owners only; never the Inbox): its name and how many tasks went."""
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    if project.is_inbox:
        raise InvalidInputError("The Inbox can't be deleted.")
    count = session.exec(select(func.count()).where(Task.project_id == project.id)).one()
    name = project.name
    # its members' open pages must lose it: told after the commit, when they are members no more
    live.touch(
        session, users=session.exec(select(Membership.user_id).where(Membership.project_id == project.id))
    )
    session.execute(sa.delete(Task).where(col(Task.project_id) == project.id))
    session.delete(project)
    session.flush()
    # The project's own journal went with it (its entries name it); the deletion itself is kept
    # in the deleting owner's journal, outside any project.
    record_change(
        session,
        user_id=user_id,
        origin=origin,
        operation_type=OperationType.project,
        command={"action": "delete_project", "project_id": str(project.id), "name": name, "tasks": count},
        before=[],
        after=[],
        task_id=None,
        project_id=None,
    )
    return name, count


def _user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def _clean_role(role: Any, *, allow_owner: bool = False) -> str:
    value = str(role or "").strip().lower()
    allowed = ROLES if allow_owner else (ProjectRole.editor.value, ProjectRole.viewer.value)
    if value not in allowed:
        raise InvalidInputError(f"Role must be one of {', '.join(allowed)}.")
    return value


@dataclass
class ShareResult:
    """What sharing did: ``member`` (added or role changed) or ``invited`` (no account yet)."""

    outcome: str
    email: str
    role: str
    project: Project


def share_project(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    email: str,
    role: str = ProjectRole.editor.value,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> ShareResult:
    """Share a project with an email (owners only; never the Inbox).

    An account with that email becomes a member (or gets the new role); an email without one gets
    a pending invitation that becomes a membership when it signs up.
    """
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    if project.is_inbox:
        raise InvalidInputError("Your Inbox is personal; create a project to share tasks.")
    require_text(email, "The email")
    address = str(email or "").strip().lower()
    if not EMAIL_RE.match(address):
        raise InvalidInputError("Enter a valid email address, like name@example.com.")
    clean_role = _clean_role(role)
    other = _user_by_email(session, address)
    before: str | None = None
    if other is not None and other.id == user_id:
        raise InvalidInputError("You are already the owner of this project.")
    if other is None:
        invitation = session.exec(
            select(Invitation).where(Invitation.project_id == project.id, Invitation.email == address)
        ).first()
        if invitation is None:
            session.add(Invitation(project_id=project.id, email=address, role=clean_role, invited_by=user_id))
        else:
            before = invitation.role
            invitation.role = clean_role
            session.add(invitation)
        outcome = "invited"
    else:
        membership = session.exec(
            select(Membership).where(Membership.project_id == project.id, Membership.user_id == other.id)
        ).first()
        if membership is None:
            session.add(
                Membership(project_id=project.id, user_id=other.id, role=clean_role, added_by=user_id)
            )
        elif membership.role == ProjectRole.owner.value:
            before = membership.role
            _keep_an_owner(session, project.id, leaving=other.id)
            membership.role = clean_role
            session.add(membership)
            _move_primary_owner(session, project)
        else:
            before = membership.role
            membership.role = clean_role
            session.add(membership)
        outcome = "member"
    session.flush()
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.member,
        project_id=project.id,
        command={"action": "share", "email": address, "role": clean_role, "outcome": outcome},
    )
    details: dict[str, Any] = {"email": address, "role": clean_role}
    if other is not None:
        details["member_id"] = str(other.id)
    if before is not None:
        details["before"] = before
    _audit(
        session,
        user_id=user_id,
        origin=origin,
        actor=actor,
        action="project.invite" if outcome == "invited" else "project.share",
        project_id=project.id,
        details=details,
        target_label=address,
    )
    return ShareResult(outcome=outcome, email=address, role=clean_role, project=project)


def _owners(session: Session, project_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.exec(
            select(Membership.user_id)
            .where(Membership.project_id == project_id, Membership.role == ProjectRole.owner.value)
            .order_by(col(Membership.created_at))
        ).all()
    )


def _keep_an_owner(session: Session, project_id: uuid.UUID, *, leaving: uuid.UUID) -> None:
    if [o for o in _owners(session, project_id) if o != leaving] == []:
        raise ConflictError("A project needs an owner: make someone else owner first.")


def _member(session: Session, project_id: uuid.UUID, member_id: uuid.UUID | str | None) -> Membership:
    mid = parse_id(member_id)
    membership = (
        session.exec(
            select(Membership).where(Membership.project_id == project_id, Membership.user_id == mid)
        ).first()
        if mid
        else None
    )
    if membership is None:
        raise NotFoundError("That person is not a member of this project.")
    return membership


def set_role(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    member_id: uuid.UUID | str,
    role: str,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> Membership:
    """Change a member's role (owners only); making someone ``owner`` keeps the others' roles."""
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    clean_role = _clean_role(role, allow_owner=True)
    membership = _member(session, project.id, member_id)
    if membership.role == clean_role:
        return membership
    if membership.role == ProjectRole.owner.value:
        _keep_an_owner(session, project.id, leaving=membership.user_id)
    before = membership.role
    membership.role = clean_role
    session.add(membership)
    _move_primary_owner(session, project)
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.member,
        project_id=project.id,
        command={
            "action": "set_role",
            "member_id": str(membership.user_id),
            "before": before,
            "role": clean_role,
        },
    )
    email = _email_of(session, membership.user_id)
    _audit(
        session,
        user_id=user_id,
        origin=origin,
        actor=actor,
        action="project.role_change",
        project_id=project.id,
        details={"member_id": str(membership.user_id), "email": email, "before": before, "role": clean_role},
        target_label=email,
    )
    return membership


def transfer_ownership(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    to_user_id: uuid.UUID | str,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> Project:
    """Make another member the owner and step down to editor."""
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    if project.is_inbox:
        raise InvalidInputError("Your Inbox is personal.")
    target = _member(session, project.id, to_user_id)
    if target.user_id == user_id:
        return project
    if _clashes(session, owner_id=target.user_id, project=project):
        person = session.get(User, target.user_id)
        raise ConflictError(
            f'{display_name(person)} already has a project called "{project.name}": rename one of them first.'
        )
    target.role = ProjectRole.owner.value
    session.add(target)
    mine = _member(session, project.id, user_id)
    mine.role = ProjectRole.editor.value
    session.add(mine)
    session.flush()
    _move_primary_owner(session, project)
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.member,
        project_id=project.id,
        command={"action": "transfer", "to": str(target.user_id)},
    )
    email = _email_of(session, target.user_id)
    _audit(
        session,
        user_id=user_id,
        origin=origin,
        actor=actor,
        action="project.transfer",
        project_id=project.id,
        details={"member_id": str(target.user_id), "email": email, "role": ProjectRole.owner.value},
        target_label=email,
    )
    return project


def _clashes(session: Session, *, owner_id: uuid.UUID, project: Project) -> bool:
    """Whether ``owner_id`` already owns another project of this name (any case)."""
    stmt = select(Project.id).where(
        Project.owner_id == owner_id, Project.name_key == project.name_key, Project.id != project.id
    )
    return session.exec(stmt).first() is not None


def _move_primary_owner(session: Session, project: Project) -> None:
    """``Project.owner_id`` follows ownership: the longest-standing owner when it is no longer one
    (the first whose own projects have no other of this name: names stay unique per owner)."""
    session.flush()
    owners = _owners(session, project.id)
    if not owners or project.owner_id in owners:
        return
    free = [o for o in owners if not _clashes(session, owner_id=o, project=project)]
    if not free:
        raise ConflictError(
            f'Every other owner already has a project called "{project.name}": rename this one first.'
        )
    project.owner_id = free[0]
    project.updated_at = utcnow()
    session.add(project)
    session.flush()


def remove_member(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    member_id: uuid.UUID | str,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> None:
    """Remove a member (owners), or leave (anyone, ``member_id`` = self); the last owner can't leave.

    The member's assignments in the project are cleared in the same change.
    """
    mid = parse_id(member_id)
    leaving = mid == user_id
    project = get_project(session, user_id=user_id, project_id=project_id, need=READ if leaving else OWN)
    if project.is_inbox:
        raise InvalidInputError("Your Inbox is personal: there is no one to remove.")
    membership = _member(session, project.id, mid)
    if membership.role == ProjectRole.owner.value:
        _keep_an_owner(session, project.id, leaving=membership.user_id)
    session.delete(membership)
    session.execute(
        sa.update(Task)
        .where(col(Task.project_id) == project.id, col(Task.assignee_id) == membership.user_id)
        .values(assignee_id=None, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    _move_primary_owner(session, project)
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.member,
        project_id=project.id,
        command={"action": "leave" if leaving else "remove", "member_id": str(membership.user_id)},
    )
    email = _email_of(session, membership.user_id)
    _audit(
        session,
        user_id=user_id,
        origin=origin,
        actor=actor,
        action="project.leave" if leaving else "project.unshare",
        project_id=project.id,
        details={"member_id": str(membership.user_id), "email": email, "role": membership.role},
        target_label=email,
    )


def cancel_invitation(
    session: Session,
    *,
    user_id: uuid.UUID,
    project_id: uuid.UUID | str,
    email: str,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> None:
    """Withdraw a pending invitation (owners only)."""
    project = get_project(session, user_id=user_id, project_id=project_id, need=OWN)
    require_text(email, "The email")
    address = str(email or "").strip().lower()
    if "\x00" in address:  # no invitation can hold it (PostgreSQL would refuse the query itself)
        raise NotFoundError("That invitation was not found.")
    invitation = session.exec(
        select(Invitation).where(Invitation.project_id == project.id, Invitation.email == address)
    ).first()
    if invitation is None:
        raise NotFoundError("That invitation was not found.")
    session.delete(invitation)
    session.flush()
    _journal(
        session,
        user_id=user_id,
        origin=origin,
        kind=OperationType.member,
        project_id=project.id,
        command={"action": "cancel_invitation", "email": address},
    )
    _audit(
        session,
        user_id=user_id,
        origin=origin,
        actor=actor,
        action="project.invite_cancel",
        project_id=project.id,
        details={"email": address, "role": invitation.role},
        target_label=address,
    )


def accept_invitations(session: Session, *, user: User) -> int:
    """Turn the pending invitations for ``user``'s email into memberships (at sign-up): how many."""
    pending = session.exec(
        select(Invitation)
        .where(Invitation.email == user.email.strip().lower())
        .order_by(col(Invitation.created_at), col(Invitation.id))
    ).all()
    for invitation in pending:
        exists = role_of(session, user_id=user.id, project_id=invitation.project_id)
        if exists is None:
            session.add(
                Membership(
                    project_id=invitation.project_id,
                    user_id=user.id,
                    role=invitation.role,
                    added_by=invitation.invited_by,
                    created_at=invitation.created_at,
                )
            )
        session.delete(invitation)
        session.flush()
        if exists is None:
            _journal(
                session,
                user_id=user.id,
                origin=Origin(source="signup"),
                kind=OperationType.member,
                project_id=invitation.project_id,
                command={"action": "join", "member_id": str(user.id), "role": invitation.role},
            )
            audit.record(
                session,
                actor=audit.Actor(user_id=user.id, email=user.email),
                action="project.join",
                target_type="project",
                target_id=invitation.project_id,
                details={"role": invitation.role, "invited_by": str(invitation.invited_by)},
            )
    session.flush()
    return len(pending)


def members_matching(session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID, who: str) -> list[User]:
    """The project's members a person may mean by ``who``: an email, "me", or a name (first name too)."""
    project = get_project(session, user_id=user_id, project_id=project_id)
    text = " ".join(str(who or "").split()).casefold().strip(" .,!?'\"")
    if not text:
        return []
    rows = session.exec(
        select(User)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.project_id == project.id)
        .order_by(col(Membership.created_at))
    ).all()
    if text in {"me", "myself"}:
        return [u for u in rows if u.id == user_id]
    exact = [u for u in rows if u.email == text or (u.name or "").casefold() == text]
    if exact:
        return exact
    return [
        u
        for u in rows
        if (u.name or "").casefold().split()[:1] == [text]
        or u.email.split("@")[0] in {text, text.replace(" ", ".")}
    ]


def is_member(session: Session, *, project_id: uuid.UUID, user_id: uuid.UUID | None) -> bool:
    return user_id is not None and role_of(session, user_id=user_id, project_id=project_id) is not None


def names_of(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Users by id (to show assignees and authors)."""
    if not ids:
        return {}
    return {u.id: u for u in session.exec(select(User).where(col(User.id).in_(list(ids)))).all()}


def display_name(user: User | None) -> str:
    """How the app names a person to their teammates: their name, else their email."""
    if user is None:
        return "a deleted account"
    return user.name or user.email


@cache
def _projects_by_id() -> Any:
    """Projects ``:ids`` (built once: every task shown names its project)."""
    return select(Project).where(col(Project.id).in_(sa.bindparam("ids", expanding=True)))


def task_labels(session: Session, tasks: list[Task]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each task, its project's name ("Inbox" for an inbox) and its assignee (email, name):
    what every surface shows beside a task."""
    pids = {t.project_id for t in tasks}
    held = {pid: in_session(session, Project, pid) for pid in pids}  # often in the session already
    projects = {pid: project for pid, project in held.items() if project is not None}
    if pids - projects.keys():
        missing = list(pids - projects.keys())
        read = session.exec(_projects_by_id(), params={"ids": missing}).all()
        _hold(session, read)
        projects |= {p.id: p for p in read}
    people = names_of(session, {t.assignee_id for t in tasks if t.assignee_id})
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for task in tasks:
        project = projects.get(task.project_id)
        person = people.get(task.assignee_id) if task.assignee_id else None
        out[task.id] = {
            "project": project.name if project else None,
            "project_color": project.color if project else None,
            "assignee": person.email if person else None,
            "assignee_name": display_name(person) if person else None,
        }
    return out
