"""POST /api/threads/{id}/retry: answer a failed or interrupted turn again without repeating what it
had applied; the interrupted reply itself lists those calls (content and ``tool_calls``)."""

from __future__ import annotations

import uuid

import pytest

from app.orchestration import runner
from tests.agent.test_interrupted_turns import EIGHT, crash_a_turn
from tests.api.conftest import ApiUser, assert_error, chat
from tests.utils.test_client import TestClient


def tasks(api: TestClient, user: ApiUser) -> list[str]:
    return sorted(t["title"] for t in api.get("/api/tasks?limit=100", headers=user.headers).json()["data"])


def test_retry_finishes_an_interrupted_turn_without_repeating_it(
    api: TestClient, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = crash_a_turn(monkeypatch, alice.id, EIGHT, calls=3)
    thread = str(start.thread_id)
    messages = api.get(f"/api/threads/{thread}/messages", headers=alice.headers).json()["data"]
    reply = messages[-1]
    assert (reply["status"], reply["metadata"]["error"]) == ("error", "interrupted")
    assert reply["content"] == (
        'This reply was interrupted. Before it stopped, I added 3 tasks: "milk", "eggs" and "bread".'
    )
    assert [c["arguments"]["title"] for c in reply["tool_calls"]] == ["milk", "eggs", "bread"]

    resp = api.post(f"/api/threads/{thread}/retry", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert (data["status"], data["sessionId"]) == ("completed", thread)
    assert "Added 8 tasks" in data["response"]
    assert [c.get("replayed", False) for c in data["tool_calls"]] == [True] * 3 + [False] * 5
    assert tasks(api, alice) == sorted(["milk", "eggs", "bread", "tea", "jam", "rice", "salt", "oil"])
    roles = [
        (m["role"], m["status"])
        for m in api.get(f"/api/threads/{thread}/messages", headers=alice.headers).json()["data"]
    ]
    assert roles == [("user", "completed"), ("assistant", "error"), ("assistant", "completed")]

    # The newest reply did not fail now: nothing to retry, nothing stored.
    again = api.post(f"/api/threads/{thread}/retry", headers=alice.headers, json={})
    assert "did not fail" in assert_error(again, 409, "conflict")
    assert len(api.get(f"/api/threads/{thread}/messages", headers=alice.headers).json()["data"]) == 3


def test_retry_a_chosen_failed_reply(
    api: TestClient, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = crash_a_turn(monkeypatch, alice.id, "add tasks: one, two", calls=1)
    later = chat(api, alice, "add call mom", str(start.thread_id))
    body = {"message_id": str(start.message_id)}
    resp = api.post(f"/api/threads/{start.thread_id}/retry", headers=alice.headers, json=body)
    assert resp.status_code == 200, resp.text
    assert [c["arguments"]["title"] for c in resp.json()["tool_calls"]] == ["one", "two"]
    assert tasks(api, alice) == ["call mom", "one", "two"]
    completed = api.get(f"/api/threads/{later['sessionId']}/messages", headers=alice.headers).json()["data"][
        3
    ]
    refused = api.post(
        f"/api/threads/{start.thread_id}/retry", headers=alice.headers, json={"message_id": completed["id"]}
    )
    assert assert_error(refused, 409, "conflict") == "Only a failed reply can be retried."


def test_retry_refusals(
    api: TestClient, alice: ApiUser, bob: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = crash_a_turn(monkeypatch, alice.id, "add tasks: one, two", calls=1)
    url = f"/api/threads/{start.thread_id}/retry"
    assert_error(api.post(url, headers=bob.headers), 404, "not_found")
    assert_error(
        api.post(url, headers=bob.headers, json={"message_id": str(start.message_id)}), 404, "not_found"
    )
    assert_error(api.post(f"/api/threads/{uuid.uuid4()}/retry", headers=alice.headers), 404, "not_found")
    # a malformed id is "not found", like every other id in a body (sessionId) or a path
    assert "Message not found" in assert_error(
        api.post(url, headers=alice.headers, json={"message_id": "nope"}), 404, "not_found"
    )
    assert_error(api.post(url, headers=alice.headers, json={"other": 1}), 422, "invalid")
    assert_error(api.post(url), 401)
    open_turn = runner.begin_turn(user_id=alice.id, text="hello", thread_id=start.thread_id)
    assert_error(
        api.post(url, headers=alice.headers, json={"message_id": str(start.message_id)}), 409, "busy"
    )
    runner.process_turn(open_turn)
    assert tasks(api, alice) == ["one"]
