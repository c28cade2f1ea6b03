"""Threads, their messages, and widget actions over the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.core.db import session_scope
from app.models import Action, Message, TaskOperation, Thread
from app.orchestration import widget_actions
from app.orchestration.widget_actions import declared_actions
from app.services import threads as thread_service
from tests.api.conftest import ApiUser, assert_error, chat, create_task, find_action
from tests.utils.pauses import record_pauses
from tests.utils.test_client import TestClient


def make_threads(user: ApiUser, titles: list[str]) -> list[str]:
    ids = []
    for title in titles:
        with session_scope() as session:
            ids.append(str(thread_service.create_thread(session, user_id=user.id, title=title).id))
    return ids


def all_pages(client: TestClient, user: ApiUser, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    after = None
    while True:
        query = {**params, **({"after": after} if after else {})}
        resp = client.get("/api/threads", params=query, headers=user.headers)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        pages.append([t["id"] for t in page["data"]])
        if not page["has_more"]:
            assert page["next_after"] is None
            return pages
        after = page["next_after"]
        assert after
        assert len(pages) < 20


def test_threads_list_cursor_paging(api: TestClient, alice: ApiUser) -> None:
    ids = make_threads(alice, [f"Thread {i}" for i in range(5)])
    full = api.get("/api/threads", headers=alice.headers).json()
    assert full["has_more"] is False
    assert full["next_after"] is None
    newest_first = [t["id"] for t in full["data"]]
    assert sorted(newest_first) == sorted(ids)
    assert newest_first == list(reversed(ids))
    for t in full["data"]:
        assert set(t) == {"id", "title", "status", "is_active", "created_at", "updated_at", "metadata"}
        assert t["status"] == "active"
        assert "agent_memory" not in t["metadata"]

    pages = all_pages(api, alice, limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == newest_first
    asc_pages = all_pages(api, alice, limit=2, order="asc")
    assert [i for p in asc_pages for i in p] == list(reversed(newest_first))
    exact = api.get("/api/threads", params={"limit": 5}, headers=alice.headers).json()
    assert exact["has_more"] is False
    assert exact["next_after"] is None


def test_threads_list_invalid_params_422(api: TestClient, alice: ApiUser) -> None:
    for params in (
        {"limit": 101},
        {"limit": 0},
        {"limit": "ten"},
        {"order": "sideways"},
        {"after": "garbage"},
        {"after": "2026-01-01T00:00:00|not-a-uuid"},
        {"archived": "maybe"},
    ):
        assert_error(api.get("/api/threads", params=params, headers=alice.headers), 422, "invalid")
    assert api.get("/api/threads", params={"limit": 100}, headers=alice.headers).status_code == 200


def test_threads_list_archived_filter(api: TestClient, alice: ApiUser) -> None:
    keep, old = make_threads(alice, ["Keep", "Old"])
    assert api.post(f"/api/threads/{old}/archive", headers=alice.headers).status_code == 200
    active = api.get("/api/threads", headers=alice.headers).json()["data"]
    assert [t["id"] for t in active] == [keep]
    archived = api.get("/api/threads", params={"archived": "true"}, headers=alice.headers).json()["data"]
    assert [t["id"] for t in archived] == [old]
    assert archived[0]["status"] == "archived"
    assert archived[0]["is_active"] is False


def test_threads_list_search(api: TestClient, alice: ApiUser) -> None:
    milk = chat(api, alice, "add buy oat milk")["sessionId"]
    chat(api, alice, "add call mom on sunday")
    renamed = chat(api, alice, "add water the ferns")["sessionId"]
    assert (
        api.patch(f"/api/threads/{renamed}", json={"title": "Garden"}, headers=alice.headers).status_code
        == 200
    )

    def search(q: str) -> list[str]:
        resp = api.get("/api/threads", params={"q": q}, headers=alice.headers)
        assert resp.status_code == 200, resp.text
        return [t["id"] for t in resp.json()["data"]]

    assert search("OAT MILK") == [milk]
    assert search("garden") == [renamed]
    assert search("ferns") == [renamed]  # found in the messages, not the title
    assert search("100%") == []
    assert search("nothing like this") == []
    assert len(search("add")) == 3


def test_threads_get(api: TestClient, alice: ApiUser) -> None:
    data = chat(api, alice, "add pay rent")
    resp = api.get(f"/api/threads/{data['sessionId']}", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    thread = resp.json()
    assert thread["id"] == data["sessionId"]
    assert thread["title"] == "Pay rent"  # what it is about, not the message word for word
    assert thread["is_active"] is True
    assert "agent_memory" not in thread["metadata"]
    assert_error(api.get(f"/api/threads/{uuid.uuid4()}", headers=alice.headers), 404, "not_found")
    assert_error(api.get("/api/threads/not-a-uuid", headers=alice.headers), 404, "not_found")


def test_threads_patch_title_and_archived(api: TestClient, alice: ApiUser) -> None:
    [tid] = make_threads(alice, ["Old title"])
    resp = api.patch(f"/api/threads/{tid}", json={"title": "  Rent   stuff "}, headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["title"] == "Rent stuff"
    assert resp.json()["metadata"].get("title_set_by_user") is True
    resp = api.patch(f"/api/threads/{tid}", json={"archived": True}, headers=alice.headers)
    assert resp.json()["status"] == "archived"
    assert resp.json()["title"] == "Rent stuff"
    resp = api.patch(f"/api/threads/{tid}", json={"archived": False, "title": "Both"}, headers=alice.headers)
    assert (resp.json()["status"], resp.json()["title"]) == ("active", "Both")
    assert api.get(f"/api/threads/{tid}", headers=alice.headers).json()["title"] == "Both"
    for bad in (
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"status": "archived"},
        {"archived": "maybe"},
    ):
        assert_error(api.patch(f"/api/threads/{tid}", json=bad, headers=alice.headers), 422, "invalid")
    assert api.get(f"/api/threads/{tid}", headers=alice.headers).json()["title"] == "Both"


def test_threads_archive(api: TestClient, alice: ApiUser) -> None:
    [tid] = make_threads(alice, ["To archive"])
    resp = api.post(f"/api/threads/{tid}/archive", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "archived"
    assert api.post(f"/api/threads/{tid}/archive", headers=alice.headers).status_code == 200
    assert api.get(f"/api/threads/{tid}", headers=alice.headers).json()["status"] == "archived"
    assert_error(api.post(f"/api/threads/{uuid.uuid4()}/archive", headers=alice.headers), 404, "not_found")


def test_threads_delete_204_then_404(api: TestClient, alice: ApiUser) -> None:
    data = chat(api, alice, "add pay rent")
    tid = data["sessionId"]
    resp = api.delete(f"/api/threads/{tid}", headers=alice.headers)
    assert resp.status_code == 204
    assert resp.content == b""
    assert_error(api.get(f"/api/threads/{tid}", headers=alice.headers), 404, "not_found")
    assert_error(api.get(f"/api/threads/{tid}/messages", headers=alice.headers), 404, "not_found")
    assert_error(api.delete(f"/api/threads/{tid}", headers=alice.headers), 404, "not_found")
    assert_error(
        api.post("/api/chat", json={"message": "hi", "sessionId": tid}, headers=alice.headers),
        404,
        "not_found",
    )
    # The task the conversation made stays.
    assert api.get(f"/api/tasks/{data['taskId']}", headers=alice.headers).status_code == 200


def test_threads_messages_paging(api: TestClient, alice: ApiUser) -> None:
    tid = chat(api, alice, "add pay rent")["sessionId"]
    chat(api, alice, "add call mom", session_id=tid)
    chat(api, alice, "show my tasks", session_id=tid)
    full = api.get(f"/api/threads/{tid}/messages", headers=alice.headers).json()
    assert full["has_more"] is False
    assert full["next_before"] is None
    messages = full["data"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
    assert [m["content"] for m in messages[::2]] == ["add pay rent", "add call mom", "show my tasks"]
    for m in messages:
        assert m["status"] == "completed"
        if m["role"] == "user":
            assert m["widgets"] == []
            assert m["tool_calls"] is None
        else:
            assert m["widgets"], m
            assert m["tool_calls"]
            for w in m["widgets"]:
                assert set(w) == {"id", "type", "payload", "state"}
                assert w["id"].startswith("wdg_")
                assert w["payload"]["type"] == w["type"]
    assert messages[-1]["widgets"][0]["type"] == "ListView"

    pages: list[list[dict[str, Any]]] = []
    before = None
    while True:
        params: dict[str, Any] = {"limit": 4}
        if before:
            params["before"] = before
        page = api.get(f"/api/threads/{tid}/messages", params=params, headers=alice.headers).json()
        pages.append(page["data"])
        if not page["has_more"]:
            assert page["next_before"] is None
            break
        before = page["next_before"]
    assert [len(p) for p in pages] == [4, 2]
    assert [m["id"] for p in reversed(pages) for m in p] == [m["id"] for m in messages]
    assert pages[0] == messages[2:]

    for params in ({"limit": 101}, {"limit": 0}, {"before": "yesterday"}, {"before": "2026-01-01|nope"}):
        resp = api.get(f"/api/threads/{tid}/messages", params=params, headers=alice.headers)
        assert_error(resp, 422, "invalid")


def list_widget(client: TestClient, user: ApiUser, session_id: str) -> dict[str, Any]:
    data = chat(client, user, "show my tasks", session_id=session_id)
    [widget] = [w for w in data["widgets"] if w["type"] == "ListView"]
    return widget


def test_threads_action_is_idempotent(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    other = create_task(api, alice, title="call mom")
    tid = chat(api, alice, "hello")["sessionId"]
    widget = list_widget(api, alice, tid)
    action = find_action(widget["payload"], "task.complete")
    assert action is not None
    action = {"type": action["type"], "payload": action["payload"]}
    assert action["payload"]["task_id"] in (task["id"], other["id"])
    done_id = action["payload"]["task_id"]
    body = {"widget_id": widget["id"], "action": action}
    headers = {**alice.headers, "Idempotency-Key": "complete-1"}

    first = api.post(f"/api/threads/{tid}/actions", json=body, headers=headers)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["status"] == "completed"
    assert result["replayed"] is False
    assert result["result"]["task_id"] == done_id
    assert result["widget"]["type"] == "ListView"
    done = api.get(f"/api/tasks/{done_id}", headers=alice.headers).json()
    assert done["completed"] is True

    again = api.post(f"/api/threads/{tid}/actions", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["action_id"] == result["action_id"]
    assert again.json()["replayed"] is True
    assert again.json()["status"] == "completed"
    assert api.get(f"/api/tasks/{done_id}", headers=alice.headers).json() == done
    with session_scope() as session:
        completes = session.exec(
            select(TaskOperation).where(
                TaskOperation.task_id == uuid.UUID(done_id), TaskOperation.operation_type == "complete"
            )
        ).all()
        assert len(completes) == 1
        assert len(session.exec(select(Action).where(Action.widget_id == widget["id"])).all()) == 1
    still_open = api.get(f"/api/tasks/{({task['id'], other['id']} - {done_id}).pop()}", headers=alice.headers)
    assert still_open.json()["completed"] is False
    stored = api.get(f"/api/threads/{tid}/messages", headers=alice.headers).json()["data"][-1]["widgets"][0]
    assert stored["id"] == widget["id"]
    assert stored["state"] == "updated"


def test_threads_action_missing_key(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    tid = chat(api, alice, "hello")["sessionId"]
    widget = list_widget(api, alice, tid)
    body = {
        "widget_id": widget["id"],
        "action": {"type": "task.complete", "payload": {"task_id": task["id"]}},
    }
    for key in (None, "", "   "):
        headers = dict(alice.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        resp = api.post(f"/api/threads/{tid}/actions", json=body, headers=headers)
        assert resp.status_code in (400, 422)
        assert "Idempotency-Key" in assert_error(resp, resp.status_code)
    too_long = {**alice.headers, "Idempotency-Key": "k" * 129}
    assert_error(api.post(f"/api/threads/{tid}/actions", json=body, headers=too_long), 422, "invalid")
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False
    with session_scope() as session:
        assert session.exec(select(Action)).all() == []


def test_threads_action_widget_from_other_thread_404(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    first = chat(api, alice, "hello")["sessionId"]
    widget = list_widget(api, alice, first)
    second = chat(api, alice, "hello again")["sessionId"]
    body = {
        "widget_id": widget["id"],
        "action": {"type": "task.complete", "payload": {"task_id": task["id"]}},
    }
    headers = {**alice.headers, "Idempotency-Key": "k-1"}
    resp = api.post(f"/api/threads/{second}/actions", json=body, headers=headers)
    assert assert_error(resp, 404, "not_found") == "Widget not found."
    unknown = {**body, "widget_id": "wdg_doesnotexist"}
    assert_error(api.post(f"/api/threads/{first}/actions", json=unknown, headers=headers), 404, "not_found")
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False


def test_threads_action_undeclared_action_fails(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    stranger = create_task(api, alice, title="not in the list", completed=True)
    turn = chat(api, alice, "show my pending tasks")
    tid = turn["sessionId"]
    [widget] = turn["widgets"]
    assert find_action(widget["payload"], "task.complete")["payload"] == {"task_id": task["id"]}
    body = {
        "widget_id": widget["id"],
        "action": {"type": "task.reopen", "payload": {"task_id": stranger["id"]}},
    }
    resp = api.post(
        f"/api/threads/{tid}/actions", json=body, headers={**alice.headers, "Idempotency-Key": "x"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "failed"
    assert api.get(f"/api/tasks/{stranger['id']}", headers=alice.headers).json()["completed"] is True
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False


def test_threads_action_other_users_thread_404(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    tid = chat(api, alice, "hello")["sessionId"]
    widget = list_widget(api, alice, tid)
    body = {
        "widget_id": widget["id"],
        "action": {"type": "task.complete", "payload": {"task_id": task["id"]}},
    }
    resp = api.post(f"/api/threads/{tid}/actions", json=body, headers={**bob.headers, "Idempotency-Key": "k"})
    assert_error(resp, 404, "not_found")
    own = chat(api, bob, "hello")["sessionId"]
    resp = api.post(f"/api/threads/{own}/actions", json=body, headers={**bob.headers, "Idempotency-Key": "k"})
    assert assert_error(resp, 404, "not_found") == "Widget not found."
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False


# --- paging at every allowed limit ------------------------------------------------------------------

MANY = 150
"""More rows than the largest page (100), so every limit takes at least two pages."""


def seed_threads(user: ApiUser, n: int) -> list[Thread]:
    """``n`` threads in one insert, their activity times in ties of three (the id breaks them)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        Thread(user_id=user.id, title=f"t{i}", updated_at=base + timedelta(seconds=i // 3), created_at=base)
        for i in range(n)
    ]
    with session_scope() as session:
        session.add_all(rows)
    return rows


def page_through_threads(client: TestClient, user: ApiUser, limit: int, order: str) -> list[str]:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit, "order": order}
    for _ in range(MANY + 1):
        page = client.get("/api/threads", params=params, headers=user.headers).json()
        assert len(page["data"]) == (limit if page["has_more"] else len(page["data"])), (limit, page)
        seen += [t["id"] for t in page["data"]]
        if not page["has_more"]:
            assert page["next_after"] is None
            return seen
        params["after"] = page["next_after"]
    raise AssertionError(f"paging at limit={limit} did not end")


