"""Small factories for test data, going through the real services.

The root conftest's ``user`` and ``other`` fixtures are two ``quick_user`` rows on the ``session``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from app.models import Task, Thread, ThreadStatus, User
from app.services import auth, tasks, threads
from app.services.operations import Origin


def make_user(session: Session, *, email: str | None = None, password: str = "password123") -> User:
    user = auth.register(session, email=email or f"u{uuid.uuid4().hex[:8]}@example.com", password=password)
    session.commit()
    return user


def quick_user(session: Session) -> User:
    """A user row without password hashing (argon2 would dominate a test's run time)."""
    user = User(email=f"u{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
    session.add(user)
    session.commit()
    return user


def make_task(
    session: Session, user: User, title: str = "Task", *, origin: Origin | None = None, **fields
) -> Task:
    """A task through the service (journaled like any other write), flushed but not committed."""
    kwargs = {"origin": origin} if origin else {}
    return tasks.create_task(session, user_id=user.id, data={"title": title, **fields}, **kwargs)


def make_thread(
    session: Session,
    user: User,
    title: str = "Chat",
    *,
    updated_at: datetime | None = None,
    status: ThreadStatus | None = None,
) -> Thread:
    """A committed thread through the service, optionally aged or with another status."""
    thread = threads.create_thread(session, user_id=user.id, title=title)
    if updated_at is not None:
        thread.updated_at = updated_at
    if status is not None:
        thread.status = status
    session.add(thread)
    session.commit()
    return thread
