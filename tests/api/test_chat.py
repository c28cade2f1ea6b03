"""POST /api/chat and POST /api/{user_id}/chat with the offline agent."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from app.core.db import session_scope
from app.models import Message
from app.services import messages as message_service
from tests.api.conftest import ApiUser, assert_error, chat
from tests.utils.test_client import TestClient


def test_chat_creates_task(api: TestClient, alice: ApiUser) -> None:
    data = chat(api, alice, "add pay rent tomorrow, high priority")
    assert set(data) == {
        "response", "sessionId", "operationType", "taskId", "context", "widgets", "tool_calls", "status",
    }  # fmt: skip
    assert "pay rent" in data["response"]
    assert data["operationType"] == "create"
    uuid.UUID(data["sessionId"])
    task = api.get(f"/api/tasks/{data['taskId']}", headers=alice.headers).json()
    assert task["title"] == "pay rent"
    assert task["priority"] == "high"
    assert task["due_date"] == (date.today() + timedelta(days=1)).isoformat()
    assert data["widgets"]
    for widget in data["widgets"]:
        assert widget["id"].startswith("wdg_")
        assert widget["type"] == widget["payload"]["type"]
    [call] = [c for c in data["tool_calls"] if c["name"] == "add_task"]
    assert call["id"]
    assert call["result"]["task_id"] == data["taskId"]
    thread = api.get(f"/api/threads/{data['sessionId']}", headers=alice.headers)
    assert thread.status_code == 200
    assert thread.json()["title"] == "Pay rent"  # a summary of the conversation (issue 15, item 5)


def test_chat_context_is_echoed(api: TestClient, alice: ApiUser) -> None:
    resp = api.post(
        "/api/chat",
        json={"message": "what's due today?", "context": {"page": "inbox"}},
        headers=alice.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["context"] == {"page": "inbox"}


def test_chat_session_continues_thread(api: TestClient, alice: ApiUser) -> None:
    first = chat(api, alice, "add pay rent tomorrow, low priority")
    second = chat(api, alice, "make it high priority", session_id=first["sessionId"])
    assert second["sessionId"] == first["sessionId"]
    assert second["operationType"] == "update"
    assert second["taskId"] == first["taskId"]
    task = api.get(f"/api/tasks/{first['taskId']}", headers=alice.headers).json()
    assert task["priority"] == "high"
    threads = api.get("/api/threads", headers=alice.headers).json()["data"]
    assert [t["id"] for t in threads] == [first["sessionId"]]
    messages = api.get(f"/api/threads/{first['sessionId']}/messages", headers=alice.headers).json()["data"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[2]["content"] == "make it high priority"
    assert messages[3]["content"] == second["response"]
    assert len(api.get("/api/tasks", headers=alice.headers).json()["data"]) == 1


def test_chat_other_users_session_404(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    mine = chat(api, alice, "add water the plants")
    theirs = api.post(
        "/api/chat", json={"message": "delete it", "sessionId": mine["sessionId"]}, headers=bob.headers
    )
    random = api.post(
        "/api/chat", json={"message": "delete it", "sessionId": str(uuid.uuid4())}, headers=bob.headers
    )
    assert_error(theirs, 404, "not_found")
    assert theirs.json() == random.json()
    assert_error(
        api.post("/api/chat", json={"message": "hi", "sessionId": "not-a-uuid"}, headers=bob.headers), 404
    )
    messages = api.get(f"/api/threads/{mine['sessionId']}/messages", headers=alice.headers).json()["data"]
    assert len(messages) == 2
    assert api.get(f"/api/tasks/{mine['taskId']}", headers=alice.headers).status_code == 200


def test_chat_empty_message_422(api: TestClient, alice: ApiUser) -> None:
    assert_error(api.post("/api/chat", json={"message": ""}, headers=alice.headers), 422, "invalid")
    assert_error(api.post("/api/chat", json={"message": "   "}, headers=alice.headers), 422, "invalid")
    assert_error(api.post("/api/chat", json={}, headers=alice.headers), 422, "invalid")
    assert api.get("/api/threads", headers=alice.headers).json()["data"] == []


def test_chat_too_long_message_422(api: TestClient, alice: ApiUser) -> None:
    resp = api.post("/api/chat", json={"message": "a" * 10_001}, headers=alice.headers)
    message = assert_error(resp, 422, "invalid")
    assert "message" in message
    assert api.get("/api/threads", headers=alice.headers).json()["data"] == []


def test_chat_as_own_id(api: TestClient, alice: ApiUser) -> None:
    resp = api.post(f"/api/{alice.id}/chat", json={"message": "add buy milk"}, headers=alice.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert set(data) == {"conversation_id", "response", "tool_calls"}
    assert "buy milk" in data["response"]
    assert [c["name"] for c in data["tool_calls"]] == ["add_task"]
    again = api.post(
        f"/api/{alice.id}/chat",
        json={"message": "what's on my list?", "conversation_id": data["conversation_id"]},
        headers=alice.headers,
    )
    assert again.status_code == 200, again.text
    assert again.json()["conversation_id"] == data["conversation_id"]
    assert "buy milk" in again.json()["response"]


def test_chat_as_other_id_403(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    resp = api.post(f"/api/{bob.id}/chat", json={"message": "add buy milk"}, headers=alice.headers)
    assert_error(resp, 403, "forbidden")
    assert api.get("/api/tasks", headers=bob.headers).json()["count"] == 0
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 0
    assert_error(api.post("/api/not-a-uuid/chat", json={"message": "hi"}, headers=alice.headers), 422)


def test_chat_second_turn_while_open_409(api: TestClient, alice: ApiUser) -> None:
    first = chat(api, alice, "add pay rent")
    thread_id = uuid.UUID(first["sessionId"])
    with session_scope() as session:
        open_turn = message_service.open_assistant_message(session, user_id=alice.id, thread_id=thread_id)
        open_id = open_turn.id
    resp = api.post(
        "/api/chat", json={"message": "add call mom", "sessionId": first["sessionId"]}, headers=alice.headers
    )
    assert assert_error(resp, 409, "busy") == message_service.BUSY_MESSAGE
    with session_scope() as session:
        assert session.get(Message, open_id).status == "pending"
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 1
