"""Every API body is strictly typed: strings must be strings, booleans booleans, integers integers.

Before, ``tags: [null, true, 1.5]`` was stored as ``["none", "true", "1.5"]`` and ``completed: "yes"``
or ``archived: 1`` read as true (MCP already refused them). Dates stay ``YYYY-MM-DD`` text (JSON has no
date type). Each wrong type is a 422 naming the field, and nothing is stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.core.db import get_engine
from tests.api.conftest import ApiUser, assert_error, chat, create_task, find_action
from tests.security.world import changes, snapshot
from tests.utils.test_client import TestClient

WRONG_TASK_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"tags": [None, True, 1.5]}, "tags"),
    ({"tags": ["home", 1]}, "tags"),
    ({"tags": "home,work"}, "tags"),
    ({"title": 5}, "title"),
    ({"title": True}, "title"),
    ({"description": 5}, "description"),
    ({"completed": "yes"}, "completed"),
    ({"completed": "true"}, "completed"),
    ({"completed": 1}, "completed"),
    ({"completed": 0}, "completed"),
    ({"priority": 1}, "priority"),
    ({"priority": True}, "priority"),
    ({"recurrence": 1}, "recurrence"),
    ({"due_date": 1_700_000_000}, "due_date"),
    ({"due_date": 0}, "due_date"),
    ({"due_date": True}, "due_date"),
    ({"due_date": 20261201}, "due_date"),
]


def _refused(
    api: TestClient, method: str, path: str, body: Any, headers: dict[str, str], needle: str
) -> None:
    engine = get_engine()
    before = snapshot(engine)
    message = assert_error(api.request(method, path, json=body, headers=headers), 422, "invalid")
    assert needle in message, (method, path, body, message)
    found = changes(before, snapshot(engine))
    assert not found, f"{method} {path} {body} stored:\n" + "\n".join(str(c) for c in found)


def test_task_bodies_strict_types_422(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="call mom")
    for fields, needle in WRONG_TASK_FIELDS:
        _refused(api, "POST", "/api/tasks", {"title": "pay rent", **fields}, alice.headers, needle)
        _refused(api, "PATCH", f"/api/tasks/{task['id']}", fields, alice.headers, needle)
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 1
    # The right types still work; dates are ISO text.
    created = create_task(api, alice, title="pay rent", tags=["home"], completed=True, due_date="2026-12-01")
    assert (created["tags"], created["completed"], created["due_date"]) == (["home"], True, "2026-12-01")
    patched = api.patch(
        f"/api/tasks/{task['id']}",
        json={"due_date": "2026-12-02", "completed": False, "tags": [], "priority": "high"},
        headers=alice.headers,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["due_date"], patched.json()["priority"]) == ("2026-12-02", "high")


def test_other_bodies_strict_types_422(api: TestClient, alice: ApiUser) -> None:
    session_id = chat(api, alice, "add pay rent")["sessionId"]
    listed = chat(api, alice, "show my tasks", session_id=session_id)
    [widget] = [w for w in listed["widgets"] if w["type"] == "ListView"]
    declared = find_action(widget["payload"], "task.complete")
    actions = f"/api/threads/{session_id}/actions"
    headers = {**alice.headers, "Idempotency-Key": uuid.uuid4().hex}
    for method, path, body, needle in [
        ("PATCH", f"/api/threads/{session_id}", {"archived": "yes"}, "archived"),
        ("PATCH", f"/api/threads/{session_id}", {"archived": 1}, "archived"),
        ("PATCH", f"/api/threads/{session_id}", {"archived": "true"}, "archived"),
        ("PATCH", f"/api/threads/{session_id}", {"title": 5}, "title"),
        ("POST", "/api/chat", {"message": 5}, "message"),
        ("POST", "/api/chat", {"message": "add pay rent", "sessionId": 5}, "sessionId"),
        ("POST", "/api/chat", {"message": "add pay rent", "context": [1]}, "context"),
        ("POST", "/api/chat", {"message": "add pay rent", "context": "page"}, "context"),
        ("POST", "/api/chat/stream", {"message": True}, "message"),
        (
            "POST",
            f"/api/{alice.id}/chat",
            {"message": "add pay rent", "conversation_id": 5},
            "conversation_id",
        ),
        ("POST", "/api/auth/token", {"email": 5, "password": "correct-horse-42"}, "email"),
        ("POST", "/api/auth/token", {"email": alice.email, "password": 12345678}, "password"),
        (
            "POST",
            "/api/me/password",
            {"current_password": "correct-horse-42", "new_password": 123456789},
            "new",
        ),
        ("DELETE", "/api/me/chats", {"password": 12345678}, "password"),
        ("DELETE", "/api/me", {"password": 12345678}, "password"),
        ("POST", actions, {"widget_id": 5, "action": declared}, "widget_id"),
        ("POST", actions, {"widget_id": widget["id"], "action": {"type": 5, "payload": {}}}, "type"),
        (
            "POST",
            actions,
            {"widget_id": widget["id"], "action": {"type": "task.complete", "payload": [1]}},
            "payload",
        ),
        ("POST", actions, {"widget_id": widget["id"], "action": declared, "form": "title"}, "form"),
    ]:
        _refused(api, method, path, body, headers, needle)
    assert api.get(f"/api/threads/{session_id}", headers=alice.headers).json()["status"] == "active"