EDGE_LIMITS = (7, 49, 50, 51, 99, 100)
"""Limits around the API's edges (the services' tests page at every limit, 1 included)."""


def test_threads_list_pages_each_thread_exactly_once(api: TestClient, alice: ApiUser) -> None:
    """Every thread exactly once, in order, at limits up to the largest (100) and in both orders."""
    rows = seed_threads(alice, MANY)
    newest_first = [str(t.id) for t in sorted(rows, key=lambda t: (t.updated_at, t.id), reverse=True)]
    for limit in EDGE_LIMITS:
        for order in ("desc", "asc"):
            expected = newest_first if order == "desc" else newest_first[::-1]
            assert page_through_threads(api, alice, limit, order) == expected, (limit, order)


def test_threads_list_at_the_largest_limit_says_more_follow(api: TestClient, alice: ApiUser) -> None:
    seed_threads(alice, 101)
    first = api.get("/api/threads", params={"limit": 100}, headers=alice.headers).json()
    assert (len(first["data"]), first["has_more"]) == (100, True)
    assert first["next_after"]
    rest = api.get("/api/threads", params={"limit": 100, "after": first["next_after"]}, headers=alice.headers)
    assert (len(rest.json()["data"]), rest.json()["has_more"], rest.json()["next_after"]) == (1, False, None)


