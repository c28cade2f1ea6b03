"""What an unfinished chat turn had already changed, read back from the TaskOperation journal.

Every tool call commits its change and its journal row together, so after a crash (or a reply that
could not be stored) the journal is the record of what the turn did. Closing such a turn shows it
("Before it stopped, I added 7 tasks: ..."), stores those calls as the reply's ``tool_calls``, and a
retry replays them from here instead of running them again.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from app.models import Message, MessageStatus, OperationStatus, Role, TaskOperation
from app.services.presentation import quoted

SHOWN_TITLES = 5
"""Titles named per kind of change; the rest are counted ("... and 2 more")."""

_CHANGES = {
    "created": "added",
    "completed": "completed",
    "pending": "reopened",
    "updated": "updated",
    "deleted": "deleted",
    "undone": "undid the change to",
}
"""A tool result's ``status`` -> the verb that says what it did (searches and listings change nothing)."""


def last_reply(session: Session, *, thread_id: uuid.UUID) -> Message | None:
    """The thread's newest assistant message."""
    return session.exec(
        select(Message)
        .where(Message.thread_id == thread_id, Message.role == Role.assistant.value)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()


def question_of(session: Session, *, message: Message) -> Message | None:
    """The user message a reply answers: the one a retry was asked for (``meta.answers``), else the
    newest user message before the reply."""
    answers = (message.meta or {}).get("answers")
    if answers:
        found = session.get(Message, uuid.UUID(str(answers)))
        if found is not None and found.thread_id == message.thread_id:
            return found
    return session.exec(
        select(Message)
        .where(
            Message.thread_id == message.thread_id,
            Message.role == Role.user.value,
            col(Message.created_at) <= message.created_at,
        )
        .order_by(col(Message.created_at).desc())
        .limit(1)
    ).first()


def attempts(session: Session, *, message: Message) -> list[uuid.UUID]:
    """``message`` and the earlier failed replies to the same question: every attempt at this answer,
    so a retry of an interrupted retry does not redo what the first attempt applied either."""
    question = question_of(session, message=message)
    if question is None:
        return [message.id]
    failed = session.exec(
        select(Message).where(
            Message.thread_id == message.thread_id,
            Message.role == Role.assistant.value,
            Message.status == MessageStatus.error.value,
            col(Message.created_at) >= question.created_at,
            col(Message.created_at) < message.created_at,
        )
    ).all()
    same = [
        m.id
        for m in failed
        if m.id != message.id and getattr(question_of(session, message=m), "id", None) == question.id
    ]
    return [*same, message.id]


def applied_calls(
    session: Session, *, user_id: uuid.UUID, message_ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """The tool calls these replies applied, oldest first, as a reply's ``tool_calls`` entries.

    Only completed calls: a call whose process died mid-way committed nothing (its change and its
    "completed" are one transaction). Undone ones are left out.
    """
    rows = session.exec(
        select(TaskOperation)
        .where(
            TaskOperation.user_id == user_id,
            col(TaskOperation.message_id).in_(message_ids),
            TaskOperation.status == OperationStatus.completed.value,
            col(TaskOperation.undone_at).is_(None),
            col(TaskOperation.tool_name).is_not(None),
        )
        .order_by(col(TaskOperation.created_at), col(TaskOperation.id))
    ).all()
    return [
        {
            "id": f"call_{op.id.hex[:12]}",
            "name": op.tool_name,
            "arguments": (op.structured_command or {}).get("args", {}),
            "result": op.result or {},
        }
        for op in rows
    ]


def summary(calls: list[dict[str, Any]]) -> str:
    """ "Before it stopped, I added 7 tasks: "a", "b", "c", "d", "e" and 2 more; completed "f"." or ""."""
    done: dict[str, list[str]] = {}
    for call in calls:
        result: dict[str, Any] = call.get("result") or {}
        verb = _CHANGES.get(str(result.get("status")))
        if verb is None or "error" in call:
            continue
        listed = result.get("titles")
        titles = listed if isinstance(listed, list) else [result.get("title")]
        done.setdefault(verb, []).extend(str(t) for t in titles if t)
    phrases = [_phrase(verb, titles) for verb, titles in done.items() if titles]
    return f"Before it stopped, I {'; '.join(phrases)}." if phrases else ""


def _phrase(verb: str, titles: list[str]) -> str:
    if len(titles) == 1:
        return f"{verb} {quoted(titles[0])}"
    shown = [quoted(t) for t in titles[:SHOWN_TITLES]]
    more = len(titles) - len(shown)
    listed = ", ".join(shown) + f" and {more} more" if more else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"{verb} {len(titles)} tasks: {listed}"


def interrupted_text(text: str, calls: list[dict[str, Any]]) -> str:
    """``text`` ("This reply was interrupted.") followed by what the calls had done, if anything."""
    done = summary(calls)
    return f"{text} {done}" if done else text


def turn_calls(session: Session, *, message: Message) -> list[dict[str, Any]]:
    """What every attempt at ``message``'s answer applied (see :func:`attempts`)."""
    return applied_calls(session, user_id=message.user_id, message_ids=attempts(session, message=message))


def close_interrupted(session: Session, *, message: Message, text: str) -> None:
    """Say on an unfinished reply that it was interrupted and what it had done (from the journal).

    A reply that has text keeps it; ``tool_calls`` become the calls the journal shows applied when
    the reply has none stored (a crash: the runner's own record died with its process).
    """
    applied = turn_calls(session, message=message)
    if not message.content:
        message.content = interrupted_text(text, applied)
    if not message.tool_calls:
        message.tool_calls = applied or None
