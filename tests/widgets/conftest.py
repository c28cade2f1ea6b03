"""Fixtures for widget tests that go through ``session_scope()`` (perform(), run_turn()).

``live_db`` points the process-wide engine (built from ``DATABASE_URL``) at the test's fresh
database from the ``engine`` fixture, on SQLite and on PostgreSQL, with the offline agent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.core import db
from app.core.config import get_settings
from app.core.db import session_scope
from app.services.auth import register


def _reset() -> None:
    get_settings.cache_clear()
    db.reset_engine()


@pytest.fixture
def live_db(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """The test's database, made the one ``session_scope()`` uses; yields the test's engine."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("AGENT_BACKEND", "local")
    _reset()
    try:
        yield engine
    finally:
        _reset()


def make_user(name: str) -> uuid.UUID:
    """A real account (registered, so with a real password hash: slow, so tests make few)."""
    with session_scope() as session:
        return register(session, email=f"{name}@example.com", password="correct horse 42", name=name).id


@pytest.fixture
def alice(live_db: sa.Engine) -> uuid.UUID:
    return make_user("alice")
