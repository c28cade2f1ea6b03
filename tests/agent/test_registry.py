"""The tool registry and the task tools on a real database (SQLite and PostgreSQL).

``registry.execute`` opens its own sessions; the ``app_db`` fixture (tests/agent/conftest.py)
points them at the test's database.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.agent import registry
from app.agent.types import ToolError
from app.models import OperationStatus, Task, TaskCreate, TaskOperation, TaskUpdate
from app.models.task import DUE_FILTERS, PRIORITIES, RECURRENCES, SORT_KEYS, STATUS_FILTERS
from app.services import tasks as task_service
from app.services import threads as thread_service
from app.services.errors import InvalidInputError
from tests.utils.sql_log import statements_run

DUE = date(2030, 5, 17)


@pytest.fixture
def uid(new_user) -> uuid.UUID:
    return new_user()


@pytest.fixture
def other_uid(new_user) -> uuid.UUID:
    return new_user()


def run(name, args, user_id, **kwargs):
    kwargs.setdefault("source", "chat")
    return registry.execute(name, args, user_id=user_id, **kwargs)


def ops(engine, user_id=None) -> list[TaskOperation]:
    with Session(engine) as s:
        stmt = select(TaskOperation).order_by(col(TaskOperation.created_at))
        if user_id is not None:
            stmt = stmt.where(TaskOperation.user_id == user_id)
        return list(s.exec(stmt).all())


def tasks_of(engine, user_id) -> dict[uuid.UUID, dict]:
    with Session(engine) as s:
        rows = s.exec(select(Task).where(Task.user_id == user_id)).all()
        return {t.id: task_service.to_public(t).model_dump() for t in rows}


def get_task(engine, task_id) -> Task | None:
    with Session(engine) as s:
        return s.get(Task, uuid.UUID(str(task_id)))


def make_thread(engine, user_id, title="Chat") -> uuid.UUID:
    with Session(engine) as s:
        thread = thread_service.create_thread(s, user_id=user_id, title=title)
        s.commit()
        return thread.id


def assert_one_new_op(engine, before_count, **expected) -> TaskOperation:
    rows = ops(engine)
    assert len(rows) == before_count + 1, [(r.tool_name, r.status) for r in rows]
    op = rows[-1]
    for key, value in expected.items():
        assert getattr(op, key) == value, (key, getattr(op, key), value)
    return op


# --- schemas ----------------------------------------------------------------------------------


def test_registry_all_tools_have_object_schemas():
    tools = registry.all_tools()
    names = {t.name for t in tools}
    assert {
        "add_task",
        "list_tasks",
        "search_tasks",
        "complete_task",
        "reopen_task",
        "update_task",
        "delete_task",
        "delete_tasks",
        "undo",
    } <= names
    for tool in tools:
        schema = tool.json_schema()
        assert schema["type"] == "object", tool.name
        assert schema["properties"], tool.name
        assert schema.get("additionalProperties") is False, tool.name
        assert set(schema.get("required", [])) <= set(schema["properties"]), tool.name
        spec = tool.openai_spec()
        assert spec["type"] == "function"
        assert spec["function"]["name"] == tool.name
        assert spec["function"]["description"]
        assert spec["function"]["parameters"] == schema


def test_registry_schema_required_fields():
    schemas = {t.name: t.json_schema() for t in registry.all_tools()}
    assert schemas["add_task"]["required"] == ["title"]
    assert "task_id" in schemas["complete_task"]["required"]
    assert "task_id" in schemas["update_task"]["required"]
    assert "query" in schemas["search_tasks"]["required"]
    assert set(schemas["add_task"]["properties"]["priority"]["enum"]) == {"low", "medium", "high"}


def _choices(schema: dict, field: str) -> set[str]:
    prop = schema["properties"][field]
    options = prop.get("anyOf", [prop])
    return {value for option in options for value in option.get("enum", [])}


def test_registry_task_tools_take_the_fields_of_task_create_and_update():
    """The tools' task fields are TaskCreate's and TaskUpdate's, with the same choices (one vocabulary)."""
    schemas = {t.name: t.json_schema() for t in registry.all_tools()}
    create = TaskCreate.model_json_schema(mode="validation")
    create_fields = set(TaskCreate.model_fields) - {"completed"}
    assert set(schemas["add_task"]["properties"]) == create_fields
    assert set(schemas["update_task"]["properties"]) == set(TaskUpdate.model_fields) - {"completed"} | {
        "task_id"
    }
    for tool in ("add_task", "update_task"):
        assert (
            _choices(schemas[tool], "priority") == set(PRIORITIES) == set(create["$defs"]["Priority"]["enum"])
        )
        assert _choices(schemas[tool], "recurrence") == set(RECURRENCES)
    assert set(RECURRENCES) == set(create["$defs"]["Recurrence"]["enum"])
    listing = schemas["list_tasks"]
    assert (_choices(listing, "status"), _choices(listing, "due"), _choices(listing, "sort")) == (
        set(STATUS_FILTERS),
        set(DUE_FILTERS),
        set(SORT_KEYS),
    )
    assert _choices(schemas["search_tasks"], "status") == set(STATUS_FILTERS)


