"""The OpenAI backend with the real ``openai`` SDK against a scripted server on localhost."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

from app.core import db
from app.core.config import get_settings
from app.models import Message, Task, TaskOperation, Thread
from app.orchestration import runner
from app.services import auth
from app.services import threads as thread_service
from tests.utils.fake_openai import FakeOpenAI, fake_openai
from tests.utils.tls import count_tls_contexts


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeOpenAI]:
    with fake_openai() as server:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'openai.db'}")
        monkeypatch.setenv("AGENT_BACKEND", "openai")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "1")
        get_settings.cache_clear()
        db.reset_engine()
        SQLModel.metadata.create_all(db.get_engine())
        yield server
        db.reset_engine()
        get_settings.cache_clear()


@pytest.fixture
def user_id(fake):
    with db.session_scope() as session:
        return auth.register(session, email="ann@example.com", password="password123").id


def _session() -> Session:
    return Session(db.get_engine())


def test_openai_text_reply_streams_deltas_and_is_stored(fake, user_id):
    fake.script = [{"text": "Hello there, how can I help?"}]
    deltas: list[str] = []
    start = runner.begin_turn(user_id=user_id, text="hi")
    result = runner.process_turn(start, on_delta=deltas.append)
    assert result.status == "completed"
    assert result.reply == "Hello there, how can I help?"
    assert len(deltas) > 1
    assert "".join(deltas) == result.reply
    body = fake.requests[0]
    assert body["model"] == "fake-model"
    assert body["stream"] is True
    assert {t["function"]["name"] for t in body["tools"]} >= {"add_task", "list_tasks", "complete_task"}
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][-1] == {"role": "user", "content": "hi"}


def test_openai_tool_call_runs_through_registry(fake, user_id):
    args = json.dumps({"title": "pay rent", "priority": "high", "due_date": "2027-01-15"})
    fake.script = [{"tool_calls": [{"name": "add_task", "arguments": args}]}, {"text": "Added pay rent."}]
    result = runner.run_turn(user_id=user_id, text="add pay rent on 2027-01-15, high priority")
    assert result.reply == "Added pay rent."
    assert [c["name"] for c in result.tool_calls] == ["add_task"]
    assert result.tool_calls[0]["result"]["status"] == "created"
    with _session() as session:
        task = session.exec(select(Task)).one()
        assert (task.title, task.priority, task.due_date.isoformat()) == ("pay rent", "high", "2027-01-15")
        op = session.exec(select(TaskOperation)).one()
        assert (op.tool_name, op.status, op.operation_type) == ("add_task", "completed", "create")
        stored = session.get(Message, uuid.UUID(result.message_id))
        assert stored.tool_calls[0]["name"] == "add_task"
    tool_msg = fake.requests[1]["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert json.loads(tool_msg["content"])["title"] == "pay rent"


def test_openai_context_holds_earlier_messages(fake, user_id):
    fake.script = [{"text": "First answer."}, {"text": "Second answer."}]
    first = runner.run_turn(user_id=user_id, text="first question")
    runner.run_turn(user_id=user_id, text="second question", thread_id=first.thread_id)
    sent = [(m["role"], m["content"]) for m in fake.requests[1]["messages"][1:]]
    assert sent == [
        ("user", "first question"),
        ("assistant", "First answer."),
        ("user", "second question"),
    ]


def test_openai_server_error_becomes_error_message_with_reason(fake, user_id):
    fake.script = [{"status": 500, "retry_after": "0"}] * 3
    result = runner.run_turn(user_id=user_id, text="hello")
    assert result.status == "error"
    assert result.error == "http_500"
    assert "error (500)" in result.reply
    assert len(fake.requests) == 3
    with _session() as session:
        message = session.get(Message, uuid.UUID(result.message_id))
        assert message.status == "error"
        assert message.meta["error"] == "http_500"


def test_openai_rate_limit_is_retried_then_recovers(fake, user_id):
    fake.script = [{"status": 429, "retry_after": "0"}, {"text": "Recovered."}]
    result = runner.run_turn(user_id=user_id, text="hello")
    assert (result.status, result.reply) == ("completed", "Recovered.")


def test_openai_timeout_becomes_error_and_thread_takes_new_turns(fake, user_id):
    fake.script = [{"delay": 1.6, "text": "late"}] * 3
    result = runner.run_turn(user_id=user_id, text="hello")
    assert (result.status, result.error) == ("error", "timeout")
    fake.script = [{"text": "Back again."}]
    again = runner.run_turn(user_id=user_id, text="hello again", thread_id=result.thread_id)
    assert again.reply == "Back again."


def test_openai_malformed_and_unknown_tool_calls_are_reported_to_the_model(fake, user_id):
    fake.script = [
        {
            "tool_calls": [
                {"name": "add_task", "arguments": "{not json"},
                {"name": "launch_rocket", "arguments": "{}"},
            ]
        },
        {"text": "Sorry, I could not do that."},
    ]
    result = runner.run_turn(user_id=user_id, text="add something")
    assert result.reply == "Sorry, I could not do that."
    tool_results = [json.loads(m["content"]) for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in tool_results[0]["error"]
    assert "Unknown tool" in tool_results[1]["error"]
    with _session() as session:
        assert session.exec(select(Task)).all() == []


def test_openai_invalid_arguments_change_nothing(fake, user_id):
    fake.script = [
        {"tool_calls": [{"name": "add_task", "arguments": json.dumps({"title": "x", "priority": "urgent"})}]},
        {"text": "That priority is not allowed."},
    ]
    runner.run_turn(user_id=user_id, text="add x urgently")
    with _session() as session:
        assert session.exec(select(Task)).all() == []
        op = session.exec(select(TaskOperation)).one()
        assert op.status == "failed"


def test_openai_endless_tool_calls_are_capped(fake, user_id):
    fake.script = [{"tool_calls": [{"name": "list_tasks", "arguments": "{}"}]}] * 20
    result = runner.run_turn(user_id=user_id, text="loop forever")
    assert (result.status, result.error) == ("error", "tool_loop")
    assert len(fake.requests) == 8


def test_openai_stop_ends_the_stream(fake, user_id):
    fake.script = [{"text": "one two three four five six seven eight", "word_delay": 0.05}]
    seen: list[str] = []
    start = runner.begin_turn(user_id=user_id, text="talk")
    result = runner.process_turn(start, on_delta=seen.append, should_stop=lambda: len(seen) >= 2)
    assert result.status == "completed"
    assert result.reply.startswith("one two")
    assert "eight" not in result.reply


# --- the model names a new conversation (issue 15, item 5) -------------------------------------
def _thread_title(thread_id: str) -> str:
    with _session() as session:
        return session.get(Thread, uuid.UUID(thread_id)).title


def test_openai_new_thread_is_named_by_the_model_through_the_title_tool(fake, user_id):
    add = json.dumps({"title": "pay rent", "due_date": "2027-01-15"})
    fake.script = [
        {
            "tool_calls": [
                {"name": "set_conversation_title", "arguments": json.dumps({"title": "Pay rent"})},
                {"name": "add_task", "arguments": add},
            ]
        },
        {"text": "Added pay rent."},
    ]
    result = runner.run_turn(user_id=user_id, text="Add pay rent on 2027-01-15, high priority #home")
    assert (result.status, result.thread_title) == ("completed", "Pay rent")
    assert _thread_title(result.thread_id) == "Pay rent"
    first = fake.requests[0]
    assert "set_conversation_title" in {t["function"]["name"] for t in first["tools"]}
    assert "no title yet" in first["messages"][0]["content"]
    # Naming the conversation is no task tool: not run by the registry, not journaled.
    assert [c["name"] for c in result.tool_calls] == ["add_task"]
    answered = [json.loads(m["content"]) for m in fake.requests[1]["messages"] if m["role"] == "tool"]
    assert answered[0] == {"ok": True}


def test_openai_without_a_proposal_the_thread_stays_new_chat_and_is_asked_again(fake, user_id):
    fake.script = [{"text": "Hello! What would you like to do?"}]
    result = runner.run_turn(user_id=user_id, text="hi")
    assert _thread_title(result.thread_id) == "New chat"
    fake.script = [
        {"tool_calls": [{"name": "set_conversation_title", "arguments": '{"title": "Groceries"}'}]},
        {"text": "Sure."},
    ]
    runner.run_turn(user_id=user_id, text="let's plan the shopping", thread_id=result.thread_id)
    assert _thread_title(result.thread_id) == "Groceries"
    fake.script = [{"text": "Ok."}]
    runner.run_turn(user_id=user_id, text="and more", thread_id=result.thread_id)
    names = {t["function"]["name"] for t in fake.requests[-1]["tools"]}
    assert "set_conversation_title" not in names  # named: the model is no longer asked
    assert "no title yet" not in fake.requests[-1]["messages"][0]["content"]


def test_openai_renamed_thread_keeps_its_title_even_if_the_model_proposes_one(fake, user_id):
    fake.script = [{"text": "Hi."}]
    result = runner.run_turn(user_id=user_id, text="hi")
    with db.session_scope() as session:
        thread_service.rename_thread(session, user_id=user_id, thread_id=result.thread_id, title="Mine")
    fake.script = [
        {"tool_calls": [{"name": "set_conversation_title", "arguments": '{"title": "Pay rent"}'}]},
        {"text": "Ok."},
    ]
    runner.run_turn(user_id=user_id, text="add pay rent", thread_id=result.thread_id)
    assert _thread_title(result.thread_id) == "Mine"
    told = [json.loads(m["content"]) for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert told == [{"error": "No title was set."}]


def test_openai_title_with_a_redacted_value_is_restored(fake, user_id):
    fake.script = [
        {"tool_calls": [{"name": "set_conversation_title", "arguments": '{"title": "Email [EMAIL_1]"}'}]},
        {"text": "Ok."},
    ]
    result = runner.run_turn(user_id=user_id, text="email bob@example.com about the lease")
    assert "bob@example.com" not in json.dumps(fake.requests)  # redacted on the way out
    assert _thread_title(result.thread_id) == "Email bob@example.com"


# --- issue 16: projects, assignees and sharing through the same registry ---------------------------


def _call(tool: str, **args) -> dict:
    return {"tool_calls": [{"name": tool, "arguments": json.dumps(args)}]}


def _member(email: str, name: str):
    with db.session_scope() as session:
        return auth.register(session, email=email, password="password123", name=name).id


def test_openai_team_prompt_and_tools(fake, user_id):
    fake.script = [{"text": "Hi."}]
    runner.run_turn(user_id=user_id, text="hi")
    body = fake.requests[0]
    system = body["messages"][0]["content"]
    for words in ("projects", "assigned to a member", "confirmation card", "Inbox"):
        assert words in system
    names = {t["function"]["name"] for t in body["tools"]}
    assert names >= {"list_projects", "create_project", "move_task", "assign_task", "unassign_task",
                     "add_comment", "project_activity", "share_project"}  # fmt: skip
    add = next(t for t in body["tools"] if t["function"]["name"] == "add_task")["function"]["parameters"]
    assert {"project_id", "assignee_id"} <= set(add["properties"])


def test_openai_adds_to_a_project_and_assigns_by_name_members_only(fake, user_id):
    sam = _member("sam@example.com", "Sam")
    _member("lee@example.com", "Lee")
    fake.script = [
        _call("create_project", name="Work"),
        _call("share_project", project="Work", email="sam@example.com"),
        {"text": "Asked."},
    ]
    first = runner.run_turn(user_id=user_id, text="make a Work project and share it with my colleague")
    fake.script = [_call("share_project", project="Work", email="sam@example.com"), {"text": "Shared."}]
    runner.run_turn(user_id=user_id, text="yes", thread_id=first.thread_id)
    fake.script = [
        _call("add_task", title="write report", project_id="Work", assignee_id="sam"),
        _call("add_task", title="book room", project_id="Work"),
        {"text": "Done."},
    ]
    runner.run_turn(user_id=user_id, text="add write report to work for sam, and book room")
    with _session() as session:
        tasks = {t.title: t for t in session.exec(select(Task)).all()}
    assert tasks["write report"].assignee_id == sam
    room = tasks["book room"]
    fake.script = [
        _call("assign_task", task_id=str(room.id), assignee="lee"),
        {"text": "Lee is not in Work."},
    ]
    result = runner.run_turn(user_id=user_id, text="give book room to lee")
    assert result.tool_calls[0]["error"].startswith("lee is not a member of “Work”")
    told = [json.loads(m["content"]) for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert told[0]["error"].startswith("lee is not a member")
    with _session() as session:
        assert session.get(Task, room.id).assignee_id is None
    fake.script = [_call("list_tasks", assignee="me"), {"text": "Nothing is assigned to you."}]
    mine = runner.run_turn(user_id=user_id, text="what's assigned to me?")
    assert mine.tool_calls[0]["result"]["tasks"] == []


def test_openai_share_asks_with_a_card_first_and_yes_applies_it(fake, user_id):
    bob = _member("bob@example.com", "Bob")
    with db.session_scope() as session:
        from app.services import projects as project_service

        pid = project_service.create_project(session, user_id=user_id, name="Groceries").id
    fake.script = [
        _call("share_project", project="groceries", email="bob@example.com", role="viewer"),
        {"text": "Please confirm on the card."},
    ]
    asked = runner.run_turn(user_id=user_id, text="share groceries with bob, read only")
    told = [json.loads(m["content"]) for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert told[0]["status"] == "needs_confirmation"
    (card,) = asked.widgets
    assert card["payload"]["children"][0]["value"] == "Share Groceries with bob@example.com as viewer?"
    with _session() as session:
        from app.models import Membership

        shared = select(Membership).where(Membership.user_id == bob, Membership.project_id == pid)
        assert session.exec(shared).first() is None
    fake.script = [
        _call("share_project", project="Groceries", email="bob@example.com", role="viewer"),
        {"text": "Shared Groceries with Bob."},
    ]
    done = runner.run_turn(user_id=user_id, text="yes", thread_id=asked.thread_id)
    assert done.tool_calls[0]["result"]["status"] == "member"
    with _session() as session:
        from app.models import Membership

        row = session.exec(
            select(Membership).where(Membership.user_id == bob, Membership.project_id == pid)
        ).one()
        assert row.role == "viewer"
    # a share nobody asked about in the last turn asks again, never runs at once
    fake.script = [_call("share_project", project="Groceries", email="eve@example.com"), {"text": "Confirm?"}]
    again = runner.run_turn(user_id=user_id, text="also share it with eve")
    assert again.widgets[0]["payload"]["key"] == "confirm:share"
    fake.script = [_call("share_project", project="Inbox", email="eve@example.com"), {"text": "Can't."}]
    runner.run_turn(user_id=user_id, text="share my inbox with eve")
    told = [json.loads(m["content"]) for m in fake.requests[-1]["messages"] if m["role"] == "tool"]
    assert "personal" in told[0]["error"]


def test_openai_daily_prompt_and_tool_schemas_carry_the_new_fields(fake, user_id):
    """Issue 17: the model gets the daily-loop tools and fields from the one registry."""
    fake.script = [{"text": "Hi."}]
    runner.run_turn(user_id=user_id, text="hi")
    body = fake.requests[0]
    system = body["messages"][0]["content"]
    for words in ("due_time", "reminders", "add_subtasks", "my_day", "reschedule_overdue", '{"before": 0}'):
        assert words in system
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in body["tools"]}
    assert {"add_subtasks", "add_reminder", "my_day", "reschedule_overdue"} <= set(tools)
    for name in ("add_task", "update_task"):
        assert {"due_time", "reminders", "parent_id"} <= set(tools[name]["properties"])
    assert "within_days" in tools["list_tasks"]["properties"]
    assert "agenda" in json.dumps(tools["list_tasks"]["properties"]["due"])


def test_openai_sets_a_due_time_and_reminder_through_the_registry(fake, user_id):
    args = json.dumps(
        {"title": "call mom", "due_date": "2030-01-15", "due_time": "17:00", "reminders": [{"before": 0}]}
    )
    fake.script = [{"tool_calls": [{"name": "add_task", "arguments": args}]}, {"text": "Added."}]
    runner.run_turn(user_id=user_id, text="remind me to call mom on 2030-01-15 at 5pm")
    with _session() as s:
        task = s.exec(select(Task).where(Task.title == "call mom")).one()
        assert (str(task.due_time), task.reminders) == ("17:00:00", [{"before": 0}])


def test_openai_turns_share_one_client(fake, user_id, monkeypatch: pytest.MonkeyPatch):
    """The SDK's client (its connection pool and TLS set-up) is made once per configuration, not
    per turn: a second turn loads no CA certificates."""
    runner.process_turn(runner.begin_turn(user_id=user_id, text="hi"))
    made = count_tls_contexts(monkeypatch)
    result = runner.process_turn(runner.begin_turn(user_id=user_id, text="hello again"))
    assert result.status == "completed"
    assert len(fake.requests) == 2
    assert made == []
