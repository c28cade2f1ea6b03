"""The admin API (issue 18) on SQLite and PostgreSQL: an admin lists, disables, promotes, deletes and
gets reset links; anyone else (a person, no token, a bad token) and any missing id gets exactly the
404 an unmatched /api address gets, before a body is read, and nothing changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import select

from app.core.db import session_scope
from app.models import AuditEvent, User
from tests.api.conftest import PASSWORD, ApiUser
from tests.utils.test_client import TestClient


def _unmatched(api: TestClient, method: str = "GET") -> tuple[int, dict]:
    resp = api.request(method, "/api/no-such-thing/at-all")
    return resp.status_code, resp.json()


def test_admin_api_first_account_is_admin(api: TestClient, make_user: Callable[..., ApiUser]) -> None:
    root, ann = make_user("root@example.com"), make_user("ann@example.com")
    resp = api.get("/api/admin/users", headers=root.headers)
    assert resp.status_code == 200, resp.text
    rows = {u["email"]: u for u in resp.json()["data"]}
    assert rows["root@example.com"]["is_admin"] is True
    assert rows["ann@example.com"]["is_admin"] is False
    assert api.get("/api/admin/users", headers=ann.headers).status_code == 404


def test_admin_api_everyone_else_gets_the_unmatched_404(
    api: TestClient, make_user: Callable[..., ApiUser]
) -> None:
    root, ann = make_user("root@example.com"), make_user("ann@example.com")
    expected = _unmatched(api)
    with session_scope() as session:
        before = (
            len(session.exec(select(AuditEvent)).all()),
            sorted((u.email, u.is_admin, u.is_active) for u in session.exec(select(User))),
        )
    others: list[dict[str, str]] = [
        ann.headers,
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic x"},
    ]
    target = str(root.id)
    requests = [
        ("GET", "/api/admin/users", None),
        ("GET", "/api/admin/users?limit=100000&sort=bad", None),
        ("PATCH", f"/api/admin/users/{target}", {"is_admin": False}),
        ("PATCH", f"/api/admin/users/{target}", {"is_active": False}),
        ("PATCH", f"/api/admin/users/{target}", {"unexpected": "body"}),
        ("PATCH", f"/api/admin/users/{ann.id}", {"is_admin": True}),
        ("DELETE", f"/api/admin/users/{target}", {"password": PASSWORD}),
        ("DELETE", f"/api/admin/users/{target}", None),
        ("POST", f"/api/admin/users/{target}/reset-link", None),
    ]
    for headers in others:
        for method, path, body in requests:
            resp = api.request(method, path, headers=headers, json=body)
            assert (resp.status_code, resp.json()) == expected, (method, path, headers)
    # an admin asking about someone who is not there gets the same answer
    for missing in (str(uuid.uuid4()), "not-an-id", str(uuid.uuid4()).upper()):
        for method, body in (("PATCH", {"is_active": False}), ("DELETE", {"password": PASSWORD})):
            resp = api.request(method, f"/api/admin/users/{missing}", headers=root.headers, json=body)
            assert (resp.status_code, resp.json()) == expected
        resp = api.post(f"/api/admin/users/{missing}/reset-link", headers=root.headers)
        assert (resp.status_code, resp.json()) == expected
    with session_scope() as session:
        after = (
            len(session.exec(select(AuditEvent)).all()),
            sorted((u.email, u.is_admin, u.is_active) for u in session.exec(select(User))),
        )
    assert after == before


def test_admin_api_disable_promote_delete_and_reset(
    api: TestClient, make_user: Callable[..., ApiUser]
) -> None:
    root, ann, bob = make_user("root@example.com"), make_user("ann@example.com"), make_user("bob@example.com")
    resp = api.patch(f"/api/admin/users/{ann.id}", headers=root.headers, json={"is_active": False})
    assert resp.status_code == 200, resp.text
    assert resp.json()["is_active"] is False
    assert api.get("/api/tasks", headers=ann.headers).status_code == 401  # her token ended at once
    resp = api.patch(f"/api/admin/users/{root.id}", headers=root.headers, json={"is_admin": False})
    assert resp.status_code == 409
    assert "last admin" in resp.json()["error"]["message"]
    resp = api.patch(f"/api/admin/users/{bob.id}", headers=root.headers, json={"is_admin": True})
    assert resp.json()["is_admin"] is True
    assert api.get("/api/admin/users", headers=bob.headers).status_code == 200
    assert api.patch(f"/api/admin/users/{bob.id}", headers=root.headers, json={}).status_code == 422

    page = api.get("/api/admin/users", headers=root.headers, params={"limit": 2, "sort": "email"}).json()
    assert [u["email"] for u in page["data"]] == ["ann@example.com", "bob@example.com"]
    assert page["count"] == 3
    rest = api.get(
        "/api/admin/users",
        headers=root.headers,
        params={"limit": 2, "sort": "email", "cursor": page["next_cursor"]},
    ).json()
    assert [u["email"] for u in rest["data"]] == ["root@example.com"]
    assert rest["next_cursor"] is None
    assert api.get("/api/admin/users", headers=root.headers, params={"cursor": "x"}).status_code == 422
    assert api.get("/api/admin/users", headers=root.headers, params={"q": "BOB"}).json()["count"] == 1

    link = api.post(f"/api/admin/users/{bob.id}/reset-link", headers=root.headers)
    assert link.status_code == 200, link.text
    assert "/reset?token=" in link.json()["url"]
    assert link.json()["emailed"] is False

    wrong = api.request(
        "DELETE", f"/api/admin/users/{ann.id}", headers=root.headers, json={"password": "nope-nope"}
    )
    assert wrong.status_code == 403
    gone = api.request(
        "DELETE", f"/api/admin/users/{ann.id}", headers=root.headers, json={"password": PASSWORD}
    )
    assert gone.status_code == 200, gone.text
    with session_scope() as session:
        assert session.get(User, ann.id) is None
        actions = [
            e.action
            for e in session.exec(select(AuditEvent))
            if e.surface == "api" and e.action.startswith("admin.")
        ]
    assert actions == [
        "admin.user.disable",
        "admin.user.promote",
        "admin.user.reset_link",
        "admin.user.delete",
    ]
