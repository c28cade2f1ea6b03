"""Starlette's ``TestClient`` with one trip to the app's event loop per HTTP request.

Starlette's client hands each request to its event-loop thread piece by piece: an event, a stream
and a cancel scope made there, the app started, the response awaited, each body chunk fetched, every
step a blocking call from the test's thread (eight per request, ~1.3 ms together: 40 % of a simple
request's time, and the API tests send thousands). This one sends the whole exchange in one call
and buffers the response. What the app sees is the same ASGI scope and messages (``receive`` gives
the body, then waits for the response to end before it says the client went away), and an error
in the app reaches the test the same way: raised, or, with ``raise_server_exceptions=False``, a
500 when no response had started. WebSockets and request bodies from a generator go the original
way. A response is read whole before the request returns, so a stream that never ends would
hang here: the tests read endless streams from a real server (:mod:`tests.utils.asgi`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import anyio
from starlette import testclient
from starlette.testclient import TestClient as StarletteTestClient
from starlette.types import ASGIApp, Message

httpx = testclient.httpx
"""The httpx that Starlette's client is built on (``httpx2`` where installed)."""


class _Exchange:
    """One request to ``app``, run to its end in the event loop."""

    def __init__(self, app: ASGIApp, scope: dict[str, Any], body: bytes) -> None:
        self.app, self.scope, self.body = app, scope, body
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.parts: list[bytes] = []
        self.error: BaseException | None = None

    async def run(self) -> None:
        ended = anyio.Event()
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if body_sent:
                await ended.wait()
                return {"type": "http.disconnect"}
            body_sent = True
            return {"type": "http.request", "body": self.body}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.headers = [(k.decode(), v.decode()) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                self.parts.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    ended.set()

        try:
            await self.app(self.scope, receive, send)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread, as Starlette does
            self.error = exc
        finally:
            ended.set()


class _OneHopTransport(httpx.BaseTransport):
    def __init__(self, inner: testclient._TestClientTransport) -> None:
        self.inner = inner

    def handle_request(self, request: Any) -> Any:
        if request.url.scheme not in ("http", "https") or not isinstance(request.stream, httpx.ByteStream):
            return self.inner.handle_request(request)
        inner = self.inner
        url = request.url
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "root_path": inner.root_path,
            "scheme": url.scheme,
            "query_string": url.query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.multi_items()],
            "client": inner.client,
            "server": [url.raw_host.decode("ascii"), url.port or {"http": 80, "https": 443}[url.scheme]],
            "extensions": {"http.response.debug": {}},
            "state": inner.app_state.copy(),
        }
        exchange = _Exchange(inner.app, scope, request.read())
        with inner.portal_factory() as portal:
            portal.call(exchange.run)
        if exchange.error is not None and inner.raise_server_exceptions:
            raise exchange.error
        if exchange.status is None:
            if inner.raise_server_exceptions:
                raise AssertionError("TestClient did not receive any response.")
            return httpx.Response(500, request=request, stream=httpx.ByteStream(b""))
        content = b"" if request.method == "HEAD" else b"".join(exchange.parts)
        return httpx.Response(
            exchange.status, headers=exchange.headers, stream=httpx.ByteStream(content), request=request
        )


class TestClient(StarletteTestClient):
    """``starlette.testclient.TestClient``, each HTTP request one trip to the app (module doc)."""

    __test__ = False

    def __init__(self, app: ASGIApp, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self._transport = _OneHopTransport(self._transport)  # type: ignore[arg-type]
