"""Messages: stored before the agent runs, immutable once complete, paged newest-last.

Content is encrypted at rest; whenever a message gains text it is added to the thread's search
index (``app.services.search_index``) in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.db import read_rows
from app.models import Message, MessageStatus, Role
from app.models.base import UTCDateTime, utcnow
from app.models.message import MESSAGE_MAX, OPEN_STATUSES
from app.services import search_index, turn_journal
from app.services.errors import BusyError, InvalidInputError, NotFoundError, require_text
from app.services.projects import parse_id
from app.services.threads import ThreadRow, get_thread, get_thread_row, touch

BUSY_MESSAGE = "The assistant is still answering in this conversation. Wait for it, or press Stop."
INTERRUPTED = "interrupted"
MESSAGES_PAGE_MAX = 200
"""The most messages one page holds."""
INTERRUPTED_TEXT = "This reply was interrupted."


def clean_content(text: str) -> str:
    # NUL characters are dropped: PostgreSQL text cannot hold them (SQLite can), and no
    # message needs one.
    require_text(text, "The message")
    text = str(text or "").replace("\x00", "").strip()
    if not text:
        raise InvalidInputError("Type a message first.")
    if len(text) > MESSAGE_MAX:
        raise InvalidInputError(
            f"That message is too long ({len(text):,} characters; at most {MESSAGE_MAX:,})."
        )
    return text


def add_user_message(
    session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID, content: str, new_thread: bool = False
) -> Message:
    """The person's message, the thread moved to the top (``new_thread``: made in this transaction,
    it is on top already)."""
    thread = get_thread(session, user_id=user_id, thread_id=thread_id)
    message = Message(thread_id=thread.id, user_id=user_id, role=Role.user, content=clean_content(content))
    session.add(message)
    if not new_thread:
        touch(session, thread)
    session.flush()
    search_index.add_message_text(session, user_id=user_id, thread_id=thread.id, text=message.content)
    return message


def open_assistant_message(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID) -> Message:
    """Claim the thread's one open turn; a second claim while one runs raises :class:`BusyError`.

    The unique partial index on open assistant messages makes this hold across processes.
    """
    message = Message(
        thread_id=thread_id, user_id=user_id, role=Role.assistant, content="", status=MessageStatus.pending
    )
    session.add(message)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise BusyError(BUSY_MESSAGE) from exc
    return message


def has_open_turn(session: Session, *, thread_id: uuid.UUID) -> bool:
    stmt = select(Message.id).where(Message.thread_id == thread_id, col(Message.status).in_(OPEN_STATUSES))
    return session.exec(stmt.limit(1)).first() is not None


def set_status(session: Session, *, message_id: uuid.UUID, status: MessageStatus) -> Message | None:
    message = session.get(Message, message_id)
    if message is not None:
        message.status = status.value
        message.updated_at = utcnow()
        session.add(message)
    return message


def finish_assistant_message(
    session: Session,
    *,
    message_id: uuid.UUID,
    content: str,
    status: MessageStatus = MessageStatus.completed,
    tool_calls: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError("Message not found.")
    message.content = content.replace("\x00", "")[:MESSAGE_MAX]
    message.status = status.value
    message.tool_calls = tool_calls or None
    message.meta = {**(message.meta or {}), **(meta or {})}
    message.updated_at = utcnow()
    session.add(message)
    search_index.add_message_text(
        session, user_id=message.user_id, thread_id=message.thread_id, text=message.content
    )
    return message


def get_message(session: Session, *, user_id: uuid.UUID, message_id: uuid.UUID | str) -> Message:
    mid = parse_id(message_id)
    message = session.get(Message, mid) if mid else None
    if message is None or message.user_id != user_id:
        raise NotFoundError("Message not found.")
    return message


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as readers see it (the chat page, the API, the assistant's history): its columns as
    plain values, not an ORM object (as :class:`app.services.threads.ThreadRow`, issue 19); change
    a message through :func:`get_message`'s ``Message``."""

    id: uuid.UUID
    user_id: uuid.UUID
    role: str
    content: str
    status: str
    tool_calls: list[dict[str, Any]] | None
    meta: dict[str, Any]
    created_at: datetime


