"""A person's own account: export everything, delete chats or the account, change the password.

Every destructive step asks for the password first and checks it before touching anything:
a wrong one raises :class:`WrongPasswordError` and nothing changes. Password checks are
throttled per account (5 wrong in 15 minutes, then wait), so a stolen session token cannot be
used to guess the password. What is removed goes through the database's ON DELETE CASCADE
foreign keys: a thread takes its messages, widgets, actions and chat operations with it; the
user row takes everything, its tokens included, so its sessions stop working at once.

Shared projects outlive the account (issue 16): before the user row goes, each project it owns
that has other members stays with another owner or passes to its longest-standing editor (or is
deleted when there is neither), and the tasks it created in projects that stay pass to those
projects' owners. :func:`deletion_preview` tells the person exactly that before they confirm.

Export reads through the ORM, so columns encrypted at rest come out as plain values. What it
holds, and what it leaves out, is in :func:`export`'s docstring.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from app.core.security import MIN_PASSWORD_LENGTH, TokenError, decode_token, hash_password, verify_password
from app.models import (
    Action,
    AuthToken,
    Comment,
    Invitation,
    Membership,
    Message,
    OperationType,
    Project,
    ProjectRole,
    Task,
    TaskOperation,
    Thread,
    User,
    Widget,
)
from app.models.base import utcnow
from app.models.project import PROJECT_NAME_MAX, name_key
from app.services import activity as activity_service
from app.services import audit, live
from app.services import auth as auth_service
from app.services import projects as project_service
from app.services.errors import ForbiddenError, InvalidInputError, NotFoundError, require_text
from app.services.operations import PAGE, Origin, record_change
from app.services.preferences import effective_retention_days, read_preferences
from app.services.tasks import to_public
from app.services.throttle import SignInThrottle, TooManyAttempts

EXPORT_FORMAT = "ticked-export"
EXPORT_VERSION = 3
"""2: rows no longer repeat task data (tool results, widget trees, the assistant's memory); 3: projects,
memberships, invitations sent, comments written and the activity taken part in (issue 16), and
``tasks`` are those the person can see (their projects'), no longer those they once created; see export."""
PASSWORD_MAX = 128

password_throttle = SignInThrottle("password")
"""Wrong passwords per account (key ``user:<id>`` as both email and client), shared like sign-in's."""


class WrongPasswordError(ForbiddenError):
    """The password given to confirm an account action is not the account's password."""


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("Account not found.")
    return user


def confirm_password(user: User, password: str, *, message: str) -> None:
    """Check ``password`` for ``user`` or raise ``WrongPasswordError(message)`` (throttled per account)."""
    require_text(password, "The password")
    key = f"user:{user.id}"
    try:
        password_throttle.check(email=key, client=key)
    except TooManyAttempts as exc:
        raise TooManyAttempts(exc.message.replace("failed sign-ins", "wrong passwords")) from exc
    if not password:
        raise WrongPasswordError("Enter your password to confirm.")
    ok, _ = verify_password(password, user.hashed_password)
    if not ok:
        password_throttle.failed(email=key, client=key)
        raise WrongPasswordError(message)
    password_throttle.succeeded(email=key, client=key)


def _row(obj: SQLModel, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as JSON-ready values; the ``meta`` attribute is exported under its column name."""
    data = obj.model_dump(mode="json", exclude=set(drop))
    if "meta" in data:
        data["metadata"] = data.pop("meta")
    return data


INTERNAL_THREAD_METADATA = frozenset({"agent_memory"})
"""Thread metadata that is the assistant's working memory (the task ids it last showed or changed, a
pending confirmation): task ids again, and not part of the conversation; the API hides it too."""


def _thread(thread: Thread) -> dict[str, Any]:
    data = _row(thread)
    data["metadata"] = {k: v for k, v in data["metadata"].items() if k not in INTERNAL_THREAD_METADATA}
    return data


def _outcome(result: Any) -> dict[str, Any] | None:
    """A tool result's plain values (status, task id, title, count, error...), without the copies of
    the tasks it read or changed (its lists and objects)."""
    if not isinstance(result, dict):
        return None
    return {k: v for k, v in result.items() if v is None or isinstance(v, str | int | float | bool)}


def _with_outcome(row: Action | TaskOperation) -> dict[str, Any]:
    """A card click or a journal entry with its result's plain values as ``outcome``."""
    data = _row(row, drop=("result",))
    data["outcome"] = _outcome(row.result)
    return data


def _message(message: Message) -> dict[str, Any]:
    """A message with what the assistant did: each tool it called, its arguments and its outcome
    (``status``, ``task_id``, ``error``...), not the tool's full answer, a copy of the tasks it read
    or changed at that moment."""
    data = _row(message, drop=("tool_calls",))
    calls = []
    for call in message.tool_calls or []:
        kept: dict[str, Any] = {k: call[k] for k in ("id", "name", "arguments", "error") if k in call}
        if "result" in call:
            kept["outcome"] = _outcome(call["result"])
        calls.append(kept)
    data["tool_calls"] = calls or None
    return data


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _task_ids(node: Any, found: dict[str, None]) -> dict[str, None]:
    """Every task id a widget tree refers to, in order: ``task_id`` and ``task_ids`` anywhere in it
    (its buttons' actions) and the keys of its list rows (a list row is keyed by its task's id)."""
    if isinstance(node, dict):
        if node.get("type") == "ListViewItem" and _is_uuid(node.get("key")):
            found[str(node["key"])] = None
        for key, value in node.items():
            if key == "task_id" and isinstance(value, str):
                found[value] = None
            elif key == "task_ids" and isinstance(value, list):
                found.update((v, None) for v in value if isinstance(v, str))
            else:
                _task_ids(value, found)
    elif isinstance(node, list):
        for item in node:
            _task_ids(item, found)
    return found


def _titles(node: Any, found: list[str]) -> list[str]:
    """The text of a widget tree's ``Title`` nodes (a card's heading: "Delete 3 tasks?")."""
    if isinstance(node, dict):
        if node.get("type") == "Title" and isinstance(node.get("value"), str):
            found.append(node["value"])
        for value in node.values():
            _titles(value, found)
    elif isinstance(node, list):
        for item in node:
            _titles(item, found)
    return found


def _widget(widget: Widget) -> dict[str, Any]:
    """A card as what it was about, not its rendered tree: its kind, state, heading and the tasks it
    showed (their ids; the tasks themselves are in ``tasks``). A list card's tree held a full copy
    of every listed task with its buttons, once per card."""
    data = _row(widget, drop=("payload",))
    data["kind"] = widget.payload.get("type")
    data["titles"] = _titles(widget.payload, [])
    data["task_ids"] = list(_task_ids(widget.payload, {}))
    return data


def export(session: Session, *, user_id: uuid.UUID, actor: audit.Actor | None = None) -> dict[str, Any]:
    """Everything a person has here, once, as one JSON-ready dict (no password hash, no token hashes).

    It holds the profile and preferences; every task, in full; every conversation with every
    message (the text as written and shown; for the assistant's, each tool it called with its
    arguments and outcome); every card the assistant showed (kind, state, heading, the ids of
    its tasks); every card click (what it asked for, its status and outcome); the journal of
    every task change (who, from where, the words that asked, the command, its outcome, and each
    task before and after); and the signed-in sessions.

    Teamwork (version 3): every task of the projects the person is a member of (theirs and their
    teammates', as the task page lists them; no longer the tasks they once created in a project
    they have left); those ``projects`` with their role; their ``memberships``; the
    ``invitations`` they sent that are still pending; the ``comments`` they wrote (plain text,
    with their task and project); and the ``activity`` lines they took part in (changes they
    made in a project, and teammates' changes that concern them: shared with them, assigned to
    them, their role changed), as the feed shows them.

    It leaves out internal copies that only repeat task data, which made the file grow with every
    list shown rather than with what the person has (2.1 MB for 74 tasks and 5 conversations):
    a tool's full result (in ``tool_calls``, ``operations`` and ``actions``: the tasks it read or
    changed, already in ``tasks`` and in the journal's before/after; its plain values stay, as
    ``outcome``), a card's rendered tree (``widgets[].payload``) and the assistant's working memory
    (thread metadata ``agent_memory``). So its size follows the number of tasks, messages and
    changes, not how often they were listed. (The ``activity`` lines leave out the Inbox, whose
    every change is the person's own and already in ``operations``.)
    """
    user = _user(session, user_id)
    prefs = read_preferences(user)
    threads = session.exec(
        select(Thread).where(Thread.user_id == user_id).order_by(col(Thread.created_at), col(Thread.id))
    ).all()
    messages = session.exec(
        select(Message)
        .where(Message.user_id == user_id)
        .order_by(col(Message.thread_id), col(Message.created_at), col(Message.id))
    ).all()
    widgets = session.exec(
        select(Widget)
        .join(Thread, col(Thread.id) == col(Widget.thread_id))
        .where(Thread.user_id == user_id)
        .order_by(col(Widget.created_at), col(Widget.id))
    ).all()
    actions = session.exec(
        select(Action).where(Action.user_id == user_id).order_by(col(Action.created_at), col(Action.id))
    ).all()
    operations = session.exec(
        select(TaskOperation)
        .where(TaskOperation.user_id == user_id)
        .order_by(col(TaskOperation.created_at), col(TaskOperation.id))
    ).all()
    tasks = session.exec(
        select(Task)
        .where(col(Task.project_id).in_(project_service.visible_projects(user_id)))
        .order_by(col(Task.created_at), col(Task.id))
    ).all()
    sessions = session.exec(
        select(AuthToken).where(AuthToken.user_id == user_id).order_by(col(AuthToken.created_at))
    ).all()
    data = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": _row(user, drop=("hashed_password", "chat_preferences")),
        "preferences": {
            **prefs.model_dump(mode="json"),
            "effective_retention_days": effective_retention_days(prefs, session=session),
        },
        "tasks": [to_public(t).to_json() for t in tasks],
        "threads": [_thread(t) for t in threads],
        "messages": [_message(m) for m in messages],
        "widgets": [_widget(w) for w in widgets],
        "actions": [_with_outcome(a) for a in actions],
        "operations": [_with_outcome(o) for o in operations],
        "sessions": [_row(s, drop=("fingerprint",)) for s in sessions],
        **_teamwork(session, user_id),
    }
    counts = {part: len(data[part]) for part in ("tasks", "threads", "messages")}
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor),
        action="account.export",
        target_type="user",
        target_id=user_id,
        target_label=user.email,
        details={"format": EXPORT_FORMAT, "version": EXPORT_VERSION, **counts},
    )
    return data


