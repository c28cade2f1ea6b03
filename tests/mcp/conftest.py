"""Fixtures for the MCP server tests, which drive it with the mcp SDK's own client.

* stdio: a migrated temporary SQLite file with one user, made with the real CLI
  (``migrate``, ``user create``); the tests then spawn ``python -m app.cli mcp --user EMAIL``.
* streamable HTTP: ``build_http_app()`` mounted at ``/mcp`` in a small FastAPI app whose lifespan
  enters ``mcp_lifespan()``, served by uvicorn on 127.0.0.1:<free port> in a background thread,
  against a fresh database on SQLite and on the local PostgreSQL (``mcp_db``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session

from app.core import db
from app.core.config import PROJECT_ROOT
from app.core.db import session_scope
from app.mcp_server import build_http_app, mcp_lifespan
from app.models import User
from app.services import auth as auth_service
from tests.utils.asgi import serve


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- stdio


@dataclass
class StdioSetup:
    """A migrated SQLite database with one user, and the environment to run the CLI on it."""

    url: str
    env: dict[str, str]
    email: str
    user_id: uuid.UUID

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            env=self.env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def engine(self) -> sa.Engine:
        return db.make_engine(self.url)


@pytest.fixture(scope="module")
def stdio_setup(tmp_path_factory: pytest.TempPathFactory) -> StdioSetup:
    tmp = tmp_path_factory.mktemp("mcp-stdio")
    url = f"sqlite:///{tmp / 'ticked.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp / "data"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    email = "stdio@example.com"
    setup = StdioSetup(url=url, env=env, email=email, user_id=uuid.UUID(int=0))
    migrated = setup.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    created = setup.cli("user", "create", "--email", email, "--password", "correct-horse-battery")
    assert created.returncode == 0, created.stderr
    setup.user_id = uuid.UUID(json.loads(created.stdout)["id"])
    return setup


# --------------------------------------------------------------------------- HTTP


@pytest.fixture
def mcp_db(app_db: sa.Engine) -> sa.Engine:
    """The root conftest's ``app_db`` (a fresh database on each backend, used by ``session_scope()``)."""
    return app_db


@dataclass
class Account:
    user_id: uuid.UUID
    email: str
    token: str


@pytest.fixture
def make_account(mcp_db: sa.Engine) -> Callable[[], Account]:
    """Makes a committed user (no password hashing: argon2 is slow) with a real session token."""

    def make() -> Account:
        email = f"u{uuid.uuid4().hex[:8]}@example.com"
        with Session(mcp_db) as s:
            user = User(email=email, hashed_password="-")
            s.add(user)
            s.commit()
            user_id = user.id
        with session_scope() as s:
            user = s.get(User, user_id)
            assert user is not None
            token = auth_service.issue_token(s, user=user)
        return Account(user_id=user_id, email=email, token=token)

    return make


def make_host_app() -> FastAPI:
    """How the web app is expected to host it: mounted at /mcp, lifespan entered by the host."""
    mcp_app = build_http_app()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp_lifespan():
            yield

    api = FastAPI(lifespan=lifespan)
    api.mount("/mcp", mcp_app)
    api.add_route("/mcp", mcp_app)
    return api


@pytest.fixture
def mcp_base_url(mcp_db: sa.Engine) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT``) of the host app, served by uvicorn in a thread."""
    with serve(make_host_app(), lifespan="on") as url:
        yield url
