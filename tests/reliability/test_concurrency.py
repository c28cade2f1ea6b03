"""Two tabs sending in one thread at once run exactly one turn, and the database is what says so.

The claim is the partial unique index on open assistant messages, so it holds across threads,
processes and HTTP requests alike (on SQLite and PostgreSQL); the loser is told the thread is
busy and stores nothing. And SQLite's writers wait for each other: 20 at once, through the
services, never see "database is locked".
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from app.api.main import create_api
from app.core.config import get_settings
from app.models import Message, Task, TaskOperation
from app.orchestration import runner
from app.services import messages as message_service
from app.services.errors import BusyError
from tests.reliability import race_worker
from tests.reliability.conftest import Account, openai_env, thread_messages, user_tasks
from tests.reliability.faulty_openai import FaultyOpenAI
from tests.reliability.writers import run_writers
from tests.utils.asgi import serve

RACERS = 8
PROCESSES = 4


def url_of(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def count(engine: sa.Engine, model: type) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def finished_thread(account: Account) -> str:
    """A thread with one finished exchange, ready for the next turn."""
    return runner.run_turn(user_id=account.id, text="add water plants").thread_id


def assert_one_new_turn(engine: sa.Engine, thread_id: str, before: int) -> None:
    """Exactly one user message and one reply were added, and the reply is finished."""
    rows = thread_messages(engine, thread_id)
    assert len(rows) == before + 2, [(m.role, m.status, m.content) for m in rows]
    assert [(m.role, m.status) for m in rows[-2:]] == [("user", "completed"), ("assistant", "completed")]
    with Session(engine) as s:
        assert not message_service.has_open_turn(s, thread_id=uuid.UUID(thread_id))


# --- the service level -----------------------------------------------------------------------------


def test_racing_threads_claim_one_turn(app_db, account):
    thread_id = finished_thread(account)
    before = len(thread_messages(app_db, thread_id))
    barrier = threading.Barrier(RACERS)

    def claim(n: int) -> runner.TurnStart | str:
        barrier.wait(timeout=30)
        try:
            return runner.begin_turn(user_id=account.id, text=f"add racer {n}", thread_id=thread_id)
        except BusyError:
            return "busy"

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(claim, range(RACERS)))
    starts = [o for o in outcomes if isinstance(o, runner.TurnStart)]
    assert len(starts) == 1, outcomes
    assert outcomes.count("busy") == RACERS - 1, outcomes
    assert runner.process_turn(starts[0]).status == "completed"
    assert_one_new_turn(app_db, thread_id, before)
    assert sorted(t.title for t in user_tasks(app_db, account.id)) == sorted(
        ["water plants", starts[0].text[4:]]
    )


def test_racing_processes_claim_one_turn(app_db, account):
    thread_id = finished_thread(account)
    before = len(thread_messages(app_db, thread_id))
    args = [(url_of(app_db), str(account.id), thread_id)] * PROCESSES
    outcomes = race_worker.run_in_processes(race_worker.claim_turn, args)
    assert sorted(outcomes) == ["busy"] * (PROCESSES - 1) + ["claimed"], outcomes
    assert_one_new_turn(app_db, thread_id, before)
    assert len(user_tasks(app_db, account.id)) == 2


# --- the API level ---------------------------------------------------------------------------------


@pytest.fixture
def live_api(app_db: sa.Engine, fake: FaultyOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real uvicorn server of ``create_api()`` in this process, its agent the scripted model."""
    for name, value in openai_env(fake.base_url).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with serve(create_api()) as url:
        yield url


def test_two_tabs_post_at_once_one_turn_one_busy(app_db, fake, account, live_api):
    fake.script = [{"text": "First answer."}, {"delay": 1.0, "text": "Only one of you got through."}]
    with httpx.Client(base_url=live_api, headers=account.headers, timeout=30) as client:
        first = client.post("/api/chat", json={"message": "hello"})
        assert first.status_code == 200, first.text
        session_id = first.json()["sessionId"]
        before = len(thread_messages(app_db, session_id))
        barrier = threading.Barrier(2)

        def send(tab: str) -> httpx.Response:
            barrier.wait(timeout=10)
            return client.post("/api/chat", json={"message": f"hello from {tab}", "sessionId": session_id})

        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(send, ["tab one", "tab two"]))

    by_status = sorted(responses, key=lambda r: r.status_code)
    ok, busy = by_status
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["response"]) == ("completed", "Only one of you got through.")
    assert busy.status_code == 409, busy.text
    assert busy.json() == {"error": {"code": "busy", "message": message_service.BUSY_MESSAGE}}
    assert len(fake.requests) == 2  # the model answered one turn, not two
    assert_one_new_turn(app_db, session_id, before)


# --- SQLite under many writers ---------------------------------------------------------------------

WRITERS = 20
ROUNDS = 3


sqlite_only = pytest.mark.parametrize("app_db", ["sqlite"], indirect=True)


@sqlite_only
def test_sqlite_20_writer_threads_through_the_services_never_lock(app_db, account):
    started = time.monotonic()
    failures = run_writers(account.id, writers=WRITERS, rounds=ROUNDS)
    elapsed = time.monotonic() - started
    assert failures == [], failures[:3]
    assert count(app_db, Task) == WRITERS * ROUNDS * 2
    assert count(app_db, Message) == WRITERS * ROUNDS * 2
    assert count(app_db, TaskOperation) == WRITERS * ROUNDS * 2  # page changes are journaled too
    print(f"\n{WRITERS} writers x {ROUNDS} (task + chat turn): {elapsed:.1f} s")


@sqlite_only
def test_sqlite_writers_in_4_processes_never_lock(app_db, account):
    """Four processes of five writers (the app, the CLI, MCP...), each with its own engine."""
    args = [(url_of(app_db), str(account.id), ROUNDS)] * PROCESSES
    results = race_worker.run_in_processes(race_worker.write_through_services, args)
    failures = [f for part in results for f in (part if isinstance(part, list) else [part])]
    assert failures == [], failures[:3]
    assert count(app_db, Task) == PROCESSES * 5 * ROUNDS * 2
    assert count(app_db, Message) == PROCESSES * 5 * ROUNDS * 2