def _teamwork(session: Session, user_id: uuid.UUID) -> dict[str, Any]:
    """The export's parts from issue 16: projects, memberships, invitations sent, comments written,
    and the activity lines the person took part in (outside their Inbox: every change there is
    theirs, already in ``operations``)."""
    inbox = project_service.inbox(session, user_id=user_id)
    rows = session.exec(
        select(Project, Membership)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(col(Project.created_at), col(Project.id))
    ).all()
    invitations = session.exec(
        select(Invitation).where(Invitation.invited_by == user_id).order_by(col(Invitation.created_at))
    ).all()
    comments = session.exec(
        select(Comment, Task.project_id)
        .join(Task, col(Task.id) == Comment.task_id)
        .where(Comment.author_id == user_id)
        .order_by(col(Comment.created_at), col(Comment.id))
    ).all()
    return {
        "projects": [{**_row(p), "role": m.role} for p, m in rows],
        "memberships": [_row(m) for _, m in rows],
        "invitations": [_row(i) for i in invitations],
        "comments": [{**_row(c), "project_id": str(pid)} for c, pid in comments],
        "activity": [
            e.to_json()
            for e in activity_service.activity_involving(session, user_id=user_id)
            if e.project_id != inbox.id
        ],
    }


def delete_all_chats(
    session: Session, *, user_id: uuid.UUID, password: str, actor: audit.Actor | None = None
) -> dict[str, int]:
    """Delete every conversation of the user (tasks stay); returns how many threads and messages went."""
    user = _user(session, user_id)
    confirm_password(user, password, message="That password is not right. Nothing was deleted.")
    threads = session.exec(select(func.count()).select_from(Thread).where(Thread.user_id == user_id)).one()
    messages = session.exec(select(func.count()).select_from(Message).where(Message.user_id == user_id)).one()
    session.execute(sa.delete(Thread).where(col(Thread.user_id) == user_id))
    user.last_chat_thread_id = None
    session.add(user)
    session.flush()
    counts = {"threads": int(threads), "messages": int(messages)}
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor),
        action="account.delete_chats",
        target_type="user",
        target_id=user_id,
        target_label=user.email,
        details=counts,
    )
    return counts


