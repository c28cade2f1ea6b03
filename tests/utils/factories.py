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
