"""Small factories for test data, going through the real services."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.models import User
from app.services import auth


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
