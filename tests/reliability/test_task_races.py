"""Racing changes to one task: completing, reopening and deleting are safe however many requests race.

Every surface (the task page, REST, MCP, the CLI, chat and widget actions) ends in the task service,
so the races run through it with real threads and processes on real SQLite files and PostgreSQL:
ten completes of a weekly task make exactly one next occurrence, over several trials; a loser gets
the task (already completed) and a journal entry that claims no change (nothing to undo); racing
delete against complete, or complete against reopen, leaves a state some serial order explains.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.agent import registry
from app.core.db import session_scope
from app.models import Task, TaskOperation
from app.services import tasks as task_service
from app.services.errors import NotFoundError
from tests.reliability import race_worker
from tests.reliability.conftest import Account, operations, user_tasks

RACERS = 10
TRIALS = 5
PROCESSES = 4
DUE = date(2030, 1, 7)


def weekly_task(account: Account) -> uuid.UUID:
    with session_scope() as session:
        data = {"title": f"water plants {uuid.uuid4().hex[:6]}", "recurrence": "weekly", "due_date": DUE}
        return task_service.create_task(session, user_id=account.id, data=data).id


def race(fn: Callable[[int], Any], n: int = RACERS) -> list[Any]:
    """``fn(i)`` in ``n`` threads released together; each result, or the exception it raised."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait(timeout=30)
        try:
            return fn(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each racer got
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def complete_through_service(account: Account, task_id: uuid.UUID, _i: int = 0) -> dict[str, Any]:
    """What the task page and REST do: the service in a transaction of its own."""
    with session_scope() as session:
        task = task_service.complete_task(session, user_id=account.id, task_id=task_id)
        return task_service.to_public(task).to_json()


def complete_through_registry(account: Account, task_id: uuid.UUID, _i: int = 0) -> dict[str, Any]:
    """What MCP, the CLI, chat and widget actions do: a journaled tool call."""
    return registry.execute("complete_task", {"task_id": str(task_id)}, user_id=account.id, source="mcp")


def delete_or_complete(account: Account, task_id: uuid.UUID, offset: int, i: int) -> str:
    with session_scope() as session:
        if (i + offset) % 2:
            task_service.delete_task(session, user_id=account.id, task_id=task_id)
            return "deleted"
        task_service.complete_task(session, user_id=account.id, task_id=task_id)
        return "completed"


def delete_through_service(account: Account, task_id: uuid.UUID, _i: int = 0) -> str:
    with session_scope() as session:
        return task_service.delete_task(session, user_id=account.id, task_id=task_id).title


def complete_or_reopen(account: Account, task_id: uuid.UUID, offset: int, i: int) -> bool:
    via = "complete_task" if (i + offset) % 2 else "reopen_task"
    return registry.execute(via, {"task_id": str(task_id)}, user_id=account.id, source="api")["task"][
        "completed"
    ]


def undoable_ops(engine: sa.Engine, account: Account) -> list[TaskOperation]:
    with Session(engine) as s:
        stmt = select(TaskOperation).where(
            TaskOperation.user_id == account.id,
            TaskOperation.operation_type != "create",
            col(TaskOperation.undo_state).is_not(None),
        )
        return list(s.exec(stmt).all())


def new_ids_claimed(ops: list[TaskOperation]) -> list[str]:
    """Ids the journal says were created by these changes (undo would delete them)."""
    return [e["id"] for op in ops for e in op.undo_state or [] if e["before"] is None]


def assert_one_completion(engine: sa.Engine, account: Account, task_id: uuid.UUID) -> None:
    """The task is done, exactly one next occurrence (pending, a week later), one change to undo."""
    rows = user_tasks(engine, account.id)
    assert len(rows) == 2, [(t.title, t.completed, t.due_date) for t in rows]
    done = next(t for t in rows if t.id == task_id)
    nxt = next(t for t in rows if t.id != task_id)
    assert (done.completed, done.completed_at is not None) == (True, True)
    assert (nxt.completed, nxt.due_date, nxt.recurrence) == (False, DUE + timedelta(weeks=1), "weekly")
    ops = undoable_ops(engine, account)
    assert len(ops) == 1, [op.undo_state for op in ops]
    assert new_ids_claimed(ops) == [str(nxt.id)]
    assert [e["before"]["completed"] for e in ops[0].undo_state if e["id"] == str(task_id)] == [False]


def clear_tasks(engine: sa.Engine, account: Account) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(TaskOperation).where(TaskOperation.user_id == account.id))
        conn.execute(sa.delete(Task).where(Task.user_id == account.id))


# --- completing ------------------------------------------------------------------------------------


def test_racing_completes_make_exactly_one_next_occurrence(app_db, account):
    for _trial in range(TRIALS):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        outcomes = race(partial(complete_through_service, account, task_id))
        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert errors == [], errors
        assert all(o["id"] == str(task_id) and o["completed"] for o in outcomes), outcomes
        assert_one_completion(app_db, account, task_id)


