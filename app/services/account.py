"""A person's own account: export everything, delete chats or the account, change the password.

Every destructive step asks for the password first and checks it before touching anything:
a wrong one raises :class:`WrongPasswordError` and nothing changes. Password checks are
throttled per account (5 wrong in 15 minutes, then wait), so a stolen session token cannot be
used to guess the password. What is removed goes through the database's ON DELETE CASCADE
foreign keys: a thread takes its messages, widgets, actions and chat operations with it; the
user row takes everything, its tokens included, so its sessions stop working at once.

Export reads through the ORM, so columns encrypted at rest come out as plain values. What it
holds, and what it leaves out, is in :func:`export`'s docstring.
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
EXPORT_VERSION = 2
"""2: rows no longer repeat task data (tool results, widget trees, the assistant's memory); see export."""
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


def export(session: Session, *, user_id: uuid.UUID) -> dict[str, Any]:
    """Everything a person has here, once, as one JSON-ready dict (no password hash, no token hashes).

    It holds the profile and preferences; every task, in full; every conversation with every
    message (the text as written and shown; for the assistant's, each tool it called with its
    arguments and outcome); every card the assistant showed (kind, state, heading, the ids of
    its tasks); every card click (what it asked for, its status and outcome); the journal of
    every task change (who, from where, the words that asked, the command, its outcome, and each
    task before and after); and the signed-in sessions.

    It leaves out internal copies that only repeat task data, which made the file grow with every
    list shown rather than with what the person has (2.1 MB for 74 tasks and 5 conversations):
    a tool's full result (in ``tool_calls``, ``operations`` and ``actions``: the tasks it read or
    changed, already in ``tasks`` and in the journal's before/after; its plain values stay, as
    ``outcome``), a card's rendered tree (``widgets[].payload``) and the assistant's working memory
    (thread metadata ``agent_memory``). So its size follows the number of tasks, messages and
    changes, not how often they were listed.
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
        "threads": [_thread(t) for t in threads],
        "messages": [_message(m) for m in messages],
        "widgets": [_widget(w) for w in widgets],
        "actions": [_with_outcome(a) for a in actions],
        "operations": [_with_outcome(o) for o in operations],
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