def test_threads_messages_pages_each_message_exactly_once(api: TestClient, alice: ApiUser) -> None:
    """Paging back ("load earlier") at limits up to the largest (100): each message once, oldest first."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope() as session:
        thread = thread_service.create_thread(session, user_id=alice.id, title="long")
        rows = [
            Message(
                thread_id=thread.id,
                user_id=alice.id,
                role="user" if i % 2 == 0 else "assistant",
                content=f"m{i}",
                created_at=base + timedelta(seconds=i // 3),
            )
            for i in range(MANY)
        ]
        session.add_all(rows)
    oldest_first = [str(m.id) for m in sorted(rows, key=lambda m: (m.created_at, m.id))]
    url = f"/api/threads/{thread.id}/messages"
    for limit in EDGE_LIMITS:
        pages: list[list[str]] = []
        params: dict[str, Any] = {"limit": limit}
        while len(pages) <= MANY:
            page = api.get(url, params=params, headers=alice.headers).json()
            pages.append([m["id"] for m in page["data"]])
            if not page["has_more"]:
                assert page["next_before"] is None
                break
            assert len(page["data"]) == limit
            params["before"] = page["next_before"]
        assert [mid for p in reversed(pages) for mid in p] == oldest_first, limit


def test_threads_action_still_processing_is_409_with_retry_after(
    api: TestClient, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry while the first request with the key is still running: 409 at once, then its result."""
    create_task(api, alice, title="pay rent")
    tid = chat(api, alice, "hello")["sessionId"]
    widget = list_widget(api, alice, tid)
    config = find_action(widget["payload"], "task.complete")
    assert config is not None
    action = {"type": config["type"], "payload": config["payload"]}
    with session_scope() as session:  # the first request: recorded, still running
        first = Action(
            widget_id=widget["id"],
            thread_id=uuid.UUID(tid),
            user_id=alice.id,
            type=action["type"],
            payload=action["payload"],
            idempotency_key="slow-1",
        )
        session.add(first)
    body = {"widget_id": widget["id"], "action": action}
    headers = {**alice.headers, "Idempotency-Key": "slow-1"}

    pauses = record_pauses(monkeypatch, widget_actions)
    busy = api.post(f"/api/threads/{tid}/actions", json=body, headers=headers)
    assert pauses == [], "the request waited for the first one on a server worker"
    message = assert_error(busy, 409, "still_processing")
    assert message == "This action is still being processed. Try again in a moment."
    assert int(busy.headers["Retry-After"]) >= 1
    task_id = action["payload"]["task_id"]
    assert api.get(f"/api/tasks/{task_id}", headers=alice.headers).json()["completed"] is False

    with session_scope() as session:  # the first request finishes
        row = session.get(Action, first.id)
        assert row is not None
        row.status, row.result = "completed", {"status": "completed", "task_id": task_id}
        session.add(row)
    again = api.post(f"/api/threads/{tid}/actions", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert (again.json()["action_id"], again.json()["replayed"]) == (str(first.id), True)
    with session_scope() as session:
        assert len(session.exec(select(Action).where(Action.widget_id == widget["id"])).all()) == 1


def test_threads_messages_show_cards_as_their_tasks_are_now(api: TestClient, alice: ApiUser) -> None:
    """A list card read over the API follows its tasks (issue 15, item 3): a task completed and one
    deleted after the list was shown read as such, with the buttons that fit them now."""
    done = create_task(api, alice, title="pay rent")
    gone = create_task(api, alice, title="call mom")
    tid = chat(api, alice, "hello")["sessionId"]
    shown = list_widget(api, alice, tid)
    assert find_action(shown["payload"], "task.complete") is not None
    assert (
        api.patch(f"/api/tasks/{done['id']}", json={"completed": True}, headers=alice.headers).status_code
        == 200
    )
    assert api.delete(f"/api/tasks/{gone['id']}", headers=alice.headers).status_code == 204

    resp = api.get(f"/api/threads/{tid}/messages", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    [card] = [w for m in resp.json()["data"] for w in m["widgets"] if w["id"] == shown["id"]]
    rows = {row["key"]: row for row in card["payload"]["children"]}
    done_actions = [a["type"] for a in declared_actions(rows[done["id"]])]
    assert "task.reopen" in done_actions
    assert "task.complete" not in done_actions
    assert declared_actions(rows[gone["id"]]) == []
    assert "deleted" in str(rows[gone["id"]]).lower()


def test_threads_get_with_messages_is_the_thread_and_its_messages_page(
    api: TestClient, alice: ApiUser
) -> None:
    """``?messages=N`` (issue 19): the thread and its newest N messages with their widgets in one call,
    exactly what ``GET /messages?limit=N`` returns; without it (or with 0) no messages are read."""
    tid = chat(api, alice, "add pay rent")["sessionId"]
    chat(api, alice, "add call mom", session_id=tid)
    chat(api, alice, "show my tasks", session_id=tid)
    url = f"/api/threads/{tid}"
    plain = api.get(url, headers=alice.headers).json()
    assert plain["messages"] is None
    assert api.get(url, params={"messages": 0}, headers=alice.headers).json() == plain
    for n in (50, 4, 1, 100):
        resp = api.get(url, params={"messages": n}, headers=alice.headers)
        assert resp.status_code == 200, resp.text
        read = resp.json()
        listed = api.get(f"{url}/messages", params={"limit": n}, headers=alice.headers).json()
        assert read["messages"] == listed, n
        assert {k: v for k, v in read.items() if k != "messages"} == {
            k: v for k, v in plain.items() if k != "messages"
        }
    last = api.get(url, params={"messages": 4}, headers=alice.headers).json()["messages"]
    assert (len(last["data"]), last["has_more"]) == (4, True)
    assert last["data"][-1]["widgets"][0]["type"] == "ListView"
    earlier = api.get(f"{url}/messages", params={"before": last["next_before"]}, headers=alice.headers).json()
    assert earlier["has_more"] is False
    every = api.get(url, params={"messages": 50}, headers=alice.headers).json()["messages"]["data"]
    assert [m["id"] for m in earlier["data"] + last["data"]] == [m["id"] for m in every]
    assert every[0]["content"] == "add pay rent"


def test_threads_get_with_messages_invalid_422(api: TestClient, alice: ApiUser) -> None:
    [tid] = make_threads(alice, ["Empty"])
    for value in ("-1", "101", "ten", "1.5", ""):
        resp = api.get(f"/api/threads/{tid}", params={"messages": value}, headers=alice.headers)
        assert_error(resp, 422, "invalid")
    empty = api.get(f"/api/threads/{tid}", params={"messages": 100}, headers=alice.headers).json()
    assert empty["messages"] == {"data": [], "has_more": False, "next_before": None}


def test_threads_get_with_messages_of_another_users_thread_is_a_missing_one(
    api: TestClient, alice: ApiUser, bob: ApiUser
) -> None:
    """Bob asking for Alice's thread with its messages gets exactly the answer a missing id gets."""
    tid = chat(api, alice, "add pay rent")["sessionId"]
    theirs = api.get(f"/api/threads/{tid}", params={"messages": 50}, headers=bob.headers)
    missing = api.get(f"/api/threads/{uuid.uuid4()}", params={"messages": 50}, headers=bob.headers)
    assert_error(theirs, 404, "not_found")
    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
    assert "pay rent" not in theirs.text


def test_threads_the_chat_page_opens_a_thread_as_the_api_reads_it(api: TestClient, alice: ApiUser) -> None:
    """The chat page and ``GET /api/threads/{id}?messages=50`` read a conversation with one call
    (``app.orchestration.thread_read``): the same messages, cards and paging."""
    from app.orchestration import chat_session

    tid = chat(api, alice, "add pay rent")["sessionId"]
    chat(api, alice, "show my tasks", session_id=tid)
    read = api.get(
        f"/api/threads/{tid}", params={"messages": chat_session.MESSAGES_PAGE}, headers=alice.headers
    )
    opened = chat_session.open_thread(user_id=alice.id, thread_id=tid)
    assert opened is not None
    page = read.json()["messages"]
    assert [(m.id, m.content) for m in opened.messages] == [(m["id"], m["content"]) for m in page["data"]]
    assert [[w.widget_id for w in m.widgets] for m in opened.messages] == [
        [w["id"] for w in m["widgets"]] for m in page["data"]
    ]
    assert opened.has_earlier is page["has_more"]
    assert opened.title == read.json()["title"]
