"""One user can never see or touch another user's data: their ids answer 404, like random ones."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import ApiUser, assert_error, chat, create_task
from tests.utils.test_client import TestClient


def snapshot(client: TestClient, user: ApiUser, task_id: str, thread_id: str) -> dict[str, Any]:
    def ok(path: str) -> Any:
        resp = client.get(path, headers=user.headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    return {
        "task": ok(f"/api/tasks/{task_id}"),
        "tasks": ok("/api/tasks"),
        "thread": ok(f"/api/threads/{thread_id}"),
        "threads": ok("/api/threads"),
        "messages": ok(f"/api/threads/{thread_id}/messages"),
    }


def id_requests(task_id: str, thread_id: str, widget_id: str, other_task: str) -> list[tuple[str, str, Any]]:
    """Every endpoint that takes an id, aimed at (task_id, thread_id)."""
    action = {"widget_id": widget_id, "action": {"type": "task.complete", "payload": {"task_id": other_task}}}
    return [
        ("GET", f"/api/tasks/{task_id}", None),
        ("PATCH", f"/api/tasks/{task_id}", {"title": "hijacked", "due_date": None}),
        ("POST", f"/api/tasks/{task_id}/complete", None),
        ("POST", f"/api/tasks/{task_id}/reopen", None),
        ("DELETE", f"/api/tasks/{task_id}", None),
        ("GET", f"/api/threads/{thread_id}", None),
        ("PATCH", f"/api/threads/{thread_id}", {"title": "hijacked", "archived": True}),
        ("POST", f"/api/threads/{thread_id}/archive", None),
        ("GET", f"/api/threads/{thread_id}/messages", None),
        ("POST", f"/api/threads/{thread_id}/actions", action),
        ("DELETE", f"/api/threads/{thread_id}", None),
        ("POST", "/api/chat", {"message": "delete all my tasks", "sessionId": thread_id}),
        ("POST", "/api/chat/stream", {"message": "delete all my tasks", "sessionId": thread_id}),
    ]


def test_isolation_other_users_ids_are_404(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    task = create_task(api, alice, title="alice's secret", due_date="2030-01-01", tags=["private"])
    turn = chat(api, alice, "show my tasks")
    thread_id = turn["sessionId"]
    [widget] = [w for w in turn["widgets"] if w["type"] == "ListView"]
    bob_task = create_task(api, bob, title="bob's own")
    before = snapshot(api, alice, task["id"], thread_id)

    def send(method: str, path: str, body: Any, key: str) -> Any:
        headers = {**bob.headers, "Idempotency-Key": key}
        return api.request(method, path, json=body, headers=headers)

    theirs = id_requests(task["id"], thread_id, widget["id"], task["id"])
    fresh = str(uuid.uuid4())
    randoms = id_requests(fresh, fresh, widget["id"], task["id"])
    for (method, path, body), (_, random_path, random_body) in zip(theirs, randoms, strict=True):
        resp = send(method, path, body, f"k-{uuid.uuid4()}")
        assert_error(resp, 404, "not_found")
        random = send(method, random_path, random_body, f"k-{uuid.uuid4()}")
        assert_error(random, 404, "not_found")
        assert resp.json() == random.json(), (method, path)
        assert {k: v for k, v in resp.headers.items() if k != "content-length"} == {
            k: v for k, v in random.headers.items() if k != "content-length"
        }
    # The conversation form of chat, with Alice's thread as conversation_id.
    as_bob = [
        api.post(f"/api/{bob.id}/chat", json={"message": "hi", "conversation_id": cid}, headers=bob.headers)
        for cid in (thread_id, fresh)
    ]
    assert_error(as_bob[0], 404, "not_found")
    assert as_bob[0].json() == as_bob[1].json()
    # Bob's own thread with Alice's widget: also not found.
    own = chat(api, bob, "hello")["sessionId"]
    body = {
        "widget_id": widget["id"],
        "action": {"type": "task.complete", "payload": {"task_id": task["id"]}},
    }
    assert_error(send("POST", f"/api/threads/{own}/actions", body, "k-own"), 404, "not_found")

    assert snapshot(api, alice, task["id"], thread_id) == before
    assert before["task"]["completed"] is False
    bob_tasks = api.get("/api/tasks", headers=bob.headers).json()
    assert [t["id"] for t in bob_tasks["data"]] == [bob_task["id"]]
    bob_threads = api.get("/api/threads", headers=bob.headers).json()["data"]
    assert [t["id"] for t in bob_threads] == [own]
    for params in ({"archived": "true"}, {"q": "secret"}, {"q": "show my tasks"}):
        listed = api.get("/api/threads", params=params, headers=bob.headers).json()["data"]
        assert thread_id not in [t["id"] for t in listed]
    assert api.get("/api/tasks", params={"q": "secret"}, headers=bob.headers).json()["count"] == 0
    assert api.get("/api/tasks", params={"tag": "private"}, headers=bob.headers).json()["count"] == 0


def test_isolation_non_uuid_ids_are_404(api: TestClient, alice: ApiUser) -> None:
    create_task(api, alice, title="pay rent")
    chat(api, alice, "show my tasks")
    for bad in ("not-a-uuid", "123", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g"):
        for method, path, body in id_requests(bad, bad, "wdg_x", bad):
            resp = api.request(method, path, json=body, headers={**alice.headers, "Idempotency-Key": "k"})
            assert_error(resp, 404, "not_found")
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 1
    assert len(api.get("/api/threads", headers=alice.headers).json()["data"]) == 1


def test_isolation_chat_acts_only_on_own_tasks(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    reply = chat(api, bob, "complete pay rent")
    assert reply["taskId"] is None
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False
    listing = chat(api, bob, "show my tasks")
    assert "pay rent" not in listing["response"]
    assert api.get("/api/tasks", headers=bob.headers).json()["count"] == 0
