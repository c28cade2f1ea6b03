"""Projects over REST (issue 16): the list, sharing, roles, leaving, ownership, team tasks, activity.

Every refusal of membership (a non-member, a viewer writing, a removed member, a pending invitee,
another project's ids) must answer exactly as a random id does: same status, body and headers,
with nothing changed. SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from app.core.db import get_engine, session_scope
from app.models import Invitation, TaskOperation
from tests.api.conftest import PASSWORD, ApiUser, assert_error, create_task, sign_in
from tests.security.world import changes, snapshot
from tests.utils.test_client import TestClient

PROJECT_KEYS = {"id", "name", "color", "inbox", "archived", "role", "open_tasks", "created_at", "updated_at"}


def ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def new_project(api: TestClient, user: ApiUser, name: str, **fields: Any) -> dict[str, Any]:
    return ok(api.post("/api/projects", json={"name": name, **fields}, headers=user.headers), 201)


def share(api: TestClient, owner: ApiUser, pid: str, email: str, role: str = "editor") -> dict[str, Any]:
    url = f"/api/projects/{pid}/members"
    return ok(api.post(url, json={"email": email, "role": role}, headers=owner.headers), 201)


def projects(api: TestClient, user: ApiUser, **params: Any) -> list[dict[str, Any]]:
    body = ok(api.get("/api/projects", params=params, headers=user.headers))
    assert body["count"] == len(body["data"])
    return body["data"]


def names(api: TestClient, user: ApiUser, **params: Any) -> list[str]:
    return [p["name"] for p in projects(api, user, **params)]


def task_titles(api: TestClient, user: ApiUser, **params: Any) -> list[str]:
    return sorted(t["title"] for t in ok(api.get("/api/tasks", params=params, headers=user.headers))["data"])


def answer(resp: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k not in ("content-length", "date")}
    return resp.status_code, resp.json(), headers


def test_projects_list_create_get(api: TestClient, alice: ApiUser) -> None:
    [inbox] = projects(api, alice)
    assert set(inbox) == PROJECT_KEYS
    assert (inbox["name"], inbox["inbox"], inbox["role"], inbox["open_tasks"]) == ("Inbox", True, "owner", 0)

    made = new_project(api, alice, "  Groceries ", color="green")
    assert set(made) == PROJECT_KEYS | {"members", "invitations"}
    assert (made["name"], made["color"], made["inbox"], made["archived"], made["role"]) == (
        "Groceries", "green", False, False, "owner",
    )  # fmt: skip
    assert [(m["user_id"], m["email"], m["role"]) for m in made["members"]] == [
        (str(alice.id), alice.email, "owner")
    ]
    assert made["invitations"] == []
    assert new_project(api, alice, "Work")["color"] == "blue"  # the default colour

    create_task(api, alice, title="milk", project_id=made["id"])
    create_task(api, alice, title="eggs", project_id=made["id"], completed=True)
    create_task(api, alice, title="in the inbox")
    listed = projects(api, alice)
    assert [p["name"] for p in listed] == ["Inbox", "Groceries", "Work"]
    assert [p["open_tasks"] for p in listed] == [1, 1, 0]
    got = ok(api.get(f"/api/projects/{made['id']}", headers=alice.headers))
    assert {k: got[k] for k in ("id", "name", "open_tasks", "members")} == {
        "id": made["id"], "name": "Groceries", "open_tasks": 1, "members": made["members"],
    }  # fmt: skip


INVALID_PROJECTS: list[tuple[dict[str, Any], str]] = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "A project needs a name."),
    ({"name": "x" * 101}, "name"),
    ({"name": 5}, "name"),
    ({"name": "Garden", "color": "plaid"}, "Colour must be one of gray, red"),
    ({"name": "Garden", "color": 3}, "color"),
    ({"name": "Garden", "owner_id": "me"}, "owner_id: is not a known field"),
]


def test_projects_create_refusals(api: TestClient, alice: ApiUser) -> None:
    for body, needle in INVALID_PROJECTS:
        message = assert_error(api.post("/api/projects", json=body, headers=alice.headers), 422, "invalid")
        assert needle in message, (body, message)
    new_project(api, alice, "Groceries")
    for name in ("groceries", " GROCERIES ", "inbox", "Inbox"):
        resp = api.post("/api/projects", json={"name": name}, headers=alice.headers)
        assert_error(resp, 409, "conflict")
    assert names(api, alice) == ["Inbox", "Groceries"]


def test_projects_patch_archive_delete(api: TestClient, alice: ApiUser) -> None:
    pid = new_project(api, alice, "Groceries")["id"]
    url = f"/api/projects/{pid}"
    changed = ok(api.patch(url, json={"name": "Food", "color": "teal"}, headers=alice.headers))
    assert (changed["name"], changed["color"], changed["archived"]) == ("Food", "teal", False)
    assert ok(api.patch(url, json={}, headers=alice.headers))["name"] == "Food"
    assert ok(api.patch(url, json={"archived": True}, headers=alice.headers))["archived"] is True
    assert names(api, alice) == ["Inbox"]
    assert names(api, alice, archived="true") == ["Inbox", "Food"]
    assert ok(api.patch(url, json={"archived": False}, headers=alice.headers))["archived"] is False
    for body, needle in (
        ({"name": ""}, "name"),
        ({"color": "plaid"}, "Colour must be one of"),
        ({"archived": "yes"}, "archived"),
        ({"owner_id": str(alice.id)}, "owner_id: is not a known field"),
    ):
        assert needle in assert_error(api.patch(url, json=body, headers=alice.headers), 422, "invalid")

    [inbox] = [p for p in projects(api, alice) if p["inbox"]]
    inbox_url = f"/api/projects/{inbox['id']}"
    for body, message in (
        ({"name": "Stuff"}, "The Inbox can't be renamed."),
        ({"archived": True}, "The Inbox can't be archived."),
    ):
        assert assert_error(api.patch(inbox_url, json=body, headers=alice.headers), 422) == message
    assert assert_error(api.delete(inbox_url, headers=alice.headers), 422) == "The Inbox can't be deleted."

    task = create_task(api, alice, title="milk", project_id=pid)
    assert api.delete(url, headers=alice.headers).status_code == 204
    assert assert_error(api.get(url, headers=alice.headers), 404) == "Project not found."
    assert_error(api.get(f"/api/tasks/{task['id']}", headers=alice.headers), 404, "not_found")
    assert names(api, alice, archived="true") == ["Inbox"]


def test_projects_share_roles_invitations(
    api: TestClient, alice: ApiUser, bob: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    pid = new_project(api, alice, "Groceries")["id"]
    members_url = f"/api/projects/{pid}/members"
    assert share(api, alice, pid, bob.email.upper()) == {
        "outcome": "member", "email": bob.email, "role": "editor", "project_id": pid,
    }  # fmt: skip
    newcomer = f"new-{uuid.uuid4().hex[:8]}@example.com"
    assert share(api, alice, pid, newcomer, "viewer")["outcome"] == "invited"
    listed = ok(api.get(members_url, headers=alice.headers))
    assert [(m["email"], m["role"]) for m in listed["members"]] == [
        (alice.email, "owner"),
        (bob.email, "editor"),
    ]
    assert [(i["email"], i["role"]) for i in listed["invitations"]] == [(newcomer, "viewer")]
    assert ok(api.get(members_url, headers=bob.headers)) == listed  # every member sees who is in it
    assert [(p["name"], p["role"]) for p in projects(api, bob)] == [
        ("Inbox", "owner"),
        ("Groceries", "editor"),
    ]

    # Bob edits; as a viewer he reads but may not change tasks.
    task = create_task(api, bob, title="milk", project_id=pid)
    role = api.patch(f"{members_url}/{bob.id}", json={"role": "viewer"}, headers=alice.headers)
    assert {k: ok(role)[k] for k in ("user_id", "email", "role")} == {
        "user_id": str(bob.id), "email": bob.email, "role": "viewer",
    }  # fmt: skip
    assert task_titles(api, bob, project=pid) == ["milk"]
    assert_error(api.patch(f"/api/tasks/{task['id']}", json={"title": "x"}, headers=bob.headers), 404)
    resp = api.post("/api/tasks", json={"title": "eggs", "project_id": pid}, headers=bob.headers)
    assert assert_error(resp, 404) == "Project not found."

    for body, needle in (
        ({"email": "not an email"}, "valid email"),
        ({"email": bob.email, "role": "owner"}, "Role must be one of editor, viewer"),
        ({"email": alice.email}, "You are already the owner"),
        ({"email": 5}, "email"),
        ({"role": "viewer"}, "email"),
    ):
        message = assert_error(api.post(members_url, json=body, headers=alice.headers), 422, "invalid")
        assert needle in message, (body, message)
    message = assert_error(
        api.patch(f"{members_url}/{bob.id}", json={"role": "boss"}, headers=alice.headers), 422
    )
    assert "Role must be one of owner, editor, viewer" in message
    missing = api.patch(f"{members_url}/{uuid.uuid4()}", json={"role": "viewer"}, headers=alice.headers)
    assert assert_error(missing, 404) == "That person is not a member of this project."
    # The one owner can't step down while no one else owns it.
    assert_error(api.patch(f"{members_url}/{alice.id}", json={"role": "editor"}, headers=alice.headers), 409)
    [inbox] = [p for p in projects(api, alice) if p["inbox"]]
    resp = api.post(f"/api/projects/{inbox['id']}/members", json={"email": bob.email}, headers=alice.headers)
    assert "personal" in assert_error(resp, 422)

    # Withdrawing an invitation; a new one becomes a membership when its email signs up.
    invitations = f"/api/projects/{pid}/invitations"
    assert api.delete(f"{invitations}/{newcomer.upper()}", headers=alice.headers).status_code == 204
    resp = api.delete(f"{invitations}/{newcomer}", headers=alice.headers)
    assert assert_error(resp, 404) == "That invitation was not found."
    assert ok(api.get(members_url, headers=alice.headers))["invitations"] == []
    share(api, alice, pid, newcomer, "viewer")
    carol = make_user(newcomer)
    assert [(p["name"], p["role"]) for p in projects(api, carol)] == [
        ("Inbox", "owner"),
        ("Groceries", "viewer"),
    ]
    assert ok(api.get(members_url, headers=alice.headers))["invitations"] == []


def test_projects_leave_remove_transfer(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    pid = new_project(api, alice, "Groceries")["id"]
    members_url = f"/api/projects/{pid}/members"
    share(api, alice, pid, bob.email)
    task = create_task(api, alice, title="milk", project_id=pid, assignee_id=str(bob.id))
    assert task["assignee_id"] == str(bob.id)

    # The last owner can't leave; Bob can, and loses the project (and his assignment in it) at once.
    assert_error(api.delete(f"{members_url}/{alice.id}", headers=alice.headers), 409, "conflict")
    assert api.delete(f"{members_url}/{bob.id}", headers=bob.headers).status_code == 204
    assert assert_error(api.get(f"/api/projects/{pid}", headers=bob.headers), 404) == "Project not found."
    assert_error(api.get(f"/api/tasks/{task['id']}", headers=bob.headers), 404)
    assert ok(api.get(f"/api/tasks/{task['id']}", headers=alice.headers))["assignee_id"] is None

    # Removed by the owner: the same.
    share(api, alice, pid, bob.email)
    assert api.delete(f"{members_url}/{bob.id}", headers=alice.headers).status_code == 204
    assert names(api, bob) == ["Inbox"]

    # Ownership passes to Bob; Alice becomes an editor and may then leave.
    share(api, alice, pid, bob.email)
    missing = api.post(
        f"/api/projects/{pid}/transfer", json={"user_id": str(uuid.uuid4())}, headers=alice.headers
    )
    assert assert_error(missing, 404) == "That person is not a member of this project."
    moved = ok(
        api.post(f"/api/projects/{pid}/transfer", json={"user_id": str(bob.id)}, headers=alice.headers)
    )
    assert moved["role"] == "editor"
    assert {m["email"]: m["role"] for m in moved["members"]} == {alice.email: "editor", bob.email: "owner"}
    assert_error(api.patch(f"/api/projects/{pid}", json={"name": "Mine"}, headers=alice.headers), 404)
    assert ok(api.patch(f"/api/projects/{pid}", json={"name": "Food"}, headers=bob.headers))["name"] == "Food"
    assert api.delete(f"{members_url}/{alice.id}", headers=alice.headers).status_code == 204
    assert names(api, alice) == ["Inbox"]
    assert names(api, bob) == ["Inbox", "Food"]


def test_projects_team_tasks_filter_move_assign(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    groceries = new_project(api, alice, "Groceries")["id"]
    work = new_project(api, alice, "Work")["id"]
    share(api, alice, groceries, bob.email)
    milk = create_task(api, bob, title="milk", project_id=groceries, assignee_id=str(alice.id))
    eggs = create_task(api, alice, title="eggs", project_id=groceries)
    create_task(api, alice, title="report", project_id=work, assignee_id=str(alice.id))
    create_task(api, alice, title="inbox thing")
    assert (milk["project_id"], milk["assignee_id"]) == (groceries, str(alice.id))

    assert task_titles(api, alice, project=groceries) == ["eggs", "milk"]
    assert task_titles(api, alice, project=work) == ["report"]
    assert task_titles(api, alice, assignee="me") == ["milk", "report"]
    assert task_titles(api, alice, assignee="none") == ["eggs", "inbox thing"]
    assert task_titles(api, alice, assignee=str(alice.id), project=groceries) == ["milk"]
    assert task_titles(api, bob) == ["eggs", "milk"]  # every task he can see, none of Alice's others
    assert task_titles(api, bob, assignee="ME") == []
    counted = ok(
        api.get("/api/tasks", params={"project": groceries, "status": "pending"}, headers=alice.headers)
    )
    assert counted["count"] == 2

    # Assign, unassign, move.
    url = f"/api/tasks/{eggs['id']}"
    assert ok(api.patch(url, json={"assignee_id": str(bob.id)}, headers=alice.headers))["assignee_id"] == str(
        bob.id
    )
    assert task_titles(api, bob, assignee="me") == ["eggs"]
    assert ok(api.patch(url, json={"assignee_id": None}, headers=alice.headers))["assignee_id"] is None
    api.patch(url, json={"assignee_id": str(bob.id)}, headers=alice.headers)
    moved = ok(api.patch(url, json={"project_id": work}, headers=alice.headers))
    assert (moved["project_id"], moved["assignee_id"]) == (work, None)  # Bob is not in Work
    assert task_titles(api, bob) == ["milk"]

    # Bad input: a clear 422; an assignee outside the project is refused alike, member or not.
    for params, needle in (
        ({"project": "groceries"}, "project"),
        ({"assignee": "bob"}, 'assignee: must be a user id, "me" or "none".'),
        ({"assignee": "x" * 65}, "assignee"),
    ):
        message = assert_error(api.get("/api/tasks", params=params, headers=alice.headers), 422, "invalid")
        assert needle in message, (params, message)
    outsider = api.patch(url, json={"assignee_id": str(bob.id)}, headers=alice.headers)
    random = api.patch(url, json={"assignee_id": str(uuid.uuid4())}, headers=alice.headers)
    assert assert_error(outsider, 422) == "A task can only be assigned to a member of its project."
    assert answer(outsider) == answer(random)
    assert_error(api.patch(url, json={"project_id": None}, headers=alice.headers), 422, "invalid")
    assert_error(api.patch(url, json={"assignee_id": "bob"}, headers=alice.headers), 422, "invalid")


def test_projects_activity_feed_and_paging(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    pid = new_project(api, alice, "Groceries")["id"]
    share(api, alice, pid, bob.email)
    milk = create_task(api, bob, title="Buy milk", project_id=pid)
    ok(api.post(f"/api/tasks/{milk['id']}/complete", headers=bob.headers))
    api.patch(f"/api/tasks/{milk['id']}", json={"assignee_id": str(alice.id)}, headers=bob.headers)
    for i in range(4):
        create_task(api, alice, title=f"thing {i}", project_id=pid)
    url = f"/api/projects/{pid}/activity"

    feed = ok(api.get(url, headers=bob.headers))
    assert (feed["has_more"], feed["next_before"]) == (False, None)
    lines = [e["text"] for e in feed["data"]]
    assert lines[-1] == f"{alice.email} created the project"
    assert f"{alice.email} shared the project with {bob.email} as editor" in lines
    assert f'{bob.email} added "Buy milk"' in lines
    assert f'{bob.email} completed "Buy milk"' in lines
    assert f'{bob.email} assigned "Buy milk" to {alice.email}' in lines
    assert lines[0] == f'{alice.email} added "thing 3"'
    assert {e["source"] for e in feed["data"]} == {"api"}
    assert all(e["project_id"] == pid and e["project"] == "Groceries" for e in feed["data"])
    only_milk = ok(api.get(url, params={"task": milk["id"]}, headers=bob.headers))["data"]
    assert [e["kind"] for e in only_milk] == ["assign", "complete", "create"]

    # Pages of 3, back to the start: every entry exactly once, in order.
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    for _ in range(10):
        page = ok(api.get(url, params=params, headers=alice.headers))
        seen += [e["id"] for e in page["data"]]
        if not page["has_more"]:
            assert page["next_before"] is None
            break
        assert len(page["data"]) == 3
        params["before"] = page["next_before"]
    assert seen == [e["id"] for e in feed["data"]]
    exact = ok(api.get(url, params={"limit": len(seen)}, headers=alice.headers))
    assert (exact["has_more"], exact["next_before"]) == (False, None)

    # Changes journaled in one instant: a page boundary between them loses and repeats none.
    with session_scope() as session:
        session.execute(
            sa.update(TaskOperation)
            .where(col(TaskOperation.project_id) == uuid.UUID(pid))
            .values(created_at=datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC))
        )
    tied: list[str] = []
    params = {"limit": 2}
    while True:
        page = ok(api.get(url, params=params, headers=alice.headers))
        tied += [e["id"] for e in page["data"]]
        if not page["has_more"]:
            break
        params["before"] = page["next_before"]
    assert sorted(tied) == sorted(seen)
    assert len(tied) == len(set(tied))

    for bad in ({"before": "yesterday"}, {"before": "2026-01-01|nope"}, {"limit": 0}, {"limit": 101},
                {"task": "milk"}):  # fmt: skip
        message = assert_error(api.get(url, params=bad, headers=alice.headers), 422, "invalid")
        assert next(iter(bad)) in message, (bad, message)


def _pending_invitee(make_user: Callable[..., ApiUser], pid: str, inviter: uuid.UUID) -> ApiUser:
    """An account with an invitation to the project still pending (not a member)."""
    user = make_user()
    with session_scope() as session:
        session.add(
            Invitation(project_id=uuid.UUID(pid), email=user.email, role="editor", invited_by=inviter)
        )
    return user


def test_projects_refusals_answer_like_missing_ids(
    api: TestClient, alice: ApiUser, bob: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    """A non-member, a removed member, a pending invitee, a viewer writing, an editor doing an owner's
    part, and another project's ids: each answer is exactly a random id's, and nothing changes."""
    pid = new_project(api, alice, "Groceries")["id"]
    pending_email = "later@example.com"
    share(api, alice, pid, pending_email)
    task = create_task(api, alice, title="milk", project_id=pid)
    comment = ok(
        api.post(f"/api/tasks/{task['id']}/comments", json={"body": "2 litres"}, headers=alice.headers), 201
    )
    viewer, editor, removed = make_user(), make_user(), make_user()
    share(api, alice, pid, viewer.email, "viewer")
    share(api, alice, pid, editor.email, "editor")
    share(api, alice, pid, removed.email)
    ok(api.delete(f"/api/projects/{pid}/members/{removed.id}", headers=alice.headers), 204)
    invitee = _pending_invitee(make_user, pid, alice.id)
    outsiders = {"non-member": bob, "removed member": removed, "pending invitee": invitee}

    def requests(actor: ApiUser, project: str, task_id: str, comment_id: str) -> list[tuple[str, str, Any]]:
        own = create_task(api, actor, title="mine")["id"]
        return [
            ("PATCH", f"/api/projects/{project}", {"name": "hijacked", "archived": True}),
            ("DELETE", f"/api/projects/{project}", None),
            ("POST", f"/api/projects/{project}/members", {"email": actor.email, "role": "editor"}),
            ("PATCH", f"/api/projects/{project}/members/{alice.id}", {"role": "viewer"}),
            ("DELETE", f"/api/projects/{project}/members/{alice.id}", None),
            ("POST", f"/api/projects/{project}/transfer", {"user_id": str(actor.id)}),
            ("DELETE", f"/api/projects/{project}/invitations/{pending_email}", None),
            ("PATCH", f"/api/tasks/{task_id}", {"title": "hijacked", "completed": True}),
            ("POST", f"/api/tasks/{task_id}/complete", None),
            ("POST", f"/api/tasks/{task_id}/reopen", None),
            ("DELETE", f"/api/tasks/{task_id}", None),
            ("POST", "/api/tasks", {"title": "planted", "project_id": project}),
            ("PATCH", f"/api/tasks/{own}", {"project_id": project}),
            ("PATCH", f"/api/comments/{comment_id}", {"body": "hijacked"}),
            ("DELETE", f"/api/comments/{comment_id}", None),
        ]

    def reads(project: str, task_id: str) -> list[tuple[str, str, Any]]:
        return [
            ("GET", f"/api/projects/{project}", None),
            ("GET", f"/api/projects/{project}/members", None),
            ("GET", f"/api/projects/{project}/activity", None),
            ("GET", f"/api/tasks?project={project}", None),
            ("GET", f"/api/tasks/{task_id}", None),
            ("GET", f"/api/tasks/{task_id}/comments", None),
            ("POST", f"/api/tasks/{task_id}/comments", {"body": "planted"}),
        ]

    owners_only = [*range(7), 13, 14]  # the project and its members; editing another's comment

    def check(who: str, actor: ApiUser, with_reads: bool, only: list[int] | None = None) -> int:
        engine = get_engine()
        theirs = requests(actor, pid, task["id"], comment["id"])
        fresh = str(uuid.uuid4())
        randoms = requests(actor, fresh, fresh, fresh)
        if only is not None:
            theirs, randoms = [theirs[i] for i in only], [randoms[i] for i in only]
        if with_reads:
            theirs += reads(pid, task["id"])
            randoms += reads(fresh, fresh)
        before = snapshot(engine)
        for (method, path, body), (_, random_path, random_body) in zip(theirs, randoms, strict=True):
            resp = api.request(method, path, json=body, headers=actor.headers)
            assert_error(resp, 404, "not_found")
            missing = api.request(method, random_path, json=random_body, headers=actor.headers)
            assert answer(resp) == answer(missing), (who, method, path)
        found = changes(before, snapshot(engine))
        assert not found, f"{who} changed:\n" + "\n".join(str(c) for c in found)
        return len(theirs)

    alice_sees = ok(api.get(f"/api/projects/{pid}", headers=alice.headers))
    tried = sum(check(who, actor, with_reads=True) for who, actor in outsiders.items())
    tried += check("viewer writing", viewer, with_reads=False)
    tried += check("editor owning", editor, with_reads=False, only=owners_only)
    assert tried == 3 * 22 + 15 + 9
    assert ok(api.get(f"/api/projects/{pid}", headers=alice.headers)) == alice_sees
    # The viewer still reads and comments: the refusals above were about writing only.
    assert ok(api.get(f"/api/tasks/{task['id']}", headers=viewer.headers))["title"] == "milk"
    ok(api.post(f"/api/tasks/{task['id']}/comments", json={"body": "seen"}, headers=viewer.headers), 201)

    # Another project's ids, used in a project of one's own: answered as random ids are.
    own = new_project(api, bob, "Bob's")["id"]
    bob_task = create_task(api, bob, title="bob's", project_id=own)["id"]
    fresh = str(uuid.uuid4())
    before = snapshot(get_engine())
    for theirs, random in (
        (("PATCH", f"/api/projects/{own}/members/{alice.id}", {"role": "viewer"}),
         ("PATCH", f"/api/projects/{own}/members/{fresh}", {"role": "viewer"})),
        (("DELETE", f"/api/projects/{own}/members/{alice.id}", None),
         ("DELETE", f"/api/projects/{own}/members/{fresh}", None)),
        (("POST", f"/api/projects/{own}/transfer", {"user_id": str(alice.id)}),
         ("POST", f"/api/projects/{own}/transfer", {"user_id": fresh})),
        (("DELETE", f"/api/projects/{own}/invitations/{pending_email}", None),
         ("DELETE", f"/api/projects/{own}/invitations/nobody@example.com", None)),
        (("POST", "/api/tasks", {"title": "x", "project_id": own, "assignee_id": str(alice.id)}),
         ("POST", "/api/tasks", {"title": "x", "project_id": own, "assignee_id": fresh})),
        (("PATCH", f"/api/tasks/{bob_task}", {"assignee_id": str(alice.id)}),
         ("PATCH", f"/api/tasks/{bob_task}", {"assignee_id": fresh})),
        (("GET", f"/api/projects/{own}/activity?task={task['id']}", None),
         ("GET", f"/api/projects/{own}/activity?task={fresh}", None)),
        (("GET", f"/api/tasks?project={own}&assignee={alice.id}", None),
         ("GET", f"/api/tasks?project={own}&assignee={fresh}", None)),
    ):  # fmt: skip
        resp = api.request(theirs[0], theirs[1], json=theirs[2], headers=bob.headers)
        missing = api.request(random[0], random[1], json=random[2], headers=bob.headers)
        assert resp.status_code in (200, 404, 422), resp.text
        assert answer(resp) == answer(missing), theirs
    assert not changes(before, snapshot(get_engine()))


def test_projects_token_in_flight_loses_access_at_once(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    """A token signed before the removal reads nothing of the project after it (no cached rights)."""
    pid = new_project(api, alice, "Groceries")["id"]
    share(api, alice, pid, bob.email)
    task = create_task(api, alice, title="milk", project_id=pid)
    second = sign_in(api, bob.email)
    assert ok(api.get(f"/api/tasks/{task['id']}", headers={"Authorization": f"Bearer {second}"}))
    ok(api.delete(f"/api/projects/{pid}/members/{bob.id}", headers=alice.headers), 204)
    for token in (bob.token, second):
        headers = {"Authorization": f"Bearer {token}"}
        assert_error(api.get(f"/api/tasks/{task['id']}", headers=headers), 404)
        assert_error(api.get(f"/api/projects/{pid}/activity", headers=headers), 404)
        assert task_titles(api, ApiUser(bob.id, bob.email, token)) == []


def test_projects_account_deletion_preview_then_delete(
    api: TestClient, alice: ApiUser, bob: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    """Before deleting an account, the API says what becomes of each project it owns; then it happens."""
    groceries = new_project(api, alice, "Groceries")["id"]
    private = new_project(api, alice, "Private plans")["id"]
    share(api, alice, groceries, bob.email)
    viewer = make_user()
    share(api, alice, private, viewer.email, "viewer")
    create_task(api, alice, title="milk", project_id=groceries)
    create_task(api, alice, title="surprise", project_id=private)

    preview = ok(api.get("/api/me/deletion-preview", headers=alice.headers))["projects"]
    fates = [(p["project"], p["action"], p["outcome"], p["to"], p["members"], p["tasks"]) for p in preview]
    assert fates == [
        ("Groceries", "passes", f"passes to {bob.email}", bob.email, 1, 1),
        ("Private plans", "deleted", "deleted", None, 1, 1),
    ]
    assert [p["project_id"] for p in preview] == [groceries, private]
    assert ok(api.get("/api/me/deletion-preview", headers=bob.headers))["projects"] == []
    assert names(api, alice) == ["Inbox", "Groceries", "Private plans"]  # a preview changes nothing

    ok(api.request("DELETE", "/api/me", json={"password": PASSWORD}, headers=alice.headers))
    kept = ok(api.get(f"/api/projects/{groceries}", headers=bob.headers))
    assert (kept["role"], [m["email"] for m in kept["members"]]) == ("owner", [bob.email])
    assert task_titles(api, bob, project=groceries) == ["milk"]
    assert names(api, viewer) == ["Inbox"]
    assert_error(api.get("/api/me/deletion-preview", headers=alice.headers), 401)
