"""The FastAPI app under ``/api``: docs at ``/api/docs``, schema at ``/api/openapi.json``.

Mounted into Reflex with ``rx.App(api_transformer=create_api())``; usable on its own in tests.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from app.api import errors
from app.api.cors import add_api_cors
from app.api.errors import error_response
from app.api.routes import auth, chat, health, me, tasks, threads
from app.core.config import get_settings
from app.core.logging_scrub import install_log_scrubber
from app.mcp_server import build_http_app

MAX_BODY_BYTES = 256 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

DESCRIPTION = """Script Ticked: sign in with `POST /api/auth/token`, then send
`Authorization: Bearer <token>` with every request. Errors are `{"error": {"code", "message"}}`."""


class ApiGuard(BaseHTTPMiddleware):
    """Caps request bodies and adds security headers to every /api (and /mcp) response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not request.url.path.startswith(("/api", "/mcp")):  # MCP is API too: same cap, same headers
            return await call_next(request)
        length = request.headers.get("content-length")
        too_large = bool(length and length.isdigit() and int(length) > MAX_BODY_BYTES)
        if length is None and "chunked" in request.headers.get("transfer-encoding", "").lower():
            # No length to check up front: count the chunks as they arrive and stop at the cap.
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    too_large = True
                    break
            request._body = bytes(body)  # what downstream reads (BaseHTTPMiddleware replays it)
        if too_large:
            response: Response = error_response(
                413, f"The request body is too large (at most {MAX_BODY_BYTES // 1024} KB)."
            )
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_api() -> FastAPI:
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
    # CORS inside the guard, so preflight answers carry the security headers too. No origins
    # configured (the default): no CORS headers at all, browsers allow the app's own pages only.
    add_api_cors(api, get_settings().cors_origins)
    api.add_middleware(ApiGuard)
    for router in (auth.router, chat.router, threads.router, tasks.router, health.router, me.router):
        api.include_router(router, prefix="/api")
    _enum_examples(api)
    # MCP over streamable HTTP, same bearer tokens; its session manager runs in the host's lifespan
    # (``mcp_lifespan``, registered in app/app.py: a mounted app's own lifespan never runs).
    mcp_app = build_http_app()
    api.mount("/mcp", mcp_app)
    api.add_route("/mcp", mcp_app)
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
