"""Logs never hold message text, passwords or tokens (issue #9).

Every log record of a busy session is captured at DEBUG (root, httpx, openai, uvicorn...): sign-in,
a wrong sign-in, API calls with a bearer token (and with tokens in the query string, which uvicorn's
access log prints), chat turns on the local and the OpenAI backends, and an OpenAI turn that fails.
None of the message texts, passwords, tokens or the OpenAI key may appear in any of them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.api.main import create_api
from app.core.db import session_scope
from app.core.logging_scrub import REDACTED, scrub
from app.models import User
from app.services import auth as auth_service
from tests.security.conftest import OPENAI_KEY, use_backend
from tests.utils.fake_openai import FakeOpenAI
from tests.utils.test_client import TestClient

LOGGERS = (
    "app", "ticked", "httpx", "httpcore", "httpx2", "httpcore2", "openai", "uvicorn", "uvicorn.error",
    "uvicorn.access", "fastapi", "starlette", "mcp", "anyio", "asyncio",
)  # fmt: skip
"""Forced to DEBUG. Not SQLAlchemy's: it stays at WARNING unless someone turns SQL echo on, which
prints statements' parameters and rows (data, by design) and is for local debugging only."""


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG by the usual loggers (see :class:`LiveServer` for uvicorn's)."""
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


class LiveServer:
    """``create_api()`` under a real uvicorn with its default logging config (access log on).

    uvicorn's config gives its loggers their own handlers and stops them propagating, so the
    capture handler is added to them after that, and removed on exit.
    """

    def __init__(self, capture: logging.Handler) -> None:
        config = uvicorn.Config(create_api(), host="127.0.0.1", port=0, log_level="debug", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="log-test-server", daemon=True)
        self.capture = capture
        self.loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")]

    def __enter__(self) -> str:
        for logger in self.loggers:
            if not logger.propagate:
                logger.addHandler(self.capture)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped while starting"
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        for logger in self.loggers:
            logger.removeHandler(self.capture)


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(json.dumps(record.__dict__, default=repr))
    return "\n".join(parts)


def test_logs_hold_no_message_text_password_or_token(
    llm: FakeOpenAI, records: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    password = f"Correct-Horse-{tag}"
    wrong = f"Wrong-Battery-{tag}"
    email = f"ann-{tag}@example.com"
    texts = {
        "openai": f"add walk the zebra{tag} call +1 415 555 0100",
        "openai_failing": f"remember the quartz{tag} please",
        "local": f"add feed the ocelot{tag} tomorrow",
    }
    model_reply = f"Added the zebra{tag} task."
    with session_scope() as session:
        auth_service.register(session, email=email, password=password)

    with LiveServer(records.handler) as base, httpx.Client(base_url=base, timeout=30) as http:
        # Sign in, and a wrong sign-in.
        signed_in = http.post("/api/auth/token", json={"email": email, "password": password})
        token = signed_in.json()["access_token"]
        assert http.post("/api/auth/token", json={"email": email, "password": wrong}).status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        # API calls with the bearer token, and with tokens where they do not belong (the query string).
        assert http.get("/api/tasks", headers=headers).status_code == 200
        assert http.get(f"/api/tasks?token={token}&password={password}").status_code == 401
        http.get(f"/mcp?access_token={token}")
        # An OpenAI turn with a tool call, then a failing one (500 three times).
        args = json.dumps({"title": f"walk the zebra{tag}"})
        llm.script = [{"tool_calls": [{"name": "add_task", "arguments": args}]}, {"text": model_reply}]
        turn = http.post("/api/chat", json={"message": texts["openai"]}, headers=headers).json()
        assert turn["status"] == "completed", turn
        llm.script = [{"status": 500, "retry_after": "0"}] * 3
        failed = http.post("/api/chat", json={"message": texts["openai_failing"]}, headers=headers).json()
        assert failed["status"] == "error", failed
        # A turn on the local agent.
        use_backend(monkeypatch, "local")
        local = http.post("/api/chat", json={"message": texts["local"]}, headers=headers).json()
        assert local["status"] == "completed", local

    with TestClient(create_api()) as client:  # the in-process path, as the Reflex app mounts it
        assert client.get("/api/tasks", headers=headers).status_code == 200
        assert client.post("/api/auth/token", json={"email": email, "password": wrong}).status_code == 401

    logged = _everything_logged(records)
    names = {r.name for r in records.records}
    assert "uvicorn.access" in names  # the access log was captured...
    assert any(n.startswith("openai") for n in names)  # ...and the SDK's own debug log
    assert any(n.startswith(("httpx", "httpcore")) for n in names)
    assert f"token={REDACTED}" in logged  # the query-string token was logged, scrubbed
    assert any(r.name == "app.orchestration.runner" for r in records.records)  # the failing turn was logged

    secrets = {
        "password": password,
        "wrong password": wrong,
        "token": token,
        "token signature": token.rsplit(".", 1)[1],
        "OpenAI key": OPENAI_KEY,
        "reply text": model_reply,
        **{f"{name} message": text for name, text in texts.items()},
        **{f"marker {word}": f"{word}{tag}" for word in ("zebra", "quartz", "ocelot")},
    }
    for what, value in secrets.items():
        assert value not in logged, f"the {what} was logged"


def test_scrub_removes_credentials_and_keeps_the_rest() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl"
    line = (
        f'127.0.0.1 - "GET /mcp?token={jwt}&page=2 HTTP/1.1" 401 Authorization: Bearer {jwt} '
        'password=hunter2 {"api_key": "abc123"} key sk-proj-abcdefghijklmnop1234 task 42'
    )
    out = scrub(line)
    for secret in (jwt, "hunter2", "abc123", "sk-proj-abcdefghijklmnop1234"):
        assert secret not in out
    assert "page=2" in out
    assert "task 42" in out
    assert out.startswith('127.0.0.1 - "GET /mcp?token=[REDACTED]&page=2 HTTP/1.1" 401')


def test_scrubber_covers_every_logger_and_tracebacks(records: pytest.LogCaptureFixture) -> None:
    create_api()  # installs the scrubber, as the app does
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0NTYifQ.b3RoZXItc2lnbmF0dXJl"
    logging.getLogger("some.library").debug("GET /x?access_token=%s", jwt)
    try:
        raise RuntimeError(f"request failed with Authorization: Bearer {jwt}")
    except RuntimeError:
        logging.getLogger("another.library").exception("boom")
    assert jwt not in records.text  # what any handler with a standard formatter writes
    assert all(jwt not in r.getMessage() for r in records.records)
    assert "GET /x?access_token=[REDACTED]" in records.text
    assert "RuntimeError: request failed with Authorization: Bearer [REDACTED]" in records.text


def test_database_errors_do_not_quote_values(engine: sa.Engine, records: pytest.LogCaptureFixture) -> None:
    """A failed insert's traceback (logged by the API's error handler) names no column value."""
    marker = f"message-text-{uuid.uuid4().hex}"
    email = f"dup-{uuid.uuid4().hex[:8]}@example.com"
    with Session(engine) as session:
        session.add(User(email=email, hashed_password="-"))
        session.commit()
        session.add(User(email=email, hashed_password=marker, name=marker))
        try:
            session.commit()
        except IntegrityError:
            logging.getLogger("app.api.errors").exception("database error: IntegrityError")
        else:
            pytest.fail("the duplicate email was accepted")
    assert "[SQL parameters hidden" in records.text
    assert marker not in records.text
