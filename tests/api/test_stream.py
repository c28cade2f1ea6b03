"""POST /api/chat/stream read as Server-Sent Events by a real HTTP client from a real server."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from app.core.db import session_scope
from app.models import Message
from tests.api.conftest import ApiUser, assert_error
from tests.utils.sse import sse_events


def stored_message(message_id: str) -> Message | None:
    with session_scope() as session:
        return session.get(Message, uuid.UUID(message_id))


def test_stream_events(live_url: str, alice: ApiUser) -> None:
    body = {"message": "add pay rent tomorrow, high priority"}
    with (
        httpx.Client(base_url=live_url, timeout=30) as client,
        client.stream("POST", "/api/chat/stream", json=body, headers=alice.headers) as resp,
    ):
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-content-type-options"] == "nosniff"
        events = list(sse_events(resp.iter_lines()))
    names = [name for name, _ in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert names.count("done") == 1
    assert names.count("delta") >= 2
    assert "tool_call" in names
    assert "widget" in names
    # Deltas come first, then tool calls, then widgets.
    first_tool = names.index("tool_call")
    assert all(n == "delta" for n in names[1:first_tool])
    assert set(names[first_tool:-1]) <= {"tool_call", "widget"}

    start, done = events[0][1], events[-1][1]
    assert done["sessionId"] == start["sessionId"]
    assert done["messageId"] == start["messageId"]
    assert done["status"] == "completed"
    assert done["operationType"] == "create"
    assert done["error"] is None
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == done["response"]
    tool_calls = [data for name, data in events if name == "tool_call"]
    assert [c["name"] for c in tool_calls] == ["add_task"]
    assert tool_calls[0]["result"]["task_id"] == done["taskId"]
    widgets = [data for name, data in events if name == "widget"]
    assert all(w["id"].startswith("wdg_") and w["payload"] for w in widgets)

    stored = stored_message(done["messageId"])
    assert stored is not None
    assert stored.status == "completed"
    assert stored.content == text
    with httpx.Client(base_url=live_url, timeout=30) as client:
        page = client.get(f"/api/threads/{done['sessionId']}/messages", headers=alice.headers).json()
    assert page["data"][-1]["content"] == text
    assert [w["id"] for w in page["data"][-1]["widgets"]] == [w["id"] for w in widgets]


def test_stream_disconnect_still_stores_reply(live_url: str, alice: ApiUser) -> None:
    body = {"message": "add renew passport next week, high priority"}
    start: dict[str, Any] = {}
    with httpx.Client(base_url=live_url, timeout=30) as client:
        with client.stream("POST", "/api/chat/stream", json=body, headers=alice.headers) as resp:
            assert resp.status_code == 200
            for name, data in sse_events(resp.iter_lines()):
                if name == "start":
                    start = data
                if name == "delta":
                    break
            resp.close()  # the client goes away mid-stream
        assert start, "no start event before the first delta"
        deadline = time.monotonic() + 10
        stored = stored_message(start["messageId"])
        while (stored is None or stored.status != "completed") and time.monotonic() < deadline:
            time.sleep(0.05)
            stored = stored_message(start["messageId"])
        assert stored is not None
        assert stored.status == "completed"
        assert stored.content.strip()
        assert "renew passport" in stored.content
        tasks = client.get("/api/tasks", headers=alice.headers).json()["data"]
        assert [t["title"] for t in tasks] == ["renew passport"]
        # The thread takes the next turn (nothing was left open).
        follow = client.post(
            "/api/chat",
            json={"message": "show my tasks", "sessionId": start["sessionId"]},
            headers=alice.headers,
        )
        assert follow.status_code == 200, follow.text


def test_stream_errors_are_json(live_url: str, alice: ApiUser, bob: ApiUser) -> None:
    with httpx.Client(base_url=live_url, timeout=30) as client:
        assert_error(client.post("/api/chat/stream", json={"message": "hi"}), 401, "unauthorized")
        assert_error(client.post("/api/chat/stream", json={"message": ""}, headers=alice.headers), 422)
        first = client.post("/api/chat", json={"message": "add pay rent"}, headers=alice.headers).json()
        resp = client.post(
            "/api/chat/stream", json={"message": "hi", "sessionId": first["sessionId"]}, headers=bob.headers
        )
        assert_error(resp, 404, "not_found")
