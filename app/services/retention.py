"""Chat retention: delete conversations older than each person's retention, capped by the server.

A conversation's age counts from its last activity: ``threads.updated_at`` moves with every
message (``threads.touch``), and a message newer than the cut-off found under it also keeps
it, so a conversation someone came back to is never purged. Tasks are never touched: they
belong to the person, not to a chat.

Deleting the thread row removes everything under it through ``ON DELETE CASCADE`` foreign
keys: messages, widgets, actions, the task operations made in that chat (their input text is
chat content) and any other table that points at a thread or at one of its rows with CASCADE
(found in ``SQLModel.metadata``, so a new table such as a search index is counted without
changes here). ``users.last_chat_thread_id`` is a plain column, not a foreign key, so it is
cleared here.

Work is batched (``batch_size`` threads per transaction) so a large purge never holds one
long transaction or loads every id at once; running it again, or on two instances at once,
deletes nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from app.core.db import session_scope
from app.models import Message, Thread, User
from app.models.base import utcnow
from app.services.preferences import read_preferences, server_retention_days

log = logging.getLogger(__name__)

BATCH_SIZE = 200
USER_PAGE = 500
PURGE_INTERVAL_SECONDS = 24 * 60 * 60


@dataclass
class PurgeReport:
    """What a purge deleted (or, with ``dry_run``, would delete)."""

    dry_run: bool = False
    users: int = 0
    threads: int = 0
    rows: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "users": self.users,
            "threads": self.threads,
            "rows": dict(self.rows),
        }

    def summary(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        details = ", ".join(f"{n} {table}" for table, n in sorted(self.rows.items()) if n)
        return (
            f"{verb} {self.threads} conversation(s) of {self.users} user(s)"
            + (f" ({details})" if details else "")
        ) + "."


@lru_cache(maxsize=1)
def cascade_tables() -> tuple[str, ...]:
    """The tables whose rows go with a thread: CASCADE foreign keys to threads or to such rows."""
    found: list[str] = []
    reached = {Thread.__tablename__}
    changed = True
    while changed:
        changed = False
        for table in SQLModel.metadata.sorted_tables:
            if table.name in reached:
                continue
            if any(fk.ondelete == "CASCADE" and fk.column.table.name in reached for fk in table.foreign_keys):
                reached.add(table.name)
                found.append(table.name)
                changed = True
    return tuple(found)


def _under(table: sa.Table, thread_ids: list[uuid.UUID], depth: int = 0) -> sa.ColumnElement[bool]:
    """A condition on ``table`` matching the rows that a delete of ``thread_ids`` cascades to."""
    tables = SQLModel.metadata.tables
    parts: list[sa.ColumnElement[bool]] = []
    for fk in table.foreign_keys:
        if fk.ondelete != "CASCADE":
            continue
        target = fk.column.table
        if target.name == Thread.__tablename__:
            parts.append(fk.parent.in_(thread_ids))
        elif target.name in cascade_tables() and depth < len(tables):
            parts.append(fk.parent.in_(sa.select(fk.column).where(_under(target, thread_ids, depth + 1))))
    return sa.or_(*parts) if parts else sa.false()


def count_under(session: Session, *, thread_ids: list[uuid.UUID]) -> Counter[str]:
    """How many rows of each table go with these threads (threads themselves not included)."""
    counts: Counter[str] = Counter()
    if not thread_ids:
        return counts
    for name in cascade_tables():
        table = SQLModel.metadata.tables[name]
        stmt = sa.select(sa.func.count()).select_from(table).where(_under(table, thread_ids))
        counts[name] = int(session.execute(stmt).scalar_one())
    return counts


def cutoff_for(user: User, now: datetime, server_days: int | None = None) -> datetime | None:
    """The moment before which this user's conversations expire, or None to keep them.

    ``server_days`` is the instance's maximum (``preferences.server_retention_days``), or None.
    """
    prefs = read_preferences(user)
    choices = [d for d in (prefs.retention_days, server_days) if d]
    days = min(choices) if choices else None
    return now - timedelta(days=days) if days else None


def expired_thread_ids(
    session: Session,
    *,
    user_id: uuid.UUID,
    cutoff: datetime,
    limit: int = BATCH_SIZE,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[tuple[datetime, uuid.UUID]]:
    """Up to ``limit`` of the user's threads idle since before ``cutoff``, oldest first (keyset-paged)."""
    newer = (
        select(Message.id).where(Message.thread_id == Thread.id, col(Message.created_at) >= cutoff).exists()
    )
    stmt = select(Thread.updated_at, Thread.id).where(
        Thread.user_id == user_id, col(Thread.updated_at) < cutoff, ~newer
    )
    if after is not None:
        stmt = stmt.where(
            sa.or_(
                col(Thread.updated_at) > after[0],
                sa.and_(col(Thread.updated_at) == after[0], col(Thread.id) > after[1]),
            )
        )
    stmt = stmt.order_by(col(Thread.updated_at), col(Thread.id)).limit(limit)
    return [(row[0], row[1]) for row in session.exec(stmt).all()]


