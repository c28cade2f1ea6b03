"""The MCP server over streamable HTTP, mounted at /mcp, with Ticked bearer tokens (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import httpx
import httpx2
import pytest
import sqlalchemy as sa
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from app.agent import registry
from app.core.db import session_scope
from app.mcp_server import MCP_TOOLS, build_http_app
from app.services import auth as auth_service

from .conftest import Account
from .helpers import ok, operations, refused, tasks

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@asynccontextmanager
async def connect(url: str, token: str, *, modern: bool = False) -> AsyncIterator[ClientSession]:
    """An SDK client session on ``url`` as the token's user (handshake era, or the 2026 per-request era)."""
    with anyio.fail_after(30):
        async with (
            httpx2.AsyncClient(
                headers={"Authorization": f"Bearer {token}"}, timeout=20, verify=False
            ) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            if modern:
                await session.discover()
            else:
                await session.initialize()
            yield session


def post(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        url, json=INITIALIZE, headers={**MCP_HEADERS, **(headers or {})}, timeout=20, verify=False
    )


def assert_unauthorized(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"]
    return body["error"]["message"]


def test_every_request_needs_a_valid_bearer_token(
    mcp_base_url: str, make_account: Callable[[], Account]
) -> None:
    url = f"{mcp_base_url}/mcp"
    account = make_account()

    assert "Bearer" in assert_unauthorized(post(url))
    assert_unauthorized(post(url, {"Authorization": f"Basic {account.token}"}))
    assert_unauthorized(post(url, {"Authorization": "Bearer"}))
    assert_unauthorized(post(url, {"Authorization": "Bearer not-a-jwt"}))
    assert_unauthorized(post(url, {"Authorization": f"Bearer {account.token}x"}))
    assert_unauthorized(post(f"{url}/", {"Authorization": "Bearer not-a-jwt"}))

    # The same token works until it is revoked (sign-out), then never again.
    assert post(url, {"Authorization": f"Bearer {account.token}"}).status_code == 200
    with session_scope() as s:
        assert auth_service.revoke_token(s, token=account.token)
    message = assert_unauthorized(post(url, {"Authorization": f"Bearer {account.token}"}))
    assert message == "Your session has ended. Please sign in again."


@pytest.mark.anyio
async def test_the_sdk_client_is_refused_without_a_valid_token(mcp_base_url: str, mcp_db: sa.Engine) -> None:
    with pytest.raises(BaseExceptionGroup) as info:  # the SDK's task groups wrap its MCPError
        async with connect(f"{mcp_base_url}/mcp", "not-a-jwt"):
            pass
    assert info.group_contains(MCPError, match="error response", depth=None)
    assert operations(mcp_db) == []


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
@pytest.mark.parametrize("modern", [False, True], ids=["handshake", "per-request"])
async def test_a_valid_token_lists_and_calls_the_tools_as_its_user(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account], path: str, modern: bool
) -> None:
    account = make_account()
    async with connect(f"{mcp_base_url}{path}", account.token, modern=modern) as session:
        listed = (await session.list_tools()).tools
        added = ok(await session.call_tool("add_task", {"title": "Call mum", "tags": ["family"]}))
        listed_tasks = ok(await session.call_tool("list_tasks", {}))
        done = ok(await session.call_tool("complete_task", {"task_id": added["task_id"]}))
        missing = refused(await session.call_tool("delete_task", {"task_id": str(uuid.uuid4())}))

    assert [t.name for t in listed] == list(MCP_TOOLS)
    assert all(t.input_schema == registry.get_tool(t.name).json_schema() for t in listed)
    assert (added["status"], added["title"]) == ("created", "Call mum")
    assert [t["id"] for t in listed_tasks["tasks"]] == [added["task_id"]]
    assert (done["task_id"], done["status"], done["title"]) == (added["task_id"], "completed", "Call mum")
    assert missing == "Task not found."

    ops = operations(mcp_db)
    assert [op.tool_name for op in ops] == ["add_task", "list_tasks", "complete_task", "delete_task"]
    assert [op.status for op in ops] == ["completed", "completed", "completed", "failed"]
    assert {op.source for op in ops} == {"mcp"}
    assert {op.user_id for op in ops} == {account.user_id}


@pytest.mark.anyio
async def test_a_user_cannot_touch_another_users_task(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account]
) -> None:
    alice, bob = make_account(), make_account()
    url = f"{mcp_base_url}/mcp"
    async with connect(url, alice.token) as session:
        task = ok(await session.call_tool("add_task", {"title": "Alice's secret", "priority": "high"}))
    snapshot = tasks(mcp_db)
    ops_before = len(operations(mcp_db))

    async with connect(url, bob.token) as session:
        attempts = [
            ("complete_task", {"task_id": task["task_id"]}),
            ("update_task", {"task_id": task["task_id"], "title": "Bob was here"}),
            ("delete_task", {"task_id": task["task_id"]}),
            ("reopen_task", {"task_id": task["task_id"]}),
        ]
        messages = [refused(await session.call_tool(name, args)) for name, args in attempts]
        bobs_list = ok(await session.call_tool("list_tasks", {}))
        bobs_search = ok(await session.call_tool("search_tasks", {"query": "secret"}))

    assert messages == ["Task not found."] * len(attempts)
    assert bobs_list["tasks"] == []
    assert bobs_search["tasks"] == []
    assert tasks(mcp_db) == snapshot

    bobs_ops = operations(mcp_db)[ops_before:]
    assert len(bobs_ops) == len(attempts) + 2
    assert {op.user_id for op in bobs_ops} == {bob.user_id}
    assert {op.source for op in bobs_ops} == {"mcp"}
    assert [op.status for op in bobs_ops[: len(attempts)]] == ["failed"] * len(attempts)

    async with connect(url, alice.token) as session:
        mine = ok(await session.call_tool("list_tasks", {}))
    assert [(t["id"], t["title"], t["completed"]) for t in mine["tasks"]] == [
        (task["task_id"], "Alice's secret", False)
    ]


