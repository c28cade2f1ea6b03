"""The team tools over MCP (issue 16), on streamable HTTP with Ticked tokens, SQLite and PostgreSQL:
an owner makes a project, shares it and assigns a task in it to a member by email; the member sees it
and comments; a non-member's every call on that project's task or the project is a tool error
"not found" (``isError``) that changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from .conftest import Account
from .helpers import ok, operations, refused, tasks
from .test_http import connect


@pytest.mark.anyio
async def test_team_tools_over_mcp_for_members_and_not_found_for_others(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account]
) -> None:
    owner, member, stranger = make_account(), make_account(), make_account()
    url = f"{mcp_base_url}/mcp"
    async with connect(url, owner.token) as session:
        made = ok(await session.call_tool("create_project", {"name": "Launch"}))
        shared = ok(await session.call_tool("share_project", {"project": "launch", "email": member.email}))
        task = ok(
            await session.call_tool(
                "add_task", {"title": "Write notes", "project_id": "Launch", "assignee_id": member.email}
            )
        )
        moved = ok(await session.call_tool("add_task", {"title": "Book venue"}))
        moved = ok(await session.call_tool("move_task", {"task_id": moved["task_id"], "project": "Launch"}))
        nobody = refused(
            await session.call_tool("assign_task", {"task_id": task["task_id"], "assignee": stranger.email})
        )
    assert (made["status"], made["name"]) == ("created", "Launch")
    assert (shared["status"], shared["role"]) == ("member", "editor")
    assert (task["task"]["project"], task["task"]["assignee"]) == ("Launch", member.email)
    assert moved["task"]["project"] == "Launch"
    assert nobody.startswith(f"{stranger.email} is not a member of “Launch”")

    async with connect(url, member.token) as session:
        mine = ok(await session.call_tool("list_tasks", {"assignee": "me"}))
        comment = ok(await session.call_tool("add_comment", {"task_id": task["task_id"], "body": "on it"}))
        projects = ok(await session.call_tool("list_projects", {}))
        feed = ok(await session.call_tool("project_activity", {"project": "Launch"}))
    assert [t["title"] for t in mine["tasks"]] == ["Write notes"]
    assert comment["comment"]["body"] == "on it"
    assert [p["name"] for p in projects["projects"]] == ["Inbox", "Launch"]
    assert feed["count"] >= 4

    snapshot, ops_before = tasks(mcp_db), len(operations(mcp_db))
    async with connect(url, stranger.token) as session:
        attempts = [
            ("move_task", {"task_id": task["task_id"], "project": "Inbox"}),
            ("assign_task", {"task_id": task["task_id"], "assignee": "me"}),
            ("unassign_task", {"task_id": task["task_id"]}),
            ("add_comment", {"task_id": task["task_id"], "body": "hi"}),
            ("add_task", {"title": "Sneaky", "project_id": made["project_id"]}),
            ("share_project", {"project": made["project_id"], "email": stranger.email}),
            ("project_activity", {"project": made["project_id"]}),
        ]
        messages = [refused(await session.call_tool(name, args)) for name, args in attempts]
        theirs = ok(await session.call_tool("list_projects", {}))
    assert messages == ["Task not found."] * 4 + ["Project not found."] * 3
    assert all("not found" in m for m in messages)
    assert [p["name"] for p in theirs["projects"]] == ["Inbox"]
    assert tasks(mcp_db) == snapshot
    assert [op.status for op in operations(mcp_db)[ops_before:]] == ["failed"] * len(attempts) + ["completed"]
