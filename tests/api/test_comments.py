"""Comments over REST (issue 16): every member of a task's project reads and writes them, viewers too;
authors edit their own; owners may delete any. Anyone else gets a random id's answer. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from app.core.db import get_engine
from tests.api.conftest import ApiUser, assert_error, create_task
from tests.security.world import changes, snapshot
from tests.utils.test_client import TestClient

COMMENT_KEYS = {"id", "task_id", "author", "body", "created_at", "edited_at", "mine"}


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def answer(resp: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k not in ("content-length", "date")}
    return resp.status_code, resp.json(), headers


def team(api: TestClient, owner: ApiUser, **members: str) -> str:
    """A project of ``owner`` shared with each member's email (keyword: email=role)."""
    pid = ok(api.post("/api/projects", json={"name": "Groceries"}, headers=owner.headers), 201)["id"]
    for email, role in members.items():
        body = {"email": email, "role": role}
        ok(api.post(f"/api/projects/{pid}/members", json=body, headers=owner.headers), 201)
    return pid


def comment(api: TestClient, user: ApiUser, task_id: str, body: str) -> dict[str, Any]:
    return ok(api.post(f"/api/tasks/{task_id}/comments", json={"body": body}, headers=user.headers), 201)


def bodies(api: TestClient, user: ApiUser, task_id: str, **params: Any) -> list[str]:
    page = ok(api.get(f"/api/tasks/{task_id}/comments", params=params, headers=user.headers))
    return [c["body"] for c in page["data"]]