@pytest.mark.anyio
async def test_requests_get_503_until_mcp_lifespan_runs(make_account: Callable[[], Account]) -> None:
    account = make_account()
    transport = httpx.ASGITransport(app=build_http_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        unauthenticated = await client.post("/", json=INITIALIZE, headers=MCP_HEADERS)
        not_running = await client.post(
            "/", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {account.token}"}
        )
    assert unauthenticated.status_code == 401
    assert not_running.status_code == 503
    assert not_running.json()["error"]["code"] == "unavailable"


@pytest.mark.anyio
async def test_concurrent_users_each_act_as_themselves(
    mcp_base_url: str, mcp_db: sa.Engine, make_account: Callable[[], Account]
) -> None:
    accounts = [make_account() for _ in range(3)]
    url = f"{mcp_base_url}/mcp"
    seen: dict[uuid.UUID, list[str]] = {}

    async def work(account: Account) -> None:
        async with connect(url, account.token) as session:
            async with anyio.create_task_group() as tg:
                for i in range(4):
                    tg.start_soon(session.call_tool, "add_task", {"title": f"{account.email} #{i}"})
            listed = ok(await session.call_tool("list_tasks", {}))
        seen[account.user_id] = sorted(t["title"] for t in listed["tasks"])

    async with anyio.create_task_group() as tg:
        for account in accounts:
            tg.start_soon(work, account)

    for account in accounts:
        assert seen[account.user_id] == [f"{account.email} #{i}" for i in range(4)]
    by_user: dict[uuid.UUID, set[str]] = {}
    for op in operations(mcp_db):
        by_user.setdefault(op.user_id, set()).add(str(op.structured_command["args"].get("title", "")))
    for account in accounts:
        assert by_user[account.user_id] - {""} == {f"{account.email} #{i}" for i in range(4)}
