"""The admin console's user management (issue 18): list, disable, promote, delete, reset.

Every function takes the acting admin's id and asks :func:`admin_guard.require_admin` first, so
anyone else (signed out, disabled, demoted a moment ago) gets exactly what a missing thing gets and
nothing changes. What an admin sees of a person is their account, never their content: tasks and
chats are counted (one grouped query each for the page shown), never read.

The rules:

- never the last admin: demoting or disabling the only active admin is refused, with the writers
  serialised (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) so two admins demoting
  each other at once cannot leave none;
- an admin does not disable or delete themselves here (deleting one's own account is the settings
  page's, with its own password and preview);
- disabling ends the person's sessions, every one of them, and their access tokens at once, and
  tells their open pages (:mod:`app.services.live`) so those go to sign-in within a second or two,
  on every instance;
- deleting asks for the acting admin's own password (throttled like the settings page's).

Every change is an audit event (``admin.user.*``), in the change's transaction. The ``system_*``
functions are the operator's command line (``python -m app.cli user ...``): whoever runs it owns
the server, so they need no admin account; they keep the last-admin rule and are audited as ``cli``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from app.core.db import begin_write
from app.models import AccessToken, RecoveryCode, Task, Thread, User
from app.models.base import utcnow
from app.services import account, audit, live, mail, password_reset
from app.services import auth as auth_service
from app.services.admin_guard import NOT_FOUND, require_admin
from app.services.errors import ConflictError, InvalidInputError, NotFoundError, require_text

Sort = Literal["newest", "email"]
SORTS: tuple[Sort, ...] = ("newest", "email")
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
QUERY_MAX = 200

LAST_ADMIN = "This is the last admin: make someone else an admin first."
NOT_YOURSELF_DISABLE = "You can't disable your own account."
NOT_YOURSELF_DELETE = "Delete your own account from Settings, not here."


@dataclass(frozen=True)
class UserSummary:
    """One person as the admin console lists them: the account, and counts of what they have."""

    id: uuid.UUID
    email: str
    name: str
    is_admin: bool
    is_active: bool
    two_factor: bool
    created_at: datetime
    last_active_at: datetime | None
    tasks: int
    threads: int


@dataclass(frozen=True)
class UserPage:
    users: list[UserSummary]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


@dataclass(frozen=True)
class ResetLink:
    """A reset link for one person: ``url`` to copy, or ``emailed_to`` when it went by email."""

    url: str
    email: str
    emailed_to: str | None = None
    mail_error: str | None = None
    """Why the email could not be sent (the link is then shown to copy instead)."""


def _actor(admin: User, *, ip: str | None, surface: str) -> audit.Actor:
    return audit.Actor(user_id=admin.id, email=admin.email, ip=ip, surface=surface)


def _target(session: Session, user_id: uuid.UUID | str | None) -> User:
    try:
        key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except (ValueError, TypeError, AttributeError) as exc:
        raise NotFoundError(NOT_FOUND) from exc
    user = session.get(User, key)
    if user is None:
        raise NotFoundError(NOT_FOUND)
    return user


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _counts(session: Session, model: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    owner = col(model.user_id)
    rows = session.execute(select(owner, func.count()).where(owner.in_(ids)).group_by(owner)).all()
    return {row[0]: int(row[1]) for row in rows}


def list_users(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    query: str = "",
    sort: str = "newest",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> UserPage:
    """A page of people, newest first (or by email), those whose email or name has ``query``."""
    require_admin(session, user_id=admin_id)
    require_text(query, "The search")
    query = (query or "").strip()[:QUERY_MAX]
    if sort not in SORTS:
        raise InvalidInputError(f"Sort by one of: {', '.join(SORTS)}.")
    if offset < 0:
        raise InvalidInputError("The page start can't be negative.")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInputError(f"Show between 1 and {MAX_PAGE_SIZE} people a page.")
    where: list[Any] = []
    if query:
        pattern = _like(query.lower())
        where.append(
            sa.or_(
                func.lower(col(User.email)).like(pattern, escape="\\"),
                func.lower(func.coalesce(col(User.name), "")).like(pattern, escape="\\"),
            )
        )
    total = int(session.execute(select(func.count()).select_from(User).where(*where)).scalar_one())
    order = (
        (col(User.email).asc(),) if sort == "email" else (col(User.created_at).desc(), col(User.id).desc())
    )
    users = list(session.exec(select(User).where(*where).order_by(*order).offset(offset).limit(limit)))
    ids = [u.id for u in users]
    tasks, threads = _counts(session, Task, ids), _counts(session, Thread, ids)
    rows = [
        UserSummary(
            id=u.id,
            email=u.email,
            name=u.name or "",
            is_admin=u.is_admin,
            is_active=u.is_active,
            two_factor=u.totp_enabled_at is not None,
            created_at=u.created_at,
            last_active_at=u.last_active_at,
            tasks=tasks.get(u.id, 0),
            threads=threads.get(u.id, 0),
        )
        for u in users
    ]
    return UserPage(users=rows, total=total, offset=offset, limit=limit)


def _lock_admins(session: Session) -> int:
    """How many active admins there are, with those rows locked until the transaction ends."""
    begin_write(session)
    stmt = select(User.id).where(col(User.is_admin).is_(True), col(User.is_active).is_(True))
    if session.connection().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return len(list(session.exec(stmt)))


def _keep_an_admin(session: Session, target: User) -> None:
    if target.is_admin and target.is_active and _lock_admins(session) <= 1:
        raise ConflictError(LAST_ADMIN)


def _apply_active(session: Session, target: User, active: bool) -> int:
    """Enable or disable ``target``; disabling revokes every session and access token at once."""
    revoked = 0
    if not active:
        _keep_an_admin(session, target)
        revoked = auth_service.revoke_all_tokens(session, user_id=target.id)
        result: Any = session.execute(
            sa.update(AccessToken)
            .where(col(AccessToken.user_id) == target.id, col(AccessToken.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
        revoked += int(result.rowcount or 0)
        live.touch(session, users=[target.id])  # their open pages go to sign-in, on every instance
    target.is_active = active
    target.updated_at = utcnow()
    session.add(target)
    session.flush()
    return revoked


def _apply_admin(session: Session, target: User, make_admin: bool) -> None:
    if not make_admin:
        _keep_an_admin(session, target)
    target.is_admin = make_admin
    target.updated_at = utcnow()
    session.add(target)
    live.touch(session, users=[target.id])  # their header's Admin link follows
    session.flush()


def set_active(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    user_id: uuid.UUID | str,
    active: bool,
    ip: str | None = None,
    surface: str = "web",
) -> UserSummary:
    """Disable (``active=False``) or enable a person; disabling signs them out everywhere at once."""
    admin = require_admin(session, user_id=admin_id)
    target = _target(session, user_id)
    if not active and target.id == admin.id:
        raise InvalidInputError(NOT_YOURSELF_DISABLE)
    revoked = _apply_active(session, target, active)
    audit.record(
        session,
        actor=_actor(admin, ip=ip, surface=surface),
        action="admin.user.enable" if active else "admin.user.disable",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
        details={"revoked_tokens": revoked} if not active else None,
    )
    return _summary(session, target)


def set_admin(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    user_id: uuid.UUID | str,
    make_admin: bool,
    ip: str | None = None,
    surface: str = "web",
) -> UserSummary:
    """Make a person an admin, or no longer one (never the last active admin)."""
    admin = require_admin(session, user_id=admin_id)
    target = _target(session, user_id)
    _apply_admin(session, target, make_admin)
    audit.record(
        session,
        actor=_actor(admin, ip=ip, surface=surface),
        action="admin.user.promote" if make_admin else "admin.user.demote",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
    )
    return _summary(session, target)


def delete_user(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    user_id: uuid.UUID | str,
    password: str,
    ip: str | None = None,
    surface: str = "web",
) -> str:
    """Delete a person and what they own (as their own account deletion does); returns their email.

    ``password`` is the acting admin's own: a wrong one is refused (throttled) and nothing changes.
    """
    admin = require_admin(session, user_id=admin_id)
    target = _target(session, user_id)
    if target.id == admin.id:
        raise InvalidInputError(NOT_YOURSELF_DELETE)
    account.confirm_password(admin, password, message="That password is not right. Nobody was deleted.")
    _keep_an_admin(session, target)
    email, target_id = target.email, target.id
    account.erase(session, user=target)
    audit.record(
        session,
        actor=_actor(admin, ip=ip, surface=surface),
        action="admin.user.delete",
        target_type="user",
        target_id=target_id,
        target_label=email,
    )
    return email


def reset_link(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    user_id: uuid.UUID | str,
    base_url: str,
    smtp_url: str = "",
    mail_from: str = "Ticked <ticked@localhost>",
    ip: str | None = None,
    surface: str = "web",
) -> ResetLink:
    """A password-reset link for a person (single use, one hour): emailed to them when ``smtp_url``
    is given, else (or when the email could not be sent) returned for the admin to pass on."""
    admin = require_admin(session, user_id=admin_id)
    target = _target(session, user_id)
    if not target.is_active:
        raise InvalidInputError("This account is disabled: enable it before sending a reset link.")
    token = password_reset.issue(session, user=target)
    url = f"{base_url.rstrip('/')}/reset?token={token}"
    emailed_to: str | None = None
    mail_error: str | None = None
    if smtp_url:
        try:
            with mail.mailer(smtp_url) as sender:
                sender.send(mail.reset_email(sender=mail_from, to=target.email, url=url))
            emailed_to = target.email
        except mail.MailError as exc:
            mail_error = str(exc)
    audit.record(
        session,
        actor=_actor(admin, ip=ip, surface=surface),
        action="admin.user.reset_link",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
        details={"emailed": emailed_to is not None},
    )
    return ResetLink(url=url, email=target.email, emailed_to=emailed_to, mail_error=mail_error)


def reset_two_factor(
    session: Session,
    *,
    admin_id: uuid.UUID | None,
    user_id: uuid.UUID | str,
    ip: str | None = None,
    surface: str = "web",
) -> UserSummary:
    """Turn a person's two-factor sign-in off (a lost phone): they sign in with the password alone
    and may enrol again; their recovery codes are deleted."""
    admin = require_admin(session, user_id=admin_id)
    target = _target(session, user_id)
    target.totp_secret = None
    target.totp_enabled_at = None
    target.updated_at = utcnow()
    session.add(target)
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == target.id))
    audit.record(
        session,
        actor=_actor(admin, ip=ip, surface=surface),
        action="admin.user.reset_2fa",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
    )
    session.flush()
    return _summary(session, target)


def _summary(session: Session, user: User) -> UserSummary:
    counts = {
        name: _counts(session, model, [user.id]).get(user.id, 0)
        for name, model in (("t", Task), ("c", Thread))
    }
    return UserSummary(
        id=user.id,
        email=user.email,
        name=user.name or "",
        is_admin=user.is_admin,
        is_active=user.is_active,
        two_factor=user.totp_enabled_at is not None,
        created_at=user.created_at,
        last_active_at=user.last_active_at,
        tasks=counts["t"],
        threads=counts["c"],
    )


# --- the operator's command line ------------------------------------------------------------------


def _by_email(session: Session, email: str) -> User:
    user = auth_service.get_user_by_email(session, email=email)
    if user is None:
        raise NotFoundError(f"No user with email {email}.")
    return user


def system_set_admin(session: Session, *, email: str, make_admin: bool) -> User:
    """``user promote`` / ``user demote`` from the server's shell (never the last admin)."""
    target = _by_email(session, email)
    _apply_admin(session, target, make_admin)
    audit.record(
        session,
        actor=audit.Actor(surface="cli"),
        action="admin.user.promote" if make_admin else "admin.user.demote",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
    )
    return target


def system_set_active(session: Session, *, email: str, active: bool) -> User:
    """``user disable`` / ``user enable`` from the server's shell (never the last admin)."""
    target = _by_email(session, email)
    revoked = _apply_active(session, target, active)
    audit.record(
        session,
        actor=audit.Actor(surface="cli"),
        action="admin.user.enable" if active else "admin.user.disable",
        target_type="user",
        target_id=target.id,
        target_label=target.email,
        details={"revoked_tokens": revoked} if not active else None,
    )
    return target
