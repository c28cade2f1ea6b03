"""A server SIGKILLed in the middle of a turn loses nothing, and a restart frees the thread at once.

The API runs as its own uvicorn process (``tests/reliability/api_server.py``, with the start-up
recovery of ``app/app.py``), its agent the OpenAI backend against a slow scripted model on
localhost. The turn is driven through ``/api/chat/stream``; the process is killed once the
reply has started streaming, after a tool call committed. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.models import Message
from app.models.base import utcnow
from app.orchestration import runner
from app.services.errors import BusyError
from tests.reliability.api_server import ApiProcess
from tests.reliability.conftest import (
    Account,
    openai_env,
    operations,
    thread_messages,
    user_tasks,
)
from tests.reliability.faulty_openai import FaultyOpenAI
from tests.utils.sse import sse_events

REDIS_URL = "redis://127.0.0.1:6379/15"
SLOW_REPLY = {"text": " ".join(f"word{n}" for n in range(40)), "word_delay": 0.25}


@pytest.fixture
def start_api(app_db: sa.Engine, fake: FaultyOpenAI, tmp_path: Path) -> Iterator[Callable[..., ApiProcess]]:
    """``start_api(redis=False)``: an API process on this test's database and model; all killed after."""
    started: list[ApiProcess] = []

    def start(*, redis: bool = False) -> ApiProcess:
        server = ApiProcess(_api_env(app_db, fake, redis=redis), tmp_path / f"api-{len(started)}.log")
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


def _api_env(app_db: sa.Engine, fake: FaultyOpenAI, *, redis: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(openai_env(fake.base_url))
    env["DATABASE_URL"] = app_db.url.render_as_string(hide_password=False)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    if redis:
        env["REDIS_URL"] = REDIS_URL  # several instances: only stale turns are orphans
    return env


def test_an_api_server_whose_port_was_taken_meanwhile_starts_on_another(app_db, fake, tmp_path):
    """The harness picks a free port, but something may take it before the server binds it (CI
    saw it once): the server then starts on another port instead of failing the test."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = ApiProcess(_api_env(app_db, fake), tmp_path / "api.log")
        server.port = taken
        try:
            server.start()
            assert server.port != taken
            assert httpx.get(f"{server.url}/api/health/live", timeout=5).status_code == 200
        finally:
            server.kill()


def add_task_call(title: str) -> dict[str, object]:
    return {"tool_calls": [{"name": "add_task", "arguments": json.dumps({"title": title})}]}


def chat(server: ApiProcess, account: Account, message: str, session_id: str | None = None) -> httpx.Response:
    body = {"message": message} | ({"sessionId": session_id} if session_id else {})
    return httpx.post(f"{server.url}/api/chat", json=body, headers=account.headers, timeout=30)


def kill_mid_turn(server: ApiProcess, account: Account, session_id: str) -> dict[str, str]:
    """Stream a turn and SIGKILL the server at its first delta; returns the ``start`` event's ids."""
    body = {"message": "add pay rent", "sessionId": session_id}
    ids: dict[str, str] = {}
    with httpx.stream(
        "POST", f"{server.url}/api/chat/stream", json=body, headers=account.headers, timeout=30
    ) as resp:
        assert resp.status_code == 200
        for event, data in sse_events(resp.iter_lines()):
            if event == "start":
                ids = data
            if event == "delta":
                break
        assert server.kill() == -9
    return ids


def crash_a_turn(start_api, fake: FaultyOpenAI, account: Account) -> tuple[str, uuid.UUID]:
    """One finished exchange, then a second turn killed mid-reply; returns (thread, open reply id)."""
    fake.script = [{"text": "Hello, first answer."}, add_task_call("pay rent"), SLOW_REPLY]
    server = start_api()
    first = chat(server, account, "hello")
    assert first.status_code == 200, first.text
    session_id = first.json()["sessionId"]
    ids = kill_mid_turn(server, account, session_id)
    assert ids["sessionId"] == session_id
    return session_id, uuid.UUID(ids["messageId"])


def assert_nothing_lost(engine: sa.Engine, account: Account, session_id: str, reply_id: uuid.UUID) -> None:
    """Every message said before the crash is stored; the tool call the turn made committed whole."""
    rows = [(m.role, m.status, m.content) for m in thread_messages(engine, session_id)]
    assert rows[:3] == [
        ("user", "completed", "hello"),
        ("assistant", "completed", "Hello, first answer."),
        ("user", "completed", "add pay rent"),
    ]
    assert rows[3][:2] == ("assistant", "processing")
    assert thread_messages(engine, session_id)[3].id == reply_id
    assert [t.title for t in user_tasks(engine, account.id)] == ["pay rent"]
    ops = operations(engine, account.id)
    assert [(op.tool_name, op.status, op.message_id) for op in ops] == [("add_task", "completed", reply_id)]


def interrupted(engine: sa.Engine, reply_id: uuid.UUID) -> Message:
    with Session(engine) as s:
        message = s.get(Message, reply_id)
        assert message is not None
        return message


def test_sigkill_mid_turn_then_restart_frees_the_thread_at_once(app_db, fake, account, start_api):
    session_id, reply_id = crash_a_turn(start_api, fake, account)
    assert_nothing_lost(app_db, account, session_id, reply_id)

    fake.script = [{"text": "Ready again."}]
    server = start_api()  # single instance: the start-up recovery closes every open turn
    began = time.monotonic()
    resp = chat(server, account, "what's next?", session_id)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["response"]) == ("completed", "Ready again.")
    answered_in = time.monotonic() - began
    assert answered_in < 10
    print(f"\nfirst turn after the restart answered in {answered_in:.2f} s")

    reply = interrupted(app_db, reply_id)
    assert (reply.status, reply.meta["error"]) == ("error", "interrupted")  # the UI shows it with Retry
    # It says what the killed turn had done, from the journal, and lists that call as its tool call.
    assert reply.content == 'This reply was interrupted. Before it stopped, I added "pay rent".'
    [call] = reply.tool_calls
    assert (call["name"], call["arguments"], call["result"]["status"]) == (
        "add_task",
        {"title": "pay rent"},
        "created",
    )
    rows = [(m.role, m.status) for m in thread_messages(app_db, session_id)]
    assert rows == [
        ("user", "completed"),
        ("assistant", "completed"),
        ("user", "completed"),
        ("assistant", "error"),
        ("user", "completed"),
        ("assistant", "completed"),
    ]

    # Retry over the API (the same begin_retry as the UI's button) answers the interrupted question
    # again. The model is told what the interrupted attempt already applied, and a call repeated
    # anyway is replayed from the journal, not run twice: there is still one "pay rent".
    fake.script = [add_task_call("pay rent"), {"text": "Pay rent is on your list."}]
    seen_before = len(fake.requests)
    resp = httpx.post(
        f"{server.url}/api/threads/{session_id}/retry",
        json={"message_id": str(reply_id)},
        headers=account.headers,
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["response"]) == ("completed", "Pay rent is on your list.")
    assert resp.json()["tool_calls"][0]["replayed"] is True
    assert [t.title for t in user_tasks(app_db, account.id)] == ["pay rent"]
    sent = json.dumps(fake.requests[seen_before])
    assert "already been applied" in sent
    assert "pay rent" in sent


