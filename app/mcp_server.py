"""Ticked's MCP server: the task tools of the one registry, over stdio and streamable HTTP.

Exactly the tools in :data:`MCP_TOOLS` are exposed, each with the registry's JSON schema as
``inputSchema`` and the registry's description. Every call runs through
:func:`app.agent.registry.execute` with ``source="mcp"`` for the authenticated user, so it is
validated there and journaled as a TaskOperation row. A result is the tool's JSON (the
``{task_id, status, title}`` shape) as text content and as structured content; a refusal
(bad arguments, unknown or someone else's task) is a tool error result (``isError``) with the
message, never a protocol error or a crash.

stdio, for one user (nothing but protocol on stdout)::

    python -m app.cli mcp --user you@example.com

Streamable HTTP, inside a FastAPI app; each request needs ``Authorization: Bearer <token>``
(a personal access token ``tk_...`` or a sign-in JWT, checked as the REST API checks them:
``access_tokens.resolve`` or ``auth.user_for_token``) and acts as its user. A ``read`` access
token lists and calls only the tools that read (:func:`is_read_tool`); any other call is an
``isError`` result saying the token is read-only, and nothing is journaled::

    from fastapi import FastAPI
    from app.mcp_server import build_http_app, mcp_lifespan

    mcp_app = build_http_app()
    api = FastAPI()
    api.mount("/mcp", mcp_app)       # serves /mcp/ (a bare /mcp gets Starlette's 307 to /mcp/) ...
    api.add_route("/mcp", mcp_app)   # ... and this serves the exact /mcp too, without the redirect

    # A mounted app's own lifespan never runs, so start the MCP session manager from the host's:
    app.register_lifespan_task(mcp_lifespan)   # reflex (rx.App(api_transformer=api))
    # or FastAPI(lifespan=mcp_lifespan), or `async with mcp_lifespan(): ...` in your own lifespan.

The HTTP transport is stateless (no MCP session ids; JSON responses): any instance of the app
can answer any request, so it works behind a load balancer with several workers.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from app.agent import registry
from app.agent.types import ToolError
from app.core.db import session_scope
from app.models import OperationType
from app.services import access_tokens, two_factor
from app.services import auth as auth_service
from app.services.errors import ServiceError

logger = logging.getLogger(__name__)

SERVER_NAME = "ticked"
SERVER_VERSION = "0.1.0"
SOURCE = "mcp"
INSTRUCTIONS = (
    "Ticked is the user's todo list. Use list_tasks or search_tasks to find a task's id, then "
    "complete_task, reopen_task, update_task or delete_task with it; add_task creates one. "
    "Tasks live in projects (list_projects; the Inbox is personal) and may be assigned to a member of "
    "their project: add_task and list_tasks take a project and an assignee by name or email, "
    "move_task, assign_task and unassign_task change them, add_comment comments, project_activity "
    "says what happened. share_project gives someone access: ask the user to confirm before calling it."
)

MCP_TOOLS: tuple[str, ...] = (
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
)
"""The registry tools served over MCP, in the order they are listed (the first seven since the
hackathon server; the team tools of issue 16 after them, then the daily loop's of issue 17)."""

_ANNOTATIONS: dict[str, types.ToolAnnotations] = {
    "add_task": types.ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False),
    "list_tasks": types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    "search_tasks": types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    "complete_task": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    ),
    "reopen_task": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    ),
    "update_task": types.ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False),
    "delete_task": types.ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False),
    "list_projects": types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    "project_activity": types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    "create_project": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, open_world_hint=False
    ),
    "move_task": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    ),
    "assign_task": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    ),
    "unassign_task": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    ),
    "add_comment": types.ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False),
    # sharing lets another person see (and change) the project: the client should ask first
    "share_project": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
    ),
    "my_day": types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    "add_subtasks": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, open_world_hint=False
    ),
    "add_reminder": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=False, open_world_hint=False
    ),
    # moves every task it names to another date: the client should say which first
    "reschedule_overdue": types.ToolAnnotations(
        read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
    ),
}

USER_SCOPE_KEY = "ticked.user_id"
"""ASGI scope key under which the HTTP auth layer passes the token's user id to the tool handlers."""
READ_ONLY_SCOPE_KEY = "ticked.read_only"
"""ASGI scope key: True when the request came with a ``read`` access token (only read tools then)."""

