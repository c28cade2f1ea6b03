"""A turn cut off mid-way says what it had already changed, and retrying it does not change it twice.

The "crash" is a ``BaseException`` from the tool registry after some calls committed: nothing of the
runner runs after it (no reply, no ``tool_calls`` stored), as when the process is killed; the
journal holds what was applied. ``tests/reliability/test_crash.py`` does the same with SIGKILL.
On SQLite and PostgreSQL (``app_db``).
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import Session, col, select

from app.agent import registry
from app.models import Message, Task
from app.orchestration import runner
from app.services import account
from app.services.turn_journal import summary


class _Killed(BaseException):
    """The process died here."""


@pytest.fixture
def uid(new_user) -> uuid.UUID:
    return new_user()


def crash_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """The registry runs ``calls`` tool calls, then the process "dies" on the next one."""
    real = registry.execute
    made = []

    def execute(*args, **kwargs):
        if len(made) == calls:
            raise _Killed
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "execute", execute)


def crash_a_turn(monkeypatch, uid, text: str, calls: int, thread_id=None) -> runner.TurnStart:
    start = runner.begin_turn(user_id=uid, text=text, thread_id=thread_id)
    with monkeypatch.context() as m:
        crash_after(m, calls)
        with pytest.raises(_Killed):
            runner.process_turn(start)
    assert runner.recover_interrupted_turns(single_instance=True) == 1  # the restart
    return start


def stored(engine, message_id) -> Message:
    with Session(engine) as s:
        return s.get(Message, message_id)


def titles(engine, uid) -> list[str]:
    with Session(engine) as s:
        return [t.title for t in s.exec(select(Task).where(Task.user_id == uid).order_by(col(Task.title)))]


EIGHT = "add tasks: milk, eggs, bread, tea, jam, rice, salt, oil"
ALL = sorted(["milk", "eggs", "bread", "tea", "jam", "rice", "salt", "oil"])


def test_interrupted_reply_names_the_tasks_it_had_added(app_db, uid, monkeypatch):
    start = crash_a_turn(monkeypatch, uid, EIGHT, calls=7)
    reply = stored(app_db, start.message_id)
    assert (reply.status, reply.meta["error"]) == ("error", "interrupted")
    assert reply.content == (
        'This reply was interrupted. Before it stopped, I added 7 tasks: "milk", "eggs", "bread", "tea", '
        '"jam" and 2 more.'
    )
    assert [(c["name"], c["arguments"]["title"], c["result"]["status"]) for c in reply.tool_calls] == [
        ("add_task", t, "created") for t in ("milk", "eggs", "bread", "tea", "jam", "rice", "salt")
    ]
    with Session(app_db) as s:  # the export carries the same message
        exported = account.export(s, user_id=uid)
    [message] = [m for m in exported["messages"] if m["id"] == str(start.message_id)]
    assert message["content"] == reply.content
    # Export v2 (issue 15, item 17): each call with its arguments and the result's plain values.
    assert [(c["id"], c["name"], c["arguments"]) for c in message["tool_calls"]] == [
        (c["id"], c["name"], c["arguments"]) for c in reply.tool_calls
    ]
    assert [
        (c["outcome"]["status"], c["outcome"]["title"], c["outcome"]["task_id"])
        for c in message["tool_calls"]
    ] == [(c["result"]["status"], c["result"]["title"], c["result"]["task_id"]) for c in reply.tool_calls]


def test_interrupted_reply_with_nothing_applied_says_only_that(app_db, uid, monkeypatch):
    start = crash_a_turn(monkeypatch, uid, "add tasks: milk, eggs", calls=0)
    reply = stored(app_db, start.message_id)
    assert (reply.content, reply.tool_calls) == ("This reply was interrupted.", None)


def test_interrupted_reply_names_completed_deleted_and_updated_tasks(app_db, uid, monkeypatch):
    first = runner.run_turn(user_id=uid, text="add tasks: [ok](http://evil.example/x), report, old")
    by_title = {c["result"]["title"]: c["result"]["task_id"] for c in first.tool_calls}
    start = runner.begin_turn(user_id=uid, text="tidy up", thread_id=first.thread_id)
    for name, args in (
        ("complete_task", {"task_id": by_title["[ok](http://evil.example/x)"]}),
        ("delete_task", {"task_id": by_title["old"]}),
        ("update_task", {"task_id": by_title["report"], "priority": "high"}),
        ("list_tasks", {}),
    ):  # as the model would have run them before the process died
        registry.execute(
            name, args, user_id=uid, source="chat", thread_id=start.thread_id, message_id=start.message_id
        )
    runner.recover_interrupted_turns(single_instance=True)
    reply = stored(app_db, start.message_id)
    assert reply.content == (
        "This reply was interrupted. Before it stopped, I completed "
        '"\\[ok\\](http\\://evil.example/x)"; deleted "old"; updated "report".'
    )
    names = [c["name"] for c in reply.tool_calls]
    assert names == ["complete_task", "delete_task", "update_task", "list_tasks"]


def test_retry_of_an_interrupted_turn_does_not_repeat_what_it_applied(app_db, uid, monkeypatch):
    start = crash_a_turn(monkeypatch, uid, EIGHT, calls=4)
    assert titles(app_db, uid) == ["bread", "eggs", "milk", "tea"]

    # The REST retry and the page's Retry are one code path: begin_retry (here with no message id:
    # the thread's newest reply) and process_turn, replaying from the journal.
    again = runner.begin_retry(user_id=uid, thread_id=start.thread_id)
    assert (again.text, again.user_message_id) == (EIGHT, start.user_message_id)
    result = runner.process_turn(again)
    assert result.status == "completed"
    assert titles(app_db, uid) == ALL
    assert [c.get("replayed", False) for c in result.tool_calls] == [True] * 4 + [False] * 4


def test_retry_of_an_interrupted_retry_replays_both_attempts(app_db, uid, monkeypatch):
    start = crash_a_turn(monkeypatch, uid, EIGHT, calls=2)
    runner.run_turn(user_id=uid, text="add call mom", thread_id=start.thread_id)  # the talk goes on
    second = runner.begin_retry(user_id=uid, thread_id=start.thread_id, message_id=start.message_id)
    with monkeypatch.context() as m:
        crash_after(m, 3)  # the two replays do not reach the registry: two new tasks, then the crash
        with pytest.raises(_Killed):
            runner.process_turn(second)
    runner.recover_interrupted_turns(single_instance=True)
    assert stored(app_db, second.message_id).content == (
        "This reply was interrupted. Before it stopped, I added 5 tasks: "
        '"milk", "eggs", "bread", "tea" and "jam".'
    )

    third = runner.begin_retry(user_id=uid, thread_id=start.thread_id, message_id=second.message_id)
    assert third.text == EIGHT  # not "add call mom", the newest question
    result = runner.process_turn(third)
    assert result.status == "completed"
    assert titles(app_db, uid) == sorted([*ALL, "call mom"])
    assert sum(c.get("replayed", False) for c in result.tool_calls) == 5


def test_summary_caps_titles_and_skips_searches():
    def call(status: str, title: str) -> dict:
        return {"name": "x", "arguments": {}, "result": {"status": status, "title": title}}

    calls = [call("created", f"t{i}") for i in range(1, 8)] + [
        {"name": "list_tasks", "arguments": {}, "result": {"tasks": [], "count": 0}},
        {"name": "delete_tasks", "arguments": {}, "result": {"status": "deleted", "titles": ["a", "b"]}},
        call("pending", "again"),
        {**call("completed", "failed one"), "error": "Task not found."},
    ]
    assert summary(calls) == (
        'Before it stopped, I added 7 tasks: "t1", "t2", "t3", "t4", "t5" and 2 more; '
        'deleted 2 tasks: "a" and "b"; reopened "again".'
    )
    assert summary([]) == ""
    assert json.dumps(summary(calls))  # plain text
