"""Model faults end in a clear message or a recovered answer, never in a half-applied change.

The real ``openai`` SDK talks to a scripted server on localhost (``FaultyOpenAI``); after each
fault the test reads the database: the turn is closed (``completed`` or ``error`` with a
reason), each tool call committed whole and was journaled, or left nothing behind, and the
thread takes the next turn. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time
import uuid

import sqlalchemy as sa
from sqlmodel import Session

from app.agent import openai_backend
from app.core.db import session_scope
from app.models import Message
from app.orchestration import runner
from app.services import messages as message_service
from app.services import tasks as task_service
from tests.reliability.conftest import Account, model_timeout, operations, thread_messages, user_tasks
from tests.reliability.faulty_openai import FaultyOpenAI

ATTEMPTS = openai_backend.MAX_RETRIES + 1


def call(name: str, **args: object) -> dict[str, str]:
    return {"name": name, "arguments": json.dumps(args)}


def assert_closed(
    engine: sa.Engine, result: runner.TurnResult, status: str, error: str | None = None
) -> Message:
    """The turn's reply is stored with this status and reason, and the thread has no open turn."""
    assert (result.status, result.error) == (status, error), result.reply
    with Session(engine) as s:
        stored = s.get(Message, uuid.UUID(result.message_id))
        assert stored is not None
        assert (stored.status, stored.meta.get("error")) == (status, error)
        assert stored.content == result.reply
        assert not message_service.has_open_turn(s, thread_id=uuid.UUID(result.thread_id))
    return stored


def assert_takes_new_turn(fake: FaultyOpenAI, account: Account, thread_id: str) -> None:
    fake.script = [{"text": "Back again."}]
    again = runner.run_turn(user_id=account.id, text="are you there?", thread_id=thread_id)
    assert (again.status, again.reply) == ("completed", "Back again.")


