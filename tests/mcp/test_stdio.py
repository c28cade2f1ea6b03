"""The MCP server over stdio, as a client sees it: ``python -m app.cli mcp --user EMAIL``."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from app.agent import registry
from app.core.config import PROJECT_ROOT
from app.mcp_server import MCP_TOOLS

from .conftest import StdioSetup
from .helpers import ok, operations, refused, tasks


@asynccontextmanager
async def connect(setup: StdioSetup, email: str | None = None) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "app.cli", "mcp", "--user", email or setup.email],
        env=setup.env,
        cwd=PROJECT_ROOT,
    )
    with anyio.fail_after(30):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


@pytest.mark.anyio
async def test_lists_exactly_the_registry_tools_with_their_schemas(stdio_setup: StdioSetup) -> None:
    async with connect(stdio_setup) as session:
        assert session.server_info is not None
        assert session.server_info.name == "ticked"
        listed = (await session.list_tools()).tools

    assert [t.name for t in listed] == list(MCP_TOOLS)
    assert set(MCP_TOOLS) == {
        "add_task",
        "list_tasks",
        "complete_task",
        "delete_task",
        "update_task",
        "reopen_task",
        "search_tasks",
        "list_projects",
        "create_project",
        "move_task",
        "assign_task",
        "unassign_task",
        "add_comment",
        "project_activity",
        "share_project",
        "my_day",
        "add_subtasks",
        "add_reminder",
        "reschedule_overdue",
    }
    for tool in listed:
        reg = registry.get_tool(tool.name)
        assert tool.input_schema == reg.json_schema()
        assert tool.description == reg.description
    assert listed[1].annotations is not None
    assert listed[1].annotations.read_only_hint is True


@pytest.mark.anyio
async def test_every_tool_works_and_is_journaled_as_mcp(stdio_setup: StdioSetup) -> None:
    engine = stdio_setup.engine()
    before = len(operations(engine))
    async with connect(stdio_setup) as session:
        milk = ok(
            await session.call_tool("add_task", {"title": "Buy milk", "tags": ["home"], "priority": "high"})
        )
        assert milk["status"] == "created"
        assert milk["title"] == "Buy milk"
        uuid.UUID(milk["task_id"])
        report = ok(await session.call_tool("add_task", {"title": "Write report", "due_date": "2030-01-02"}))

        listed = ok(await session.call_tool("list_tasks", {"status": "pending"}))
        assert {t["title"] for t in listed["tasks"]} >= {"Buy milk", "Write report"}
        found = ok(await session.call_tool("search_tasks", {"query": "milk"}))
        assert [t["id"] for t in found["tasks"]] == [milk["task_id"]]

        updated = ok(
            await session.call_tool("update_task", {"task_id": milk["task_id"], "title": "Buy oat milk"})
        )
        assert (updated["task_id"], updated["status"], updated["title"]) == (
            milk["task_id"],
            "updated",
            "Buy oat milk",
        )
        done = ok(await session.call_tool("complete_task", {"task_id": milk["task_id"]}))
        assert done["status"] == "completed"
        assert done["task"]["completed"] is True
        reopened = ok(await session.call_tool("reopen_task", {"task_id": milk["task_id"]}))
        assert reopened["status"] == "pending"
        assert reopened["task"]["completed"] is False
        deleted = ok(await session.call_tool("delete_task", {"task_id": report["task_id"]}))
        assert {k: deleted[k] for k in ("task_id", "status", "title")} == {
            "task_id": report["task_id"],
            "status": "deleted",
            "title": "Write report",
        }

        left = ok(await session.call_tool("list_tasks", {}))
        assert report["task_id"] not in {t["id"] for t in left["tasks"]}

    ops = operations(engine)[before:]
    assert Counter(op.tool_name for op in ops) == Counter(
        {
            "add_task": 2,
            "list_tasks": 2,
            "search_tasks": 1,
            "update_task": 1,
            "complete_task": 1,
            "reopen_task": 1,
            "delete_task": 1,
        }
    )
    assert {op.source for op in ops} == {"mcp"}
    assert {op.user_id for op in ops} == {stdio_setup.user_id}
    assert {op.status for op in ops} == {"completed"}
    engine.dispose()


@pytest.mark.anyio
async def test_refusals_are_tool_errors_and_change_nothing(stdio_setup: StdioSetup) -> None:
    engine = stdio_setup.engine()
    async with connect(stdio_setup) as session:
        task = ok(await session.call_tool("add_task", {"title": "Stay as I am"}))
        snapshot = tasks(engine)
        before = len(operations(engine))

        bad_calls = [
            ("add_task", {}),  # title missing
            ("add_task", {"title": ""}),
            ("add_task", {"title": "x", "colour": "red"}),  # unknown field
            ("list_tasks", {"status": "someday"}),
            ("update_task", {"task_id": task["task_id"], "priority": "urgent"}),
            ("update_task", {"task_id": task["task_id"], "due_date": "not a date"}),
            ("complete_task", {"task_id": str(uuid.uuid4())}),  # unknown id
            ("delete_task", {"task_id": str(uuid.uuid4())}),
            ("reopen_task", {"task_id": "not-a-uuid"}),
            ("update_task", {"task_id": str(uuid.uuid4()), "title": "Nope"}),
        ]
        messages = [refused(await session.call_tool(name, args)) for name, args in bad_calls]

        # Not one of the served tools: refused without reaching the registry.
        assert refused(await session.call_tool("undo", {})) == "Unknown tool 'undo'."
        assert refused(await session.call_tool("delete_tasks", {"task_ids": [task["task_id"]]})) == (
            "Unknown tool 'delete_tasks'."
        )
        # The session is still fine after all that.
        assert ok(await session.call_tool("search_tasks", {"query": "Stay"}))["count"] == 1

    assert messages[0].startswith("Invalid arguments for add_task: title")
    assert "colour: is not a known field" in messages[2]
    assert messages[6] == messages[7] == messages[9] == "Task not found."
    assert all(m and "Traceback" not in m for m in messages)
    assert tasks(engine) == snapshot

    ops = operations(engine)[before:]
    assert len(ops) == len(bad_calls) + 1  # the refusals, then the search
    assert [op.status for op in ops[:-1]] == ["failed"] * len(bad_calls)
    assert {op.source for op in ops} == {"mcp"}
    assert [op.result for op in ops[:-1]] == [{"error": m} for m in messages]
    engine.dispose()


def test_cli_refuses_an_unknown_user(stdio_setup: StdioSetup) -> None:
    result = stdio_setup.cli("mcp", "--user", "nobody@example.com", timeout=30)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "error: No user with email nobody@example.com."


def test_stdout_carries_nothing_but_protocol_and_eof_ends_the_server(stdio_setup: StdioSetup) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "mcp", "--user", stdio_setup.email],
        env=stdio_setup.env,
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        messages = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "0"},
                },
            },
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_tasks"}},
        ]
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        proc.stdin.flush()
        lines = []
        while not any(json.loads(line).get("id") == 2 for line in lines):
            line = proc.stdout.readline()
            assert line, "the server closed stdout early"
            lines.append(line)
        proc.stdin.close()
        lines += proc.stdout.readlines()
        returncode = proc.wait(timeout=20)
        stderr = proc.stderr.read() if proc.stderr else ""
    finally:
        watchdog.cancel()
        proc.kill()
    replies = [json.loads(line) for line in lines]  # every stdout line is a JSON-RPC message
    assert all(r.get("jsonrpc") == "2.0" for r in replies)
    assert [r["id"] for r in replies] == [1, 2]
    assert replies[0]["result"]["serverInfo"]["name"] == "ticked"
    assert replies[1]["result"]["isError"] is False  # arguments may be omitted: {} is used
    assert returncode == 0
    assert "Traceback" not in stderr
