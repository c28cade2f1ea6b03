"""Personal access tokens on the REST API (issue 18): a ``tk_`` token works as ``Bearer`` like a
sign-in token; a ``read`` token changes nothing, on every route that could (enumerated from the
app, so a route added later is covered too); the admin API needs the ``admin`` scope. SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI, routing
from sqlmodel import Session, select

from app.api import errors
from app.api.deps import READ_METHODS, AdminCaller, Caller, CurrentUser, admin_caller, bearer_token
from app.api.main import create_api
from app.core.db import get_engine, session_scope
from app.models import AccessToken, AuthToken, TokenScope, User
from app.models.base import utcnow
from app.services import access_tokens, instance
from tests.api.conftest import PASSWORD, ApiUser, assert_error, chat, create_task, register, sign_in
from tests.security.world import changes, snapshot
from tests.utils.sql_log import statements_run
from tests.utils.test_client import TestClient


@pytest.fixture(autouse=True)
def _fresh_instance_settings():
    instance.clear_cache()
    yield
    instance.clear_cache()


def make_token(
    user_id: uuid.UUID, scope: str = "write", name: str | None = None, days: int | None = 30
) -> str:
    with session_scope() as session:
        _info, secret = access_tokens.create(
            session, user_id=user_id, name=name or f"t-{uuid.uuid4().hex[:6]}", scope=scope, expires_days=days
        )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_access_token_works_as_bearer_on_the_api(api: TestClient, alice: ApiUser) -> None:
    task = create_task(api, alice, title="Pay rent")
    write = make_token(alice.id, "write")
    read = make_token(alice.id, "read")
    for secret in (write, read):
        listed = api.get("/api/tasks", headers=bearer(secret))
        assert listed.status_code == 200, listed.text
        assert [t["id"] for t in listed.json()["data"]] == [task["id"]]
        assert api.get(f"/api/tasks/{task['id']}", headers=bearer(secret)).status_code == 200
        assert api.get("/api/threads", headers=bearer(secret)).status_code == 200
    made = api.post("/api/tasks", json={"title": "From a script"}, headers=bearer(write))
    assert made.status_code == 201, made.text
    done = api.post(f"/api/tasks/{task['id']}/complete", headers=bearer(write))
    assert done.status_code == 200, done.text
    assert done.json()["completed"] is True
    with session_scope() as session:
        rows = session.exec(sa.select(AccessToken.last_used_at)).all()  # type: ignore[call-overload]
        assert all(row[0] is not None for row in rows)


def test_access_token_chat_turn_as_bearer(api: TestClient, alice: ApiUser) -> None:
    """The UserId path (a turn runs outside the request's transaction) takes tokens too."""
    write = make_token(alice.id, "write")
    resp = api.post("/api/chat", json={"message": "add water the plants tomorrow"}, headers=bearer(write))
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "completed"


def test_access_token_refused_when_revoked_expired_unknown_or_disabled(
    api: TestClient, alice: ApiUser
) -> None:
    secret = make_token(alice.id, "write")
    assert api.get("/api/tasks", headers=bearer(secret)).status_code == 200
    for bad in ("tk_" + "A" * 43, secret + "x", "tk_"):
        assert_error(api.get("/api/tasks", headers=bearer(bad)), 401, "unauthorized")
    with session_scope() as session:
        info = access_tokens.list_tokens(session, user_id=alice.id)[0]
        access_tokens.revoke(session, user_id=alice.id, token_id=info.id)
    message = assert_error(api.get("/api/tasks", headers=bearer(secret)), 401, "unauthorized")
    assert "revoked" in message
    expired = make_token(alice.id, "write")
    with session_scope() as session:
        session.execute(
            sa.update(AccessToken)
            .where(AccessToken.token_hash == access_tokens.hash_secret(expired))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert "expired" in assert_error(api.get("/api/tasks", headers=bearer(expired)), 401, "unauthorized")
    live = make_token(alice.id, "write")
    assert api.get("/api/tasks", headers=bearer(live)).status_code == 200
    with session_scope() as session:
        session.execute(sa.update(User).where(User.id == alice.id).values(is_active=False))  # type: ignore[arg-type]
    assert_error(api.get("/api/tasks", headers=bearer(live)), 401, "unauthorized")
    assert_error(api.post("/api/chat", json={"message": "hi"}, headers=bearer(live)), 401, "unauthorized")


def test_access_token_logout_revokes_it(api: TestClient, alice: ApiUser) -> None:
    secret = make_token(alice.id, "write")
    assert api.post("/api/auth/logout", headers=bearer(secret)).status_code == 200
    assert_error(api.get("/api/tasks", headers=bearer(secret)), 401)
    assert api.get("/api/tasks", headers=alice.headers).status_code == 200  # the sign-in stays


# ----- a read token changes nothing, on any route -------------------------------------------------------

NO_BEARER: dict[tuple[str, str], str] = {
    ("POST", "/api/auth/token"): "signs in with an email and password; a bearer token plays no part",
    ("POST", "/api/links/{token}"): "a signed email link: the link in the path is the credential",
    **{
        (method, path): "changes nothing: answers the unmatched address's 404 (these paths take GET only)"
        for method in ("POST", "PUT", "PATCH", "DELETE")
        for path in ("/api/admin/audit", "/api/admin/audit.csv")
    },
}
"""Routes that change something without the bearer token (so no token scope applies to them)."""


def _uses_bearer(dependant: Any) -> bool:
    return dependant.call in (bearer_token, admin_caller) or any(
        _uses_bearer(d) for d in dependant.dependencies
    )


def write_routes() -> list[tuple[str, str, bool]]:
    """(method, path, takes the bearer token) of every API route answering a method that may change
    something (anything but GET, HEAD, OPTIONS); the MCP endpoint is swept in tests/mcp."""
    found = []
    for route in routing.iter_route_contexts(create_api().routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue  # /mcp (tests/mcp/test_access_tokens.py) and the unmatched 404/405 answers
        for method in sorted(set(route.methods or ()) - READ_METHODS):
            found.append((method, route.path, _uses_bearer(dependant)))
    return found


BODIES: dict[str, dict[str, Any]] = {
    "/api/chat": {"message": "delete all my tasks"},
    "/api/chat/stream": {"message": "delete all my tasks"},
    "/api/{user_id}/chat": {"message": "delete all my tasks"},
    "/api/tasks": {"title": "made with a read token"},
    "/api/tasks/{task_id}": {"title": "changed with a read token"},
    "/api/projects": {"name": "Made with a read token"},
    "/api/projects/{project_id}": {"name": "Renamed with a read token"},
    "/api/projects/{project_id}/members": {"email": "friend@example.com", "role": "editor"},
    "/api/projects/{project_id}/members/{user_id}": {"role": "viewer"},
    "/api/projects/{project_id}/transfer": {"user_id": "{user_id}"},
    "/api/tasks/{task_id}/comments": {"body": "a read token's comment"},
    "/api/comments/{comment_id}": {"body": "edited with a read token"},
    "/api/threads/{thread_id}": {"title": "renamed", "archived": True},
    "/api/me/password": {"current_password": PASSWORD, "new_password": "another-horse-43"},
    "/api/me/chats": {"password": PASSWORD},
    "/api/me": {"password": PASSWORD},
    "/api/me/settings": {"email_reminders": False},
    "/api/auth/token": {},
}
"""What a script would send to each route (the read token is refused before the body matters)."""


def _fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def _body(path: str, ids: dict[str, str]) -> dict[str, Any]:
    return {k: _fill(v, ids) if isinstance(v, str) else v for k, v in BODIES.get(path, {}).items()}


def test_access_token_read_scope_cannot_change_anything(api: TestClient, alice: ApiUser) -> None:
    """Every route that may change something, called with a read token and the person's own ids
    (what a write token would change): 403 read-only, and not one row of the database differs."""
    task = create_task(api, alice, title="Mine")
    turn = chat(api, alice, "add call the bank tomorrow")
    project = api.post("/api/projects", json={"name": "Home"}, headers=alice.headers).json()
    comment = api.post(
        f"/api/tasks/{task['id']}/comments", json={"body": "note"}, headers=alice.headers
    ).json()
    widget = next(iter(turn.get("widgets") or [{}]), {}).get("id", "wdg_" + uuid.uuid4().hex)
    ids = {
        "task_id": task["id"],
        "thread_id": turn["sessionId"],
        "project_id": project["id"],
        "comment_id": comment["id"],
        "user_id": str(alice.id),
        "email": "friend@example.com",
        "token": "not-a-link",
    }
    read = make_token(alice.id, "read")
    assert api.get("/api/tasks", headers=bearer(read)).status_code == 200  # works, and its use is noted
    routes = write_routes()
    assert len([r for r in routes if r[2]]) >= 25, routes
    assert {(m, p) for m, p, takes in routes if not takes} == set(NO_BEARER)
    engine = get_engine()
    before = snapshot(engine)
    for method, path, takes_bearer in routes:
        headers = {**bearer(read), "Idempotency-Key": uuid.uuid4().hex}
        body = _body(path, ids)
        if path.endswith("/actions"):
            body = {
                "widget_id": widget,
                "action": {"type": "task.complete", "payload": {"task_id": task["id"]}},
            }
        resp = api.request(method, _fill(path, ids), json=body, headers=headers)
        where = f"{method} {path}"
        if path.startswith("/api/admin/"):  # the admin API: the console's 404, or the admin scope's 403
            assert resp.status_code in (403, 404), f"{where} answered {resp.status_code}"
            if resp.status_code == 403:
                assert "needs the admin scope" in assert_error(resp, 403, "forbidden"), where
        elif takes_bearer:
            message = assert_error(resp, 403, "forbidden")
            assert message == "This access token is read-only (scope read).", where
        else:
            assert resp.status_code >= 400, f"{where} answered {resp.status_code} to a read token"
    found = changes(before, snapshot(engine))
    assert not found, "a read token changed data:\n" + "\n".join(str(c) for c in found[:10])
    # the same token still reads
    assert api.get(f"/api/tasks/{task['id']}", headers=bearer(read)).status_code == 200


def test_access_token_read_scope_needs_no_route_list(api: TestClient, alice: ApiUser) -> None:
    """The rule is the dependency's, not a list of routes: a new route taking the user is covered."""
    probe = FastAPI()
    errors.install(probe)

    @probe.put("/api/new-thing")
    def new_thing(user: CurrentUser) -> dict[str, str]:
        return {"changed": user.email}

    client = TestClient(probe)
    message = assert_error(client.put("/api/new-thing", headers=bearer(make_token(alice.id, "read"))), 403)
    assert message == access_tokens.READ_ONLY
    assert client.put("/api/new-thing", headers=bearer(make_token(alice.id, "write"))).json() == {
        "changed": alice.email
    }
    assert client.put("/api/new-thing", headers=alice.headers).status_code == 200


# ----- the admin API needs the admin scope --------------------------------------------------------------


def _probe_app() -> TestClient:
    """An admin route as the admin API's helpers write them (``AdminCaller``)."""
    probe = FastAPI()
    errors.install(probe)

    @probe.get("/api/admin/ping")
    def ping(caller: AdminCaller) -> dict[str, str]:
        return {"who": caller.user.email}

    @probe.post("/api/admin/poke")
    def poke(caller: AdminCaller) -> dict[str, str]:
        return {"who": caller.user.email}

    return TestClient(probe)


def test_access_token_admin_scope_for_the_admin_api(api: TestClient) -> None:
    admin_id, admin_email = register()  # the first account: the admin
    user_id, user_email = register()
    admin_jwt, user_jwt = sign_in(api, admin_email), sign_in(api, user_email)
    probe = _probe_app()
    admin_token = make_token(admin_id, "admin")
    for headers in ({"Authorization": f"Bearer {admin_jwt}"}, bearer(admin_token)):
        for method, path in (("GET", "/api/admin/ping"), ("POST", "/api/admin/poke")):
            resp = probe.request(method, path, headers=headers)
            assert resp.status_code == 200, resp.text
            assert resp.json() == {"who": admin_email}
    for scope in ("write", "read"):
        message = assert_error(probe.get("/api/admin/ping", headers=bearer(make_token(admin_id, scope))), 403)
        assert "admin scope" in message
    assert_error(probe.post("/api/admin/poke", headers=bearer(make_token(admin_id, "read"))), 403)
    # anyone else: the admin console's 404, whatever the token
    for headers in ({"Authorization": f"Bearer {user_jwt}"}, bearer(make_token(user_id, "write"))):
        refused = assert_error(probe.get("/api/admin/ping", headers=headers), 404, "not_found")
        assert refused == errors.NOTHING_HERE
    with session_scope() as session:
        session.execute(sa.update(User).where(User.id == admin_id).values(is_admin=False))  # type: ignore[arg-type]
    assert_error(probe.get("/api/admin/ping", headers=bearer(admin_token)), 404, "not_found")


def test_access_token_scope_order() -> None:
    user = User(email="a@example.com", hashed_password="-")

    def caller(scope: TokenScope | None) -> Caller:
        grant = access_tokens.Grant(user=user, scope=scope, token_id=uuid.uuid4()) if scope else None
        return Caller(user, grant)

    assert all(caller(None).has_scope(s) for s in TokenScope)
    assert [caller(TokenScope.read).has_scope(s) for s in TokenScope] == [True, False, False]
    assert [caller(TokenScope.write).has_scope(s) for s in TokenScope] == [True, True, False]
    assert all(caller(TokenScope.admin).has_scope(s) for s in TokenScope)


def test_access_token_admin_scope_reaches_the_real_admin_api(api: TestClient) -> None:
    """The admin console's routes (users, audit log) take an admin's ``admin`` token, refuse the
    admin's lesser tokens with 403, and answer a member's token with the unmatched address's 404."""
    admin_id, _ = register()  # the first account: the admin
    member_id, _ = register()
    admin_token = bearer(make_token(admin_id, "admin"))
    for path in ("/api/admin/users", "/api/admin/audit", "/api/admin/settings"):
        assert api.get(path, headers=admin_token).status_code == 200, path
        for scope in ("read", "write"):
            message = assert_error(api.get(path, headers=bearer(make_token(admin_id, scope))), 403)
            assert "needs the admin scope" in message
        refused = assert_error(
            api.get(path, headers=bearer(make_token(member_id, "write"))), 404, "not_found"
        )
        assert refused == errors.NOTHING_HERE


@pytest.mark.parametrize("kind", ["sign-in", "access token"])
def test_a_refused_request_keeps_last_seen_and_the_next_ones_write_nothing(
    api: TestClient, alice: ApiUser, kind: str
) -> None:
    """A refused request rolls its transaction back, and "last seen" with it: it is written again on
    its own (``app.services.presence``), so the refused requests after it within the minute write
    nothing (each one wrote it again, on SQLite under the write lock)."""
    engine = get_engine()
    headers = alice.headers if kind == "sign-in" else bearer(make_token(alice.id))
    an_hour_ago = utcnow() - timedelta(hours=1)
    with Session(engine) as s:
        s.execute(sa.update(AuthToken).values(last_seen_at=an_hour_ago))
        s.execute(sa.update(AccessToken).values(last_used_at=an_hour_ago))
        s.execute(sa.update(User).values(last_active_at=an_hour_ago))
        s.commit()
    with statements_run(engine, "UPDATE") as updates:
        missing = f"/api/tasks/{uuid.uuid4()}"
        assert api.get(missing, headers=headers).status_code == 404
        with Session(engine) as s:
            user = s.get(User, alice.id)
            assert user is not None
            assert user.last_active_at is not None
            assert user.last_active_at > an_hour_ago
            if kind == "sign-in":
                seen = [t.last_seen_at for t in s.exec(select(AuthToken)).all()]
            else:
                seen = [t.last_used_at for t in s.exec(select(AccessToken)).all()]
            assert any(at is not None and at > an_hour_ago for at in seen), seen
        written = len(updates)
        assert written >= 2  # the token's and the person's, then again on their own
        for _ in range(3):
            assert api.get(missing, headers=headers).status_code == 404
            assert api.get("/api/threads/not-an-id", headers=headers).status_code == 404
        assert len(updates) == written, updates[written:]