def test_model_timeout_retried_then_clear_error(app_db, use_openai, account, monkeypatch):
    model_timeout(1, monkeypatch)
    use_openai.script = [{"delay": 1.6, "text": "late"}] * ATTEMPTS
    result = runner.run_turn(user_id=account.id, text="add pay rent")
    assert_closed(app_db, result, "error", "timeout")
    assert result.reply == "The AI service took too long to answer. Try again."
    assert len(use_openai.requests) == ATTEMPTS
    assert user_tasks(app_db, account.id) == []
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_model_500_retried_then_clear_error(app_db, use_openai, account):
    use_openai.script = [{"status": 500, "retry_after": "0"}] * (ATTEMPTS + 2)
    result = runner.run_turn(user_id=account.id, text="hello")
    assert_closed(app_db, result, "error", "http_500")
    assert result.reply == "The AI service answered with an error (500). Try again."
    assert len(use_openai.requests) == ATTEMPTS  # bounded: the two extra 500s were never asked for
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_model_429_honours_retry_after_then_recovers(app_db, use_openai, account):
    use_openai.script = [
        {"status": 429, "retry_after": "1"},
        {"status": 429, "retry_after": "1"},
        {"text": "Recovered."},
    ]
    result = runner.run_turn(user_id=account.id, text="hello")
    assert_closed(app_db, result, "completed")
    assert result.reply == "Recovered."
    assert len(use_openai.requests) == 3
    gaps = [b - a for a, b in zip(use_openai.arrivals, use_openai.arrivals[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # waited the second Retry-After asked for


def test_model_429_forever_is_bounded(app_db, use_openai, account):
    use_openai.script = [{"status": 429, "retry_after": "0"}] * (ATTEMPTS + 2)
    result = runner.run_turn(user_id=account.id, text="hello")
    assert_closed(app_db, result, "error", "rate_limited")
    assert result.reply == "The AI service is busy (rate limited). Try again in a moment."
    assert len(use_openai.requests) == ATTEMPTS
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_model_429_with_an_hour_long_retry_after_fails_fast(app_db, use_openai, account):
    """Asked to wait longer than a minute, the SDK does not retry: the person hears at once."""
    use_openai.script = [{"status": 429, "retry_after": "3600"}] * (ATTEMPTS + 2)
    started = time.monotonic()
    result = runner.run_turn(user_id=account.id, text="hello")
    elapsed = time.monotonic() - started
    assert_closed(app_db, result, "error", "rate_limited")
    assert len(use_openai.requests) == 1
    assert elapsed < 5, elapsed
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_bad_tool_calls_are_refused_whole_and_the_model_recovers(app_db, use_openai, account):
    """Malformed JSON, an unknown tool and invalid arguments beside one good call in one round."""
    use_openai.script = [
        {
            "tool_calls": [
                call("add_task", title="pay rent"),
                {"name": "add_task", "arguments": '{"title": "broken'},
                call("launch_rocket", target="moon"),
                call("add_task", title="x", priority="urgent"),
                call("complete_task", task_id=str(uuid.uuid4())),
            ]
        },
        {"text": "I added pay rent; the rest could not be done."},
    ]
    result = runner.run_turn(user_id=account.id, text="do several things")
    assert_closed(app_db, result, "completed")
    assert result.reply == "I added pay rent; the rest could not be done."

    # What the model was told about each call, in order.
    told = [json.loads(m["content"]) for m in use_openai.requests[1]["messages"] if m["role"] == "tool"]
    assert told[0]["status"] == "created"
    assert "not valid JSON" in told[1]["error"]
    assert "Unknown tool" in told[2]["error"]
    assert "priority" in told[3]["error"]
    assert "not found" in told[4]["error"].lower()

    assert [t.title for t in user_tasks(app_db, account.id)] == ["pay rent"]
    ops = [(op.tool_name, op.status) for op in operations(app_db, account.id)]
    # The malformed call never reached a tool and the unknown one has none: nothing to journal.
    assert ops == [("add_task", "completed"), ("add_task", "failed"), ("complete_task", "failed")]
    stored = {c["name"]: c for c in reversed(result.tool_calls)}
    assert set(stored) == {"add_task", "launch_rocket", "complete_task"}
    assert "error" in stored["launch_rocket"]


def test_fault_in_second_tool_call_keeps_first_and_leaves_no_partial_rows(
    app_db, use_openai, account, refuse_change
):
    """The second call deletes three tasks and the database refuses the third mid-statement."""
    with session_scope() as session:
        ids = [
            task_service.create_task(session, user_id=account.id, data={"title": title}).id
            for title in ("alpha", "beta", "gamma")
        ]
    refuse_change("DELETE", ids[2])
    use_openai.script = [
        {
            "tool_calls": [
                call("add_task", title="keep me"),
                call("delete_tasks", task_ids=[str(i) for i in ids]),
            ]
        },
        {"text": "never asked for"},
    ]
    result = runner.run_turn(user_id=account.id, text="add keep me and delete the rest")
    stored = assert_closed(app_db, result, "error", result.error)
    assert result.error in {"IntegrityError", "ProgrammingError"}, result.error  # SQLite, PostgreSQL
    assert result.reply == "Sorry, something went wrong while answering. Try again."
    assert len(use_openai.requests) == 1  # the turn stopped at the fault

    # The first call committed and is journaled; the failing one left every row as it was.
    assert sorted(t.title for t in user_tasks(app_db, account.id)) == ["alpha", "beta", "gamma", "keep me"]
    ops = [(op.tool_name, op.status) for op in operations(app_db, account.id) if op.tool_name]
    assert ops == [("add_task", "completed"), ("delete_tasks", "failed")]
    calls = stored.tool_calls or []
    assert [c["name"] for c in calls] == ["add_task", "delete_tasks"]
    assert calls[0]["result"]["status"] == "created"
    assert calls[1]["error"].startswith("Internal error")
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_endless_tool_calls_stop_at_the_cap_each_call_whole(app_db, use_openai, account):
    use_openai.script = [{"tool_calls": [call("add_task", title=f"loop {n}")]} for n in range(20)]
    result = runner.run_turn(user_id=account.id, text="add tasks forever")
    assert_closed(app_db, result, "error", "tool_loop")
    assert result.reply == "The assistant kept calling tools without answering, so I stopped it."
    rounds = openai_backend.MAX_TOOL_ROUNDS
    assert len(use_openai.requests) == rounds
    assert [t.title for t in user_tasks(app_db, account.id)] == [f"loop {n}" for n in range(rounds)]
    assert [op.status for op in operations(app_db, account.id)] == ["completed"] * rounds
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_stream_cut_mid_answer_is_a_clear_error_after_whole_tool_calls(app_db, use_openai, account):
    use_openai.script = [
        {"tool_calls": [call("add_task", title="pay rent")]},
        {"cut_after": 3, "text": "I added pay rent for you today"},
    ]
    deltas: list[str] = []
    start = runner.begin_turn(user_id=account.id, text="add pay rent")
    result = runner.process_turn(start, on_delta=deltas.append)
    assert_closed(app_db, result, "error", "connection")
    assert result.reply == "The AI service could not be reached. Try again."
    assert "".join(deltas).startswith("I added pay")  # the person saw the start, then the error
    assert [t.title for t in user_tasks(app_db, account.id)] == ["pay rent"]
    assert [op.status for op in operations(app_db, account.id)] == ["completed"]
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_unreadable_stream_chunk_is_a_clear_error(app_db, use_openai, account):
    use_openai.script = [{"garbage": True}]
    result = runner.run_turn(user_id=account.id, text="hello")
    assert_closed(app_db, result, "error", "bad_response")
    assert result.reply == "The AI service sent an answer that could not be read. Try again."
    assert_takes_new_turn(use_openai, account, result.thread_id)


def test_failed_turn_keeps_the_question_and_can_be_retried(app_db, use_openai, account):
    use_openai.script = [{"status": 500, "retry_after": "0"}] * ATTEMPTS
    failed = runner.run_turn(user_id=account.id, text="add buy milk")
    assert failed.status == "error"
    messages = thread_messages(app_db, failed.thread_id)
    assert [(m.role, m.status, m.content) for m in messages] == [
        ("user", "completed", "add buy milk"),
        ("assistant", "error", failed.reply),
    ]

    use_openai.script = [{"tool_calls": [call("add_task", title="buy milk")]}, {"text": "Added buy milk."}]
    start = runner.begin_retry(user_id=account.id, thread_id=failed.thread_id, message_id=failed.message_id)
    retried = runner.process_turn(start)
    assert_closed(app_db, retried, "completed")
    assert [t.title for t in user_tasks(app_db, account.id)] == ["buy milk"]