def test_registry_get_tool_unknown():
    with pytest.raises(ToolError, match=r"^Unknown tool 'nope'\.$"):
        registry.get_tool("nope")


# --- execute: each tool -----------------------------------------------------------------------


def test_registry_execute_add_task(app_db, uid):
    result = run(
        "add_task",
        {"title": "Buy milk", "priority": "high", "tags": ["#Home"], "due_date": DUE.isoformat()},
        uid,
        input_text="add buy milk",
    )
    assert result["status"] == "created"
    assert result["title"] == "Buy milk"
    task = get_task(app_db, result["task_id"])
    assert (task.user_id, task.title, task.priority, task.tags, task.due_date) == (
        uid,
        "Buy milk",
        "high",
        ["home"],
        DUE,
    )
    op = assert_one_new_op(
        app_db,
        0,
        user_id=uid,
        source="chat",
        tool_name="add_task",
        operation_type="create",
        input_text="add buy milk",
        status=OperationStatus.completed.value,
        task_id=task.id,
    )
    assert op.structured_command == {
        "tool": "add_task",
        "args": {"title": "Buy milk", "priority": "high", "tags": ["#Home"], "due_date": DUE.isoformat()},
    }
    assert op.result["task_id"] == result["task_id"]
    assert op.result["status"] == "created"
    assert result["operation_id"] == str(op.id)


def test_registry_execute_list_tasks(app_db, uid, other_uid):
    run("add_task", {"title": "Alpha", "priority": "high"}, uid)
    run("add_task", {"title": "Beta"}, uid)
    run("add_task", {"title": "Theirs"}, other_uid)
    n = len(ops(app_db))
    result = run("list_tasks", {}, uid, source="api")
    assert result["count"] == 2
    assert {t["title"] for t in result["tasks"]} == {"Alpha", "Beta"}
    op = assert_one_new_op(
        app_db, n, source="api", tool_name="list_tasks", operation_type="search", status="completed"
    )
    assert op.structured_command == {"tool": "list_tasks", "args": {}}
    assert op.result["count"] == 2
    assert op.undo_state is None
    high = run("list_tasks", {"priority": "high", "limit": 1}, uid)
    assert [t["title"] for t in high["tasks"]] == ["Alpha"]
    assert high["count"] == 1


def test_registry_execute_search_tasks(app_db, uid):
    run("add_task", {"title": "Call the DENTIST"}, uid)
    run("add_task", {"title": "Walk", "description": "dentist after"}, uid)
    run("add_task", {"title": "Other"}, uid)
    n = len(ops(app_db))
    result = run("search_tasks", {"query": "dentist"}, uid)
    assert result["count"] == 2
    assert {t["title"] for t in result["tasks"]} == {"Call the DENTIST", "Walk"}
    assert_one_new_op(app_db, n, tool_name="search_tasks", operation_type="search", status="completed")


def test_registry_execute_complete_and_reopen(app_db, uid):
    added = run("add_task", {"title": "Pay rent"}, uid)
    n = len(ops(app_db))
    done = run("complete_task", {"task_id": added["task_id"]}, uid)
    assert {k: done[k] for k in ("task_id", "status", "title")} == {
        "task_id": added["task_id"],
        "status": "completed",
        "title": "Pay rent",
    }
    task = get_task(app_db, added["task_id"])
    assert task.completed is True
    assert task.completed_at is not None
    op = assert_one_new_op(
        app_db, n, tool_name="complete_task", operation_type="complete", status="completed", task_id=task.id
    )
    assert op.structured_command == {"tool": "complete_task", "args": {"task_id": added["task_id"]}}
    assert op.result["status"] == "completed"

    again = run("reopen_task", {"task_id": added["task_id"]}, uid)
    assert {k: again[k] for k in ("task_id", "status", "title")} == {
        "task_id": added["task_id"],
        "status": "pending",
        "title": "Pay rent",
    }
    task = get_task(app_db, added["task_id"])
    assert task.completed is False
    assert task.completed_at is None
    assert_one_new_op(app_db, n + 1, tool_name="reopen_task", operation_type="reopen", status="completed")