def test_racing_completes_through_the_tool_registry(app_db, account):
    """The path of MCP, the CLI, chat and widget actions: one next occurrence, every call answered."""
    for _trial in range(TRIALS):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        outcomes = race(partial(complete_through_registry, account, task_id))
        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert errors == [], errors
        assert all(o["status"] == "completed" for o in outcomes), outcomes
        assert_one_completion(app_db, account, task_id)
        # Exactly one answer offers an undo: the losers changed nothing.
        assert sum("operation_id" in o for o in outcomes) == 1, outcomes


def test_racing_completes_in_processes(app_db, account):
    """Separate processes with their own engines (the app, the CLI, an MCP server)."""
    url = app_db.url.render_as_string(hide_password=False)
    for _trial in range(2):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        args = [(url, str(account.id), str(task_id))] * PROCESSES
        outcomes = race_worker.run_in_processes(race_worker.complete_task, args)
        assert outcomes == ["completed"] * PROCESSES, outcomes
        assert_one_completion(app_db, account, task_id)


def test_undo_after_racing_completes_undoes_the_completion(app_db, account):
    """The losers journaled nothing to undo, so one undo reopens the task and removes the next one."""
    task_id = weekly_task(account)
    race(partial(complete_through_service, account, task_id))
    with session_scope() as session:
        task_service.undo_last(session, user_id=account.id)
    rows = user_tasks(app_db, account.id)
    assert [(t.id, t.completed) for t in rows] == [(task_id, False)]


# --- completing against deleting and reopening ----------------------------------------------------


def test_racing_delete_and_complete(app_db, account):
    for trial in range(TRIALS * 2):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        outcomes = race(partial(delete_or_complete, account, task_id, trial), n=2)
        rows = user_tasks(app_db, account.id)
        assert "deleted" in outcomes, outcomes
        if "completed" in outcomes:  # complete went first: its next occurrence stays
            assert [(t.completed, t.due_date) for t in rows] == [(False, DUE + timedelta(weeks=1))]
        else:  # delete went first: complete found nothing and made nothing
            loser = outcomes[outcomes.index("deleted") ^ 1]
            assert isinstance(loser, NotFoundError), outcomes
            assert rows == []
        assert len(undoable_ops(app_db, account)) == outcomes.count("deleted") + outcomes.count("completed")


def test_racing_deletes_one_wins_the_others_not_found(app_db, account):
    for _trial in range(TRIALS):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        outcomes = race(partial(delete_through_service, account, task_id), n=4)
        assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
        assert sum(isinstance(o, NotFoundError) for o in outcomes) == 3, outcomes
        assert user_tasks(app_db, account.id) == []
        # One delete is journaled: one undo brings the task back, a second has nothing to undo.
        assert len(undoable_ops(app_db, account)) == 1


def test_racing_complete_and_reopen_keep_a_consistent_task(app_db, account):
    """Completes and reopens interleave: the task is always whole, and the journal tells the truth."""
    for trial in range(TRIALS):
        clear_tasks(app_db, account)
        task_id = weekly_task(account)
        outcomes = race(partial(complete_or_reopen, account, task_id, trial))
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        rows = user_tasks(app_db, account.id)
        task = next(t for t in rows if t.id == task_id)
        assert task.completed == (task.completed_at is not None)
        ops = undoable_ops(app_db, account)
        # Each journaled change flipped the task: undoing them one by one, newest first, walks back.
        flips = [e["before"]["completed"] for op in ops for e in op.undo_state if e["id"] == str(task_id)]
        assert len(flips) == len(ops)
        nexts = [t for t in rows if t.id != task_id]
        # The first complete adds the next occurrence; a complete after a reopen finds it there.
        assert len(nexts) == len(new_ids_claimed(ops)) == min(1, flips.count(False))
        assert all(t.due_date == DUE + timedelta(weeks=1) and not t.completed for t in nexts)
        # Undo everything: the task is back where it started, with no occurrence left.
        with session_scope() as session:
            for _ in ops:
                task_service.undo_last(session, user_id=account.id)
        rows = user_tasks(app_db, account.id)
        assert [(t.id, t.completed, t.completed_at) for t in rows] == [(task_id, False, None)]


def test_racing_updates_journal_what_each_saw(app_db, account):
    """Two edits at once: each journal entry holds the task as it was just before that edit."""
    task_id = weekly_task(account)
    titles = [f"title {i}" for i in range(RACERS)]

    def edit(i: int) -> str:
        with session_scope() as session:
            return task_service.update_task(
                session, user_id=account.id, task_id=task_id, data={"title": titles[i]}
            ).title

    outcomes = race(edit)
    assert sorted(outcomes) == sorted(titles), outcomes
    ops = operations(app_db, account.id)[1:]  # after the create
    befores = sorted(op.undo_state[0]["before"]["title"] for op in ops)
    final = user_tasks(app_db, account.id)[0].title
    # The "befores" chain: the original title and every title but the last one written.
    original = operations(app_db, account.id)[0].structured_command["title"]
    assert befores == sorted([original, *(t for t in titles if t != final)])
