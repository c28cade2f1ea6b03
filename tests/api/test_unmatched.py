"""What no route answers under /api and /mcp is still the one JSON error shape.

An unknown address is a 404 ``not_found`` and a known one asked with the wrong method a 405
``method_not_allowed`` with ``Allow``, both ``{"error": {"code", "message"}}``, before any sign-in
check. Here on ``create_api()`` alone; ``tests/security/test_unmatched_web.py`` asks the same of the
production app, where the API is mounted in front of Reflex (which answered these with its HTML 404
page and a ``405 text/plain``).
"""

from __future__ import annotations

import uuid

import httpx

from tests.api.conftest import ApiUser, assert_error
from tests.utils.test_client import TestClient

TASK = str(uuid.uuid4())
UNMATCHED: list[tuple[str, str, int, str | None]] = [
    ("GET", "/api/nope", 404, None),
    ("POST", "/api/nope/deeper", 404, None),
    ("GET", "/api", 404, None),
    ("GET", "/api/", 404, None),
    ("DELETE", f"/api/tasks/{TASK}/nope", 404, None),
    ("PUT", "/api/tasks", 405, "GET, POST"),
    ("DELETE", "/api/tasks", 405, "GET, POST"),
    ("PUT", f"/api/tasks/{TASK}", 405, "DELETE, GET, PATCH"),
    ("PATCH", "/api/chat", 405, "POST"),
    ("GET", "/api/auth/token", 405, "POST"),
    ("OPTIONS", "/api/tasks", 405, "GET, POST"),
    ("GET", "/mcp", 405, "POST"),
    ("PUT", "/mcp", 405, "POST"),
    ("DELETE", "/mcp", 405, "POST"),
    ("PATCH", "/mcp/", 405, "POST"),
    ("POST", "/mcp/nope", 404, None),
    ("GET", "/mcp/nope/deeper", 404, None),
]
"""(method, path, status, the ``Allow`` a 405 names)."""


def assert_unmatched(resp: httpx.Response, method: str, path: str, status: int, allow: str | None) -> None:
    what = f"{method} {path}"
    assert resp.status_code == status, (
        what,
        resp.status_code,
        resp.headers.get("content-type"),
        resp.text[:200],
    )
    code = "not_found" if status == 404 else "method_not_allowed"
    message = assert_error(resp, status, code)
    if allow is not None:
        assert resp.headers.get("allow") == allow, (what, dict(resp.headers))
        assert method in message, (what, message)


def test_unmatched_api_and_mcp_answer_json(api: TestClient, alice: ApiUser) -> None:
    for headers in ({}, alice.headers):  # signed in or not: routing answers first
        for method, path, status, allow in UNMATCHED:
            resp = api.request(method, path, headers=headers)
            assert_unmatched(resp, method, path, status, allow)
    # What routes do answer is unchanged.
    assert api.get("/api/tasks", headers=alice.headers).status_code == 200
    assert api.get("/api/health/live").status_code == 200
    assert_error(api.get("/api/tasks"), 401, "unauthorized")
    assert_error(api.post("/mcp", json={}), 401, "unauthorized")
