"""Undo and the TaskOperation journal on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from app.models import OperationStatus, OperationType, Task, TaskOperation, Thread
from app.services import tasks
from app.services.errors import NotFoundError
from app.services.operations import Origin, last_undoable, snapshot
from tests.utils.factories import make_task, make_user

TODAY = date(2025, 3, 15)


def state(session, user):
    """Every task of the user as stored, keyed by id (everything but updated_at)."""
    session.flush()
    session.expunge_all()
    rows = session.exec(select(Task).where(Task.user_id == user.id)).all()
    return {t.id: tasks.to_public(t).model_dump(exclude={"updated_at"}) for t in rows}


def full_state(session, user):
    session.flush()
    session.expunge_all()
    rows = session.exec(select(Task).where(Task.user_id == user.id)).all()
    return {t.id: tasks.to_public(t).model_dump() for t in rows}


def operations(session, user=None):
    session.flush()
    stmt = select(TaskOperation).order_by(col(TaskOperation.created_at))
    if user is not None:
        stmt = stmt.where(TaskOperation.user_id == user.id)
    return list(session.exec(stmt).all())


def make_thread(session, user):
    thread = Thread(user_id=user.id, title="t")
    session.add(thread)
    session.flush()
    return thread


def undo(session, user, thread_id=None):
    return tasks.undo_last(session, user_id=user.id, thread_id=thread_id)


# --- undo_last --------------------------------------------------------------------------------


def test_undo_last_create_removes_task(session, user):
    keep = make_task(session, user, "keep")
    session.commit()
    before = full_state(session, user)
    new = make_task(session, user, "new")
    result = undo(session, user)
    assert result.operation_type == "create"
    assert result.titles == ["new"]
    assert result.tasks == []
    assert full_state(session, user) == before
    assert session.get(Task, new.id) is None
    assert session.get(Task, keep.id) is not None


def test_undo_last_update_restores_every_field(session, user):
    task = make_task(
        session,
        user,
        "Old",
        description="old desc",
        priority="low",
        tags=["a"],
        due_date=TODAY,
        recurrence="weekly",
    )
    session.commit()
    before = full_state(session, user)
    tasks.update_task(
        session,
        user_id=user.id,
        task_id=task.id,
        data={
            "title": "New",
            "description": "new desc",
            "priority": "high",
            "tags": ["b", "c"],
            "due_date": None,
            "recurrence": None,
            "completed": True,
        },
    )
    session.commit()
    result = undo(session, user)
    assert result.operation_type == "update"
    assert [t.id for t in result.tasks] == [task.id]
    assert result.titles == ["Old"]
    assert full_state(session, user) == before


def test_undo_last_categorize_restores_tags_and_priority(session, user):
    task = make_task(session, user, "x", tags=["a"], priority="low")
    before = state(session, user)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"tags": ["b"], "priority": "high"})
    assert undo(session, user).operation_type == "categorize"
    assert state(session, user) == before


def test_undo_last_complete_reopens(session, user):
    task = make_task(session, user, "x")
    before = state(session, user)
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    result = undo(session, user)
    assert result.operation_type == "complete"
    assert result.titles == ["x"]
    after = state(session, user)
    assert after == before
    assert after[task.id]["completed"] is False
    assert after[task.id]["completed_at"] is None


def test_undo_last_reopen_completes_again(session, user):
    task = make_task(session, user, "x")
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    before = state(session, user)
    tasks.reopen_task(session, user_id=user.id, task_id=task.id)
    undo(session, user)
    after = state(session, user)
    assert after == before
    assert after[task.id]["completed"] is True
    assert after[task.id]["completed_at"] is not None


def test_undo_last_complete_recurring_removes_next_and_reopens(session, user):
    task = make_task(session, user, "Water", recurrence="daily", due_date=TODAY, tags=["home"])
    before = state(session, user)
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    assert len(state(session, user)) == 2
    result = undo(session, user)
    assert result.operation_type == "complete"
    assert [t.id for t in result.tasks] == [task.id]
    assert result.titles == ["Water", "Water"]
    assert state(session, user) == before


def test_undo_last_delete_restores_same_id_and_fields(session, user):
    task = make_task(
        session,
        user,
        "Gone",
        description="d",
        priority="high",
        tags=["x", "y"],
        due_date=TODAY,
        recurrence="monthly",
        completed=True,
    )
    session.commit()
    before = full_state(session, user)
    tasks.delete_task(session, user_id=user.id, task_id=task.id)
    session.commit()
    assert full_state(session, user) == {}
    result = undo(session, user)
    session.commit()
    assert result.operation_type == "delete"
    assert [t.id for t in result.tasks] == [task.id]
    assert full_state(session, user) == before
    # the restored task is an ordinary task again: it can be changed and deleted
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "Back"})
    assert tasks.get_task(session, user_id=user.id, task_id=str(task.id)).title == "Back"


def test_undo_last_bulk_delete_restores_all(session, user):
    a, b, c = (make_task(session, user, n, tags=[n]) for n in "abc")
    session.commit()
    before = full_state(session, user)
    tasks.bulk_delete(session, user_id=user.id, task_ids=[a.id, b.id, c.id])
    session.commit()
    assert full_state(session, user) == {}
    result = undo(session, user)
    session.commit()
    assert sorted(t.title for t in result.tasks) == ["a", "b", "c"]
    assert full_state(session, user) == before
    assert tasks.list_tags(session, user_id=user.id) == ["a", "b", "c"]


def test_undo_last_bulk_complete_restores_all(session, user):
    a = make_task(session, user, "a", recurrence="weekly", due_date=TODAY)
    b = make_task(session, user, "b")
    c = make_task(session, user, "c", completed=True)
    before = state(session, user)
    tasks.bulk_complete(session, user_id=user.id, task_ids=[a.id, b.id, c.id, a.id], today=TODAY)
    assert len(state(session, user)) == 4
    undo(session, user)
    assert state(session, user) == before


def test_undo_last_twice_walks_back_two_changes(session, user):
    task = make_task(session, user, "v1")
    s1 = state(session, user)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "v2"})
    s2 = state(session, user)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "v3", "priority": "low"})
    assert undo(session, user).titles == ["v2"]
    assert state(session, user) == s2
    assert undo(session, user).titles == ["v1"]
    assert state(session, user) == s1
    assert undo(session, user).operation_type == "create"
    assert state(session, user) == {}
    with pytest.raises(NotFoundError, match=r"Nothing to undo\."):
        undo(session, user)


def test_undo_last_after_undo_then_new_change_undoes_the_new_change(session, user):
    a = make_task(session, user, "a")
    undo(session, user)
    b = make_task(session, user, "b")
    tasks.update_task(session, user_id=user.id, task_id=b.id, data={"title": "b2"})
    undo(session, user)
    assert [t["title"] for t in state(session, user).values()] == ["b"]
    undo(session, user)
    assert state(session, user) == {}
    assert session.get(Task, a.id) is None
    with pytest.raises(NotFoundError):
        undo(session, user)


def test_undo_last_nothing_to_undo(session, user):
    with pytest.raises(NotFoundError, match=r"Nothing to undo\."):
        undo(session, user)


def test_undo_last_marks_operation_undone(session, user):
    make_task(session, user, "x")
    (op,) = operations(session, user)
    assert op.undone_at is None
    undo(session, user)
    session.refresh(op)
    assert op.undone_at is not None
    assert last_undoable(session, user_id=user.id, thread_id=None) is None


def test_undo_last_failed_operations_and_queries_are_not_undone(session, user):
    keep = make_task(session, user, "keep")
    failed = TaskOperation(
        user_id=user.id,
        operation_type="update",
        structured_command={},
        status=OperationStatus.failed.value,
    )
    search = TaskOperation(
        user_id=user.id,
        operation_type="search",
        structured_command={"q": "x"},
        status=OperationStatus.completed.value,
    )
    session.add_all([failed, search])
    session.flush()
    make_task(session, user, "new", origin=Origin(operation=failed))  # written onto a failed row
    undo_result = undo(session, user)
    assert undo_result.titles == ["keep"]
    assert session.get(Task, keep.id) is None
    assert [t["title"] for t in state(session, user).values()] == ["new"]


# --- undo scoped to a thread ------------------------------------------------------------------


def test_undo_last_scoped_to_thread(session, user):
    thread = make_thread(session, user)
    other_thread = make_thread(session, user)
    page_task = make_task(session, user, "page")
    chat_task = make_task(session, user, "chat", origin=Origin(source="chat", thread_id=thread.id))
    other_task = make_task(
        session, user, "other chat", origin=Origin(source="chat", thread_id=other_thread.id)
    )

    # the page undoes only its own change, even though the thread changes are newer
    assert undo(session, user).titles == ["page"]
    assert session.get(Task, page_task.id) is None
    assert session.get(Task, chat_task.id) is not None
    with pytest.raises(NotFoundError):
        undo(session, user)

    # a thread undoes only its own change
    assert undo(session, user, thread.id).titles == ["chat"]
    assert session.get(Task, chat_task.id) is None
    assert session.get(Task, other_task.id) is not None
    with pytest.raises(NotFoundError):
        undo(session, user, thread.id)
    assert undo(session, user, other_thread.id).titles == ["other chat"]


def test_undo_last_in_thread_walks_back_within_thread(session, user):
    thread = make_thread(session, user)
    in_thread = Origin(source="chat", thread_id=thread.id)
    task = make_task(session, user, "v1", origin=in_thread)
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "page edit"})
    tasks.complete_task(session, user_id=user.id, task_id=task.id, origin=in_thread, today=TODAY)
    undo(session, user, thread.id)  # reopens
    current = state(session, user)[task.id]
    assert (current["title"], current["completed"]) == ("page edit", False)
    undo(session, user, thread.id)  # removes the created task
    assert state(session, user) == {}


def test_undo_last_unknown_thread_has_nothing(session, user):
    thread = make_thread(session, user)
    make_task(session, user, "x", origin=Origin(thread_id=thread.id))
    with pytest.raises(NotFoundError, match=r"Nothing to undo\."):
        undo(session, user, uuid.uuid4())


# --- undo and other users ---------------------------------------------------------------------


def test_undo_last_never_touches_other_users(session, user, other):
    theirs = make_task(session, other, "theirs")
    tasks.update_task(session, user_id=other.id, task_id=theirs.id, data={"title": "theirs 2"})
    their_thread = make_thread(session, other)
    make_task(session, other, "their chat", origin=Origin(thread_id=their_thread.id))
    session.commit()
    their_state = full_state(session, other)

    with pytest.raises(NotFoundError, match=r"Nothing to undo\."):
        undo(session, user)
    with pytest.raises(NotFoundError, match=r"Nothing to undo\."):
        undo(session, user, their_thread.id)

    mine = make_task(session, user, "mine")
    assert undo(session, user).titles == ["mine"]
    assert session.get(Task, mine.id) is None
    with pytest.raises(NotFoundError):
        undo(session, user)
    assert full_state(session, other) == their_state
    assert all(op.undone_at is None for op in operations(session, other))
    # the other user's own undo still works
    assert undo(session, other).titles == ["theirs"]


# --- the journal ------------------------------------------------------------------------------


def test_journal_create_writes_one_row(session, user):
    task = make_task(session, user, "Buy milk", priority="high", tags=["Shop"], due_date=TODAY)
    (op,) = operations(session)
    assert op.user_id == user.id
    assert op.operation_type == OperationType.create
    assert op.task_id == task.id
    assert op.source == "page"
    assert op.thread_id is None
    assert op.status == OperationStatus.completed
    assert op.undone_at is None
    assert op.structured_command == {
        "action": "create",
        "title": "Buy milk",
        "description": "",
        "priority": "high",
        "tags": ["shop"],
        "due_date": TODAY.isoformat(),
        "recurrence": None,
        "completed": False,
        "project_id": str(task.project_id),
        "assignee_id": None,
        "due_time": None,
        "parent_id": None,
        "reminders": [],
    }
    assert op.undo_state == [{"id": str(task.id), "before": None, "after": snapshot(task)}]


def test_journal_update_writes_one_row_with_before_snapshot(session, user):
    task = make_task(session, user, "Old", due_date=TODAY)
    session.commit()
    before = tasks.to_public(session.get(Task, task.id)).to_json()
    tasks.update_task(
        session, user_id=user.id, task_id=task.id, data={"title": "New", "due_date": None, "completed": True}
    )
    ops = operations(session)
    assert len(ops) == 2
    op = ops[-1]
    assert op.operation_type == OperationType.update
    assert op.task_id == task.id
    assert op.structured_command == {
        "action": "update",
        "task_id": str(task.id),
        "title": "New",
        "due_date": None,
        "completed": True,
    }
    assert len(op.undo_state) == 1
    assert op.undo_state[0]["id"] == str(task.id)
    snap = op.undo_state[0]["before"]
    assert {k: snap[k] for k in before} == before
    assert snap["user_id"] == str(user.id)
    after = op.undo_state[0]["after"]
    assert (after["title"], after["due_date"], after["completed"]) == ("New", None, True)
    assert after == snapshot(session.get(Task, task.id))


def test_journal_update_types(session, user):
    task = make_task(session, user, "x")
    cases = [
        ({"tags": ["a"]}, "categorize"),
        ({"priority": "high"}, "categorize"),
        ({"tags": ["b"], "priority": "low"}, "categorize"),
        ({"tags": ["c"], "title": "y"}, "update"),
        ({"due_date": "2025-05-01"}, "update"),
        ({"completed": True}, "update"),
        ({"completed": False}, "update"),
        ({}, "update"),
    ]
    for data, expected in cases:
        tasks.update_task(session, user_id=user.id, task_id=task.id, data=data)
        assert operations(session)[-1].operation_type == expected, data


def test_journal_reopen_records_what_changed(session, user):
    task = make_task(session, user, "x", completed=True)
    tasks.reopen_task(session, user_id=user.id, task_id=task.id)
    op = operations(session)[-1]
    assert op.operation_type == OperationType.reopen
    assert op.structured_command == {"action": "reopen", "task_id": str(task.id)}
    assert op.undo_state[0]["before"]["completed"] is True


def test_journal_complete_and_delete_rows(session, user):
    a = make_task(session, user, "a", recurrence="daily", due_date=TODAY)
    b = make_task(session, user, "b")
    tasks.complete_task(session, user_id=user.id, task_id=a.id, today=TODAY)
    op = operations(session)[-1]
    assert op.operation_type == OperationType.complete
    assert op.task_id == a.id
    assert op.structured_command == {"action": "complete", "task_ids": [str(a.id)]}
    nxt = next(t for t in session.exec(select(Task).where(Task.title == "a")).all() if t.id != a.id)
    assert [e["id"] for e in op.undo_state] == [str(a.id), str(nxt.id)]
    assert op.undo_state[0]["before"]["completed"] is False
    assert op.undo_state[0]["after"]["completed"] is True
    assert op.undo_state[1]["before"] is None
    assert op.undo_state[1]["after"]["due_date"] == (TODAY + timedelta(days=1)).isoformat()

    tasks.bulk_complete(session, user_id=user.id, task_ids=[b.id, nxt.id], today=TODAY)
    op = operations(session)[-1]
    assert op.task_id is None  # several tasks: no single task id
    assert op.structured_command == {"action": "complete", "task_ids": [str(b.id), str(nxt.id)]}

    tasks.delete_task(session, user_id=user.id, task_id=b.id)
    op = operations(session)[-1]
    assert op.operation_type == OperationType.delete
    assert op.task_id == b.id
    assert op.structured_command == {"action": "delete", "task_ids": [str(b.id)]}
    assert op.undo_state[0]["before"]["title"] == "b"
    assert op.undo_state[0]["after"] is None  # deleted

    tasks.bulk_delete(session, user_id=user.id, task_ids=[a.id, nxt.id])
    op = operations(session)[-1]
    assert op.task_id is None
    assert [e["id"] for e in op.undo_state] == [str(a.id), str(nxt.id)]
    assert len(operations(session)) == 6  # 2 creates, 2 completes, 2 deletes: one row each


def test_journal_records_origin(session, user):
    thread = make_thread(session, user)
    origin = Origin(source="chat", thread_id=thread.id, input_text="add milk", tool_name="create_task")
    task = make_task(session, user, "milk", origin=origin)
    tasks.update_task(
        session, user_id=user.id, task_id=task.id, data={"title": "Milk"}, origin=Origin(source="cli")
    )
    create_op, update_op = operations(session)
    assert (create_op.source, create_op.thread_id, create_op.input_text, create_op.tool_name) == (
        "chat",
        thread.id,
        "add milk",
        "create_task",
    )
    assert (update_op.source, update_op.thread_id, update_op.tool_name) == ("cli", None, None)


def test_journal_failed_change_writes_nothing(session, user, other):
    task = make_task(session, user, "x")
    theirs = make_task(session, other, "theirs")
    for call in (
        lambda: tasks.update_task(session, user_id=user.id, task_id=task.id, data={"priority": "nope"}),
        lambda: tasks.update_task(session, user_id=user.id, task_id=theirs.id, data={"title": "y"}),
        lambda: tasks.complete_task(session, user_id=user.id, task_id=uuid.uuid4()),
        lambda: tasks.bulk_delete(session, user_id=user.id, task_ids=[task.id, theirs.id]),
        lambda: tasks.create_task(session, user_id=user.id, data={"title": ""}),
    ):
        with pytest.raises((NotFoundError, tasks.InvalidInputError)):
            call()
    assert len(operations(session)) == 2


def test_journal_existing_operation_is_written_onto(session, user):
    thread = make_thread(session, user)
    op = TaskOperation(
        user_id=user.id,
        thread_id=thread.id,
        source="chat",
        tool_name="create_task",
        input_text="add milk",
        operation_type="create",
        structured_command={"tool": "create_task", "args": {"title": "milk"}},
        status=OperationStatus.processing.value,
    )
    session.add(op)
    session.flush()
    op_id = op.id
    task = make_task(session, user, "milk", origin=Origin(source="chat", thread_id=thread.id, operation=op))
    ops = operations(session)
    assert [o.id for o in ops] == [op_id]
    stored = ops[0]
    assert stored.task_id == task.id
    assert stored.undo_state == [{"id": str(task.id), "before": None, "after": snapshot(task)}]
    # the caller's own bookkeeping is left alone
    assert stored.structured_command == {"tool": "create_task", "args": {"title": "milk"}}
    assert stored.status == OperationStatus.processing
    assert (stored.tool_name, stored.input_text) == ("create_task", "add milk")
    # and the change is undoable in that thread
    assert undo(session, user, thread.id).titles == ["milk"]
    assert session.get(Task, task.id) is None


def test_journal_existing_operation_for_each_kind_of_change(session, user):
    task = make_task(session, user, "x")
    base = len(operations(session))
    calls = [
        (
            "update",
            lambda o: tasks.update_task(
                session, user_id=user.id, task_id=task.id, data={"title": "y"}, origin=o
            ),
        ),
        ("complete", lambda o: tasks.complete_task(session, user_id=user.id, task_id=task.id, origin=o)),
        ("reopen", lambda o: tasks.reopen_task(session, user_id=user.id, task_id=task.id, origin=o)),
        ("delete", lambda o: tasks.delete_task(session, user_id=user.id, task_id=task.id, origin=o)),
    ]
    for kind, call in calls:
        op = TaskOperation(user_id=user.id, operation_type=kind, structured_command={}, status="processing")
        session.add(op)
        session.flush()
        call(Origin(operation=op))
        session.flush()
        assert len(operations(session)) == base + 1, kind
        assert op.undo_state, kind
        assert op.undo_state[0]["id"] == str(task.id), kind
        assert op.task_id == task.id
        base += 1
    undo(session, user)
    assert session.get(Task, task.id) is not None


def test_journal_with_real_factory_user(session):
    """Smoke test with a user made the normal way (password hashed by the auth service)."""
    user = make_user(session)
    task = make_task(session, user, "x", due_date=TODAY + timedelta(days=1))
    tasks.complete_task(session, user_id=user.id, task_id=task.id, today=TODAY)
    undo(session, user)
    undo(session, user)
    assert state(session, user) == {}
    assert [o.operation_type for o in operations(session, user)] == ["create", "complete"]
    assert all(o.undone_at is not None for o in operations(session, user))


def test_undo_last_skips_journal_entries_naming_another_users_task(session, user, other):
    """Even a journal row that names another user's task (it should never happen) can't touch it."""
    theirs = make_task(session, other, "theirs", priority="high")
    session.commit()
    their_state = full_state(session, other)
    snap = tasks.to_public(theirs).to_json() | {"title": "hijacked", "priority": "low"}
    forged = TaskOperation(
        user_id=user.id,
        operation_type="update",
        structured_command={},
        status=OperationStatus.completed.value,
        undo_state=[{"id": str(theirs.id), "before": None}, {"id": str(theirs.id), "before": snap}],
    )
    session.add(forged)
    session.flush()
    result = undo(session, user)
    assert result.tasks == []
    assert result.titles == []
    assert full_state(session, other) == their_state
    assert state(session, user) == {}
