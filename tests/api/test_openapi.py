"""The published contract: /api/openapi.json and the docs page."""

from __future__ import annotations

from app.api.main import create_api
from tests.utils.test_client import TestClient

EXPECTED = {
    "/api/auth/token": {"post"},
    "/api/auth/logout": {"post"},
    "/api/chat": {"post"},
    "/api/chat/stream": {"post"},
    "/api/{user_id}/chat": {"post"},
    "/api/threads": {"get"},
    "/api/threads/{thread_id}": {"get", "patch", "delete"},
    "/api/threads/{thread_id}/archive": {"post"},
    "/api/threads/{thread_id}/messages": {"get"},
    "/api/threads/{thread_id}/actions": {"post"},
    "/api/threads/{thread_id}/retry": {"post"},
    "/api/tasks": {"get", "post"},
    "/api/tasks/{task_id}": {"get", "patch", "delete"},
    "/api/tasks/{task_id}/complete": {"post"},
    "/api/tasks/{task_id}/reopen": {"post"},
    "/api/tasks/{task_id}/comments": {"get", "post"},
    "/api/comments/{comment_id}": {"patch", "delete"},
    "/api/projects": {"get", "post"},
    "/api/projects/{project_id}": {"get", "patch", "delete"},
    "/api/projects/{project_id}/members": {"get", "post"},
    "/api/projects/{project_id}/members/{user_id}": {"patch", "delete"},
    "/api/projects/{project_id}/transfer": {"post"},
    "/api/projects/{project_id}/invitations/{email}": {"delete"},
    "/api/projects/{project_id}/activity": {"get"},
    "/api/health/live": {"get"},
    "/api/health/ready": {"get"},
    "/api/me": {"delete"},
    "/api/me/chats": {"delete"},
    "/api/me/export": {"get"},
    "/api/me/deletion-preview": {"get"},
    "/api/me/password": {"post"},
    "/api/me/settings": {"get", "patch"},
    "/api/me/notifications": {"get"},
    "/api/me/notifications/read": {"post"},
    "/api/admin/users": {"get"},
    "/api/admin/users/{user_id}": {"patch", "delete"},
    "/api/admin/users/{user_id}/reset-link": {"post"},
}
PUBLIC = {("/api/auth/token", "post"), ("/api/health/live", "get"), ("/api/health/ready", "get")}


def test_openapi_has_every_path() -> None:
    client = TestClient(create_api())
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["info"]["title"] == "Ticked API"
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    assert paths == EXPECTED
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (path, method)
            secured = bool(op.get("security"))
            assert secured is ((path, method) not in PUBLIC), (path, method)
            # Errors are documented with the one error shape, never FastAPI's default 422 body.
            for status in ("401", "404", "422"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorResponse", (path, method, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_openapi_every_schema_has_an_example() -> None:
    schemas = TestClient(create_api()).get("/api/openapi.json").json()["components"]["schemas"]
    assert {"TaskCreate", "TaskPublic", "ChatRequest", "ChatResponse", "ErrorResponse"} <= set(schemas)
    assert {"ProjectDetail", "MemberList", "ShareRequest", "CommentPage", "ActivityPage"} <= set(schemas)
    missing = [name for name, s in schemas.items() if not (s.get("examples") or "example" in s)]
    assert missing == []
    for name, s in schemas.items():
        if "examples" in s:
            assert isinstance(s["examples"], list), name


def test_openapi_docs_page() -> None:
    resp = TestClient(create_api()).get("/api/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "/api/openapi.json" in resp.text
    assert "swagger" in resp.text.lower()
