"""PostgreSQL going away while the app runs, and coming back.

The shared PostgreSQL server is never stopped: the app reaches it through a TCP proxy
(``tcp_proxy.py``) that the test cuts (every connection dropped, new ones closed at once) and
restores. Meanwhile the API answers 503 in its one error shape, readiness says the database is
down, a turn caught in the middle is closed once the database is back, the pages' handler turns
the outage into a friendly toast, and with the proxy back everything works again by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from app.core import db
from app.core.config import get_settings
from app.core.db import UNAVAILABLE_MESSAGE
from app.models import Message
from app.services import messages as message_service
from tests.api.conftest import assert_error
from tests.reliability.conftest import make_account, openai_env, thread_messages, user_tasks
from tests.reliability.faulty_openai import FaultyOpenAI
from tests.reliability.tcp_proxy import TcpProxy, tcp_proxy
from tests.utils.api_app import shared_api
from tests.utils.sse import sse_events
from tests.utils.test_client import TestClient

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outage:
    proxy: TcpProxy
    url: str
    """The app's DATABASE_URL: PostgreSQL through the proxy."""
    direct: sa.Engine
    """The test's own way in, around the proxy, to check what was stored."""


@pytest.fixture
def outage(pg_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outage]:
    """The app on a fresh PostgreSQL database reached only through a cuttable proxy."""
    direct = sa.create_engine(pg_database_url)
    SQLModel.metadata.create_all(direct)
    with direct.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    url = sa.make_url(pg_database_url)
    with tcp_proxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        monkeypatch.setenv("DATABASE_URL", proxied)
        get_settings.cache_clear()
        db.reset_engine()
        try:
            yield Outage(proxy=proxy, url=proxied, direct=direct)
        finally:
            proxy.restore()
            db.reset_engine()
            get_settings.cache_clear()
            direct.dispose()


@pytest.fixture
def client(outage: Outage) -> Iterator[TestClient]:
    with TestClient(shared_api()) as c:
        yield c


def assert_unavailable(resp) -> None:
    assert assert_error(resp, 503, "service_unavailable") == UNAVAILABLE_MESSAGE
    assert resp.headers["retry-after"] == "5"


def test_api_answers_503_while_the_database_is_away_then_recovers_by_itself(outage, client):
    account = make_account()
    h = account.headers
    assert client.post("/api/tasks", json={"title": "before"}, headers=h).status_code == 201
    assert client.get("/api/health/ready").status_code == 200

    outage.proxy.cut()
    assert_unavailable(client.get("/api/tasks", headers=h))
    assert_unavailable(client.post("/api/tasks", json={"title": "during"}, headers=h))
    assert_unavailable(client.post("/api/chat", json={"message": "add during"}, headers=h))
    assert_unavailable(client.post("/api/chat/stream", json={"message": "add during"}, headers=h))
    assert_unavailable(client.get("/api/threads", headers=h))
    ready = client.get("/api/health/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["database"]["ok"] is False
    assert client.get("/api/health/live").status_code == 200  # the process itself is fine

    outage.proxy.restore()
    # No restart, no reset: the very next request works (pre-ping replaces the dead connections).
    listed = client.get("/api/tasks", headers=h)
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()["data"]] == ["before"]
    assert client.get("/api/health/ready").status_code == 200
    assert client.post("/api/tasks", json={"title": "after"}, headers=h).status_code == 201
    reply = client.post("/api/chat", json={"message": "add call mom"}, headers=h)
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "completed"

    # Nothing sent during the outage was half-stored.
    assert sorted(t.title for t in user_tasks(outage.direct, account.id)) == ["after", "before", "call mom"]
    with Session(outage.direct) as s:
        said = [m.content for m in s.exec(select(Message).where(Message.role == "user")).all()]
    assert said == ["add call mom"]


def test_many_requests_during_the_outage_all_get_503_and_none_hangs(outage, client):
    account = make_account()
    assert client.get("/api/tasks", headers=account.headers).status_code == 200
    outage.proxy.cut()
    started = time.monotonic()
    for _ in range(20):
        assert_unavailable(client.get("/api/tasks", headers=account.headers))
    assert time.monotonic() - started < 10
    outage.proxy.restore()
    assert client.get("/api/tasks", headers=account.headers).status_code == 200


