"""The one write path: every surface changes tasks through ``app.services.tasks`` and says which
surface it is, and every change is journaled with the task before and after.

The source scan keeps the rule from drifting: a new page, route or command that changes a task
without naming its ``origin`` would be journaled as the task page's change.
"""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

from sqlmodel import col, select

from app.agent import registry
from app.core.db import session_scope
from app.models import Task, TaskOperation
from app.services import tasks
from tests.utils.cli import run_cli
from tests.utils.factories import quick_user

APP = Path(__file__).resolve().parents[2] / "app"
WRITES = {
    "create_task",
    "update_task",
    "bulk_update",
    "complete_task",
    "bulk_complete",
    "reopen_task",
    "delete_task",
    "bulk_delete",
}


def _service_aliases(tree: ast.Module) -> set[str]:
    """The names a module gives ``app.services.tasks``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "app.services":
            names |= {a.asname or a.name for a in node.names if a.name == "tasks"}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name == "app.services.tasks" and a.asname}
    return names


def _unnamed_writes() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        if path == APP / "services" / "tasks.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        aliases = _service_aliases(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in aliases
                and not any(k.arg == "origin" for k in node.keywords)
            ):
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno} {node.func.attr}")
    return found


def test_every_task_write_in_the_app_names_its_surface():
    assert _service_aliases(ast.parse("from app.services import tasks as task_service")) == {"task_service"}
    assert _unnamed_writes() == []


def test_the_scan_finds_a_write_without_origin(tmp_path, monkeypatch):
    (tmp_path / "services").mkdir()
    (tmp_path / "page.py").write_text(
        "from app.services import tasks as ts\n\ndef go(s, u):\n    ts.delete_task(s, user_id=u, task_id=1)\n"
    )
    monkeypatch.setattr(f"{__name__}.APP", tmp_path)
    assert _unnamed_writes() == [f"{tmp_path.name}/page.py:4 delete_task"]


def _journal(user_id: uuid.UUID) -> list[TaskOperation]:
    with session_scope() as session:
        stmt = select(TaskOperation).where(TaskOperation.user_id == user_id)
        return list(session.exec(stmt.order_by(col(TaskOperation.created_at))).all())


def test_changes_from_every_surface_land_in_one_journal_and_undo_walks_them_back(app_db, capsys):
    """The CLI, an MCP/agent tool call and the task page change the same task; each change is one
    journal entry with its surface and the task before and after; undo on the page reverts the last."""
    with session_scope() as session:
        user = quick_user(session)
    code, out, _ = run_cli(["tasks", "add", "--user", user.email, "--title", "Pay rent"], capsys)
    assert code == 0, out
    with session_scope() as session:
        task = session.exec(select(Task).where(Task.user_id == user.id)).one()
    registry.execute(
        "update_task", {"task_id": str(task.id), "priority": "high"}, user_id=user.id, source="mcp"
    )
    with session_scope() as session:
        tasks.complete_task(session, user_id=user.id, task_id=task.id, origin=tasks.PAGE)

    ops = _journal(user.id)
    assert [(o.source, o.operation_type) for o in ops] == [
        ("cli", "create"),
        ("mcp", "update"),
        ("page", "complete"),
    ]
    created, changed, completed = (o.undo_state[0] for o in ops)
    assert (created["before"], created["after"]["title"]) == (None, "Pay rent")
    assert (changed["before"]["priority"], changed["after"]["priority"]) == ("medium", "high")
    assert (completed["before"]["completed"], completed["after"]["completed"]) == (False, True)

    with session_scope() as session:
        tasks.undo_last(session, user_id=user.id)
    with session_scope() as session:
        task = session.get(Task, task.id)
        assert task is not None
        assert (task.completed, task.priority) == (False, "high")
