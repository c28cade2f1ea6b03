"""Whole chat turns through the runner with the local agent, on a real database.

The runner opens its own sessions; the ``app_db`` fixture (tests/agent/conftest.py) points
them at the test's database, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, func, select

from app.core.config import get_settings
from app.models import Message, MessageStatus, Reminder, Task, TaskOperation, Thread, User, Widget
from app.models.base import utcnow
from app.orchestration import runner
from app.services import messages as message_service
from app.services import threads as thread_service
from app.services.errors import BusyError, InvalidInputError, NotFoundError, ServiceError

OPENAI_BACKEND = Path(runner.__file__).parents[1] / "agent" / "openai_backend.py"


@pytest.fixture
def uid(new_user) -> uuid.UUID:
    return new_user()


@pytest.fixture
def other_uid(new_user) -> uuid.UUID:
    return new_user()


def thread_messages(engine, thread_id) -> list[Message]:
    with Session(engine) as s:
        stmt = select(Message).where(Message.thread_id == uuid.UUID(str(thread_id)))
        return list(s.exec(stmt.order_by(col(Message.created_at), col(Message.id))).all())


def get_thread(engine, thread_id) -> Thread:
    with Session(engine) as s:
        return s.get(Thread, uuid.UUID(str(thread_id)))


def user_row(engine, user_id) -> User:
    with Session(engine) as s:
        return s.get(User, user_id)


def user_tasks(engine, user_id) -> list[Task]:
    with Session(engine) as s:
        return list(s.exec(select(Task).where(Task.user_id == user_id).order_by(col(Task.created_at))).all())


def row_count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def use_failing_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the OpenAI backend at a closed local port, without retries (fast failure)."""
    from app.agent import openai_backend

    monkeypatch.setattr(openai_backend, "MAX_RETRIES", 0)
    monkeypatch.setenv("AGENT_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "5")
    get_settings.cache_clear()


def use_local_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_BACKEND", "local")
    get_settings.cache_clear()


needs_openai_backend = pytest.mark.skipif(
    not OPENAI_BACKEND.exists(), reason="app/agent/openai_backend.py does not exist"
)


# --- the backend ------------------------------------------------------------------------------


def test_agent_backend_follows_the_setting(monkeypatch):
    from app.agent.offline import LocalAgent

    use_local_agent(monkeypatch)
    assert isinstance(runner.agent_backend(), LocalAgent)
    if OPENAI_BACKEND.exists():
        from app.agent.openai_backend import OpenAIAgent

        use_failing_openai(monkeypatch)
        assert isinstance(runner.agent_backend(), OpenAIAgent)


def test_run_agent_gives_the_backend_one_turn_with_everything(app_db, uid, monkeypatch):
    """Whatever the backend, it gets the same AgentTurn: message, tools, memory and the turn's ids."""
    from app.agent.types import AgentMemory, AgentReply, AgentTurn

    seen: list[AgentTurn] = []

    class Recording:
        def answer(self, turn: AgentTurn) -> AgentReply:
            seen.append(turn)
            return AgentReply("ok", AgentMemory(focus=["x"]))

    monkeypatch.setattr(runner, "agent_backend", Recording)
    first = runner.run_turn(user_id=uid, text="hello")
    start = runner.begin_turn(user_id=uid, text="again", thread_id=first.thread_id)
    deltas: list[str] = []
    reply = runner.run_agent(start, runner.ToolRecorder(start), on_delta=deltas.append)
    assert reply.text == "ok"
    turn = seen[-1]
    assert (turn.text, turn.today, turn.user_id) == ("again", date.today(), uid)
    assert (turn.thread_id, turn.message_id) == (start.thread_id, start.message_id)
    assert turn.memory == AgentMemory(focus=["x"])  # what the first turn left on the thread
    assert turn.on_delta == deltas.append
    assert turn.done_before == []
    assert turn.should_stop is None
    assert turn.call_tool("list_tasks", {})["count"] == 0


# --- a whole turn -----------------------------------------------------------------------------


def test_run_turn_first_message_creates_thread_task_and_reply(app_db, uid):
    tomorrow = date.today() + timedelta(days=1)
    result = runner.run_turn(user_id=uid, text="add buy milk tomorrow")

    assert result.status == "completed"
    assert result.error is None
    assert result.thread_title == "Buy milk"  # what it is about, not the message (issue 15, item 5)
    assert "buy milk" in result.reply

    thread = get_thread(app_db, result.thread_id)
    assert thread.user_id == uid
    assert thread.title == "Buy milk"

    # The user's message first, then the assistant's reply.
    user_msg, reply = thread_messages(app_db, result.thread_id)
    assert (user_msg.id, user_msg.role, user_msg.content, user_msg.status) == (
        uuid.UUID(result.user_message_id),
        "user",
        "add buy milk tomorrow",
        "completed",
    )
    assert (reply.id, reply.role, reply.status, reply.content) == (
        uuid.UUID(result.message_id),
        "assistant",
        "completed",
        result.reply,
    )
    assert user_msg.created_at <= reply.created_at

    # The task exists, due tomorrow.
    [task] = user_tasks(app_db, uid)
    assert (task.title, task.due_date, task.completed) == ("buy milk", tomorrow, False)

    # Its tool calls are recorded on the reply, with name, arguments and result.
    adds = [c for c in reply.tool_calls if c["name"] == "add_task"]
    assert len(adds) == 1
    assert adds[0]["arguments"]["title"] == "buy milk"
    assert adds[0]["arguments"]["due_date"] == tomorrow.isoformat()
    assert adds[0]["result"]["task_id"] == str(task.id)
    assert adds[0]["result"]["status"] == "created"
    assert all(c["id"].startswith("call_") for c in reply.tool_calls)
    assert result.tool_calls == reply.tool_calls

    # The tool call was journaled for this thread and this reply.
    with Session(app_db) as s:
        [op] = s.exec(select(TaskOperation).where(TaskOperation.tool_name == "add_task")).all()
    assert (op.thread_id, op.message_id, op.source, op.input_text, op.status) == (
        thread.id,
        reply.id,
        "chat",
        "add buy milk tomorrow",
        "completed",
    )

    # Memory is kept on the thread, and the thread is remembered for next sign-in.
    memory = thread_service.agent_memory(thread)
    assert memory.to_stored()
    assert str(task.id) in memory.focus
    assert user_row(app_db, uid).last_chat_thread_id == thread.id

    # Widgets are stored on the reply.
    with Session(app_db) as s:
        stored = s.exec(select(Widget).where(Widget.message_id == reply.id)).all()
    assert [w.id for w in stored] == [w["id"] for w in result.widgets]


def test_run_turn_second_turn_resolves_it_from_thread_memory(app_db, uid):
    first = runner.run_turn(user_id=uid, text="add call mom")
    # A newer task added in another thread must not be what "it" means in the first one.
    elsewhere = runner.run_turn(user_id=uid, text="add buy bread")
    assert elsewhere.thread_id != first.thread_id

    second = runner.run_turn(user_id=uid, text="make it high priority", thread_id=first.thread_id)
    assert second.status == "completed"
    assert second.thread_id == first.thread_id

    by_title = {t.title: t for t in user_tasks(app_db, uid)}
    assert by_title["call mom"].priority == "high"
    assert by_title["buy bread"].priority == "medium"
    msgs = thread_messages(app_db, first.thread_id)
    assert [(m.role, m.status) for m in msgs] == [
        ("user", "completed"),
        ("assistant", "completed"),
        ("user", "completed"),
        ("assistant", "completed"),
    ]
    assert msgs[2].content == "make it high priority"
    updates = [c for c in msgs[3].tool_calls if c["name"] == "update_task"]
    assert len(updates) == 1
    assert updates[0]["arguments"]["task_id"] == str(by_title["call mom"].id)
    assert updates[0]["arguments"]["priority"] == "high"
    # The title stays the first turn's; the latest thread is remembered.
    assert get_thread(app_db, first.thread_id).title == "Call mom"
    assert user_row(app_db, uid).last_chat_thread_id == uuid.UUID(first.thread_id)


def test_run_turn_text_with_nul_works_on_every_backend(app_db, uid):
    """PostgreSQL text cannot hold NUL; a pasted NUL must not crash the turn there."""
    result = runner.run_turn(user_id=uid, text="add pay\x00 rent")
    assert result.status == "completed"
    assert result.thread_title == "Pay rent"
    assert thread_messages(app_db, result.thread_id)[0].content == "add pay rent"
    assert [t.title for t in user_tasks(app_db, uid)] == ["pay rent"]


def test_run_turn_empty_text_stores_nothing(app_db, uid):
    with pytest.raises(InvalidInputError, match=r"^Type a message first\.$"):
        runner.run_turn(user_id=uid, text="   ")
    assert row_count(app_db, Thread) == 0
    assert row_count(app_db, Message) == 0


def test_run_turn_unknown_thread_not_found(app_db, uid):
    with pytest.raises(NotFoundError, match=r"^Conversation not found\.$"):
        runner.run_turn(user_id=uid, text="hello", thread_id=uuid.uuid4())
    assert row_count(app_db, Message) == 0


def test_run_turn_other_users_thread_not_found(app_db, uid, other_uid):
    theirs = runner.run_turn(user_id=other_uid, text="add secret plan")
    before = [(m.id, m.status) for m in thread_messages(app_db, theirs.thread_id)]
    thread_before = get_thread(app_db, theirs.thread_id)

    for tid in (theirs.thread_id, uuid.UUID(theirs.thread_id)):
        with pytest.raises(NotFoundError, match=r"^Conversation not found\.$"):
            runner.run_turn(user_id=uid, text="delete everything", thread_id=tid)

    assert [(m.id, m.status) for m in thread_messages(app_db, theirs.thread_id)] == before
    thread_after = get_thread(app_db, theirs.thread_id)
    assert (thread_after.updated_at, thread_after.meta) == (thread_before.updated_at, thread_before.meta)
    assert user_row(app_db, uid).last_chat_thread_id is None
    assert [t.title for t in user_tasks(app_db, other_uid)] == ["secret plan"]
    assert user_tasks(app_db, uid) == []


# --- one turn at a time -----------------------------------------------------------------------


def test_begin_turn_busy_thread_stores_nothing(app_db, uid):
    start = runner.begin_turn(user_id=uid, text="add water plants")
    assert start.created_thread is True
    assert start.thread_title == "Water plants"
    before = [(m.id, m.status, m.content) for m in thread_messages(app_db, start.thread_id)]
    assert [s for _, s, _ in before] == ["completed", "pending"]
    thread_before = get_thread(app_db, start.thread_id)

    with pytest.raises(ServiceError) as info:
        runner.begin_turn(user_id=uid, text="add feed the cat", thread_id=start.thread_id)
    assert isinstance(info.value, BusyError)
    assert info.value.message == message_service.BUSY_MESSAGE

    assert [(m.id, m.status, m.content) for m in thread_messages(app_db, start.thread_id)] == before
    assert get_thread(app_db, start.thread_id).updated_at == thread_before.updated_at

    # Finishing the open turn frees the thread.
    done = runner.process_turn(start)
    assert done.status == "completed"
    nxt = runner.run_turn(user_id=uid, text="add feed the cat", thread_id=start.thread_id)
    assert nxt.status == "completed"
    assert sorted(t.title for t in user_tasks(app_db, uid)) == ["feed the cat", "water plants"]


@needs_openai_backend
def test_begin_retry_busy_thread_refused(app_db, uid, monkeypatch):
    use_failing_openai(monkeypatch)
    failed = runner.run_turn(user_id=uid, text="add pay rent")
    use_local_agent(monkeypatch)
    open_turn = runner.begin_turn(user_id=uid, text="hello", thread_id=failed.thread_id)
    n = len(thread_messages(app_db, failed.thread_id))
    with pytest.raises(BusyError):
        runner.begin_retry(user_id=uid, thread_id=failed.thread_id, message_id=failed.message_id)
    assert len(thread_messages(app_db, failed.thread_id)) == n
    runner.process_turn(open_turn)


def test_begin_turn_takes_over_a_stale_open_turn(app_db, uid):
    start = runner.begin_turn(user_id=uid, text="add stale thing")
    with Session(app_db) as s:
        orphan = s.get(Message, start.message_id)
        orphan.updated_at = utcnow() - runner.STALE_TURN - timedelta(minutes=1)
        s.add(orphan)
        s.commit()
    result = runner.run_turn(user_id=uid, text="add fresh thing", thread_id=start.thread_id)
    assert result.status == "completed"
    statuses = {m.id: (m.status, m.meta.get("error")) for m in thread_messages(app_db, start.thread_id)}
    assert statuses[start.message_id] == ("error", "interrupted")


def test_recover_interrupted_turns_single_instance(app_db, uid):
    start = runner.begin_turn(user_id=uid, text="add something")
    assert runner.recover_interrupted_turns(single_instance=False) == 0
    assert runner.recover_interrupted_turns(single_instance=True) == 1
    reply = next(m for m in thread_messages(app_db, start.thread_id) if m.id == start.message_id)
    assert (reply.status, reply.meta["error"]) == ("error", "interrupted")
    assert runner.run_turn(user_id=uid, text="add more", thread_id=start.thread_id).status == "completed"


@pytest.mark.parametrize("redis_var", ["REDIS_URL", "REFLEX_REDIS_URL"])
def test_recover_interrupted_turns_at_start_up_follows_either_redis_variable(
    app_db, uid, redis_var, monkeypatch
):
    """Given Redis under either name, an instance is one of several: another's live turn stays open."""
    import asyncio

    from app.orchestration.runner import recover_at_start_up

    for var in ("REDIS_URL", "REFLEX_REDIS_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(redis_var, "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    live = runner.begin_turn(user_id=uid, text="add something")
    asyncio.run(recover_at_start_up())
    reply = next(m for m in thread_messages(app_db, live.thread_id) if m.id == live.message_id)
    assert reply.status != "error"

    monkeypatch.delenv(redis_var)  # alone, every open turn is a crash's leftover
    get_settings.cache_clear()
    asyncio.run(recover_at_start_up())
    reply = next(m for m in thread_messages(app_db, live.thread_id) if m.id == live.message_id)
    assert (reply.status, reply.meta["error"]) == ("error", "interrupted")


# --- failures and retry -----------------------------------------------------------------------


@needs_openai_backend
def test_process_turn_agent_failure_closes_turn_as_error(app_db, uid, monkeypatch):
    use_failing_openai(monkeypatch)
    start = runner.begin_turn(user_id=uid, text="add buy milk")
    result = runner.process_turn(start)

    assert result.status == "error"
    assert result.error == "connection"
    assert result.reply
    user_msg, reply = thread_messages(app_db, start.thread_id)
    assert (user_msg.role, user_msg.content, user_msg.status) == ("user", "add buy milk", "completed")
    assert (reply.id, reply.status, reply.content) == (start.message_id, "error", result.reply)
    assert reply.meta["error"] == "connection"
    with Session(app_db) as s:
        assert not message_service.has_open_turn(s, thread_id=start.thread_id)
    assert user_tasks(app_db, uid) == []


@needs_openai_backend
def test_begin_retry_reanswers_the_failed_question(app_db, uid, monkeypatch):
    use_failing_openai(monkeypatch)
    failed = runner.run_turn(user_id=uid, text="add buy milk tomorrow")
    assert failed.status == "error"

    use_local_agent(monkeypatch)
    # A second, successful exchange after the failure: retry must answer the first question.
    runner.run_turn(user_id=uid, text="add call mom", thread_id=failed.thread_id)

    start = runner.begin_retry(user_id=uid, thread_id=failed.thread_id, message_id=failed.message_id)
    assert start.user_message_id == uuid.UUID(failed.user_message_id)
    assert start.text == "add buy milk tomorrow"
    assert start.created_thread is False
    result = runner.process_turn(start)
    assert result.status == "completed"
    assert result.user_message_id == failed.user_message_id

    titles = {t.title: t for t in user_tasks(app_db, uid)}
    assert set(titles) == {"buy milk", "call mom"}
    assert titles["buy milk"].due_date == date.today() + timedelta(days=1)
    msgs = {m.id: m for m in thread_messages(app_db, failed.thread_id)}
    assert msgs[uuid.UUID(failed.message_id)].status == "error"  # the failed reply stays as it was
    assert msgs[uuid.UUID(result.message_id)].status == "completed"
    assert sum(1 for m in msgs.values() if m.role == "user") == 2  # the question is not stored twice


@needs_openai_backend
def test_begin_retry_refusals(app_db, uid, other_uid, monkeypatch):
    use_failing_openai(monkeypatch)
    failed = runner.run_turn(user_id=uid, text="add pay rent")
    use_local_agent(monkeypatch)
    ok = runner.run_turn(user_id=uid, text="add pay bills")
    n = row_count(app_db, Message)

    with pytest.raises(ServiceError, match=r"^Only a failed reply can be retried\.$"):
        runner.begin_retry(user_id=uid, thread_id=ok.thread_id, message_id=ok.message_id)
    with pytest.raises(ServiceError, match=r"^Only a failed reply can be retried\.$"):
        runner.begin_retry(user_id=uid, thread_id=ok.thread_id, message_id=failed.message_id)
    with pytest.raises(NotFoundError, match=r"^Message not found\.$"):
        runner.begin_retry(user_id=other_uid, thread_id=failed.thread_id, message_id=failed.message_id)
    with pytest.raises(NotFoundError):
        runner.begin_retry(user_id=uid, thread_id=failed.thread_id, message_id=uuid.uuid4())
    assert row_count(app_db, Message) == n
    assert not any(t.title == "pay rent" for t in user_tasks(app_db, uid))


def test_process_turn_never_leaves_turn_open_on_crash(app_db, uid, monkeypatch):
    """Any exception from the agent (not only AgentError) closes the turn as an error."""
    start = runner.begin_turn(user_id=uid, text="add something")

    def boom(*_args, **_kwargs):
        raise RuntimeError("agent bug")

    monkeypatch.setattr(runner, "run_agent", boom)
    result = runner.process_turn(start)
    assert (result.status, result.error) == ("error", "RuntimeError")
    reply = next(m for m in thread_messages(app_db, start.thread_id) if m.id == start.message_id)
    assert reply.status == MessageStatus.error.value
    assert reply.meta["error"] == "RuntimeError"
    with Session(app_db) as s:
        assert not message_service.has_open_turn(s, thread_id=start.thread_id)


def test_in_an_hour_counts_from_the_persons_clock(app_db, uid) -> None:
    """ "in 1 hour" is a due time an hour after the turn began, on the person's clock (their zone)."""
    with Session(app_db) as s:
        user = s.get(User, uid)
        user.time_zone = "Asia/Kolkata"  # +05:30: a zone far from UTC, with half hours
        s.add(user)
        s.commit()
    before = datetime.now(ZoneInfo("Asia/Kolkata")).replace(second=0, microsecond=0)
    result = runner.run_turn(user_id=uid, text="remind me to check the oven in 1 hour")
    after = datetime.now(ZoneInfo("Asia/Kolkata"))
    assert result.status == "completed", result.reply
    with Session(app_db) as s:
        task = s.exec(select(Task).where(Task.user_id == uid)).one()
    assert task.title == "check the oven"
    due = datetime.combine(task.due_date, task.due_time, ZoneInfo("Asia/Kolkata"))
    assert before + timedelta(hours=1) <= due <= after + timedelta(hours=1), (due, before, after)
    with Session(app_db) as s:
        reminder = s.exec(select(Reminder).where(Reminder.task_id == task.id)).one()
    assert reminder.local_at == f"{due:%Y-%m-%dT%H:%M}"  # "remind me": at that time
    assert reminder.fire_at == due.astimezone(UTC)