def delete_threads(session: Session, *, user_id: uuid.UUID, thread_ids: list[uuid.UUID]) -> int:
    """Delete these threads of the user (the database cascades the rest); returns how many went.

    Also clears ``last_chat_thread_id`` when it pointed at one of them, so sign-in never tries to
    reopen a deleted conversation.
    """
    if not thread_ids:
        return 0
    session.execute(
        sa.update(User)
        .where(col(User.id) == user_id, col(User.last_chat_thread_id).in_(thread_ids))
        .values(last_chat_thread_id=None)
    )
    result: Any = session.execute(
        sa.delete(Thread).where(col(Thread.user_id) == user_id, col(Thread.id).in_(thread_ids))
    )
    return int(result.rowcount or 0)


def purge_user(
    session: Session,
    *,
    user_id: uuid.UUID,
    cutoff: datetime,
    dry_run: bool = False,
    limit: int = BATCH_SIZE,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> tuple[int, Counter[str], tuple[datetime, uuid.UUID] | None]:
    """One batch for one user: (threads, rows per table, position to continue after or None when done).

    The delete repeats the age condition, so a message that arrives between the select and the
    delete keeps its conversation.
    """
    found = expired_thread_ids(session, user_id=user_id, cutoff=cutoff, limit=limit, after=after)
    ids = [tid for _, tid in found]
    counts = count_under(session, thread_ids=ids)
    if dry_run:
        deleted = len(ids)
    else:
        stmt = select(Thread.id).where(col(Thread.id).in_(ids), col(Thread.updated_at) < cutoff)
        still_old = list(session.exec(stmt).all())
        if len(still_old) != len(ids):
            counts = count_under(session, thread_ids=still_old)
        deleted = delete_threads(session, user_id=user_id, thread_ids=still_old)
    next_after = found[-1] if len(found) == limit else None
    return deleted, counts, next_after


def _users_page(after: uuid.UUID | None) -> list[tuple[uuid.UUID, datetime | None]]:
    """A page of (user id, cut-off) pairs, keyset by id."""
    now = utcnow()
    with session_scope() as session:
        stmt = select(User).order_by(col(User.id)).limit(USER_PAGE)
        if after is not None:
            stmt = stmt.where(col(User.id) > after)
        server_days = server_retention_days(session)
        return [(user.id, cutoff_for(user, now, server_days)) for user in session.exec(stmt).all()]


def purge_expired_chats(*, dry_run: bool = False, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Purge every user's expired conversations, one short transaction per batch.

    This is the job the CLI (``purge``) and the app's daily task run; it opens its own sessions
    because each batch commits on its own.
    """
    report = PurgeReport(dry_run=dry_run)
    last_user: uuid.UUID | None = None
    while True:
        users = _users_page(last_user)
        if not users:
            return report
        last_user = users[-1][0]
        for user_id, cutoff in users:
            if cutoff is None:
                continue
            touched = False
            after: tuple[datetime, uuid.UUID] | None = None
            while True:
                with session_scope() as session:
                    deleted, counts, after = purge_user(
                        session,
                        user_id=user_id,
                        cutoff=cutoff,
                        dry_run=dry_run,
                        limit=batch_size,
                        after=after,
                    )
                report.threads += deleted
                report.rows.update(counts)
                touched = touched or deleted > 0
                if after is None:
                    break
            report.users += int(touched)


async def purge_daily(interval_seconds: float = PURGE_INTERVAL_SECONDS) -> None:
    """The app's background task: purge at start-up, then every ``interval_seconds``.

    The purge runs in a worker thread so the event loop keeps serving pages meanwhile; a failure
    is logged and the next run still comes.
    """
    while True:
        try:
            report = await asyncio.to_thread(purge_expired_chats)
            if report.threads:
                log.info("chat retention: %s", report.summary())
        except Exception:  # a bad run must not end the schedule
            log.exception("chat retention purge failed")
        await asyncio.sleep(interval_seconds)