def test_registry_execute_undo_of_reopen_says_reopen(app_db, uid):
    added = run("add_task", {"title": "Pay rent"}, uid)
    run("complete_task", {"task_id": added["task_id"]}, uid)
    run("reopen_task", {"task_id": added["task_id"]}, uid)
    undone = run("undo", {}, uid)
    assert (undone["undone"], undone["title"]) == ("reopen", "Pay rent")
    assert get_task(app_db, added["task_id"]).completed is True


def test_registry_execute_update_task_and_clear_due_date(app_db, uid):
    added = run("add_task", {"title": "Dentist", "due_date": DUE.isoformat(), "recurrence": "weekly"}, uid)
    n = len(ops(app_db))
    updated = run(
        "update_task",
        {"task_id": added["task_id"], "title": "Dentist visit", "priority": "low", "tags": ["health"]},
        uid,
    )
    assert {k: updated[k] for k in ("task_id", "status", "title")} == {
        "task_id": added["task_id"],
        "status": "updated",
        "title": "Dentist visit",
    }
    task = get_task(app_db, added["task_id"])
    assert (task.title, task.priority, task.tags, task.due_date, task.recurrence) == (
        "Dentist visit",
        "low",
        ["health"],
        DUE,
        "weekly",
    )
    assert_one_new_op(app_db, n, tool_name="update_task", operation_type="update", status="completed")

    cleared = run("update_task", {"task_id": added["task_id"], "due_date": None}, uid)
    assert cleared["status"] == "updated"
    task = get_task(app_db, added["task_id"])
    assert task.due_date is None
    # Only the given field changed.
    assert (task.title, task.priority, task.recurrence) == ("Dentist visit", "low", "weekly")
    op = assert_one_new_op(app_db, n + 1, tool_name="update_task", status="completed")
    assert op.structured_command["args"] == {"task_id": added["task_id"], "due_date": None}


def test_registry_execute_delete_task(app_db, uid):
    added = run("add_task", {"title": "Old idea"}, uid)
    n = len(ops(app_db))
    result = run("delete_task", {"task_id": added["task_id"]}, uid)
    assert result == {
        "task_id": added["task_id"],
        "status": "deleted",
        "title": "Old idea",
        "operation_id": result["operation_id"],
    }
    assert get_task(app_db, added["task_id"]) is None
    assert_one_new_op(app_db, n, tool_name="delete_task", operation_type="delete", status="completed")


def test_registry_execute_undo_restores(app_db, uid):
    added = run("add_task", {"title": "Keep me"}, uid)
    run("delete_task", {"task_id": added["task_id"]}, uid)
    n = len(ops(app_db))
    result = run("undo", {}, uid)
    assert result["status"] == "undone"
    assert result["undone"] == "delete"
    assert result["task_id"] == added["task_id"]
    assert result["title"] == "Keep me"
    assert get_task(app_db, added["task_id"]).title == "Keep me"
    op = assert_one_new_op(app_db, n, tool_name="undo", operation_type="update", status="completed")
    assert op.undo_state is None
    # Undo again reverts the add; a third time there is nothing left.
    assert run("undo", {}, uid)["undone"] == "create"
    assert get_task(app_db, added["task_id"]) is None
    with pytest.raises(ToolError, match=r"^Nothing to undo\.$"):
        run("undo", {}, uid)


def test_registry_execute_undo_by_operation_id(app_db, uid, other_uid):
    first = run("add_task", {"title": "First"}, uid)
    run("add_task", {"title": "Second"}, uid)
    result = run("undo", {"operation_id": first["operation_id"]}, uid)
    assert result["title"] == "First"
    assert get_task(app_db, first["task_id"]) is None
    with pytest.raises(ToolError, match="already undone"):
        run("undo", {"operation_id": first["operation_id"]}, uid)
    theirs = run("add_task", {"title": "Theirs"}, other_uid)
    with pytest.raises(ToolError, match=r"^That change was not found\.$"):
        run("undo", {"operation_id": theirs["operation_id"]}, uid)
    assert get_task(app_db, theirs["task_id"]) is not None


