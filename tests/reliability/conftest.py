"""Fixtures for the reliability tests: accounts, a faulty model server, database fault injection.

Everything runs on SQLite and on PostgreSQL through the root ``app_db`` fixture (the engine
``session_scope()`` uses, on a fresh database). Faults are real: a scripted OpenAI-compatible
server over HTTP, processes killed with SIGKILL, a TCP proxy cut in front of PostgreSQL, and
database triggers that make one particular row refuse to change. No service is mocked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.db import session_scope
from app.models import Message, Task, TaskOperation, User
from app.services import auth as auth_service
from tests.reliability.faulty_openai import FaultyOpenAI, faulty_openai
from tests.utils.db_triggers import Event, db_triggers


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account() -> Account:
    """A user with a sign-in token, through the services (no argon2 hash: it would dominate)."""
    with session_scope() as session:
        user = User(email=f"r{uuid.uuid4().hex[:10]}@example.com", hashed_password="-")
        session.add(user)
        session.flush()
        return Account(id=user.id, token=auth_service.issue_token(session, user=user))


@pytest.fixture
def account(app_db: sa.Engine) -> Account:
    return make_account()


@pytest.fixture
def fake() -> Iterator[FaultyOpenAI]:
    with faulty_openai() as server:
        yield server


def openai_env(base_url: str, timeout_s: float = 30) -> dict[str, str]:
    """What points the app's agent at the scripted server."""
    return {
        "AGENT_BACKEND": "openai",
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_MODEL": "fake-model",
        "OPENAI_TIMEOUT_SECONDS": str(timeout_s),
    }


USE_OPENAI_TIMEOUT_S = 10
"""The client's timeout in ``use_openai``: well above the pauses a loaded 2-core machine puts between
the scripted server's bytes (a 1 s timeout turned a scripted 500 into a timeout there). The test of
timeouts sets a short one of its own (``model_timeout``)."""


def model_timeout(seconds: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on in this test, the agent's OpenAI client gives up after ``seconds``."""
    monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", str(seconds))
    get_settings.cache_clear()


@pytest.fixture
def use_openai(app_db: sa.Engine, fake: FaultyOpenAI, monkeypatch: pytest.MonkeyPatch) -> FaultyOpenAI:
    """This process's agent is the OpenAI backend talking to ``fake``."""
    for name, value in openai_env(fake.base_url, timeout_s=USE_OPENAI_TIMEOUT_S).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return fake


# --- looking at what was stored ------------------------------------------------------------------


def thread_messages(engine: sa.Engine, thread_id: uuid.UUID | str) -> list[Message]:
    with Session(engine) as s:
        stmt = select(Message).where(Message.thread_id == uuid.UUID(str(thread_id)))
        return list(s.exec(stmt.order_by(col(Message.created_at), col(Message.id))).all())


def user_tasks(engine: sa.Engine, user_id: uuid.UUID) -> list[Task]:
    with Session(engine) as s:
        stmt = select(Task).where(Task.user_id == user_id).order_by(col(Task.created_at), col(Task.id))
        return list(s.exec(stmt).all())


def operations(engine: sa.Engine, user_id: uuid.UUID) -> list[TaskOperation]:
    with Session(engine) as s:
        stmt = select(TaskOperation).where(TaskOperation.user_id == user_id)
        return list(s.exec(stmt.order_by(col(TaskOperation.created_at), col(TaskOperation.id))).all())


# --- faults inside the database ------------------------------------------------------------------


@pytest.fixture
def refuse_change(app_db: sa.Engine) -> Iterator[Callable[[Event, uuid.UUID], None]]:
    """``refuse_change("DELETE", task_id)``: the database raises when that task row is changed.

    A trigger (:mod:`tests.utils.db_triggers`), so the failure happens inside the statement, after
    earlier rows of the same transaction were written: exactly a tool that fails mid-way.
    """
    with db_triggers(app_db) as triggers:
        yield lambda event, task_id: triggers.add("tasks", event, task_id, effect="raise")
