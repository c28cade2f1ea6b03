"""Isolation through the tool registry, widget actions, MCP and the CLI, fuzzed.

Bob tries Alice's ids (and random and malformed ones) in every tool argument that names an id,
in every widget action (her widgets, and his own widgets with her ids forged into the payload),
in every MCP tool and in every CLI option that takes an id. Each answer must equal the answer for
a random id, and nothing may change but Bob's own record of being refused. The registry tools,
MCP tools and CLI options that take ids are found by introspection, so a new one must be added
here. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from app.agent import registry
from app.agent.types import ToolError
from app.cli import build_parser
from app.core.db import session_scope
from app.mcp_server import MCP_TOOLS, call_tool
from app.models import Widget
from app.orchestration import chat_session, thread_read
from app.orchestration import widget_actions as widget_actions
from app.services.errors import ServiceError
from tests.security.world import (
    COUNTS,
    Holdings,
    IdCase,
    assert_untouched,
    id_cases,
    random_id,
    snapshot,
)
from tests.utils.cli import run_cli

TOOL_ARGS: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "complete_task": ("task", lambda v: {"task_id": v}),
    "reopen_task": ("task", lambda v: {"task_id": v}),
    "delete_task": ("task", lambda v: {"task_id": v}),
    "update_task": ("task", lambda v: {"task_id": v, "title": "hijacked", "tags": ["x"]}),
    "delete_tasks": ("task", lambda v: {"task_ids": [v]}),
    "undo": ("operation", lambda v: {"operation_id": v}),
    # issue 16: a stranger's task or project (a team's members, by role: tests/security/team.py)
    "add_task": ("project", lambda v: {"title": "planted", "project_id": v}),
    "move_task": ("task", lambda v: {"task_id": v, "project": "Inbox"}),
    "assign_task": ("task", lambda v: {"task_id": v, "assignee": "me"}),
    "unassign_task": ("task", lambda v: {"task_id": v}),
    "add_comment": ("task", lambda v: {"task_id": v, "body": "hijacked"}),
    # issue 17: subtasks under a stranger's task, reminders on it, rescheduling it
    "add_subtasks": ("task", lambda v: {"parent_id": v, "titles": ["planted"]}),
    "propose_subtasks": ("task", lambda v: {"parent_id": v, "titles": ["planted"]}),
    "add_reminder": ("task", lambda v: {"task_id": v, "before": 10}),
    "reschedule_overdue": ("task", lambda v: {"due_date": "2030-01-01", "task_ids": [v]}),
}


def _id_fields(model: type) -> list[str]:
    return [n for n in model.model_fields if n.endswith(("_id", "_ids"))]


def _dialect(engine: sa.Engine) -> str:
    return engine.dialect.name


def _tool_answer(name: str, args: dict[str, Any], user_id: uuid.UUID) -> str:
    try:
        result = registry.execute(name, args, user_id=user_id, source="chat")
    except ToolError as exc:
        return f"ToolError: {exc}"
    return f"returned {result}"


def _cases(kind: str, victim: Holdings, name: str) -> list[IdCase]:
    cases = id_cases(kind, victim)
    if name == "undo":  # no operation_id at all means "the last change here": not an id to fuzz
        cases = [c for c in cases if c.value != ""]
    if kind == "project":  # a project is also named by its name: only a UUID is shaped like an id
        cases = [IdCase(c.label, c.value, c.shaped and _is_uuid(c.value)) for c in cases]
    return cases


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value.strip())
    except ValueError:
        return False
    return True


def test_isolation_registry_tools(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    with_ids = {t.name for t in registry.all_tools() if _id_fields(t.args_model)}
    assert with_ids == set(TOOL_ARGS), f"tools taking ids changed: {sorted(with_ids ^ set(TOOL_ARGS))}"
    for name, (kind, build) in TOOL_ARGS.items():
        before = snapshot(app_db)
        missing = _tool_answer(name, build(random_id(kind)), bob.user_id)
        assert missing.startswith("ToolError: "), missing
        cases = _cases(kind, alice, name)
        for case in cases:
            answer = _tool_answer(name, build(case.value), bob.user_id)
            assert answer.startswith("ToolError: "), f"{name}({case.label}) {answer}"
            if case.shaped:
                assert answer == missing, f"{name}({case.label}): {answer!r} vs missing {missing!r}"
        # A batch with one of Bob's own tasks and one of hers: refused whole.
        if name == "delete_tasks":
            answer = _tool_answer(name, {"task_ids": [bob.task_ids[0], alice.task_ids[0]]}, bob.user_id)
            assert answer == missing
        assert_untouched(app_db, before, bob.user_id, f"tool {name}")
        COUNTS.add(f"registry tools ({_dialect(app_db)})", name, len(cases))


def test_isolation_mcp_call_tool(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    with_ids = {n for n in MCP_TOOLS if _id_fields(registry.get_tool(n).args_model)}
    assert with_ids <= set(TOOL_ARGS), sorted(with_ids - set(TOOL_ARGS))
    assert with_ids, "MCP serves no tool taking an id?"
    for name in sorted(with_ids):
        kind, build = TOOL_ARGS[name]
        before = snapshot(app_db)
        missing = call_tool(name, build(random_id(kind)), user_id=bob.user_id)
        assert missing.is_error
        cases = _cases(kind, alice, name)
        for case in cases:
            result = call_tool(name, build(case.value), user_id=bob.user_id)
            assert result.is_error, f"MCP {name}({case.label}) answered {result.content}"
            assert result.structured_content is None
            if case.shaped:
                assert result.content == missing.content, (name, case.label)
        assert_untouched(app_db, before, bob.user_id, f"MCP {name}")
        COUNTS.add(f"MCP call_tool ({_dialect(app_db)})", name, len(cases))


# ----- the tools on a team (issue 16) -----------------------------------------------------------------

TEAM_TOOLS: dict[str, tuple[str, str, Callable[[str], dict[str, Any]]]] = {
    "complete_task": ("write", "task", lambda v: {"task_id": v}),
    "reopen_task": ("write", "task", lambda v: {"task_id": v}),
    "delete_task": ("write", "task", lambda v: {"task_id": v}),
    "delete_tasks": ("write", "task", lambda v: {"task_ids": [v]}),
    "update_task": ("write", "task", lambda v: {"task_id": v, "title": "hijacked"}),
    "move_task": ("write", "task", lambda v: {"task_id": v, "project": "Mine"}),
    "assign_task": ("write", "task", lambda v: {"task_id": v, "assignee": "me"}),
    "unassign_task": ("write", "task", lambda v: {"task_id": v}),
    "add_task": ("write", "project", lambda v: {"title": "planted", "project_id": v}),
    "add_comment": ("read", "task", lambda v: {"task_id": v, "body": "hijacked"}),
}
"""Tool, who is refused (``team.MODES``), the kind of id, the arguments."""


def test_isolation_registry_tools_on_a_team(app_db: sa.Engine) -> None:
    """Every tool that takes a task or project id, by everyone the team's rules refuse (a non-member,
    a removed member, a pending invitee, and for changes a viewer), with the team's ids: each answer
    is a random id's, and nothing changes but the caller's own record of being refused."""
    from tests.security.team import MODES, build_team

    team = build_team()
    assert set(TEAM_TOOLS) <= {t.name for t in registry.all_tools()}
    total = 0
    for name, (mode, kind, build) in TEAM_TOOLS.items():
        values = team.ids(kind) + [
            team.ids(other)[0] for other in ("project", "task", "comment", "user") if other != kind
        ]
        for who in MODES[mode]:
            user_id = team.attackers[who]
            before = snapshot(app_db)
            missing = _tool_answer(name, build(str(uuid.uuid4())), user_id)
            assert missing.startswith("ToolError: "), (name, who, missing)
            for value in values:
                answer = _tool_answer(name, build(value), user_id)
                assert answer == missing, f"{name} as the {who} with {value}: {answer!r} vs {missing!r}"
            assert_untouched(app_db, before, user_id, f"tool {name} as the {who}")
            total += len(values)
        COUNTS.add(f"tools, team ({_dialect(app_db)})", name, len(values) * len(MODES[mode]))
    assert total > 300


# ----- widget actions --------------------------------------------------------------------------------


def _payload(widget_id: str) -> dict[str, Any]:
    with session_scope() as session:
        widget = session.get(Widget, widget_id)
        assert widget is not None
        return widget.payload


def _declared(widget_id: str) -> list[dict[str, Any]]:
    return [
        {"type": a["type"], "payload": a.get("payload") or {}}
        for a in widget_actions.declared_actions(_payload(widget_id))
        if a.get("handler") != "client"
    ]


def _perform(user_id: uuid.UUID, widget_id: str, action: dict[str, Any], form: Any = None) -> str:
    try:
        outcome = widget_actions.perform(
            user_id=user_id,
            widget_id=widget_id,
            action=action,
            idempotency_key=f"fuzz-{uuid.uuid4().hex}",
            form=form,
        )
    except ServiceError as exc:
        return f"{type(exc).__name__}: {exc.message}"
    return f"{outcome.status}: {outcome.result}"


def _forged(action: dict[str, Any], value: str) -> dict[str, Any]:
    """The action with every id in its payload replaced by ``value``."""
    payload = dict(action["payload"])
    for key in list(payload):
        if key.endswith("_ids"):
            payload[key] = [value]
        elif key.endswith("_id"):
            payload[key] = value
    return {"type": action["type"], "payload": payload}


ID_KIND = {"task_id": "task", "task_ids": "task", "operation_id": "operation"}


def test_isolation_widget_actions(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    before = snapshot(app_db)
    # 1. Alice's widgets, with the very actions they declare (and her idempotency key).
    hers = _declared(alice.list_widget_id)[0]
    missing = _perform(bob.user_id, random_id("widget"), hers)
    assert missing == "NotFoundError: Widget not found."
    cases = id_cases("widget", alice)
    for case in cases:
        action = _declared(case.value)[0] if case.value in alice.widget_ids else hers
        assert _perform(bob.user_id, case.value, action) == missing, case.label
    replay = widget_actions.perform(
        user_id=alice.user_id, widget_id=alice.list_widget_id, action=hers, idempotency_key="first-click"
    )
    assert replay.replayed
    with pytest.raises(ServiceError, match=r"^Widget not found\.$"):
        widget_actions.perform(
            user_id=bob.user_id, widget_id=alice.list_widget_id, action=hers, idempotency_key="first-click"
        )
    total = len(cases) + 1
    # 2. Bob's own widgets with Alice's (and random, and broken) ids forged into each declared action.
    forged_total = 0
    for widget_id in (bob.list_widget_id, bob.card_widget_id, bob.confirm_widget_id):
        for action in _declared(widget_id):
            ids = [k for k in action["payload"] if k in ID_KIND]
            if not ids:
                continue
            kind = ID_KIND[ids[0]]
            form = {"title": "hijacked"} if action["type"] == "task.update" else None
            forged_missing = _perform(bob.user_id, widget_id, _forged(action, random_id(kind)), form)
            assert forged_missing.startswith("failed: "), forged_missing
            assert "no longer available" in forged_missing
            for case in id_cases(kind, alice):
                answer = _perform(bob.user_id, widget_id, _forged(action, case.value), form)
                assert answer == forged_missing, f"{action['type']} with {case.label}: {answer}"
                forged_total += 1
    assert forged_total > 100
    assert_untouched(app_db, before, bob.user_id, "widget actions")
    COUNTS.add(f"widget actions ({_dialect(app_db)})", "perform: other user's widget", total)
    COUNTS.add(f"widget actions ({_dialect(app_db)})", "perform: forged payload ids", forged_total)


# ----- reading a conversation (the chat page and GET /api/threads/{id}?messages=N) ---------------------


def _read(user_id: uuid.UUID, thread_id: str) -> str:
    with session_scope() as session:
        try:
            read = thread_read.read_thread(
                session, user_id=user_id, thread_id=thread_id, messages=50, shown=True
            )
        except ServiceError as exc:
            return f"{type(exc).__name__}: {exc}"
    return f"read {read.thread.id} with {len(read.messages)} messages"


def test_isolation_thread_read(app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    """The one read behind opening a conversation (issue 19): Bob gets Alice's thread as a missing one,
    marks none of her widgets as shown, and the chat page opens nothing."""
    before = snapshot(app_db)
    missing = _read(bob.user_id, random_id("thread"))
    assert missing == "NotFoundError: Conversation not found."
    cases = id_cases("thread", alice)
    for case in cases:
        assert _read(bob.user_id, case.value) == missing, case.label
        assert chat_session.open_thread(user_id=bob.user_id, thread_id=case.value) is None, case.label
    assert_untouched(app_db, before, bob.user_id, "thread read")
    assert _read(alice.user_id, alice.thread_ids[0]).startswith("read ")
    COUNTS.add(
        f"thread read ({_dialect(app_db)})", "read_thread / open_thread: other user's thread", len(cases)
    )


# ----- the CLI -----------------------------------------------------------------------------------------


def _id_options() -> set[tuple[str, str]]:
    """(subcommand, option dest) for every CLI option that names a thread, widget or other id."""
    found: set[tuple[str, str]] = set()

    def walk(parser: Any, prefix: str) -> None:
        for action in parser._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}".strip())
            elif action.dest in ("thread", "widget") or action.dest.endswith("_id"):
                found.add((prefix, action.dest))

    walk(build_parser(), "")
    return found


def _act(user: Holdings, widget_id: str, action: dict[str, Any]) -> list[str]:
    """``act`` argv with a fresh idempotency key (the same key twice would replay the first answer)."""
    return [
        "act",
        "--user",
        user.email,
        f"--widget={widget_id}",
        "--action",
        json.dumps(action),
        "--key",
        uuid.uuid4().hex,
    ]


def _chat_answer(code: int, out: str, err: str) -> tuple[int, list[dict[str, Any]], str]:
    """The chat's JSON lines without the echoed thread id (which is the input itself)."""
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    for line in lines:
        line.pop("thread_id", None)
    return code, lines, err


