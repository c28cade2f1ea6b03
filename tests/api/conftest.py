"""Fixtures for the REST API tests: the app on a fresh database (SQLite and PostgreSQL).

``api`` points the process-wide settings and engine (what ``session_scope()`` uses) at the
test's database from the root ``engine`` fixture and yields a ``TestClient`` of
``create_api()``. Users go through the real ``auth.register`` (argon2: slow, so tests make
few) and sign in with ``POST /api/auth/token``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.api.main import create_api
from app.core.config import get_settings
from app.core.db import reset_engine, session_scope
from app.orchestration.widget_actions import declared_actions
from app.services import auth as auth_service
from app.services.throttle import sign_in_throttle
from tests.utils.api_app import shared_api
from tests.utils.asgi import serve
from tests.utils.test_client import TestClient

PASSWORD = "correct-horse-42"
TRACEBACK_MARKERS = ("Traceback", 'File "', "sqlalchemy.", "psycopg", "Error:")


@dataclass(frozen=True)
class ApiUser:
    id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    sign_in_throttle.reset()
    yield
    sign_in_throttle.reset()


def point_app_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``get_settings()`` / ``get_engine()`` use ``url`` with the offline agent."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AGENT_BACKEND", "local")
    get_settings.cache_clear()
    reset_engine()


def release_app() -> None:
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture
def api(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A TestClient of ``create_api()`` on this test's database (parametrised sqlite/postgres); the
    process's one app of it (``tests.utils.api_app``)."""
    point_app_at(engine.url.render_as_string(hide_password=False), monkeypatch)
    try:
        with TestClient(shared_api()) as client:
            yield client
    finally:
        release_app()


def register(email: str | None = None, password: str = PASSWORD) -> tuple[uuid.UUID, str]:
    """A new account through the real service; returns (id, email)."""
    email = email or f"u{uuid.uuid4().hex[:10]}@example.com"
    with session_scope() as session:
        user = auth_service.register(session, email=email, password=password)
        return user.id, user.email


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    resp = client.post("/api/auth/token", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


@pytest.fixture
def make_user(api: TestClient) -> Callable[..., ApiUser]:
    """Registers a user and signs in over the API."""

    def make(email: str | None = None) -> ApiUser:
        user_id, email = register(email)
        return ApiUser(id=user_id, email=email, token=sign_in(api, email))

    return make


@pytest.fixture
def alice(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user()


@pytest.fixture
def bob(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user()


def assert_error(resp: httpx.Response, status: int, code: str | None = None) -> str:
    """The one error shape: exactly ``{"error": {"code", "message"}}``, no stack trace; returns message."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"].strip()
    if code is not None:
        assert body["error"]["code"] == code, body
    for marker in TRACEBACK_MARKERS:
        assert marker not in resp.text, resp.text
    return body["error"]["message"]


def chat(client: TestClient, user: ApiUser, message: str, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if session_id is not None:
        body["sessionId"] = session_id
    resp = client.post("/api/chat", json=body, headers=user.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["status"] == "completed", data
    return data


def create_task(client: TestClient, user: ApiUser, **fields: Any) -> dict[str, Any]:
    resp = client.post("/api/tasks", json=fields, headers=user.headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def find_action(node: Any, action_type: str) -> dict[str, Any] | None:
    """The first action config of ``action_type`` a widget tree declares."""
    return next((a for a in declared_actions(node) if a.get("type") == action_type), None)


MINUTES_RE = re.compile(r"Try again in \d+ minutes?\.")


@pytest.fixture
def live_url(api: TestClient) -> Iterator[str]:
    """A real uvicorn server of ``create_api()`` on 127.0.0.1 (same database as ``api``)."""
    with serve(create_api()) as url:
        yield url
