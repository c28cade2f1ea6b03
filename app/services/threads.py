"""Threads: the conversations in the sidebar, always for one acting user.

Titles are encrypted at rest, so search goes through the keyed-hash term index
(``app.services.search_index``); every title written here is indexed in the same transaction.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app.core.db import in_session, read_rows
from app.models import AgentMemory, Thread, ThreadStatus, User
from app.models.base import utcnow
from app.models.thread import THREAD_TITLE_MAX, thread_is_active
from app.services import search_index
from app.services.errors import InvalidInputError, NotFoundError, require_text
from app.services.projects import parse_id

DEFAULT_TITLE = "New chat"
TITLE_FROM_MESSAGE_MAX = 60
THREADS_PAGE_MAX = 100
"""The most threads one page holds (the API's ``limit`` maximum)."""


def title_from_message(text: str) -> str:
    """A short title from the first message: its first line, cut at a word near 60 characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"\s+", " ", line)
    if not line:
        return DEFAULT_TITLE
    if len(line) > TITLE_FROM_MESSAGE_MAX:
        cut = line[:TITLE_FROM_MESSAGE_MAX].rsplit(" ", 1)[0] or line[:TITLE_FROM_MESSAGE_MAX]
        line = cut.rstrip(" ,.;:-") + "…"
    return line[0].upper() + line[1:]


def title_is_automatic(thread: Thread) -> bool:
    """Whether the thread still has its neutral title: no turn named it and the person did not rename it."""
    return thread.title == DEFAULT_TITLE and not thread.meta.get("title_set_by_user")


def propose_title(session: Session, thread: Thread, title: str | None, *, first_turn: bool = False) -> bool:
    """Give the thread an assistant's title ("Pay rent"), unless the person's title must stay.

    A proposal is taken while the title is automatic (:func:`title_is_automatic`) and, on the
    thread's first turn, also over the title that turn's message gave it (the reply knows better
    than the message alone, e.g. the real task a "complete the milk one" completed). A title the
    person set by renaming is never replaced; titles stay renamable.

    Returns:
        Whether the title changed.
    """
    if not title or not title.strip() or thread.meta.get("title_set_by_user"):
        return False
    if not (first_turn or thread.title == DEFAULT_TITLE):
        return False
    new = title_from_message(title)[:THREAD_TITLE_MAX]
    if new == thread.title:
        return False
    thread.title = clean_title(new)
    session.add(thread)
    search_index.set_title(session, thread)
    return True


def clean_title(title: str) -> str:
    require_text(title, "The title")
    title = re.sub(r"\s+", " ", str(title or "").replace("\x00", "")).strip()
    if not title:
        raise InvalidInputError("Title can't be empty.")
    if len(title) > THREAD_TITLE_MAX:
        raise InvalidInputError(f"Title is too long ({len(title)} characters; at most {THREAD_TITLE_MAX}).")
    return title


def create_thread(session: Session, *, user_id: uuid.UUID, title: str = DEFAULT_TITLE) -> Thread:
    thread = Thread(
        user_id=user_id, title=clean_title(title), search_block=search_index.open_block(session, user_id)
    )
    session.add(thread)
    session.flush()
    search_index.new_thread(session, thread)
    return thread


def get_thread(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | str | None) -> Thread:
    """One thread of the user; another user's id is "not found", exactly like a missing one."""
    tid = parse_id(thread_id)
    thread = session.get(Thread, tid) if tid else None
    if thread is None or thread.user_id != user_id:
        raise NotFoundError("Conversation not found.")
    return thread


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """A thread as readers see it (the sidebar, the API, opening a conversation): its columns as
    plain values, not an ORM object. Reading rows skips the ORM's object loading, a fifth of a hot
    read's time (issue 19); change a thread through :func:`get_thread`'s ``Thread``."""

    id: uuid.UUID
    user_id: uuid.UUID
    title: str
    status: str
    meta: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    def is_active(self, now: datetime | None = None) -> bool:
        """As :meth:`Thread.is_active`."""
        return thread_is_active(self.status, self.updated_at, now)


_THREADS: sa.Table = Thread.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel
_ROW_COLUMNS = tuple(
    _THREADS.c[name] for name in ("id", "user_id", "title", "status", "metadata", "created_at", "updated_at")
)
"""ThreadRow's columns, in its order."""


@cache
def _row_statement() -> sa.Select[*tuple[Any, ...]]:
    """One thread of one user, as a row (built once: building a statement cost as much as running it)."""
    return sa.select(*_ROW_COLUMNS).where(
        _THREADS.c.id == sa.bindparam("thread_id"), _THREADS.c.user_id == sa.bindparam("user_id")
    )


def get_thread_row(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | str | None) -> ThreadRow:
    """:func:`get_thread` for reading: the same "not found" for a missing or someone else's thread."""
    tid = parse_id(thread_id)
    rows = read_rows(session, _row_statement(), {"thread_id": tid, "user_id": user_id}) if tid else ()
    if not rows:
        raise NotFoundError("Conversation not found.")
    return ThreadRow(*rows[0])


@dataclass(frozen=True)
class ThreadCursor:
    """Keyset position in the recency order: the last (updated_at, id) seen."""

    updated_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return f"{self.updated_at.isoformat()}|{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> ThreadCursor | None:
        if not raw:
            return None
        try:
            stamp, tid = raw.split("|", 1)
            return cls(datetime.fromisoformat(stamp), uuid.UUID(tid))
        except (ValueError, TypeError) as exc:
            raise InvalidInputError("Invalid cursor.") from exc


@dataclass(frozen=True)
class ThreadPage:
    """One page of threads, and whether more follow it."""

    threads: list[ThreadRow]
    has_more: bool

    @property
    def next_after(self) -> ThreadCursor | None:
        """Where the next page starts (after this page's last thread); None on the last page."""
        if not (self.has_more and self.threads):
            return None
        return ThreadCursor(self.threads[-1].updated_at, self.threads[-1].id)


def page_threads(
    session: Session,
    *,
    user_id: uuid.UUID,
    archived: bool = False,
    search: str | None = None,
    limit: int = 30,
    after: ThreadCursor | None = None,
    order: str = "desc",
) -> ThreadPage:
    """A page of :func:`list_threads` (up to ``limit``, at most 100) and whether more follow.

    Whether more follow is read from one look-ahead row, fetched here: a caller asking
    ``list_threads`` for ``limit + 1`` itself hit the 100 cap at ``limit=100`` and never saw a
    second page.
    """
    if not 1 <= limit <= THREADS_PAGE_MAX:
        raise InvalidInputError(f"limit must be between 1 and {THREADS_PAGE_MAX}.")
    rows = _threads(session, user_id, archived, search, limit + 1, after, order)
    return ThreadPage(threads=rows[:limit], has_more=len(rows) > limit)


def list_threads(
    session: Session,
    *,
    user_id: uuid.UUID,
    archived: bool = False,
    search: str | None = None,
    limit: int = 30,
    after: ThreadCursor | None = None,
    order: str = "desc",
) -> list[ThreadRow]:
    """The user's threads by activity (newest first, or oldest with ``order="asc"``), keyset-paged.

    ``search`` keeps the threads whose title or messages hold every word of it (as a word or a
    word's start; see ``app.services.search_index`` for the exact rules). ``limit`` is held to
    1-100; to page, use :func:`page_threads`, which also says whether more follow.
    """
    limit = max(1, min(int(limit), THREADS_PAGE_MAX))
    return _threads(session, user_id, archived, search, limit, after, order)


def _threads(
    session: Session,
    user_id: uuid.UUID,
    archived: bool,
    search: str | None,
    limit: int,
    after: ThreadCursor | None,
    order: str,
) -> list[ThreadRow]:
    if order not in ("asc", "desc"):
        raise InvalidInputError("order must be asc or desc.")
    status = ThreadStatus.archived if archived else ThreadStatus.active
    stmt = _page_statement(order, after is not None)
    if search and search.strip():
        for condition in search_index.thread_filters(session, user_id, search, _THREADS):
            stmt = stmt.where(condition)
    params: dict[str, Any] = {"user_id": user_id, "status": status.value, "limit": limit}
    if after is not None:
        params |= {"after_at": after.updated_at, "after_id": after.id}
    return [ThreadRow(*row) for row in read_rows(session, stmt, params)]


@cache
def _page_statement(order: str, after: bool) -> sa.Select[*tuple[Any, ...]]:
    """A page of one user's threads in one status, ordered, after a cursor when ``after`` (built once
    per shape, values bound per call: building it cost as much as running it, issue 19)."""
    at, tid = _THREADS.c.updated_at, _THREADS.c.id
    stmt = sa.select(*_ROW_COLUMNS).where(
        _THREADS.c.user_id == sa.bindparam("user_id"), _THREADS.c.status == sa.bindparam("status")
    )
    after_at: sa.BindParameter[datetime] = sa.bindparam("after_at")
    after_id: sa.BindParameter[uuid.UUID] = sa.bindparam("after_id")
    if after and order == "desc":
        stmt = stmt.where(sa.or_(at < after_at, sa.and_(at == after_at, tid < after_id)))
    elif after:
        stmt = stmt.where(sa.or_(at > after_at, sa.and_(at == after_at, tid > after_id)))
    newest_first = order == "desc"
    return stmt.order_by(*((at.desc(), tid.desc()) if newest_first else (at.asc(), tid.asc()))).limit(
        sa.bindparam("limit")
    )


def rename_thread(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | str, title: str) -> Thread:
    thread = get_thread(session, user_id=user_id, thread_id=thread_id)
    thread.title = clean_title(title)
    thread.meta = {**thread.meta, "title_set_by_user": True}
    session.add(thread)
    search_index.set_title(session, thread)
    return thread


def set_archived(
    session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | str, archived: bool = True
) -> Thread:
    thread = get_thread(session, user_id=user_id, thread_id=thread_id)
    thread.status = (ThreadStatus.archived if archived else ThreadStatus.active).value
    session.add(thread)
    return thread


def delete_thread(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID | str) -> None:
    """Delete a thread with its messages, widgets and actions (database cascades)."""
    thread = get_thread(session, user_id=user_id, thread_id=thread_id)
    user = session.get(User, user_id)
    if user is not None and user.last_chat_thread_id == thread.id:
        user.last_chat_thread_id = None
        session.add(user)
    session.execute(sa.delete(Thread).where(col(Thread.id) == thread.id))
    session.expunge(thread)


def touch(session: Session, thread: Thread) -> None:
    thread.updated_at = utcnow()
    session.add(thread)


def agent_memory(thread: Thread) -> AgentMemory:
    """The assistant's memory of this thread (empty on a new thread; see :class:`AgentMemory`)."""
    return AgentMemory.from_stored(thread.meta.get("agent_memory"))


def set_agent_memory(session: Session, thread: Thread, memory: AgentMemory) -> None:
    """Keep ``memory`` for the thread's next turn, as the JSON object older rows hold too."""
    thread.meta = {**thread.meta, "agent_memory": memory.to_stored()}
    session.add(thread)


def remember_last_thread(session: Session, *, user_id: uuid.UUID, thread_id: uuid.UUID) -> None:
    """The thread to reopen after sign-in; only one of the user's own (else "not found")."""
    thread = get_thread(session, user_id=user_id, thread_id=thread_id)
    user = in_session(session, User, user_id)
    if user is not None:  # held by this transaction: change it there
        if user.last_chat_thread_id != thread.id:
            user.last_chat_thread_id = thread.id
            session.add(user)
        return
    # One statement, the row not read first (a turn asks every time; issue 19).
    session.execute(_remember_statement(), {"user_id": user_id, "new_thread_id": thread.id})


@cache
def _remember_statement() -> sa.Update:
    """:func:`remember_last_thread`'s update of the table (built once; nothing in the session to
    keep in step: the caller checked that it does not hold the row)."""
    c = _USERS.c
    return (
        sa.update(_USERS)
        .where(
            c.id == sa.bindparam("user_id"),
            c.last_chat_thread_id.is_distinct_from(sa.bindparam("new_thread_id")),
        )
        .values(last_chat_thread_id=sa.bindparam("new_thread_id"))
    )


_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]  # set by SQLAlchemy, undeclared by SQLModel


def last_thread_id(session: Session, *, user_id: uuid.UUID) -> uuid.UUID | None:
    """The thread to reopen after sign-in, if it still exists and is not archived."""
    user = session.get(User, user_id)
    if user is None or user.last_chat_thread_id is None:
        return None
    thread = session.get(Thread, user.last_chat_thread_id)
    if thread is None or thread.user_id != user_id or thread.status != ThreadStatus.active:
        return None
    return thread.id
