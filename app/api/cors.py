"""Which browser origins may talk to Ticked's backend: the API's CORS and the websocket's origin check.

``CORS_ALLOWED_ORIGINS`` (comma-separated, see :class:`app.core.config.Settings`) lists the
origins of other sites allowed to call the API from a browser. Empty, the default, means the
app's own pages only: the API sends no ``Access-Control-Allow-Origin`` to anyone else, and the
websocket refuses a handshake whose ``Origin`` is a foreign site.

Reflex passes its ``cors_allowed_origins`` to python-socketio as a list, and an *empty* list
there switches the origin check off altogether (any site could open the socket), so the app
installs :func:`socket_origin_check` on its socket server instead (see ``app/app.py``). It
accepts: no ``Origin`` (not a browser), a configured origin, the origin the request was sent to
(``Origin`` host equals the ``Host`` header: the one-port production setup and a proxy that
passes ``Host``), and the app's own frontend when it is served on another port (development,
the test harness), which Reflex knows as ``deploy_url``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

API_METHODS = ["GET", "POST", "PATCH", "DELETE"]
API_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"]
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def add_api_cors(api: FastAPI, origins: Sequence[str]) -> None:
    """Let exactly ``origins`` call the API from a browser; with none, add nothing (same-origin only).

    Bearer tokens, not cookies, authenticate the API, so credentials are not allowed.
    """
    if origins:
        api.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=API_METHODS,
            allow_headers=API_HEADERS,
            allow_credentials=False,
            max_age=600,
        )


def _host_port(value: str, scheme: str = "http") -> tuple[str, int | None] | None:
    """(hostname, port) of a URL or a bare ``host[:port]``; the scheme's default port when none."""
    parts = urlsplit(value if "//" in value else f"//{value}")
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port or _DEFAULT_PORTS.get(parts.scheme or scheme)


def origin_allowed(
    origin: str | None,
    *,
    host: str | None,
    configured: Sequence[str] = (),
    frontend_url: str | None = None,
    forwarded_host: str | None = None,
    forwarded_proto: str | None = None,
) -> bool:
    """Whether a browser page at ``origin`` may use the backend reached under ``host``."""
    if not origin:
        return True  # not a browser (CLI clients, tests): nothing for CORS to protect
    origin = origin.strip().rstrip("/")
    if origin in {o.rstrip("/") for o in configured}:
        return True
    scheme = urlsplit(origin).scheme
    if scheme not in ("http", "https"):
        return False
    seen = _host_port(origin)
    if seen is None:
        return False
    proto = (forwarded_proto or "").split(",")[0].strip() or scheme
    targets = [_host_port(h.split(",")[0].strip(), proto) for h in (host, forwarded_host) if h]
    if seen in targets:
        return True
    frontend = _host_port(frontend_url) if frontend_url else None
    if frontend is None:
        return False
    if seen == frontend:
        return True
    # A frontend on localhost is reached under whatever name the browser used (Reflex's
    # SAME_DOMAIN_HOSTNAMES rule): the backend's host name, on the frontend's port.
    local = frontend[0] in ("localhost", "0.0.0.0", "::", "127.0.0.1")
    return local and any(t is not None and t[0] == seen[0] and seen[1] == frontend[1] for t in targets)


def socket_origin_check(
    configured: Sequence[str], frontend_url: Callable[[], str | None]
) -> Callable[[str | None, Mapping[str, Any]], bool]:
    """python-engineio's ``cors_allowed_origins`` callable: ``(origin, environ) -> allowed``.

    ``frontend_url`` is read per handshake: the test harness learns its frontend's port late.
    """

    def check(origin: str | None, environ: Mapping[str, Any] | None = None) -> bool:
        environ = environ or {}
        return origin_allowed(
            origin,
            host=environ.get("HTTP_HOST"),
            configured=configured,
            frontend_url=frontend_url(),
            forwarded_host=environ.get("HTTP_X_FORWARDED_HOST"),
            forwarded_proto=environ.get("HTTP_X_FORWARDED_PROTO"),
        )

    return check


def restrict_socket_origins(
    sio: Any, configured: Sequence[str], frontend_url: Callable[[], str | None]
) -> None:
    """Install :func:`socket_origin_check` on a python-socketio server (Reflex's ``app.sio``)."""
    if sio is None:
        return
    sio.eio.cors_allowed_origins = socket_origin_check(list(configured), frontend_url)
