"""Issue 18: an admin disabling someone ends every way in at once, on every surface: REST with a
sign-in token or an access token, MCP over HTTP with either. The check reads the database on each
request, so every instance refuses from the same moment; re-enabling lets the person sign in again
but brings none of the ended sessions or tokens back. SQLite and PostgreSQL (``mcp_db``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session

from app.api.main import create_api
from app.core.db import session_scope
from app.mcp_server import mcp_lifespan
from app.models import User
from app.services import access_tokens, instance
from app.services import admin as admin_service
from tests.utils.asgi import serve

from .conftest import Account
from .test_http import INITIALIZE, MCP_HEADERS, assert_unauthorized


@pytest.fixture
def app_url(mcp_db: sa.Engine) -> Iterator[str]:
    """The whole API (REST and /mcp) as the web app hosts it, served by uvicorn in a thread."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp_lifespan():
            yield

    host = FastAPI(lifespan=lifespan)
    host.mount("/", create_api())
    with serve(host, lifespan="on") as url:
        yield url


def _surfaces(base: str, credentials: dict[str, str]) -> dict[str, int]:
    """The status each surface answers with each credential (REST lists tasks, MCP initialises)."""
    seen: dict[str, int] = {}
    for kind, secret in credentials.items():
        auth = {"Authorization": f"Bearer {secret}"}
        seen[f"rest/{kind}"] = httpx.get(
            f"{base}/api/tasks", headers=auth, timeout=20, verify=False
        ).status_code
        mcp = httpx.post(
            f"{base}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **auth}, timeout=20, verify=False
        )
        seen[f"mcp/{kind}"] = mcp.status_code
    return seen


def test_a_disabled_person_is_refused_on_every_surface_at_once(
    app_url: str, make_account: Callable[[], Account], mcp_db: sa.Engine
) -> None:
    admin, person = make_account(), make_account()
    with Session(mcp_db) as s:
        s.get(User, admin.user_id).is_admin = True  # type: ignore[union-attr]
        s.commit()
    with session_scope() as session:
        _info, pat = access_tokens.create(
            session,
            user_id=person.user_id,
            name=f"script-{uuid.uuid4().hex[:6]}",
            scope="write",
            expires_days=30,
        )
    credentials = {"session": person.token, "access_token": pat}
    assert set(_surfaces(app_url, credentials).values()) == {200}

    with session_scope() as session:
        admin_service.set_active(session, admin_id=admin.user_id, user_id=person.user_id, active=False)
    refused = _surfaces(app_url, credentials)
    assert refused == dict.fromkeys(refused, 401), refused
    for secret in credentials.values():
        auth = {"Authorization": f"Bearer {secret}"}
        assert_unauthorized(httpx.post(f"{app_url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **auth}))

    with session_scope() as session:
        admin_service.set_active(session, admin_id=admin.user_id, user_id=person.user_id, active=True)
    again = _surfaces(app_url, credentials)
    assert again == dict.fromkeys(again, 401), "enabling brings no ended session or token back"
    assert set(_surfaces(app_url, {"admin": admin.token}).values()) == {200}, "the admin was untouched"


def test_two_factor_required_by_the_admin_is_asked_on_mcp_too(
    app_url: str, make_account: Callable[[], Account], mcp_db: sa.Engine
) -> None:
    """With "require two-factor for everyone", an account without it gets 403 on /mcp as on REST
    until it sets two-factor up (in the browser)."""
    admin, person = make_account(), make_account()
    with session_scope() as session:
        instance.update(session, admin_id=admin.user_id, changes={"require_2fa": True})
    try:
        for path in ("/mcp", "/api/tasks"):
            auth = {"Authorization": f"Bearer {person.token}"}
            if path == "/mcp":
                resp = httpx.post(
                    f"{app_url}{path}", json=INITIALIZE, headers={**MCP_HEADERS, **auth}, timeout=20
                )
            else:
                resp = httpx.get(f"{app_url}{path}", headers=auth, timeout=20)
            assert resp.status_code == 403, (path, resp.text)
            assert resp.json()["error"]["code"] == "two_factor_setup_required", path
    finally:
        with session_scope() as session:
            instance.update(session, admin_id=admin.user_id, changes={"require_2fa": False})
