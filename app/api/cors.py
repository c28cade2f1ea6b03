"""Which browser pages may use Ticked's backend: one origin rule for the API, ``/mcp`` and the websocket.

A browser names the page behind every cross-site request in ``Origin``. The rule
(:func:`origin_allowed`): no ``Origin`` is not a browser page (scripts, the CLI, MCP clients)
and is let through, bearer tokens being their only credential; otherwise the origin must be one
of the app's own addresses, the public URL the frontend was built for (Reflex's ``api_url``,
``REFLEX_API_URL``) and the frontend's address (``deploy_url``: the dev server on another port),
or one listed in ``CORS_ALLOWED_ORIGINS``. The ``Host`` header and ``X-Forwarded-Host`` are
never consulted: a page on ``http://evil.example`` whose name was re-pointed at this machine
(DNS rebinding) sends ``Host: evil.example`` and its own ``Origin``, which would agree.

:class:`OriginGuard` applies it to every HTTP request: a foreign page's request that changes
something (POST, PATCH, PUT, DELETE), carries credentials (``Authorization``, cookies) or goes
to ``/mcp`` (the MCP specification's Origin check) is refused with 403 and nothing is done;
a foreign page may still read what needs no credentials (``/api/health/live``). It is Ticked's
only CORS: with no ``CORS_ALLOWED_ORIGINS`` no response carries any ``Access-Control-*`` header;
a configured origin's preflight gets 200 with the methods and headers the API takes, and no
``Allow-Credentials`` (bearer tokens are not cookies). Reflex's own CORS middleware, which
answered preflights with 400 and every response with ``Allow-Credentials: true``, is taken out
of the composed app (``app/app.py``).

The websocket (``/_event``) is checked by python-engineio during its handshake, with the same
rule (:func:`socket_origin_check`): Reflex passes its ``cors_allowed_origins`` as a list, and an
*empty* list there switches engineio's check off altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response

API_METHODS = ["GET", "POST", "PATCH", "DELETE"]
API_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Mcp-Protocol-Version", "Mcp-Session-Id"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORBIDDEN_MESSAGE = "Requests from other sites are not allowed here."
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})

OwnOrigins = Callable[[], Sequence[str]]
"""The app's own addresses, read per request (the e2e harness learns its frontend's port late)."""

Origin = tuple[str, str, int]


def _no_own_origins() -> Sequence[str]:
    return ()


def _origin(value: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None for anything else (``null``, ``file://``)."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def _local(host: str) -> bool:
    return host in _LOCAL_NAMES or host.startswith("127.")


def origin_allowed(origin: str | None, *, own: Sequence[str] = (), configured: Sequence[str] = ()) -> bool:
    """Whether a browser page at ``origin`` may use the backend (see the module doc).

    An own address on this machine (``localhost``, ``127.0.0.1``, ``[::1]``) stands for all of
    them: Reflex's default ``http://localhost:3000`` is opened as ``http://127.0.0.1:3000`` too,
    and no other site can send these names as its origin.
    """
    if not origin:
        return True
    seen = _origin(origin)
    if seen is None:
        return False
    scheme, host, port = seen
    for url in own:
        mine = _origin(url)
        if mine == seen or (
            mine and (mine[0], mine[2]) == (scheme, port) and _local(mine[1]) and _local(host)
        ):
            return True
    return any(_origin(url) == seen for url in configured)


class OriginGuard:
    """Refuses foreign pages' requests that act or carry credentials; CORS for configured origins."""

    def __init__(self, app: ASGIApp, configured: Sequence[str] = (), own: OwnOrigins | None = None) -> None:
        self.app, self.configured, self.own = app, list(configured), own or _no_own_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the websocket: socket_origin_check, during its handshake
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if not origin or origin_allowed(origin, own=self.own()):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        if origin_allowed(origin, configured=self.configured):
            if preflight:
                await _preflight_ok(origin)(scope, receive, send)
            else:
                await self.app(scope, receive, _with_cors(send, origin))
            return
        acts = method not in SAFE_METHODS or preflight or scope["path"].startswith("/mcp")
        if acts or "authorization" in headers or "cookie" in headers:
            await error_response(403, FORBIDDEN_MESSAGE)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _preflight_ok(origin: str) -> Response:
    return Response(
        status_code=200,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(API_METHODS),
            "Access-Control-Allow-Headers": ", ".join(API_HEADERS),
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )


def _with_cors(send: Send, origin: str) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = [
                (k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")
            ]
            raw += [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
            message = {**message, "headers": raw}
        await send(message)

    return send_with_cors


def socket_origin_check(
    configured: Sequence[str], own: OwnOrigins
) -> Callable[[str | None, Mapping[str, Any] | None], bool]:
    """python-engineio's ``cors_allowed_origins`` callable: ``(origin, environ) -> allowed``."""

    def check(origin: str | None, environ: Mapping[str, Any] | None = None) -> bool:
        return origin_allowed(origin, own=own(), configured=configured)

    return check


def restrict_socket_origins(sio: Any, configured: Sequence[str], own: OwnOrigins) -> None:
    """Install :func:`socket_origin_check` on a python-socketio server (Reflex's ``app.sio``)."""
    if sio is None:
        return
    sio.eio.cors_allowed_origins = socket_origin_check(list(configured), own)
