"""Personal access tokens on /mcp (issue 18): a ``tk_`` token works as the bearer of the streamable
HTTP server; a ``read`` token lists and calls only the tools that read, and every other tool (all of
them, enumerated) answers an ``isError`` result without changing one row. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.agent import registry
from app.core.db import session_scope
from app.mcp_server import _ANNOTATIONS, MCP_TOOLS, is_read_tool
from app.services import access_tokens
from tests.security.world import changes, snapshot

from .conftest import Account
from .helpers import ok, operations, refused, tasks
from .test_http import INITIALIZE, MCP_HEADERS, assert_unauthorized, connect

READ_TOOLS = {"list_tasks", "search_tasks", "list_projects", "project_activity", "my_day"}


def make_token(account: Account, scope: str) -> str:
    with session_scope() as session:
        _info, secret = access_tokens.create(
            session, user_id=account.user_id, name=f"mcp-{uuid.uuid4().hex[:6]}", scope=scope, expires_days=30
        )
    return secret


def test_the_read_tools_are_the_registry_searches_and_say_so() -> None:
    assert {name for name in MCP_TOOLS if is_read_tool(name)} == READ_TOOLS
    for name in MCP_TOOLS:
        hint = _ANNOTATIONS[name].read_only_hint
        assert bool(hint) == is_read_tool(name), name
    assert not is_read_tool("no_such_tool")


def _args(name: str, task_id: str, email: str) -> dict[str, Any]:
    """Arguments a client would send to change the token's person's own data with ``name``."""
    values: dict[str, Any] = {
        "title": "Changed by a read token",
        "task_id": task_id,
        "task_ids": [task_id],
        "parent_id": task_id,
        "titles": ["a", "b"],
        "name": "Read token's project",
        "project": "Inbox",
        "assignee": email,
        "body": "a read token's comment",
        "email": "friend@example.com",
        "due_date": "2030-01-01",
        "before": 10,
    }
    wanted = registry.get_tool(name).json_schema()["properties"]
    return {key: value for key, value in values.items() if key in wanted}


def listed_name(s: Any, account: Account) -> str:
    return access_tokens.list_tokens(s, user_id=account.user_id)[0].name


@pytest.mark.anyio
async def test_access_token_works_on_mcp(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account]
) -> None:
    account = make_account()
    secret = make_token(account, "write")
    async with connect(f"{mcp_base_url}/mcp", secret) as session:
        listed = [t.name for t in (await session.list_tools()).tools]
        added = ok(await session.call_tool("add_task", {"title": "From my MCP client"}))
        found = ok(await session.call_tool("list_tasks", {}))
    assert listed == list(MCP_TOOLS)
    assert [t["id"] for t in found["tasks"]] == [added["task_id"]]
    assert {op.user_id for op in operations(mcp_db)} == {account.user_id}
    with session_scope() as s:
        assert access_tokens.list_tokens(s, user_id=account.user_id)[0].last_used_at is not None
        access_tokens.revoke(
            s, user_id=account.user_id, token_id=access_tokens.list_tokens(s, user_id=account.user_id)[0].id
        )
    post = httpx.post(
        f"{mcp_base_url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {secret}"}
    )
    assert "revoked" in assert_unauthorized(post)


@pytest.mark.anyio
async def test_access_token_read_scope_changes_nothing_over_mcp(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account]
) -> None:
    account = make_account()
    async with connect(f"{mcp_base_url}/mcp", account.token) as session:  # a sign-in: full scope
        task = ok(await session.call_tool("add_task", {"title": "Mine", "due_date": "2020-01-01"}))
    read = make_token(account, "read")
    url = f"{mcp_base_url}/mcp"
    writes = [name for name in MCP_TOOLS if not is_read_tool(name)]
    assert len(writes) >= 14
    async with connect(url, read) as session:
        listed = [t.name for t in (await session.list_tools()).tools]
        mine = ok(await session.call_tool("list_tasks", {}))
        before, rows = snapshot(mcp_db), tasks(mcp_db)
        messages = {}
        for name in writes:
            args = _args(name, task["task_id"], account.email)
            messages[name] = refused(await session.call_tool(name, args))
        after = snapshot(mcp_db)
        searched = ok(await session.call_tool("search_tasks", {"query": "Mine"}))
    assert listed == [name for name in MCP_TOOLS if name in READ_TOOLS]
    assert [t["id"] for t in mine["tasks"]] == [task["task_id"]]
    assert [t["id"] for t in searched["tasks"]] == [task["task_id"]]
    assert messages == dict.fromkeys(writes, "This access token is read-only (scope read).")
    found = changes(before, after)  # not even a journal row of a refused call
    assert not found, "a read token changed data:\n" + "\n".join(str(c) for c in found[:10])
    assert tasks(mcp_db) == rows
