"""Isolation over REST: every /api route that takes an id, found from the app's own route table.

Each route with a path parameter is listed in ``PATH_ROUTES`` (a route added to the app without
an entry here fails the test) and tried as Bob with Alice's ids, re-spellings of them, her ids
of other kinds, random ids and garbage; ids sent in bodies and cursors (``sessionId``,
``conversation_id``, ``widget_id``, the payload of a widget action, ``after``/``before``) are
tried the same way. A well-formed id must get exactly the answer a random id gets (status, body
and headers); garbage must be a clean 404. Nothing may change. SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
import sqlalchemy as sa
from fastapi import routing

from app.api.errors import Unmatched
from app.api.main import create_api
from app.core.db import session_scope
from app.models import Message, Thread, Widget
from app.orchestration.widget_actions import declared_actions
from tests.api.conftest import assert_error
from tests.security.world import (
    COUNTS,
    Holdings,
    IdCase,
    assert_untouched,
    id_cases,
    random_id,
    snapshot,
)
from tests.utils.api_app import shared_api
from tests.utils.test_client import TestClient


@dataclass(frozen=True)
class Route:
    kind: str
    body: Callable[[Holdings, Holdings], Any] | None = None
    status: int = 404


def _their_action(alice: Holdings, _bob: Holdings) -> dict[str, Any]:
    with session_scope() as session:
        widget = session.get(Widget, alice.list_widget_id)
        assert widget is not None
        action = declared_actions(widget.payload)[0]
    return {
        "widget_id": alice.list_widget_id,
        "action": {"type": action["type"], "payload": action["payload"]},
    }


PATH_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/tasks/{task_id}"): Route("task"),
    ("PATCH", "/api/tasks/{task_id}"): Route(
        "task", lambda a, b: {"title": "hijacked", "completed": True, "tags": ["x"], "due_date": None}
    ),
    ("DELETE", "/api/tasks/{task_id}"): Route("task"),
    ("POST", "/api/tasks/{task_id}/complete"): Route("task"),
    ("POST", "/api/tasks/{task_id}/reopen"): Route("task"),
    ("GET", "/api/threads/{thread_id}"): Route("thread"),
    ("PATCH", "/api/threads/{thread_id}"): Route(
        "thread", lambda a, b: {"title": "hijacked", "archived": True}
    ),
    ("POST", "/api/threads/{thread_id}/archive"): Route("thread"),
    ("DELETE", "/api/threads/{thread_id}"): Route("thread"),
    ("GET", "/api/threads/{thread_id}/messages"): Route("thread"),
    ("POST", "/api/threads/{thread_id}/actions"): Route("thread", _their_action),
    ("POST", "/api/threads/{thread_id}/retry"): Route("thread", lambda a, b: {}),
    # Anyone's user id but one's own is refused alike (403), whether the account exists or not.
    ("POST", "/api/{user_id}/chat"): Route("user", lambda a, b: {"message": "delete all my tasks"}, 403),
    # The admin routes (issue 18): a non-admin gets the unmatched address's 404 for every id.
    ("PATCH", "/api/admin/users/{user_id}"): Route(
        "user", lambda a, b: {"is_active": False, "is_admin": True}
    ),
    ("DELETE", "/api/admin/users/{user_id}"): Route("user", lambda a, b: {"password": "correct-horse-42"}),
    ("POST", "/api/admin/users/{user_id}/reset-link"): Route("user"),
    # issue 18: to a non-admin the admin API is a missing address, whatever the id
    ("DELETE", "/api/admin/invites/{invite_id}"): Route("user"),
}


QUERIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    # issue 19: the thread read with its messages and widgets (one call to open a conversation)
    ("GET", "/api/threads/{thread_id}"): [{"messages": 50}, {"messages": 1}],
    ("GET", "/api/threads/{thread_id}/messages"): [{"limit": 100}],
}
"""Query parameters that make a route read more of what the id names: each swept again with them."""


def _path_routes() -> set[tuple[str, str]]:
    """(method, path) of every route of the API whose path has a parameter, included routers too."""
    routes = create_api().routes
    # FastAPI >= 0.165 keeps included routers as branches; iter_route_contexts walks them.
    contexts = routing.iter_route_contexts(routes) if hasattr(routing, "iter_route_contexts") else routes
    found = set()
    for route in contexts:
        path = getattr(route, "path", "")
        if isinstance(getattr(route, "app", None), Unmatched):
            continue  # a path no route takes (404/405, tests/api/test_unmatched.py): no id, no data
        if "{" in path:
            found |= {(method, path) for method in getattr(route, "methods", None) or {"*"}}
    return found - {("HEAD", p) for _, p in found}


SECRET_ROUTES = {
    (
        "GET",
        "/api/links/{token}",
    ): "tests/api/test_links.py::test_isolation_a_link_acts_only_for_the_person_it_names",
    (
        "POST",
        "/api/links/{token}",
    ): "tests/api/test_links.py::test_isolation_a_link_acts_only_for_the_person_it_names",
    (
        "GET",
        "/api/calendar/{secret}.ics",
    ): "tests/api/test_calendar.py::test_a_wrong_or_revoked_secret_is_404",
}
"""Routes whose path is the credential itself (a signed email link, a calendar feed's secret): no
bearer token to swap, so each is swept where it is tested, named here."""


def test_isolation_api_every_id_route_is_covered() -> None:
    """Every route with a path id is swept: here (a stranger's ids), or on the team (issue 16's project,
    member, comment, activity and task routes, by everyone who must be refused:
    ``tests/api/test_isolation_team.py``, on the services' team)."""
    from tests.api.test_isolation_team import swept_routes

    found = _path_routes()
    assert found, "no /api route with a path parameter?"
    missing = sorted(found - set(PATH_ROUTES) - swept_routes() - set(SECRET_ROUTES))
    assert not missing, f"/api routes taking an id with no isolation case here or on the team: {missing}"
    stale = sorted(set(PATH_ROUTES) - found)
    assert not stale, f"listed here but gone from the app: {stale}"
    assert set(QUERIES) <= set(PATH_ROUTES), "a query variant of a route that is not swept"


@pytest.fixture
def api(app_db: sa.Engine) -> TestClient:
    with TestClient(shared_api()) as client:
        yield client


def _headers(user: Holdings) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.token}", "Idempotency-Key": f"k-{uuid.uuid4().hex}"}


def _answer(resp: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k not in ("content-length", "date")}
    return resp.status_code, resp.json(), headers


def _routable(value: str) -> bool:
    """Whether a value can stand in a path segment at all (a "/" or nothing routes elsewhere)."""
    return bool(value.strip()) and not any(ch in value for ch in "/?#")


def test_isolation_api_path_ids(api: TestClient, app_db: sa.Engine, alice: Holdings, bob: Holdings) -> None:
    dialect = app_db.dialect.name
    sweeps = [(key, route, None) for key, route in PATH_ROUTES.items()]
    sweeps += [(key, PATH_ROUTES[key], params) for key, variants in QUERIES.items() for params in variants]
    for (method, template), route, params in sweeps:
        name = template.split("{")[1].split("}")[0]
        before = snapshot(app_db)
        body = route.body(alice, bob) if route.body else None
        label = f"{method} {template}" + (f"?{urlencode(params)}" if params else "")

        def send(value: str, *, method: str = method, template: str = template, name: str = name) -> Any:
            path = template.replace("{" + name + "}", quote(value, safe=""))
            return api.request(method, path, json=body, params=params, headers=_headers(bob))  # noqa: B023

        missing = send(random_id(route.kind))
        assert_error(missing, route.status)
        cases = [c for c in id_cases(route.kind, alice) if _routable(c.value)]
        if route.kind == "user":  # a UUID path parameter: other spellings may be refused as not a UUID
            cases = [IdCase(c.label, c.value, c.label in ("victim user", "random")) for c in cases]
        for case in cases:
            resp = send(case.value)
            if route.kind == "user" and not case.shaped:
                assert_error(resp, 422 if resp.status_code == 422 else route.status)  # not a UUID at all
                continue
            assert_error(resp, route.status)
            if case.shaped:
                assert _answer(resp) == _answer(missing), f"{label} with {case.label}"
        assert_untouched(app_db, before, bob.user_id, label)
        COUNTS.add(f"REST ({dialect})", label, len(cases))


def _own_action_forged(bob: Holdings, value: str) -> dict[str, Any]:
    with session_scope() as session:
        widget = session.get(Widget, bob.list_widget_id)
        assert widget is not None
        action = next(a for a in declared_actions(widget.payload) if a["type"] == "task.delete")
    return {
        "widget_id": bob.list_widget_id,
        "action": {"type": action["type"], "payload": {"task_id": value}},
    }


def _cursor_values(alice: Holdings) -> tuple[str, str]:
    with session_scope() as session:
        thread = session.get(Thread, uuid.UUID(alice.thread_ids[0]))
        message = session.get(Message, uuid.UUID(alice.message_ids[0]))
        assert thread is not None
        assert message is not None
        return f"{thread.updated_at.isoformat()}|{thread.id}", f"2999-01-01T00:00:00|{message.id}"


def test_isolation_api_ids_in_bodies_and_cursors(
    api: TestClient, app_db: sa.Engine, alice: Holdings, bob: Holdings
) -> None:
    dialect = app_db.dialect.name
    own_thread = bob.thread_ids[0]
    body_routes: dict[str, tuple[str, str, Callable[[str], dict[str, Any]]]] = {
        "POST /api/chat sessionId": (
            "thread",
            "/api/chat",
            lambda v: {"message": "show my tasks", "sessionId": v},
        ),
        "POST /api/chat/stream sessionId": (
            "thread",
            "/api/chat/stream",
            lambda v: {"message": "show my tasks", "sessionId": v},
        ),
        "POST /api/{user_id}/chat conversation_id": (
            "thread",
            f"/api/{bob.user_id}/chat",
            lambda v: {"message": "show my tasks", "conversation_id": v},
        ),
        "POST /api/threads/{own}/actions widget_id": (
            "widget",
            f"/api/threads/{own_thread}/actions",
            lambda v: {**_their_action(alice, bob), "widget_id": v},
        ),
        "POST /api/threads/{own}/retry message_id": (
            "message",
            f"/api/threads/{own_thread}/retry",
            lambda v: {"message_id": v},
        ),
        "POST /api/threads/{own}/actions payload task_id": (
            "task",
            f"/api/threads/{own_thread}/actions",
            lambda v: _own_action_forged(bob, v),
        ),
    }
    for label, (kind, path, build) in body_routes.items():
        before = snapshot(app_db)
        missing = api.post(path, json=build(random_id(kind)), headers=_headers(bob))
        cases = id_cases(kind, alice)
        for case in cases:
            resp = api.post(path, json=build(case.value), headers=_headers(bob))
            if "payload" in label:  # Bob's own card: the action is refused as not on the card
                assert resp.status_code == 200, resp.text
                assert resp.json()["status"] == "failed"
                assert resp.json()["result"] == missing.json()["result"], case.label
                continue
            assert_error(resp, 404 if resp.status_code == 404 else 422)
            if case.shaped:
                assert _answer(resp) == _answer(missing), f"{label} with {case.label}"
        assert_untouched(app_db, before, bob.user_id, label)
        COUNTS.add(f"REST ({dialect})", label, len(cases))
    # Keyset cursors made from Alice's rows page only through Bob's own.
    thread_cursor, message_cursor = _cursor_values(alice)
    listed = api.get("/api/threads", params={"after": thread_cursor}, headers=_headers(bob)).json()["data"]
    assert {t["id"] for t in listed} <= set(bob.thread_ids)
    page = api.get(
        f"/api/threads/{own_thread}/messages", params={"before": message_cursor}, headers=_headers(bob)
    ).json()["data"]
    assert page
    assert {m["id"] for m in page} <= set(bob.message_ids)
    COUNTS.add(f"REST ({dialect})", "cursors (after, before)", 2)