PASSES, STAYS, DELETED = "passes", "stays", "deleted"


@dataclass
class ProjectFate:
    """What deleting an account does to one project it owns."""

    project: Project
    action: str
    """``passes`` (to its longest-standing editor), ``stays`` (with another owner) or ``deleted``."""
    heir: User | None
    new_name: str | None
    """The name it will have, when the heir already owns a project of this name."""
    members: int
    """Members besides the account."""
    tasks: int

    @property
    def outcome(self) -> str:
        """ "passes to sam@example.com", "stays with sam@example.com" or "deleted"."""
        if self.heir is None:
            return DELETED
        verb = "passes to" if self.action == PASSES else "stays with"
        renamed = f' as "{self.new_name}"' if self.new_name else ""
        return f"{verb} {self.heir.email}{renamed}"

    def to_json(self) -> dict[str, Any]:
        return {
            "project_id": str(self.project.id),
            "project": self.project.name,
            "action": self.action,
            "outcome": self.outcome,
            "to": self.heir.email if self.heir else None,
            "to_name": project_service.display_name(self.heir) if self.heir else None,
            "new_name": self.new_name,
            "members": self.members,
            "tasks": self.tasks,
        }


def _fates(session: Session, user_id: uuid.UUID) -> list[ProjectFate]:
    owned = session.exec(
        select(Project)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(
            Membership.user_id == user_id,
            Membership.role == ProjectRole.owner.value,
            col(Project.is_inbox).is_(False),
        )
        .order_by(col(Project.name_key), col(Project.id))
    ).all()
    fates = []
    for project in owned:
        others = session.exec(
            select(Membership, User)
            .join(User, col(User.id) == Membership.user_id)
            .where(Membership.project_id == project.id, Membership.user_id != user_id)
            .order_by(col(Membership.created_at), col(Membership.id))
        ).all()
        owners = [u for m, u in others if m.role == ProjectRole.owner.value]
        editors = [u for m, u in others if m.role == ProjectRole.editor.value]
        tasks = session.exec(
            select(func.count()).select_from(Task).where(Task.project_id == project.id)
        ).one()
        heir = owners[0] if owners else editors[0] if editors else None
        action = STAYS if owners else PASSES if editors else DELETED
        new_name = None
        if heir is not None and (action == PASSES or project.owner_id == user_id):
            new_name = _free_name(session, owner_id=heir.id, project=project)
        fates.append(ProjectFate(project, action, heir, new_name, len(others), int(tasks)))
    return fates