INTERNAL_ERROR_MESSAGE = "Something went wrong on the server; the change was not made."


# --------------------------------------------------------------------------- the tools


@functools.cache
def mcp_tools() -> list[types.Tool]:
    """The MCP tool list: names, registry descriptions and registry JSON schemas, verbatim."""
    by_name = {tool.name: tool for tool in registry.all_tools()}
    return [
        types.Tool(
            name=name,
            description=by_name[name].description,
            input_schema=by_name[name].json_schema(),
            annotations=_ANNOTATIONS.get(name),
        )
        for name in MCP_TOOLS
    ]


def _input_schema(name: str) -> Mapping[str, Any] | None:
    return registry.get_tool(name).json_schema() if name in MCP_TOOLS else None


def is_read_tool(name: str) -> bool:
    """Whether a tool only reads (its registry operation is a search): what a read token may call."""
    return name in MCP_TOOLS and registry.get_tool(name).operation_type == OperationType.search


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def call_tool(
    name: str, arguments: Any, *, user_id: uuid.UUID, read_only: bool = False
) -> types.CallToolResult:
    """Run one MCP tool call for ``user_id`` through the registry (blocking: database work).

    Refusals come back as an ``isError`` result carrying the registry's message. With
    ``read_only`` (a ``read`` access token) a tool that is not a read is refused before anything
    is journaled.
    """
    if name not in MCP_TOOLS:
        return _error_result(f"Unknown tool '{name}'.")
    if read_only and not is_read_tool(name):
        return _error_result(access_tokens.READ_ONLY)
    try:
        result = registry.execute(
            name, arguments if arguments is not None else {}, user_id=user_id, source=SOURCE
        )
    except ToolError as exc:
        return _error_result(str(exc))
    except Exception:
        # Not a refusal (a bug, the database is down): the registry closed the journal row.
        logger.exception("MCP tool %s failed", name)
        return _error_result(INTERNAL_ERROR_MESSAGE)
    text = json.dumps(result, ensure_ascii=False, default=str)
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=json.loads(text))


def _read_only(ctx: ServerRequestContext[Any, Any]) -> bool:
    """Whether the HTTP request came with a ``read`` access token (stdio: never)."""
    scope = getattr(ctx.request, "scope", None)
    return bool(scope is not None and scope.get(READ_ONLY_SCOPE_KEY))


def _request_user(ctx: ServerRequestContext[Any, Any], fixed_user_id: uuid.UUID | None) -> uuid.UUID | None:
    """The acting user: the one the HTTP auth layer put on the request, else the stdio server's user."""
    request = ctx.request
    scope = getattr(request, "scope", None)
    if scope is not None:  # an HTTP request: only its own bearer token decides the user
        value = scope.get(USER_SCOPE_KEY)
        return uuid.UUID(str(value)) if value else None
    return fixed_user_id