def test_turn_caught_by_the_outage_is_closed_when_the_database_is_back(
    outage, fake: FaultyOpenAI, monkeypatch: pytest.MonkeyPatch
):
    """The model answers with a tool call while the database is away: the request gets 503, the
    tool changed nothing, and the open turn is closed as interrupted as soon as the database
    is back, so the thread takes new turns without waiting for the lease to lapse."""
    for name, value in openai_env(fake.base_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    account = make_account()
    fake.script = [{"text": "Hi."}, {"delay": 1.0, "tool_calls": [_add("pay rent")]}]
    with TestClient(shared_api()) as client:
        first = client.post("/api/chat", json={"message": "hello"}, headers=account.headers)
        session_id = first.json()["sessionId"]
        responses = []
        worker = threading.Thread(
            target=lambda: responses.append(
                client.post(
                    "/api/chat",
                    json={"message": "add pay rent", "sessionId": session_id},
                    headers=account.headers,
                )
            )
        )
        worker.start()
        _wait_for(lambda: len(fake.requests) == 2)  # the model is thinking; the database goes away
        outage.proxy.cut()
        worker.join(timeout=30)
        assert_unavailable(responses[0])

        open_reply = thread_messages(outage.direct, session_id)[-1]
        assert (open_reply.role, open_reply.status) == ("assistant", "processing")
        outage.proxy.restore()
        _wait_for(lambda: _status(outage.direct, open_reply.id) == "error")
        closed = thread_messages(outage.direct, session_id)[-1]
        assert closed.meta["error"] == message_service.INTERRUPTED
        assert closed.tool_calls
        assert closed.tool_calls[0]["error"].startswith("Internal error")

        fake.script = [{"text": "Back."}]
        again = client.post(
            "/api/chat", json={"message": "still there?", "sessionId": session_id}, headers=account.headers
        )
        assert again.status_code == 200, again.text
        assert again.json()["response"] == "Back."
    assert user_tasks(outage.direct, account.id) == []  # the tool call during the outage did nothing


def test_stream_caught_by_the_outage_ends_with_an_error_event(
    outage, fake: FaultyOpenAI, monkeypatch: pytest.MonkeyPatch
):
    """A streamed turn already under way cannot answer 503: it ends with an ``error`` event in the
    API's error shape (no ``done``, no trace), and the thread recovers once the database is back."""
    for name, value in openai_env(fake.base_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    account = make_account()
    fake.script = [{"delay": 1.0, "tool_calls": [_add("pay rent")]}]
    with TestClient(shared_api()) as client:
        events: list[tuple[str, dict]] = []

        def stream() -> None:
            with client.stream(
                "POST", "/api/chat/stream", json={"message": "add pay rent"}, headers=account.headers
            ) as resp:
                assert resp.status_code == 200
                events.extend(sse_events(resp.iter_lines()))

        worker = threading.Thread(target=stream)
        worker.start()
        _wait_for(lambda: len(fake.requests) == 1)  # the model is thinking; the database goes away
        outage.proxy.cut()
        worker.join(timeout=30)
        names = [name for name, _ in events]
        assert (names[0], names[-1]) == ("start", "error")
        assert "done" not in names
        assert events[-1][1] == {"code": "service_unavailable", "message": UNAVAILABLE_MESSAGE}

        outage.proxy.restore()
        session_id = events[0][1]["sessionId"]
        _wait_for(lambda: _status(outage.direct, uuid.UUID(events[0][1]["messageId"])) == "error")
        fake.script = [{"text": "Back."}]
        again = client.post(
            "/api/chat", json={"message": "still there?", "sessionId": session_id}, headers=account.headers
        )
        assert again.status_code == 200, again.text
    assert user_tasks(outage.direct, account.id) == []


def test_pages_show_a_service_unavailable_toast_for_a_database_outage(outage):
    """The Reflex app's backend_exception_handler, given the error a state gets during the outage.

    Run in a child process: importing the Reflex app in the test process would get ahead of the
    browser tests' harness, which imports it itself.
    """
    account = make_account()
    outage.proxy.cut()
    script = f"""
import json, uuid
from app.app import backend_error
from app.core.db import session_scope
from app.services import tasks as task_service
try:
    with session_scope() as session:  # what TasksState.on_load does first
        task_service.list_tasks(session, user_id=uuid.UUID("{account.id}"))
except Exception as exc:
    outage = exc
print(json.dumps({{
    "error": outage.__class__.__name__,
    "outage": str(backend_error(outage)),
    "other": str(backend_error(ValueError("a bug"))),
}}))
"""
    env = {**os.environ, "DATABASE_URL": outage.url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["error"] == "OperationalError"
    assert "Service unavailable" in seen["outage"]
    assert json.dumps(UNAVAILABLE_MESSAGE)[1:-1] in seen["outage"].replace("\\'", "'")
    assert '"error"' in seen["outage"]  # an error toast
    assert "Service unavailable" not in seen["other"]  # other errors keep Reflex's default
    assert "An error occurred." in seen["other"]


def _add(title: str) -> dict[str, str]:
    return {"name": "add_task", "arguments": json.dumps({"title": title})}


def _status(engine: sa.Engine, message_id: uuid.UUID) -> str | None:
    with Session(engine) as s:
        message = s.get(Message, message_id)
        return message.status if message else None


def _wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