def test_isolationrun_cli(app_db: sa.Engine, alice: Holdings, bob: Holdings, capsys) -> None:
    assert _id_options() == {("chat", "thread"), ("act", "widget")}, _id_options()
    before = snapshot(app_db)
    # chat --thread: Alice's conversation (and random, and broken ids) is not found.
    chat = ["chat", "--user", bob.email, "--json"]
    stdin = "delete all my tasks\nyes\n"
    missing = _chat_answer(*run_cli([*chat, f"--thread={random_id('thread')}"], capsys, stdin))
    assert [line["error"] for line in missing[1]] == ["not_found", "not_found"], missing
    cases = [c for c in id_cases("thread", alice) if "\x00" not in c.value]  # argv can't hold NUL
    for case in cases:
        answer = _chat_answer(*run_cli([*chat, f"--thread={case.value}"], capsys, stdin))
        assert answer == missing, f"chat --thread {case.label}: {answer}"
    # act --widget: her widget with her action, and Bob's widget with her ids forged in.
    hers = _declared(alice.list_widget_id)[0]
    act_missing = run_cli(_act(bob, random_id("widget"), hers), capsys)
    assert act_missing == (1, "", "error: Widget not found.\n"), act_missing
    widget_cases = [c for c in id_cases("widget", alice) if "\x00" not in c.value]
    for case in widget_cases:
        action = _declared(case.value)[0] if case.value in alice.widget_ids else hers
        answer = run_cli(_act(bob, case.value, action), capsys)
        assert answer == act_missing, f"act --widget {case.label}: {answer}"
    own = next(a for a in _declared(bob.list_widget_id) if a["type"] == "task.delete")
    forged_cases = [c for c in id_cases("task", alice) if "\x00" not in c.value]
    forged_missing = run_cli(_act(bob, bob.list_widget_id, _forged(own, random_id("task"))), capsys)
    assert forged_missing[0] == 0
    assert json.loads(forged_missing[1])["status"] == "failed"
    for case in forged_cases:
        code, out, err = run_cli(_act(bob, bob.list_widget_id, _forged(own, case.value)), capsys)
        assert (code, err) == (0, ""), case.label
        result = json.loads(out)
        assert result["status"] == "failed"
        assert result["result"] == json.loads(forged_missing[1])["result"], case.label
    assert_untouched(app_db, before, bob.user_id, "CLI")
    COUNTS.add(f"CLI ({_dialect(app_db)})", "chat --thread", len(cases))
    COUNTS.add(f"CLI ({_dialect(app_db)})", "act --widget", len(widget_cases))
    COUNTS.add(f"CLI ({_dialect(app_db)})", "act --action payload ids", len(forged_cases))