def build_server(user_id: uuid.UUID | None = None) -> Server[Any]:
    """A low-level MCP server over the registry tools.

    With ``user_id`` (stdio) every call acts as that user; without it (HTTP) a call acts as the
    user the bearer token on its HTTP request belongs to, and is refused when there is none.
    """

    async def on_list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = mcp_tools()
        if _read_only(ctx):
            tools = [tool for tool in tools if is_read_tool(tool.name)]
        return types.ListToolsResult(tools=tools)

    async def on_call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        acting = _request_user(ctx, user_id)
        if acting is None:
            return _error_result("Not signed in.")
        return await anyio.to_thread.run_sync(
            functools.partial(
                call_tool, params.name, params.arguments, user_id=acting, read_only=_read_only(ctx)
            )
        )

    return Server(
        SERVER_NAME,
        version=SERVER_VERSION,
        title="Ticked",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=_input_schema,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


# --------------------------------------------------------------------------- stdio


async def serve_stdio(user_id: uuid.UUID) -> None:
    """Serve MCP over this process's stdin/stdout for ``user_id`` until stdin closes."""
    server = build_server(user_id)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def run_stdio(user_id: uuid.UUID | str) -> None:
    """Blocking: serve MCP over stdio for one user (``python -m app.cli mcp --user EMAIL``).

    The caller checks that the user exists; stdout carries nothing but the protocol.
    """
    uid = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    try:
        anyio.run(serve_stdio, uid)
    except KeyboardInterrupt:
        pass


# --------------------------------------------------------------------------- streamable HTTP

_http_server: Server[Any] | None = None
_manager: StreamableHTTPSessionManager | None = None


def _shared_http_server() -> Server[Any]:
    global _http_server
    if _http_server is None:
        _http_server = build_server()
    return _http_server


@asynccontextmanager
async def mcp_lifespan(app: Any = None) -> AsyncIterator[None]:
    """Run the streamable-HTTP session manager that :func:`build_http_app` apps hand requests to.

    Enter it once in the host's lifespan (its event loop must be the one serving requests):
    ``app.register_lifespan_task(mcp_lifespan)`` in reflex, ``FastAPI(lifespan=mcp_lifespan)``,
    or ``async with mcp_lifespan(): ...`` inside your own lifespan. ``app`` is ignored; it is
    there so frameworks that pass the app can call it. Entering it again while it runs shares
    the running manager; after it exits it can be entered again (a fresh manager each time).
    Until it runs, MCP requests get 503.
    """
    global _manager
    if _manager is not None:
        yield
        return
    manager = StreamableHTTPSessionManager(app=_shared_http_server(), stateless=True, json_response=True)
    async with manager.run():
        _manager = manager
        try:
            yield
        finally:
            _manager = None


async def _json_error(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _bearer_token(scope: Scope) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


def _user_for_token(token: str) -> tuple[uuid.UUID, bool]:
    """The bearer's user id, and whether the token is a read-only access token."""
    with session_scope() as session:
        if access_tokens.looks_like_token(token):
            grant = access_tokens.resolve(session, secret=token)
            user, read_only = grant.user, grant.read_only
        else:
            user, read_only = auth_service.user_for_token(session, token=token), False
        two_factor.require_setup_done(session, user)  # the instance asks for 2FA first: 403
        return user.id, read_only


class _McpHttpApp:
    """The ASGI app: bearer auth with Ticked tokens in front of the running session manager."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # only when served on its own (a mount never gets this)
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":  # stateless, JSON answers: no GET stream, no session to DELETE
            message = f"{scope['method']} is not allowed here; the MCP endpoint takes POST."
            await _json_error(send, 405, "method_not_allowed", message, {"Allow": "POST"})
            return
        token = _bearer_token(scope)
        challenge = {"WWW-Authenticate": 'Bearer realm="ticked"'}
        if token is None:
            message = "Sign in first: send your Ticked token as 'Authorization: Bearer <token>'."
            await _json_error(send, 401, "unauthorized", message, challenge)
            return
        try:
            user_id, read_only = await anyio.to_thread.run_sync(_user_for_token, token)
        except two_factor.TwoFactorSetupRequired as exc:
            await _json_error(send, 403, exc.code, exc.message)
            return
        except ServiceError as exc:
            await _json_error(send, 401, "unauthorized", exc.message, challenge)
            return
        except Exception:  # the database is unreachable, ...: say so rather than a bare 500
            logger.exception("MCP bearer token check failed")
            await _json_error(send, 503, "unavailable", "The server cannot check your token right now.")
            return
        manager = _manager
        if manager is None:
            message = "The MCP server is not running (the host app must enter mcp_lifespan())."
            await _json_error(send, 503, "unavailable", message)
            return
        request_scope = {**scope, USER_SCOPE_KEY: str(user_id), READ_ONLY_SCOPE_KEY: read_only}
        await manager.handle_request(request_scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        async with AsyncExitStack() as stack:
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    try:
                        await stack.enter_async_context(mcp_lifespan())
                    except Exception as exc:
                        logger.exception("MCP lifespan failed to start")
                        await send({"type": "lifespan.startup.failed", "message": str(exc)})
                        return
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await stack.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return


def build_http_app() -> _McpHttpApp:
    """The streamable-HTTP MCP endpoint as an ASGI app, to mount at ``/mcp`` (see the module doc).

    Every request is a POST (any other method: 405 ``method_not_allowed``) with
    ``Authorization: Bearer <token>``, an access token or a sign-in JWT; otherwise 401
    ``{"error": {"code": "unauthorized", "message": ...}}``. Tool calls act as
    the token's user. Requests are served by the manager :func:`mcp_lifespan` runs (503 until
    then). Served on its own (``uvicorn --factory app.mcp_server:build_http_app``) it runs
    :func:`mcp_lifespan` from its own ASGI lifespan.
    """
    return _McpHttpApp()
