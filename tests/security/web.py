"""The production app for the security tests, and a websocket client that talks to it like a page does.

``prod_server`` is ``tests/utils/server.py``'s (``reflex run --env prod``, optionally backend only,
on a migrated database of its own), with this suite's JWT secret. It builds the app in the shared
``.web`` directory (once per session), so whatever uses it must run under ``flock /tmp/ticked-web.lock``.

``Tab`` is one browser tab over Reflex's real websocket, as the compiled frontend does it
(``.web/utils/state.js``): the ``hydrate_and_load`` boot event rides in the socket.io CONNECT
packet, events go out as ``event`` messages on ``/_event`` and deltas come back the same way.
It is extracted from ``bench/ws_load.py`` (which measures load; this one drives single events and
keeps every update for the test to inspect).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from app.core.config import PROJECT_ROOT
from tests.utils import server as shared
from tests.utils.reflex_events import (
    AUTH_STATE,
    CHAT_STATE,
    NAMESPACE,
    ON_LOAD,
    ROOT_STATE,
    TASKS_STATE,
    THREADS_STATE,
    TOKEN_VAR,
    UPDATE_VARS,
    make_event,
    open_socket,
)
from tests.utils.server import Server

JWT_SECRET = "security-test-jwt-secret-not-for-production"


def prod_server(
    db_url: str | None = None, *, backend_only: bool = False, extra_env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[Server]:
    """The production app on a migrated database of its own (``tests/utils/server.py``)."""
    return shared.prod_server(
        db_url,
        backend_only=backend_only,
        extra_env=extra_env,
        jwt_secret=JWT_SECRET,
        prefix="ticked-security-",
    )


def check_state_names() -> None:
    """The names above must be the compiled frontend's (a renamed state would make events vanish)."""
    context = PROJECT_ROOT / ".web" / "utils" / "context.jsx"
    text = context.read_text() if context.exists() else ""
    missing = [n for n in (AUTH_STATE, CHAT_STATE, THREADS_STATE, TASKS_STATE, TOKEN_VAR) if n not in text]
    assert not missing, f"state names changed: {missing} not in {context}"


# ----- one tab ------------------------------------------------------------------------------------------


@dataclass
class Received:
    """Everything the server sent since a mark: deltas per state and the events (toasts, redirects)."""

    updates: list[dict[str, Any]] = field(default_factory=list)

    def deltas(self, state: str) -> list[dict[str, Any]]:
        out = []
        for update in self.updates:
            delta = (update.get("delta") or {}).get(state)
            if delta:
                out.append({k.removesuffix("_rx_state_"): v for k, v in delta.items()})
        return out

    def last(self, state: str, var: str, default: Any = None) -> Any:
        for delta in reversed(self.deltas(state)):
            if var in delta:
                return delta[var]
        return default

    def events(self) -> list[dict[str, Any]]:
        return [e for u in self.updates for e in u.get("events") or []]

    def text(self) -> str:
        return json.dumps(self.updates, ensure_ascii=False, default=str)


class Tab:
    """One browser tab: one socket, one client token; keeps every update it receives."""

    def __init__(
        self,
        url: str,
        origin: str | None = None,
        client_ip: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.origin = origin
        self.headers = headers or {}
        # Through a loopback peer the server counts sign-in failures under the last X-Forwarded-For
        # entry (see app.services.throttle): each tab is its own client, as behind README's nginx.
        self.client_ip = client_ip or f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.updates: list[dict[str, Any]] = []
        self.state: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Event()

    async def _on_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        for name, delta in (update.get("delta") or {}).items():
            self.state.setdefault(name, {}).update(
                {k.removesuffix("_rx_state_"): v for k, v in delta.items()}
            )
        self._changed.set()

    def var(self, state: str, name: str, default: Any = None) -> Any:
        return self.state.get(state, {}).get(name, default)

    def mark(self) -> int:
        return len(self.updates)

    def since(self, mark: int) -> Received:
        return Received(self.updates[mark:])

    async def wait_for(self, check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out waiting for {what or check}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))

    async def quiet(self, seconds: float = 0.25, timeout: float = 30.0) -> None:
        """Until nothing arrived for ``seconds`` (background handlers finishing their last words)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(self.updates)
            await asyncio.sleep(seconds)
            if len(self.updates) == count:
                return

    async def connect(self, path: str = "/login") -> None:
        headers = {"X-Forwarded-For": self.client_ip, **self.headers}
        if self.origin:
            headers["Origin"] = self.origin
        await open_socket(self.sio, self.url, self.client_token, path=path, headers=headers)
        await self.wait_for(lambda: self.var(ROOT_STATE, "is_hydrated"), what="hydration")

    async def emit(self, name: str, payload: dict[str, Any] | None, path: str) -> None:
        await self.sio.emit("event", make_event(name, payload, path), namespace=NAMESPACE)

    async def call(
        self,
        name: str,
        payload: dict[str, Any] | None,
        path: str,
        *,
        fence: tuple[str, str, str] | None = None,
        until: Callable[[], bool] | None = None,
    ) -> Received:
        """Send one event and wait until it is processed; returns what came back for it.

        ``fence`` is (state, setter handler, var): a cheap event sent right after, whose echo
        proves the first one finished (one tab's events run in order). ``until`` waits further
        for a background handler the event started.
        """
        mark = self.mark()
        await self.emit(name, payload, path)
        if fence is not None:
            state, setter, var = fence
            token = f"fence-{uuid.uuid4().hex[:10]}"
            await self.emit(f"{state}.{setter}", {"value": token}, path)
            await self.wait_for(lambda: self.var(state, var) == token, what=f"{name} to finish")
        if until is not None:
            await self.wait_for(until, what=f"{name}'s background work")
        if fence is None:  # the fence's echo already proves the event (and all it sent) is done
            await self.quiet()
        return self.since(mark)

    async def sign_in(self, email: str, password: str) -> str:
        mark = self.mark()
        await self.emit(f"{AUTH_STATE}.sign_in", {"form": {"email": email, "password": password}}, "/login")
        await self.wait_for(
            lambda: (
                any(e.get("name") == "_redirect" for e in self.since(mark).events())
                or bool(self.var(AUTH_STATE, "auth_error"))
            ),
            what="sign-in",
        )
        return str(self.var(AUTH_STATE, "token") or "")

    async def open_page(self, path: str, token: str) -> None:
        """The client-side navigation to ``path``: the stored token, then the page's on_load."""
        self.state.get(ROOT_STATE, {}).pop("is_hydrated", None)
        mark = self.mark()
        await self.emit(UPDATE_VARS, {"vars": {TOKEN_VAR: token}}, path)
        await self.emit(ON_LOAD, None, path)
        await self.wait_for(
            lambda: any(
                (u.get("delta") or {}).get(ROOT_STATE, {}).get("is_hydrated_rx_state_")
                for u in self.updates[mark:]
            ),
            what=f"{path} to load",
        )
        await self.quiet()

    async def close(self) -> None:
        if self.sio.connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sio.disconnect(), 10)