def _free_name(session: Session, *, owner_id: uuid.UUID, project: Project) -> str | None:
    """None when ``owner_id`` owns no other project of this name; else the first free "Name (2)"."""
    taken = set(
        session.exec(
            select(Project.name_key).where(Project.owner_id == owner_id, Project.id != project.id)
        ).all()
    )
    if project.name_key not in taken:
        return None
    n = 2
    while True:
        suffix = f" ({n})"
        name = project.name[: PROJECT_NAME_MAX - len(suffix)].rstrip() + suffix
        if name_key(name) not in taken:
            return name
        n += 1


def deletion_preview(session: Session, *, user_id: uuid.UUID) -> list[dict[str, Any]]:
    """What deleting this account would do to each project it owns (its Inbox aside), before it
    happens, for the confirmation: a list of ``{"project", "project_id", "action", "outcome",
    "to", "to_name", "new_name", "members", "tasks"}``, by project name.

    ``action`` is ``passes`` (an editor becomes its owner: the longest-standing one), ``stays``
    (another owner keeps it) or ``deleted`` (no other owner or editor: with its tasks; viewers
    lose it); ``outcome`` says it in words: "passes to sam@example.com", "stays with
    sam@example.com", "deleted" (with ``as "Groceries (2)"`` when the heir already has a
    project of that name). Tasks the account created in projects that stay stay too, passing to
    each project's owner; projects it is only a member of simply lose it.
    """
    _user(session, user_id)
    return [fate.to_json() for fate in _fates(session, user_id)]