def test_registry_execute_undo_scoped_by_thread(app_db, uid):
    thread_a = make_thread(app_db, uid, "A")
    thread_b = make_thread(app_db, uid, "B")
    in_a = run("add_task", {"title": "From A"}, uid, thread_id=thread_a)
    in_b = run("add_task", {"title": "From B"}, uid, thread_id=thread_b)
    outside = run("add_task", {"title": "From page"}, uid)

    result = run("undo", {}, uid, thread_id=thread_a)
    assert result["title"] == "From A"
    assert get_task(app_db, in_a["task_id"]) is None
    assert get_task(app_db, in_b["task_id"]) is not None
    assert get_task(app_db, outside["task_id"]) is not None
    with pytest.raises(ToolError, match=r"^Nothing to undo\.$"):
        run("undo", {}, uid, thread_id=thread_a)
    # Outside any thread, undo reaches only the change made outside threads.
    assert run("undo", {}, uid)["title"] == "From page"
    assert get_task(app_db, outside["task_id"]) is None
    assert get_task(app_db, in_b["task_id"]) is not None
    undos_a = [o.status for o in ops(app_db) if o.tool_name == "undo" and o.thread_id == thread_a]
    assert undos_a == ["completed", "failed"]


def test_registry_execute_records_thread_and_message(app_db, uid):
    thread_id = make_thread(app_db, uid)
    run("add_task", {"title": "x"}, uid, thread_id=thread_id, source="widget")
    [op] = ops(app_db)
    assert (op.thread_id, op.source, op.message_id) == (thread_id, "widget", None)


# --- execute: refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        (
            "add_task",
            {"title": "x", "colour": "red"},
            r"Invalid arguments for add_task: colour: is not a known field",
        ),
        ("add_task", {"title": "x", "priority": "urgent"}, r"Invalid arguments for add_task: priority: "),
        ("add_task", {}, r"Invalid arguments for add_task: title: Field required"),
        ("add_task", {"title": ""}, r"Invalid arguments for add_task: title: "),
        ("add_task", {"title": "x", "due_date": "someday"}, r"Invalid arguments for add_task: due_date: "),
        ("add_task", ["title", "x"], r"Arguments for add_task must be a JSON object\."),
        ("add_task", "buy milk", r"Arguments for add_task must be a JSON object\."),
        (
            "update_task",
            {"task_id": "KNOWN", "priority": "urgent"},
            r"Invalid arguments for update_task: priority",
        ),
        ("update_task", {"task_id": "KNOWN", "bogus": 1}, r"bogus: is not a known field"),
        ("update_task", {"task_id": "KNOWN", "title": None}, r"^title can't be empty\.$"),
        ("complete_task", {}, r"Invalid arguments for complete_task: task_id: Field required"),
        ("list_tasks", {"status": "done"}, r"Invalid arguments for list_tasks: status: "),
        ("complete_task", {"task_id": "UNKNOWN"}, r"^Task not found\.$"),
        ("complete_task", {"task_id": "not-a-uuid"}, r"^Task not found\.$"),
        ("reopen_task", {"task_id": "UNKNOWN"}, r"^Task not found\.$"),
        ("delete_task", {"task_id": "UNKNOWN"}, r"^Task not found\.$"),
        ("update_task", {"task_id": "UNKNOWN", "title": "y"}, r"^Task not found\.$"),
        ("delete_tasks", {"task_ids": ["KNOWN", "UNKNOWN"]}, r"^Task not found\.$"),
    ],
)
def test_registry_execute_refusal_records_failed_op_and_changes_nothing(app_db, uid, name, args, message):
    known = run("add_task", {"title": "Known", "due_date": DUE.isoformat()}, uid)
    subst = {"KNOWN": known["task_id"], "UNKNOWN": str(uuid.uuid4())}

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return subst.get(value, value) if isinstance(value, str) else value

    args = fill(args) if isinstance(args, dict) else args
    before_tasks = tasks_of(app_db, uid)
    n = len(ops(app_db))

    with pytest.raises(ToolError, match=message) as info:
        run(name, args, uid, input_text="do it")

    assert str(info.value).strip()
    assert "Traceback" not in str(info.value)
    assert tasks_of(app_db, uid) == before_tasks
    op = assert_one_new_op(app_db, n, tool_name=name, status=OperationStatus.failed.value, source="chat")
    assert op.result == {"error": str(info.value)}
    assert op.undo_state is None
    assert op.input_text == "do it"
    expected_args = args if isinstance(args, dict) else {"raw": str(args)}
    assert op.structured_command == {"tool": name, "args": expected_args}