def test_comments_add_list_edit_delete(
    api: TestClient, alice: ApiUser, bob: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    viewer = make_user()
    pid = team(api, alice, **{bob.email: "editor", viewer.email: "viewer"})
    task = create_task(api, alice, title="report", project_id=pid)

    mine = comment(api, bob, task["id"], "  The **draft** is in the drive.\n")
    assert set(mine) == COMMENT_KEYS
    assert (mine["task_id"], mine["body"], mine["edited_at"], mine["mine"]) == (
        task["id"], "The **draft** is in the drive.", None, True,
    )  # fmt: skip
    assert mine["author"] == {"id": str(bob.id), "name": bob.email, "email": bob.email}
    seen = comment(api, viewer, task["id"], "Seen.")  # viewers comment too
    listed = ok(api.get(f"/api/tasks/{task['id']}/comments", headers=alice.headers))
    assert (listed["has_more"], listed["next_before"]) == (False, None)
    assert [(c["body"], c["mine"]) for c in listed["data"]] == [
        ("The **draft** is in the drive.", False),
        ("Seen.", False),
    ]

    # Authors edit their own; another's comment is "not found", exactly like a missing one.
    url = f"/api/comments/{mine['id']}"
    edited = ok(api.patch(url, json={"body": "Draft v2 is in the drive."}, headers=bob.headers))
    assert (edited["id"], edited["body"], edited["mine"]) == (mine["id"], "Draft v2 is in the drive.", True)
    assert edited["edited_at"] is not None
    for method, body in (("PATCH", {"body": "hijacked"}), ("DELETE", None)):
        theirs = api.request(method, url, json=body, headers=viewer.headers)
        missing = api.request(method, f"/api/comments/{uuid.uuid4()}", json=body, headers=viewer.headers)
        assert assert_error(theirs, 404, "not_found") == "Comment not found."
        assert answer(theirs) == answer(missing)
    theirs = api.patch(url, json={"body": "hijacked"}, headers=alice.headers)  # the owner doesn't edit it
    assert assert_error(theirs, 404) == "Comment not found."
    assert bodies(api, alice, task["id"]) == ["Draft v2 is in the drive.", "Seen."]

    # The owner may delete any comment in the project; authors delete their own.
    assert api.delete(url, headers=alice.headers).status_code == 204
    assert api.delete(f"/api/comments/{seen['id']}", headers=viewer.headers).status_code == 204
    assert bodies(api, bob, task["id"]) == []
    assert_error(api.delete(url, headers=alice.headers), 404, "not_found")

    # A comment shows in the activity feed (never its text); deleting the task takes its comments.
    comment(api, bob, task["id"], "secret plans")
    feed = ok(api.get(f"/api/projects/{pid}/activity", params={"task": task["id"]}, headers=viewer.headers))
    lines = [e["text"] for e in feed["data"]]
    assert lines[0] == f'{bob.email} commented on "report"'
    assert not any("secret" in line or "draft" in line.lower() for line in lines)
    assert api.delete(f"/api/tasks/{task['id']}", headers=alice.headers).status_code == 204
    resp = api.get(f"/api/tasks/{task['id']}/comments", headers=alice.headers)
    assert assert_error(resp, 404) == "Task not found."


def test_comments_paging(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="report")
    written = [comment(api, alice, task["id"], f"note {i}")["id"] for i in range(7)]
    url = f"/api/tasks/{task['id']}/comments"
    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": 3}
    for _ in range(10):
        page = ok(api.get(url, params=params, headers=alice.headers))
        pages.append([c["id"] for c in page["data"]])
        if not page["has_more"]:
            assert page["next_before"] is None
            break
        params["before"] = page["next_before"]
    # The newest page first, each page oldest first: every comment exactly once.
    assert pages == [written[4:], written[1:4], written[:1]]
    whole = ok(api.get(url, params={"limit": 7}, headers=alice.headers))
    assert ([c["id"] for c in whole["data"]], whole["has_more"]) == (written, False)
    for bad in ({"before": "yesterday"}, {"before": "2026-01-01|nope"}, {"limit": 0}, {"limit": 101}):
        message = assert_error(api.get(url, params=bad, headers=alice.headers), 422, "invalid")
        assert next(iter(bad)) in message, (bad, message)


INVALID_BODIES: list[tuple[Any, str]] = [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": " \n\t "}, "A comment can't be empty."),
    ({"body": "x" * 5001}, "body"),
    ({"body": 5}, "body"),
    ({"body": None}, "body"),
    ({"body": "ok", "author_id": "me"}, "author_id: is not a known field"),
    (["ok"], "Input should be a valid dictionary"),
]


def test_comments_invalid_422(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="report")
    kept = comment(api, alice, task["id"], "x" * 5000)  # the longest allowed
    assert len(kept["body"]) == 5000
    engine = get_engine()
    before = snapshot(engine)
    for body, needle in INVALID_BODIES:
        for method, path in (
            ("POST", f"/api/tasks/{task['id']}/comments"),
            ("PATCH", f"/api/comments/{kept['id']}"),
        ):
            resp = api.request(method, path, json=body, headers=alice.headers)
            message = assert_error(resp, 422, "invalid")
            assert needle in message, (method, body, message)
    assert not changes(before, snapshot(engine))


def test_comments_refusals_answer_like_missing_ids(
    api: TestClient, alice: ApiUser, bob: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    """A non-member and a removed member: a random id's answer for every comment route, nothing changed."""
    removed = make_user()
    pid = team(api, alice, **{removed.email: "editor"})
    task = create_task(api, alice, title="report", project_id=pid)
    theirs_comment = comment(api, alice, task["id"], "alice's")
    own_comment = comment(api, removed, task["id"], "mine, before I was removed")
    ok(api.delete(f"/api/projects/{pid}/members/{removed.id}", headers=alice.headers), 204)

    def routes(task_id: str, comment_id: str, own_id: str) -> list[tuple[str, str, Any]]:
        return [
            ("GET", f"/api/tasks/{task_id}/comments", None),
            ("POST", f"/api/tasks/{task_id}/comments", {"body": "planted"}),
            ("PATCH", f"/api/comments/{comment_id}", {"body": "hijacked"}),
            ("DELETE", f"/api/comments/{comment_id}", None),
            ("PATCH", f"/api/comments/{own_id}", {"body": "edited after leaving"}),
            ("DELETE", f"/api/comments/{own_id}", None),
        ]

    engine = get_engine()
    before = snapshot(engine)
    fresh = str(uuid.uuid4())
    for actor in (bob, removed):
        theirs = routes(task["id"], theirs_comment["id"], own_comment["id"])
        for (method, path, body), (_, random_path, random_body) in zip(
            theirs, routes(fresh, fresh, fresh), strict=True
        ):
            resp = api.request(method, path, json=body, headers=actor.headers)
            assert_error(resp, 404, "not_found")
            missing = api.request(method, random_path, json=random_body, headers=actor.headers)
            assert answer(resp) == answer(missing), (actor.email, method, path)
    assert not changes(before, snapshot(engine))
    assert bodies(api, alice, task["id"]) == ["alice's", "mine, before I was removed"]