def _hand_over(session: Session, user: User, fate: ProjectFate, origin: Origin) -> None:
    project = fate.project
    members = session.exec(select(Membership.user_id).where(Membership.project_id == project.id)).all()
    live.touch(session, users=[m for m in members if m != user.id])  # their open pages follow
    if fate.heir is None:
        session.execute(sa.delete(Task).where(col(Task.project_id) == project.id))
        session.execute(sa.delete(Project).where(col(Project.id) == project.id))
        return
    if fate.action == PASSES:
        session.execute(
            sa.update(Membership)
            .where(col(Membership.project_id) == project.id, col(Membership.user_id) == fate.heir.id)
            .values(role=ProjectRole.owner.value)
        )
    if project.owner_id == user.id:
        project.owner_id = fate.heir.id
        if fate.new_name:
            project.name, project.name_key = fate.new_name, name_key(fate.new_name)
        project.updated_at = utcnow()
        session.add(project)
    session.flush()
    if fate.action == PASSES:  # a line in the feed, journaled as the heir (the account's own entries go)
        record_change(
            session,
            user_id=fate.heir.id,
            origin=origin,
            operation_type=OperationType.member,
            command={"action": "inherit", "email": user.email, "name": fate.new_name},
            before=[],
            after=[],
            task_id=None,
            project_id=project.id,
        )


def delete_account(
    session: Session,
    *,
    user_id: uuid.UUID,
    password: str,
    origin: Origin = PAGE,
    actor: audit.Actor | None = None,
) -> None:
    """Delete the account and everything it owns; every token it had stops working.

    Shared work stays (:func:`deletion_preview` says how, before): each project it owns with
    another owner stays with them, one with an editor passes to the longest-standing editor, and
    the rest are deleted; tasks it created in the projects that stay pass to those projects'
    owners; its comments stay, by "a deleted account"; tasks assigned to it are unassigned.
    """
    user = _user(session, user_id)
    confirm_password(user, password, message="That password is not right. Your account was not deleted.")
    fates = _fates(session, user_id)
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor, surface=audit.surface_of(origin.source)),
        action="account.delete",
        target_type="user",
        target_id=user_id,
        target_label=user.email,
        details={
            "projects_passed": sum(1 for f in fates if f.heir is not None),
            "projects_deleted": sum(1 for f in fates if f.heir is None),
        },
    )
    erase(session, user=user, origin=origin)


def erase(session: Session, *, user: User, origin: Origin = PAGE) -> None:
    """Remove ``user`` and what it owns, as :func:`delete_account` does once the password is right
    (also an admin deleting someone, :mod:`app.services.admin`, after checking the admin's own)."""
    user_id = user.id
    for fate in _fates(session, user_id):
        _hand_over(session, user, fate, origin)
    inbox = project_service.inbox(session, user_id=user_id)
    owner = sa.select(col(Project.owner_id)).where(col(Project.id) == col(Task.project_id)).scalar_subquery()
    session.execute(
        sa.update(Task)
        .where(col(Task.user_id) == user_id, col(Task.project_id) != inbox.id)
        .values(user_id=owner)
        .execution_options(synchronize_session=False)
    )
    auth_service.revoke_all_tokens(session, user_id=user_id)
    session.flush()
    session.expunge(user)
    session.execute(sa.delete(User).where(col(User.id) == user_id))
    session.flush()
    session.expire_all()  # rows the database removed or changed with the user (memberships, assignees)


def _check_new_password(current: str, new: str) -> None:
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"The new password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if len(new) > PASSWORD_MAX:
        raise InvalidInputError(f"The new password can be at most {PASSWORD_MAX} characters.")
    if new == current:
        raise InvalidInputError("The new password must be different from the current one.")


def _jti(token: str | None, user_id: uuid.UUID) -> uuid.UUID | None:
    """The id of ``token`` when it is one of this user's; anything else keeps no session."""
    if not token:
        return None
    try:
        claims = decode_token(token)
    except TokenError:
        return None
    return claims.jti if claims.user_id == user_id else None


def change_password(
    session: Session,
    *,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    keep_token: str | None = None,
    actor: audit.Actor | None = None,
) -> int:
    """Set a new password and sign out every other session; returns how many were signed out.

    ``keep_token`` is the token of the session making the change: it stays valid so the person is
    not thrown out of the page they are on.
    """
    require_text(new_password, "The new password")
    user = _user(session, user_id)
    confirm_password(user, current_password, message="Your current password is not right.")
    _check_new_password(current_password, new_password or "")
    user.hashed_password = hash_password(new_password)
    user.updated_at = utcnow()
    session.add(user)
    revoked = auth_service.revoke_all_tokens(session, user_id=user_id, keep_jti=_jti(keep_token, user_id))
    session.flush()
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user_id, actor=actor),
        action="account.password_change",
        target_type="user",
        target_id=user_id,
        target_label=user.email,
        details={"signed_out_sessions": revoked},
    )
    return revoked