def test_registry_execute_unknown_tool(app_db, uid):
    with pytest.raises(ToolError, match=r"^Unknown tool 'drop_tables'\.$"):
        run("drop_tables", {}, uid)
    assert ops(app_db) == []


def add_tool(monkeypatch, name, handler, kind: str = "create") -> None:
    """A tool ``name`` running ``handler`` (list_tasks' arguments) in the registry for one test; it
    changes tasks (``kind``) unless told it only reads (``"search"``: then it runs without a savepoint)."""
    registry.all_tools()  # load the real tools first
    tool = registry.Tool(
        name, f"Test tool {name}.", registry.get_tool("list_tasks").args_model, kind, handler
    )
    monkeypatch.setitem(registry.REGISTRY, name, tool)


def test_registry_execute_unexpected_error_closes_op_as_failed(app_db, uid, monkeypatch):
    """A crash that is not a refusal still closes the journal row (no op left pending)."""

    def crash(ctx, args):
        task_service.create_task(ctx.session, user_id=ctx.user_id, data={"title": "half done"})
        raise RuntimeError("bug in a tool")

    add_tool(monkeypatch, "crash", crash)
    with pytest.raises(RuntimeError, match="bug in a tool"):
        run("crash", {}, uid)
    [op] = ops(app_db)
    assert (op.tool_name, op.status, op.undo_state) == ("crash", "failed", None)
    assert op.result == {"error": "Internal error (RuntimeError)."}
    assert tasks_of(app_db, uid) == {}  # the handler's partial change was rolled back


def test_registry_execute_is_one_commit_and_a_late_refusal_keeps_only_the_failed_row(
    app_db, uid, monkeypatch
):
    """The journal row and the work commit together (one commit per call); a refusal raised after
    the tool already wrote rolls back that write alone, and the row records the refusal."""
    commits: list[int] = []

    def count(_conn) -> None:
        commits.append(1)

    sa.event.listen(app_db, "commit", count)
    try:
        run("add_task", {"title": "Water plants"}, uid)
        assert len(commits) == 1

        def late_refusal(ctx, args):
            task_service.create_task(ctx.session, user_id=ctx.user_id, data={"title": "half done"})
            raise InvalidInputError("That list is full.")

        add_tool(monkeypatch, "late", late_refusal)
        commits.clear()
        with pytest.raises(ToolError, match=r"^That list is full\.$"):
            run("late", {}, uid)
        assert len(commits) == 1
    finally:
        sa.event.remove(app_db, "commit", count)
    titles = {t["title"] for t in tasks_of(app_db, uid).values()}
    assert titles == {"Water plants"}  # "half done" was rolled back with the refusal
    late = ops(app_db)[-1]
    assert (late.tool_name, late.status, late.undo_state) == ("late", "failed", None)
    assert late.result == {"error": "That list is full."}


def test_registry_execute_failed_op_is_not_undone(app_db, uid):
    added = run("add_task", {"title": "Stay"}, uid)
    with pytest.raises(ToolError):
        run("delete_task", {"task_id": str(uuid.uuid4())}, uid)
    # The failed call left nothing to undo: undo reaches the add before it.
    assert run("undo", {}, uid)["undone"] == "create"
    assert get_task(app_db, added["task_id"]) is None


# --- isolation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("complete_task", {}),
        ("reopen_task", {}),
        ("delete_task", {}),
        ("update_task", {"title": "Hijacked", "priority": "low"}),
        ("update_task", {"due_date": None}),
    ],
)
def test_registry_execute_isolation_other_users_task(app_db, uid, other_uid, name, extra):
    theirs = run("add_task", {"title": "A's task", "priority": "high", "due_date": DUE.isoformat()}, uid)
    if name == "reopen_task":
        run("complete_task", {"task_id": theirs["task_id"]}, uid)
    before = tasks_of(app_db, uid)
    n = len(ops(app_db))
    with pytest.raises(ToolError) as info:
        run(name, {"task_id": theirs["task_id"], **extra}, other_uid)
    assert str(info.value) == "Task not found."
    assert tasks_of(app_db, uid) == before
    assert tasks_of(app_db, other_uid) == {}
    assert_one_new_op(app_db, n, user_id=other_uid, tool_name=name, status="failed")


