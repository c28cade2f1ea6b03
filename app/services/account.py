"""A person's own account: export everything, delete chats or the account, change the password.

Every destructive step asks for the password first and checks it before touching anything:
a wrong one raises :class:`WrongPasswordError` and nothing changes. Password checks are
throttled per account (5 wrong in 15 minutes, then wait), so a stolen session token cannot be
used to guess the password. What is removed goes through the database's ON DELETE CASCADE
foreign keys: a thread takes its messages, widgets, actions and chat operations with it; the
user row takes everything, its tokens included, so its sessions stop working at once.

Export reads through the ORM, so columns encrypted at rest come out as plain values.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from app.core.security import MIN_PASSWORD_LENGTH, TokenError, decode_token, hash_password, verify_password
from app.models import Action, AuthToken, Message, Task, TaskOperation, Thread, User, Widget
from app.models.base import utcnow
from app.services import auth as auth_service
from app.services.errors import ForbiddenError, InvalidInputError, NotFoundError, require_text
from app.services.preferences import effective_retention_days, read_preferences
from app.services.tasks import to_public
from app.services.throttle import SignInThrottle, TooManyAttempts

EXPORT_FORMAT = "ticked-export"
EXPORT_VERSION = 1
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


def export(session: Session, *, user_id: uuid.UUID) -> dict[str, Any]:
    """Everything stored about the user, as one JSON-ready dict (no password hash, no token hashes)."""
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
        select(Task).where(Task.user_id == user_id).order_by(col(Task.created_at), col(Task.id))
    ).all()
    sessions = session.exec(
        select(AuthToken).where(AuthToken.user_id == user_id).order_by(col(AuthToken.created_at))
    ).all()
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": _row(user, drop=("hashed_password", "chat_preferences")),
        "preferences": {
            **prefs.model_dump(mode="json"),
            "effective_retention_days": effective_retention_days(prefs),
        },
        "tasks": [to_public(t).to_json() for t in tasks],
        "threads": [_row(t) for t in threads],
        "messages": [_row(m) for m in messages],
        "widgets": [_row(w) for w in widgets],
        "actions": [_row(a) for a in actions],
        "operations": [_row(o) for o in operations],
        "sessions": [_row(s, drop=("fingerprint",)) for s in sessions],
    }


def delete_all_chats(session: Session, *, user_id: uuid.UUID, password: str) -> dict[str, int]:
    """Delete every conversation of the user (tasks stay); returns how many threads and messages went."""
    user = _user(session, user_id)
    confirm_password(user, password, message="That password is not right. Nothing was deleted.")
    threads = session.exec(select(func.count()).select_from(Thread).where(Thread.user_id == user_id)).one()
    messages = session.exec(select(func.count()).select_from(Message).where(Message.user_id == user_id)).one()
    session.execute(sa.delete(Thread).where(col(Thread.user_id) == user_id))
    user.last_chat_thread_id = None
    session.add(user)
    session.flush()
    return {"threads": int(threads), "messages": int(messages)}


def delete_account(session: Session, *, user_id: uuid.UUID, password: str) -> None:
    """Delete the account and everything it owns; every token it had stops working."""
    user = _user(session, user_id)
    confirm_password(user, password, message="That password is not right. Your account was not deleted.")
    auth_service.revoke_all_tokens(session, user_id=user_id)
    session.expunge(user)
    session.execute(sa.delete(User).where(col(User.id) == user_id))
    session.flush()


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
    return revoked