def test_sigkill_with_several_instances_waits_for_the_lease_to_lapse(app_db, fake, account, start_api):
    """With Redis (several instances) a fresh open turn may belong to a live instance: it is kept
    until its lease is older than STALE_TURN, then the next message takes the thread over."""
    session_id, reply_id = crash_a_turn(start_api, fake, account)
    assert_nothing_lost(app_db, account, session_id, reply_id)

    fake.script = [{"text": "Ready again."}] * 2
    server = start_api(redis=True)
    busy = chat(server, account, "what's next?", session_id)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "busy"
    assert interrupted(app_db, reply_id).status == "processing"

    # No heartbeat since the crash: once the lease is STALE_TURN old the thread is taken over.
    with Session(app_db) as s:
        orphan = s.get(Message, reply_id)
        assert orphan is not None
        orphan.updated_at = utcnow() - runner.STALE_TURN - timedelta(seconds=1)
        s.add(orphan)
        s.commit()
    resp = chat(server, account, "what's next?", session_id)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "completed"
    assert (interrupted(app_db, reply_id).status, interrupted(app_db, reply_id).meta["error"]) == (
        "error",
        "interrupted",
    )


def test_live_turn_keeps_its_lease_while_a_dead_one_lapses(app_db, use_openai, account, monkeypatch):
    """The heartbeat is what tells a slow live turn from a crashed one."""
    monkeypatch.setattr(runner, "TURN_HEARTBEAT", timedelta(seconds=0.2))
    monkeypatch.setattr(runner, "STALE_TURN", timedelta(seconds=1))
    use_openai.script = [{"text": " ".join(["slow"] * 12), "word_delay": 0.25}]
    start = runner.begin_turn(user_id=account.id, text="talk slowly")
    worker = threading.Thread(target=runner.process_turn, args=(start,))
    worker.start()
    try:
        time.sleep(1.8)  # past STALE_TURN, but the heartbeat renewed the lease meanwhile
        with pytest.raises(BusyError):
            runner.begin_turn(user_id=account.id, text="are you done?", thread_id=start.thread_id)
    finally:
        worker.join(timeout=30)
    assert interrupted(app_db, start.message_id).status == "completed"

    # A turn nobody runs (its process died) has no heartbeat: it lapses and is taken over.
    dead = runner.begin_turn(user_id=account.id, text="add lost thing", thread_id=start.thread_id)
    time.sleep(1.2)
    use_openai.script = [{"text": "Taken over."}]
    result = runner.run_turn(user_id=account.id, text="hello again", thread_id=start.thread_id)
    assert (result.status, result.reply) == ("completed", "Taken over.")
    assert interrupted(app_db, dead.message_id).meta["error"] == "interrupted"