def test_registry_execute_isolation_lists_and_bulk_delete(app_db, uid, other_uid):
    theirs = run("add_task", {"title": "Secret plan"}, uid)
    assert run("list_tasks", {}, other_uid)["count"] == 0
    assert run("search_tasks", {"query": "secret"}, other_uid)["count"] == 0
    with pytest.raises(ToolError, match=r"^Task not found\.$"):
        run("delete_tasks", {"task_ids": [theirs["task_id"]]}, other_uid)
    assert get_task(app_db, theirs["task_id"]) is not None
    with pytest.raises(ToolError, match=r"^Nothing to undo\.$"):
        run("undo", {}, other_uid)
    assert get_task(app_db, theirs["task_id"]) is not None


def test_registry_execute_delete_tasks_bulk(app_db, uid):
    a = run("add_task", {"title": "a"}, uid)
    b = run("add_task", {"title": "b"}, uid)
    c = run("add_task", {"title": "c"}, uid)
    result = run("delete_tasks", {"task_ids": [a["task_id"], b["task_id"]]}, uid)
    assert result["count"] == 2
    assert set(result["titles"]) == {"a", "b"}
    assert set(tasks_of(app_db, uid)) == {uuid.UUID(c["task_id"])}
    assert run("undo", {}, uid)["undone"] == "delete"
    assert len(tasks_of(app_db, uid)) == 3


def test_registry_execute_recurring_complete_creates_next(app_db, uid):
    today = date.today()
    added = run(
        "add_task", {"title": "Water plants", "due_date": today.isoformat(), "recurrence": "daily"}, uid
    )
    run("complete_task", {"task_id": added["task_id"]}, uid)
    rows = tasks_of(app_db, uid)
    assert len(rows) == 2
    nxt = next(t for tid, t in rows.items() if str(tid) != added["task_id"])
    assert (nxt["completed"], nxt["due_date"]) == (False, today + timedelta(days=1))


def test_registry_execute_results_keep_their_json_shape(app_db, uid):
    """Each tool's typed result reaches clients (MCP, agents, widgets) as the same JSON keys, in order."""
    added = run("add_task", {"title": "Shape"}, uid)
    assert list(added) == ["task_id", "status", "title", "task", "operation_id"]
    assert added["status"] == "created"
    assert added["task"]["title"] == "Shape"
    listed = run("list_tasks", {}, uid)
    assert list(listed) == ["tasks", "count", "filters"]
    assert listed["filters"] == {
        "status": "all",
        "tag": None,
        "priority": None,
        "due": None,
        "search": None,
        "sort": "created",
        "limit": 50,
    }
    assert list(run("search_tasks", {"query": "shape"}, uid)) == ["tasks", "count", "filters"]
    for name, status in (("complete_task", "completed"), ("reopen_task", "pending")):
        changed = run(name, {"task_id": added["task_id"]}, uid)
        assert list(changed) == ["task_id", "status", "title", "task", "operation_id"]
        assert changed["status"] == status
    updated = run("update_task", {"task_id": added["task_id"], "priority": "high"}, uid)
    assert (list(updated), updated["status"]) == (
        ["task_id", "status", "title", "task", "operation_id"],
        "updated",
    )
    deleted = run("delete_tasks", {"task_ids": [added["task_id"]]}, uid)
    assert deleted == {
        "status": "deleted",
        "count": 1,
        "task_ids": [added["task_id"]],
        "titles": ["Shape"],
        "operation_id": deleted["operation_id"],
    }
    assert run("undo", {}, uid) == {
        "status": "undone",
        "undone": "delete",
        "task_id": added["task_id"],
        "title": "Shape",
        "titles": ["Shape"],
    }


def _statements(engine: sa.Engine, call) -> list[str]:
    """The statements ``call`` runs on ``engine``, each on one line."""
    with statements_run(engine) as seen:
        call()
    return [" ".join(statement.split()) for statement in seen]


