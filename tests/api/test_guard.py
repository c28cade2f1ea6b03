"""The /api guard: a body cap (413) and security headers on every response."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from app.api.main import MAX_BODY_BYTES, SECURITY_HEADERS
from tests.api.conftest import ApiUser, assert_error
from tests.utils.test_client import TestClient


def assert_security_headers(resp: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, (name, resp.status_code, dict(resp.headers))
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_body_cap_413(api: TestClient, alice: ApiUser) -> None:
    big = {"title": "pay rent", "description": "x" * (MAX_BODY_BYTES + 1)}
    resp = api.post("/api/tasks", json=big, headers=alice.headers)
    assert "256 KB" in assert_error(resp, 413, "too_large")
    assert_security_headers(resp)
    # Refused before authentication and before reading the body.
    assert_error(api.post("/api/chat", content=b"{" + b" " * MAX_BODY_BYTES + b"}"), 413, "too_large")
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 0
    # At the cap it is read (and refused by validation, not by size).
    exact = b'{"title": "x", "description": "' + b"y" * (MAX_BODY_BYTES - 40) + b'"}'
    assert len(exact) <= MAX_BODY_BYTES
    resp = api.post(
        "/api/tasks", content=exact, headers={**alice.headers, "content-type": "application/json"}
    )
    assert_error(resp, 422, "invalid")


def test_body_cap_chunked_413(live_url: str, alice: ApiUser) -> None:
    """A body sent without Content-Length (chunked) is capped too."""

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(40):
            yield b"a" * 8192
        yield b'"}'

    with httpx.Client(base_url=live_url, timeout=30) as client:
        headers = {**alice.headers, "content-type": "application/json"}
        resp = client.post("/api/chat", content=chunks(), headers=headers)
        assert "content-length" not in resp.request.headers
        assert_error(resp, 413, "too_large")
        assert_security_headers(resp)
        assert client.get("/api/threads", headers=alice.headers).json()["data"] == []
        # A small chunked body still reaches the endpoint whole.
        small = iter([b'{"title": "pay', b' rent", "priority": "high"}'])
        created = client.post("/api/tasks", content=small, headers=headers)
        assert "content-length" not in created.request.headers
        assert created.status_code == 201, created.text
        assert (created.json()["title"], created.json()["priority"]) == ("pay rent", "high")


def _over_the_cap(sock: socket.socket, framing: str, token: str) -> None:
    """Send ``POST /api/chat`` with a body over the cap, framed by Content-Length or chunked."""
    body = b'{"message": "' + b"a" * (MAX_BODY_BYTES + 1024) + b'"}'
    head = (
        "POST /api/chat HTTP/1.1\r\nHost: t\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    )
    if framing == "content-length":
        sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return
    sock.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
    for start in range(0, len(body), 8192):
        piece = body[start : start + 8192]
        sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    sock.sendall(b"0\r\n\r\n")


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-response"
        body += chunk
    return int(status_line.split()[1]), headers, body


def _closed_by_server(sock: socket.socket) -> bool:
    """The server closed the connection: end of stream, or a reset (it left the body unread)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_body_cap_413_closes_the_connection_either_way(live_url: str, alice: ApiUser) -> None:
    """Chunked or Content-Length, a body over the cap gets the same 413 saying ``Connection: close``.

    Before, the chunked 413 left that header out, and the server then dropped the connection
    (it can't read the rest of such a body to reuse it), so a keep-alive client's next request failed.
    """
    url = urlsplit(live_url)
    answers = []
    for framing in ("content-length", "chunked"):
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
            _over_the_cap(sock, framing, alice.token)
            status, headers, body = _read_response(sock)
            assert status == 413, (framing, body)
            assert headers.get("connection", "").lower() == "close", (framing, headers)
            assert _closed_by_server(sock), f"{framing}: the server kept a connection it said it would close"
            answers.append((status, headers["content-type"], body))
    assert answers[0] == answers[1]
    # A keep-alive client goes on with its next request, on a new connection.
    with httpx.Client(base_url=live_url, timeout=30) as client:
        headers = {**alice.headers, "content-type": "application/json"}
        chunks = iter([b'{"message": "', b"a" * (MAX_BODY_BYTES + 1), b'"}'])
        refused = client.post("/api/chat", content=chunks, headers=headers)
        assert_error(refused, 413, "too_large")
        assert refused.headers["connection"] == "close"
        assert client.get("/api/tasks", headers=alice.headers).status_code == 200


def test_security_headers_on_every_response(api: TestClient, alice: ApiUser) -> None:
    responses = [
        api.get("/api/tasks", headers=alice.headers),
        api.post("/api/tasks", json={"title": "pay rent"}, headers=alice.headers),
        api.get("/api/tasks"),
        api.get("/api/tasks/nope", headers=alice.headers),
        api.post("/api/tasks", json={"title": ""}, headers=alice.headers),
        api.put("/api/tasks", headers=alice.headers),
        api.get("/api/no-such-route"),
        api.post("/api/auth/token", json={"email": "x@example.com", "password": "nope-nope"}),
        api.get("/api/openapi.json"),
        api.get("/api/docs"),
    ]
    assert [r.status_code for r in responses] == [200, 201, 401, 404, 422, 405, 404, 401, 200, 200]
    for resp in responses:
        assert_security_headers(resp)
    for resp in responses[2:8]:
        assert_error(resp, resp.status_code)


def test_errors_nul_characters_never_500(api: TestClient, alice: ApiUser) -> None:
    """PostgreSQL text can't hold NUL: such input is a clean 422 there (SQLite stores/searches it)."""
    responses = [
        api.get("/api/tasks", params={"q": "a\x00b"}, headers=alice.headers),
        api.get("/api/threads", params={"q": "a\x00b"}, headers=alice.headers),
        api.post("/api/tasks", json={"title": "a\x00b"}, headers=alice.headers),
        api.post("/api/tasks", json={"title": "ok", "description": "a\x00b"}, headers=alice.headers),
        api.post("/api/auth/token", json={"email": "a\x00@example.com", "password": "whatever-1"}),
    ]
    for resp in responses:
        assert resp.status_code < 500, resp.text
        if resp.status_code >= 400:
            assert_error(resp, resp.status_code)
    task = api.post("/api/tasks", json={"title": "pay rent"}, headers=alice.headers).json()
    resp = api.patch(f"/api/tasks/{task['id']}", json={"description": "x\x00y"}, headers=alice.headers)
    assert resp.status_code < 500, resp.text
    if resp.status_code == 422:
        assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["description"] == ""
    # NUL in chat messages and thread titles is dropped by the services.
    data = api.post("/api/chat", json={"message": "add buy\x00 milk"}, headers=alice.headers)
    assert data.status_code == 200, data.text