def list_messages(
    session: Session,
    *,
    user_id: uuid.UUID,
    thread_id: uuid.UUID | str,
    limit: int = 50,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> list[MessageRow]:
    """The newest ``limit`` messages before a cursor, returned oldest first (chat order).

    ``limit`` is held to 1-200; to page ("load earlier"), use :func:`thread_with_page`, which also
    says whether earlier messages remain.
    """
    limit = max(1, min(int(limit), MESSAGES_PAGE_MAX))
    _thread, page = thread_with_page(
        session, user_id=user_id, thread_id=thread_id, limit=limit, before=before
    )
    return page.messages


@dataclass(frozen=True)
class MessagePage:
    """One page of a conversation's messages (oldest first), and whether earlier ones remain."""

    messages: list[MessageRow]
    has_earlier: bool

    @property
    def next_before(self) -> tuple[datetime, uuid.UUID] | None:
        """Where the earlier page ends (before this page's first message); None on the first page."""
        if not (self.has_earlier and self.messages):
            return None
        return self.messages[0].created_at, self.messages[0].id


def thread_with_page(
    session: Session,
    *,
    user_id: uuid.UUID,
    thread_id: uuid.UUID | str,
    limit: int = 50,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> tuple[ThreadRow, MessagePage]:
    """The user's thread and its newest ``limit`` (1-200) messages before a cursor, with whether
    earlier ones remain: opening a conversation, or a page of it ("load earlier").

    The look-ahead row that tells is fetched here, past the cap, so every allowed limit pages.
    """
    if not 1 <= limit <= MESSAGES_PAGE_MAX:
        raise InvalidInputError(f"limit must be between 1 and {MESSAGES_PAGE_MAX}.")
    thread = get_thread_row(session, user_id=user_id, thread_id=thread_id)
    rows = _newest(session, thread.id, limit + 1, before)
    return thread, MessagePage(messages=rows[-limit:], has_earlier=len(rows) > limit)


def _newest(
    session: Session, thread_id: uuid.UUID, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> list[MessageRow]:
    params: dict[str, Any] = {"thread_id": thread_id, "limit": limit}
    if before is not None:
        params["before_at"], params["before_id"] = before
    rows = read_rows(session, _newest_statement(before is not None), params)
    return [MessageRow(*row) for row in reversed(rows)]


_MESSAGES: sa.Table = Message.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel


@cache
def _newest_statement(before: bool) -> sa.Select[*tuple[Any, ...]]:
    """A thread's newest messages, before a cursor when ``before`` (built once: building it cost as
    much as running it, issue 19)."""
    c = _MESSAGES.c
    stmt = sa.select(c.id, c.user_id, c.role, c.content, c.status, c.tool_calls, c.metadata, c.created_at)
    stmt = stmt.where(c.thread_id == sa.bindparam("thread_id"))
    if before:
        # A row comparison, not ``a < x OR (a = x AND b < y)``: both databases read it as one range
        # of the (thread_id, created_at, id) index, where PostgreSQL sorted the OR's rows.
        stmt = stmt.where(
            sa.tuple_(c.created_at, c.id)
            < sa.tuple_(
                sa.bindparam("before_at", type_=UTCDateTime()), sa.bindparam("before_id", type_=sa.Uuid())
            )
        )
    order = (c.created_at.desc(), c.id.desc())
    return stmt.order_by(*order).limit(sa.bindparam("limit"))


def user_message_before(session: Session, *, message: Message) -> Message | None:
    """The user message ``message`` answers (see :func:`turn_journal.question_of`)."""
    return turn_journal.question_of(session, message=message)


def mark_interrupted(
    session: Session, *, older_than: datetime | None = None, thread_id: uuid.UUID | None = None
) -> int:
    """Turns left open by a crash become errors ("interrupted") so their threads take new turns, each
    saying what it had already done ("Before it stopped, I added ...", from the journal).

    At start-up of a single instance every open turn is orphaned (``older_than=None``); with
    several instances only turns idle for longer than any live turn can take are.
    """
    stmt = select(Message).where(col(Message.status).in_(OPEN_STATUSES))
    if older_than is not None:
        stmt = stmt.where(col(Message.updated_at) < older_than)
    if thread_id is not None:
        stmt = stmt.where(Message.thread_id == thread_id)
    stale = session.exec(stmt).all()
    for message in stale:
        message.status = MessageStatus.error.value
        message.meta = {**(message.meta or {}), "error": INTERRUPTED}
        had_text = bool(message.content)
        turn_journal.close_interrupted(session, message=message, text=INTERRUPTED_TEXT)
        if not had_text:
            search_index.add_message_text(
                session, user_id=message.user_id, thread_id=message.thread_id, text=message.content
            )
        message.updated_at = utcnow()
        session.add(message)
    return len(stale)
