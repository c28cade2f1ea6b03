"""The FastAPI app under ``/api``: docs at ``/api/docs``, schema at ``/api/openapi.json``.

Mounted into Reflex with ``rx.App(api_transformer=create_api())``; usable on its own in tests.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import errors
from app.api.cors import OriginGuard, OwnOrigins
from app.api.errors import error_response
from app.api.headers import PAGE_HEADERS, SECURITY_HEADERS
from app.api.routes import admin as admin_routes
from app.api.routes import (
    admin_audit,
    admin_settings,
    auth,
    calendar,
    chat,
    comments,
    health,
    me,
    projects,
    tasks,
    threads,
)
from app.api.routes import links as link_pages
from app.api.routes import oidc as oidc_routes
from app.core.config import get_settings
from app.core.logging_scrub import install_log_scrubber
from app.mcp_server import build_http_app

MAX_BODY_BYTES = 256 * 1024
__all__ = ["MAX_BODY_BYTES", "SECURITY_HEADERS", "create_api"]

DESCRIPTION = """Script Ticked: sign in with `POST /api/auth/token`, then send
`Authorization: Bearer <token>` with every request. Errors are `{"error": {"code", "message"}}`."""


class ApiGuard:
    """Caps /api (and /mcp) request bodies; security headers on every response (pages: app.api.headers).

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` ran every request through a task
    group and memory streams, a tenth of the event loop's time on a small API call (issue 19).
    """

    def __init__(self, app: ASGIApp, page_csp: Callable[[], str] | None = None) -> None:
        self.app = app
        self.page_csp = page_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(("/api", "/mcp"))  # MCP is API too: same cap, same headers
        extra = dict(SECURITY_HEADERS) if api else dict(PAGE_HEADERS)
        if not api and self.page_csp is not None:
            extra["Content-Security-Policy"] = self.page_csp()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        if not api:
            await self.app(scope, receive, send_with_headers)
            return
        request_headers = Headers(scope=scope)
        length = request_headers.get("content-length")
        too_large = bool(length and length.isdigit() and int(length) > MAX_BODY_BYTES)
        if length is None and "chunked" in request_headers.get("transfer-encoding", "").lower():
            # No length to check up front: count the chunks as they arrive and stop at the cap.
            too_large, receive = await _read_capped(receive)
        if too_large:
            # The rest of the body is never read, so this connection can't carry another request:
            # say so, whether the body came with a Content-Length or chunked, and the server closes
            # it after this answer (a keep-alive client then opens a new one instead of failing).
            response = error_response(
                413,
                f"The request body is too large (at most {MAX_BODY_BYTES // 1024} KB).",
                headers={"Connection": "close"},
            )
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


async def _read_capped(receive: Receive) -> tuple[bool, Receive]:
    """Read a chunked body up to the cap: (too large, a ``receive`` that replays what was read)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: let the app see it
            return False, _replay(message, receive)
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            return True, receive
        if not message.get("more_body", False):
            return False, _replay({"type": "http.request", "body": bytes(body), "more_body": False}, receive)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def create_api(
    *, own_origins: OwnOrigins | None = None, page_csp: Callable[[], str] | None = None
) -> FastAPI:
    """The API; in the Reflex app also the host of every page and of the websocket (``app/app.py``).

    ``own_origins`` are the app's own addresses (the origin check, ``app.api.cors``); ``page_csp``
    gives the pages' Content-Security-Policy (``app.api.headers``). Both unset: the API alone.
    """
    install_log_scrubber()  # no token or password in any log line of this process (uvicorn's access log too)
    api = FastAPI(
        title="Ticked API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install(api)
    # The origin check (Ticked's only CORS) inside the guard, so its answers carry the security
    # headers too. No origins configured (the default): no CORS headers at all.
    api.add_middleware(OriginGuard, configured=get_settings().cors_origins, own=own_origins)
    api.add_middleware(ApiGuard, page_csp=page_csp)
    routers = (auth, chat, threads, tasks, projects, comments, health, me, calendar)
    for module in routers:
        api.include_router(module.router, prefix="/api")
    api.include_router(link_pages.router, prefix="/api")  # the reminder emails' Complete/Snooze pages
    api.include_router(admin_audit.router, prefix="/api")  # issue 18: the audit log, admins only
    api.include_router(admin_routes.router, prefix="/api")  # the admin console's users (issue 18)
    api.include_router(oidc_routes.router, prefix="/api")  # single sign-on's browser redirects
    api.include_router(admin_settings.router, prefix="/api")  # issue 18: instance settings, invitations
    _enum_examples(api)
    # MCP over streamable HTTP, same bearer tokens; its session manager runs in the host's lifespan
    # (``mcp_lifespan``, registered in app/app.py: a mounted app's own lifespan never runs). Exactly
    # /mcp (and /mcp/): other paths under it are unknown addresses like any other.
    mcp_app = build_http_app()
    api.add_route("/mcp", mcp_app)
    api.add_route("/mcp/", mcp_app)
    # Last: what no route above answers is a JSON 404/405, not a fall-through to Reflex's pages.
    errors.install_unmatched(api, "/api", "/mcp")
    return api


def _enum_examples(api: FastAPI) -> None:
    """Give the enum schemas (Priority, Recurrence from app.models) an example like every other schema."""
    build = api.openapi

    def openapi() -> dict:
        if api.openapi_schema is None:
            for schema in build().get("components", {}).get("schemas", {}).values():
                if schema.get("enum") and "examples" not in schema and "example" not in schema:
                    schema["examples"] = schema["enum"][:1]
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
