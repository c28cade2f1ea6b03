"""The task endpoints: filters and sorts, create / get / patch / delete / complete / reopen."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from functools import partial
from typing import Any

import httpx
import pytest

from tests.api.conftest import ApiUser, assert_error, create_task
from tests.utils.test_client import TestClient

TASK_KEYS = {
    "id", "project_id", "assignee_id", "title", "description", "completed", "completed_at", "priority",
    "tags", "due_date", "recurrence", "due_time", "parent_id", "reminders", "created_at", "updated_at",
}  # fmt: skip


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def seeded(api: TestClient, alice: ApiUser) -> dict[str, str]:
    """Six tasks covering every filter; returns title -> id."""
    specs: list[dict[str, Any]] = [
        {"title": "Alpha report", "priority": "high", "tags": ["work"], "due_date": day(0)},
        {"title": "bravo groceries", "priority": "low", "tags": ["home", "errands"], "due_date": day(1)},
        {"title": "Charlie taxes", "description": "File the FORMS", "due_date": day(-1)},
        {"title": "delta plan", "priority": "high", "due_date": day(10), "completed": True},
        {"title": "echo idea", "tags": ["Work"]},
        {"title": "foxtrot old", "priority": "low", "due_date": day(-3), "completed": True},
    ]
    return {spec["title"]: create_task(api, alice, **spec)["id"] for spec in specs}


def titles(api: TestClient, user: ApiUser, **params: Any) -> list[str]:
    resp = api.get("/api/tasks", params=params, headers=user.headers)
    assert resp.status_code == 200, resp.text
    return [t["title"] for t in resp.json()["data"]]


def test_tasks_list_filters(api: TestClient, alice: ApiUser, seeded: dict[str, str]) -> None:
    def has(**params: Any) -> set[str]:
        return set(titles(api, alice, **params))

    assert has() == set(seeded)
    assert has(status="all") == set(seeded)
    assert has(status="pending") == {"Alpha report", "bravo groceries", "Charlie taxes", "echo idea"}
    assert has(status="completed") == {"delta plan", "foxtrot old"}
    assert has(tag="work") == {"Alpha report", "echo idea"}
    assert has(tag="#WORK") == {"Alpha report", "echo idea"}
    assert has(tag="errands") == {"bravo groceries"}
    assert has(tag="wor") == set()
    assert has(priority="high") == {"Alpha report", "delta plan"}
    assert has(priority="medium") == {"Charlie taxes", "echo idea"}
    assert has(priority="low") == {"bravo groceries", "foxtrot old"}
    assert has(due="today") == {"Alpha report"}
    assert has(due="tomorrow") == {"bravo groceries"}
    assert has(due="overdue") == {"Charlie taxes"}
    assert has(due="upcoming") == {"bravo groceries", "delta plan"}
    assert has(due="none") == {"echo idea"}
    assert has(q="taxes") == {"Charlie taxes"}
    assert has(q="forms") == {"Charlie taxes"}
    assert has(q="%") == set()
    assert has(q="ALPHA") == {"Alpha report"}
    assert has(tag="work", status="pending", priority="high") == {"Alpha report"}


def test_tasks_list_sorts_and_paging(api: TestClient, alice: ApiUser, seeded: dict[str, str]) -> None:
    newest_first = list(reversed(list(seeded)))
    assert titles(api, alice) == newest_first
    assert titles(api, alice, sort="created") == newest_first
    assert titles(api, alice, sort="title") == sorted(seeded, key=str.lower)
    assert titles(api, alice, sort="due_date") == [
        "foxtrot old", "Charlie taxes", "Alpha report", "bravo groceries", "delta plan", "echo idea",
    ]  # fmt: skip
    assert titles(api, alice, sort="priority") == [
        "delta plan", "Alpha report", "echo idea", "Charlie taxes", "foxtrot old", "bravo groceries",
    ]  # fmt: skip
    page = api.get("/api/tasks", params={"limit": 2, "offset": 1}, headers=alice.headers).json()
    assert [t["title"] for t in page["data"]] == newest_first[1:3]
    assert page["count"] == 6
    pending = api.get("/api/tasks", params={"status": "pending", "limit": 1}, headers=alice.headers).json()
    assert pending["count"] == 4
    assert len(pending["data"]) == 1
    done = api.get("/api/tasks", params={"status": "completed", "priority": "high"}, headers=alice.headers)
    assert done.json()["count"] == 1
    assert titles(api, alice, offset=6) == []


INVALID_LIST_PARAMS: list[dict[str, Any]] = [
    {"status": "done"},
    {"priority": "urgent"},
    {"due": "someday"},
    {"sort": "size"},
    {"order": "desc", "sort": "newest"},
    {"limit": 0},
    {"limit": 501},
    {"offset": -1},
    {"limit": "many"},
    {"tag": "x" * 33},
]


def test_tasks_list_invalid_params_422(api: TestClient, alice: ApiUser) -> None:
    for params in INVALID_LIST_PARAMS:
        message = assert_error(api.get("/api/tasks", params=params, headers=alice.headers), 422, "invalid")
        assert list(params)[-1] in message, (params, message)


def test_tasks_create_201(api: TestClient, alice: ApiUser) -> None:
    resp = api.post("/api/tasks", json={"title": "  pay   rent "}, headers=alice.headers)
    assert resp.status_code == 201, resp.text
    task = resp.json()
    assert set(task) == TASK_KEYS
    assert task["title"] == "pay rent"
    assert (task["description"], task["priority"], task["tags"]) == ("", "medium", [])
    assert (task["due_date"], task["recurrence"], task["completed"], task["completed_at"]) == (
        None, None, False, None,
    )  # fmt: skip
    # No project given: the creator's Inbox, assigned to nobody.
    [inbox] = [p for p in api.get("/api/projects", headers=alice.headers).json()["data"] if p["inbox"]]
    assert (task["project_id"], task["assignee_id"]) == (inbox["id"], None)
    assert (task["due_time"], task["parent_id"], task["reminders"]) == (None, None, [])
    full = create_task(
        api,
        alice,
        title="water plants",
        description="the ferns",
        priority="low",
        tags=["#Home", "home", "Garden"],
        due_date=day(2),
        recurrence="weekly",
        completed=True,
    )
    assert full["tags"] == ["home", "garden"]
    assert (full["priority"], full["due_date"], full["recurrence"]) == ("low", day(2), "weekly")
    assert full["completed"] is True
    assert full["completed_at"] is not None
    assert api.get(f"/api/tasks/{full['id']}", headers=alice.headers).json() == full
    twenty = create_task(api, alice, title="many tags", tags=[f"t{i}" for i in range(20)])
    assert len(twenty["tags"]) == 20


INVALID_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "ok", "priority": "urgent"}, "priority"),
    ({"title": "ok", "color": "red"}, "color: is not a known field"),
    ({"title": "ok", "tags": [f"t{i}" for i in range(21)]}, "at most 20 tags"),
    ({"title": "ok", "tags": ["no spaces allowed!"]}, "tags"),
    ({"title": "ok", "due_date": "next tuesday"}, "due_date"),
    ({"title": "ok", "recurrence": "hourly"}, "recurrence"),
    ({"title": "ok", "completed": "sometimes"}, "completed"),
    ({"title": "ok", "tags": 5}, "tags: must be a list"),
    ({"title": "ok", "tags": False}, "tags: must be a list"),
]


def test_tasks_create_invalid_422(api: TestClient, alice: ApiUser) -> None:
    for body, needle in INVALID_CREATES:
        message = assert_error(api.post("/api/tasks", json=body, headers=alice.headers), 422, "invalid")
        assert needle in message, (body, message)
    assert api.get("/api/tasks", headers=alice.headers).json()["count"] == 0


def test_tasks_create_not_json_422(api: TestClient, alice: ApiUser) -> None:
    headers = {**alice.headers, "content-type": "application/json"}
    assert_error(api.post("/api/tasks", content=b"{oops", headers=headers), 422, "invalid")
    assert_error(api.post("/api/tasks", json=["title"], headers=alice.headers), 422, "invalid")


def test_tasks_get(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent", priority="high")
    resp = api.get(f"/api/tasks/{task['id']}", headers=alice.headers)
    assert resp.status_code == 200
    assert resp.json() == task


def test_tasks_patch(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent", due_date=day(3), tags=["home"])
    url = f"/api/tasks/{task['id']}"
    resp = api.patch(url, json={"priority": "high"}, headers=alice.headers)
    assert resp.status_code == 200, resp.text
    changed = resp.json()
    assert changed["priority"] == "high"
    assert (changed["title"], changed["due_date"], changed["tags"]) == ("pay rent", day(3), ["home"])
    assert changed["updated_at"] >= task["updated_at"]
    changed = api.patch(url, json={"due_date": None}, headers=alice.headers).json()
    assert changed["due_date"] is None
    assert changed["priority"] == "high"
    changed = api.patch(url, json={"title": "pay the rent", "tags": []}, headers=alice.headers).json()
    assert (changed["title"], changed["tags"]) == ("pay the rent", [])
    changed = api.patch(url, json={"completed": True}, headers=alice.headers).json()
    assert changed["completed"] is True
    assert changed["completed_at"] is not None
    assert api.get(url, headers=alice.headers).json() == changed
    for bad in (
        {"title": ""},
        {"title": None},
        {"priority": "urgent"},
        {"owner": "bob"},
        {"due_date": "soon"},
        {"tags": 3.5},
        {"tags": True},
    ):
        assert_error(api.patch(url, json=bad, headers=alice.headers), 422, "invalid")
    assert api.get(url, headers=alice.headers).json() == changed


def test_tasks_delete_204(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    keep = create_task(api, alice, title="keep me")
    resp = api.delete(f"/api/tasks/{task['id']}", headers=alice.headers)
    assert resp.status_code == 204
    assert resp.content == b""
    assert_error(api.get(f"/api/tasks/{task['id']}", headers=alice.headers), 404, "not_found")
    assert_error(api.delete(f"/api/tasks/{task['id']}", headers=alice.headers), 404, "not_found")
    assert titles(api, alice) == [keep["title"]]


def test_tasks_complete_and_reopen(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="pay rent")
    resp = api.post(f"/api/tasks/{task['id']}/complete", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert done["completed"] is True
    assert done["completed_at"] is not None
    again = api.post(f"/api/tasks/{task['id']}/complete", headers=alice.headers)
    assert again.status_code == 200
    assert again.json()["completed_at"] == done["completed_at"]
    resp = api.post(f"/api/tasks/{task['id']}/reopen", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["completed"], resp.json()["completed_at"]) == (False, None)
    assert api.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["completed"] is False


def test_tasks_complete_recurring_makes_next(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="water plants", due_date=day(0), recurrence="daily")
    assert api.post(f"/api/tasks/{task['id']}/complete", headers=alice.headers).json()["completed"] is True
    pending = api.get("/api/tasks", params={"status": "pending"}, headers=alice.headers).json()["data"]
    assert [(t["title"], t["due_date"], t["recurrence"]) for t in pending] == [
        ("water plants", day(1), "daily")
    ]


def test_tasks_not_found_404(api: TestClient, alice: ApiUser) -> None:
    create_task(api, alice, title="pay rent")
    for task_id in (str(uuid.uuid4()), "not-a-uuid", "123", "%20"):
        url = f"/api/tasks/{task_id}"
        for method, path, body in (
            ("GET", url, None),
            ("PATCH", url, {"title": "x"}),
            ("DELETE", url, None),
            ("POST", f"{url}/complete", None),
            ("POST", f"{url}/reopen", None),
        ):
            resp = api.request(method, path, json=body, headers=alice.headers)
            assert assert_error(resp, 404, "not_found") == "Task not found.", (method, path)


def test_tasks_complete_recurring_at_max_date(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="forever", due_date="9999-12-31", recurrence="daily")
    resp = api.post(f"/api/tasks/{task['id']}/complete", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["completed"] is True
    listed = api.get("/api/tasks", headers=alice.headers).json()
    assert listed["count"] == 1, "no next occurrence can exist past the last representable date"


def _race(
    n: int, request: Callable[[httpx.Client, int], httpx.Response], base_url: str
) -> list[httpx.Response]:
    """``request(client, i)`` for i < ``n``, released together, each on its own connection."""
    barrier = threading.Barrier(n)

    def send(i: int) -> httpx.Response:
        # verify=False: plain HTTP to the test server, so no TLS context (loading the CA bundle) per client
        with httpx.Client(base_url=base_url, timeout=30, verify=False) as client:
            barrier.wait(timeout=30)
            return request(client, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(send, range(n)))


def _complete(user: ApiUser, task_id: str, client: httpx.Client, _i: int) -> httpx.Response:
    return client.post(f"/api/tasks/{task_id}/complete", headers=user.headers)


def _delete_or_complete(user: ApiUser, task_id: str, client: httpx.Client, i: int) -> httpx.Response:
    if i % 2:
        return client.delete(f"/api/tasks/{task_id}", headers=user.headers)
    return _complete(user, task_id, client, i)


def test_tasks_racing_completes_make_one_next_occurrence(
    api: TestClient, alice: ApiUser, live_url: str
) -> None:
    """Ten POST /complete at once (a double click, many times over): one next occurrence, ten 200s."""
    for trial in range(3):
        title = f"water plants {trial}"
        task = create_task(api, alice, title=title, due_date="2030-01-07", recurrence="weekly")
        responses = _race(10, partial(_complete, alice, task["id"]), live_url)
        assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
        assert {(r.json()["id"], r.json()["completed"]) for r in responses} == {(task["id"], True)}
        assert len({r.json()["completed_at"] for r in responses}) == 1  # one completion, seen by all
        series = [
            t for t in api.get("/api/tasks", headers=alice.headers).json()["data"] if t["title"] == title
        ]
        assert sorted((t["due_date"], t["completed"]) for t in series) == [
            ("2030-01-07", True),
            ("2030-01-14", False),
        ]


def test_tasks_racing_deletes_and_completes_answer_cleanly(
    api: TestClient, alice: ApiUser, live_url: str
) -> None:
    """Deletes racing completes: one 204, the rest 200 or 404 ("Task not found."), never a 500."""
    for trial in range(3):
        title = f"pay rent {trial}"
        task = create_task(api, alice, title=title, due_date="2030-01-07", recurrence="weekly")
        responses = _race(6, partial(_delete_or_complete, alice, task["id"]), live_url)
        codes = sorted(r.status_code for r in responses)
        assert codes.count(204) == 1, [r.text for r in responses]
        assert set(codes) <= {200, 204, 404}, [r.text for r in responses]
        for resp in responses:
            if resp.status_code == 404:
                assert assert_error(resp, 404, "not_found") == "Task not found."
        assert_error(api.get(f"/api/tasks/{task['id']}", headers=alice.headers), 404, "not_found")
        # Only a complete that came before the delete made a next occurrence, and at most one.
        left = [t for t in api.get("/api/tasks", headers=alice.headers).json()["data"] if t["title"] == title]
        assert [(t["due_date"], t["completed"]) for t in left] == (
            [("2030-01-14", False)] if 200 in codes else []
        )


def test_tasks_list_views_today_upcoming_completed(
    api: TestClient, alice: ApiUser, seeded: dict[str, str]
) -> None:
    """``?view=`` gives the task page's views; the other filters combine with them (issue 17)."""
    create_task(api, alice, title="golf at five", due_date=day(2), due_time="17:00")
    create_task(api, alice, title="hotel far", due_date=day(20))
    create_task(api, alice, title="india early", due_date=day(2), due_time="08:30")
    assert titles(api, alice, view="today") == ["Charlie taxes", "Alpha report"]  # overdue first
    assert titles(api, alice, view="upcoming") == [
        "Alpha report",
        "bravo groceries",
        "india early",
        "golf at five",
    ]
    assert titles(api, alice, view="upcoming", priority="low") == ["bravo groceries"]
    # completed: the latest completed first
    api.post(f"/api/tasks/{seeded['Alpha report']}/complete", headers=alice.headers)
    assert titles(api, alice, view="completed") == ["Alpha report", "foxtrot old", "delta plan"]
    resp = api.get("/api/tasks", params={"view": "upcoming", "limit": 1}, headers=alice.headers)
    assert resp.json()["count"] == 3
    assert len(resp.json()["data"]) == 1
    golf = api.get("/api/tasks", params={"q": "golf"}, headers=alice.headers).json()["data"][0]
    assert golf["due_time"] == "17:00"
    refused = api.get("/api/tasks", params={"view": "today", "due": "none"}, headers=alice.headers)
    assert "view=today" in assert_error(refused, 422, "invalid")
    assert api.get("/api/tasks", params={"view": "week"}, headers=alice.headers).status_code == 422
