"""Fixtures for the orchestration tests: people made on the test's real database, and the local
agent for the tests that run whole turns."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.core.config import get_settings
from tests.utils.factories import quick_user


@pytest.fixture
def local_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turns answered by the local agent (``pytestmark = pytest.mark.usefixtures("local_agent")``)."""
    monkeypatch.setenv("AGENT_BACKEND", "local")
    get_settings.cache_clear()


@pytest.fixture
def new_user(app_db: sa.Engine) -> Callable[[], uuid.UUID]:
    def make() -> uuid.UUID:
        with Session(app_db, expire_on_commit=False) as s:
            return quick_user(s).id

    return make


@pytest.fixture
def uid(new_user: Callable[[], uuid.UUID]) -> uuid.UUID:
    return new_user()