def test_adding_a_task_reads_nothing_it_already_knows(app_db, uid):
    """One add, journaled: the Inbox read once, no reminder rows looked for on a task made just now,
    no subtasks counted on it, no member list for a personal Inbox, the journal row written once
    with its outcome (issue 19: a three-task add ran 56 statements, then 38; the row was written
    first and updated after, now once)."""
    run("add_task", {"title": "warm up"}, uid)  # the statements are compiled and the Inbox exists
    seen = _statements(app_db, lambda: run("add_task", {"title": "buy eggs", "priority": "high"}, uid))
    kinds = [s.split(" (")[0].split(" WHERE")[0][:40] for s in seen]
    assert sum("FROM projects" in s for s in seen) == 1, kinds
    assert not [s for s in seen if "FROM reminders" in s or "project_members" in s or "parent_id IN" in s], (
        kinds
    )
    assert not [s for s in seen if s.startswith("UPDATE task_operations")], kinds
    assert sum(s.startswith("INSERT INTO task_operations") for s in seen) == 1, kinds
    assert sum(s.startswith("INSERT INTO tasks") for s in seen) == 1
    # SQLite's write lock, savepoint, Inbox, task, journal row, release (then COMMIT)
    assert len(seen) <= 6, kinds
    assert [t["title"] for t in tasks_of(app_db, uid).values()] == ["warm up", "buy eggs"]
    (op,) = [o for o in ops(app_db, uid) if o.result and o.result.get("title") == "buy eggs"]
    assert op.status == OperationStatus.completed
    assert op.undo_state
    assert op.undo_state[0]["before"] is None


def test_an_undo_marks_the_change_undone_with_one_write(app_db, uid):
    """The claim (a conditional update: of two racing undos one wins) is the only write of
    ``undone_at``; the journal row it claims is not written again with the same values."""
    run("add_task", {"title": "buy eggs"}, uid)
    seen = _statements(app_db, lambda: run("undo", {}, uid))
    claims = [s for s in seen if s.startswith("UPDATE task_operations SET undone_at")]
    assert len(claims) == 1, claims
    assert tasks_of(app_db, uid) == {}
    (done,) = [o for o in ops(app_db, uid) if o.tool_name == "add_task"]
    assert done.undone_at is not None


def test_a_tool_that_only_reads_runs_without_a_savepoint(app_db, uid):
    """A list has nothing a refusal would roll back: no savepoint around it (issue 19), its journal
    row written all the same; a refused read is journaled failed, and a change keeps its savepoint."""
    run("add_task", {"title": "water the plants"}, uid)
    seen = _statements(app_db, lambda: run("list_tasks", {}, uid))
    assert not [s for s in seen if "SAVEPOINT" in s], seen
    assert sum(s.startswith("INSERT INTO task_operations") for s in seen) == 1
    with pytest.raises(ToolError):
        run("list_tasks", {"project": "no such project"}, uid)
    assert [o.status for o in ops(app_db, uid) if o.tool_name == "list_tasks"] == [
        OperationStatus.completed,
        OperationStatus.failed,
    ]
    task_id = str(next(iter(tasks_of(app_db, uid))))
    seen = _statements(app_db, lambda: run("complete_task", {"task_id": task_id}, uid))
    assert [s for s in seen if s.startswith("SAVEPOINT")], seen


READS = {
    "list_tasks": {},
    "search_tasks": {"query": "water"},
    "list_projects": {},
    "project_activity": {"project": "Inbox"},
    "propose_subtasks": {"parent_id": "water the plants", "titles": ["fill the can", "water"]},
    "my_day": {},
}


def test_every_tool_that_says_it_only_reads_changes_nothing(app_db, uid):
    """The tools journaled as reads run without a savepoint, so none may write: each writes its
    journal row and nothing else (a new read tool must be listed here)."""
    run("add_task", {"title": "water the plants", "due_date": date.today().isoformat()}, uid)
    assert {t.name for t in registry.all_tools() if registry.is_read(t.name)} == set(READS)
    for name, args in READS.items():
        seen = _statements(app_db, lambda name=name, args=args: run(name, args, uid))
        writes = [s for s in seen if s.startswith(("INSERT", "UPDATE", "DELETE"))]
        assert [w.split(" (")[0] for w in writes] == ["INSERT INTO task_operations"], (name, writes)
