"""Fixtures for tests that go through ``session_scope()`` (the tool registry, the runner).

They use the root conftest's ``app_db``: the process-wide engine pointed at a fresh database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.models import User


@pytest.fixture
def new_user(app_db: sa.Engine) -> Callable[[], uuid.UUID]:
    """Makes committed users (no password hashing: argon2 would dominate the run time)."""

    def make() -> uuid.UUID:
        with Session(app_db) as s:
            user = User(email=f"u{uuid.uuid4().hex[:8]}@example.com", hashed_password="-")
            s.add(user)
            s.commit()
            return user.id

    return make
