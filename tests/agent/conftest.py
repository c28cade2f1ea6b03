"""Fixtures for tests that go through ``session_scope()`` (the tool registry, the runner).

Those open their own sessions on the process-wide engine built from ``DATABASE_URL``;
``app_db`` points that engine at a fresh database (SQLite, then PostgreSQL) and resets the
cached settings and engine before and after, so other tests see the defaults again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from app.core import db
from app.core.config import get_settings
from app.models import User


@pytest.fixture(params=["sqlite", "postgres"])
def app_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sa.Engine]:
    """A fresh, empty database on each backend, made the one ``session_scope()`` uses.

    Yields the app's own engine, for checking what was stored. On PostgreSQL it is the
    session's test database (``pg_database_url``), with every table created if missing and
    emptied: it does not go through ``pg_engine``, whose tables the migration tests drop.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    db.reset_engine()
    try:
        engine = db.get_engine()
        SQLModel.metadata.create_all(engine)
        if request.param == "postgres":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
        yield engine
    finally:
        db.reset_engine()
        monkeypatch.undo()
        get_settings.cache_clear()


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
