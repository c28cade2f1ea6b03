"""Membership isolation over REST, swept on a team (issue 16): every project, member, comment,
activity and task route that takes an id, as everyone who must be refused.

The team is the service sweep's (``tests/security/team.py``): Alice's shared Groceries (Ed editor,
Vic viewer, Dave removed, an invitation pending for Erin, who has an account that never accepted
it), her Private plans and her Inbox; Bob is a member of another project. Each attacker also owns
a project of their own (**Mine**, with a task) to move into, assign from and transfer from.

Who is refused: ``read`` routes the non-member, the removed member and the pending invitee;
``write`` routes those and the viewer; ``own`` routes those and the editor; ``any`` route (from an
attacker's own project, aimed at the team's people or tasks) all five. Each is tried with the
team's ids of the kind, re-spelled, ids of the other kinds and random ids: every answer must be a
random id's, exactly (status, body, headers); garbage in a path is a clean 404. Nothing changes.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa
from fastapi import routing

from app.api.main import create_api
from app.core.db import session_scope
from app.models import User
from app.services import auth as auth_service
from tests.api.conftest import assert_error
from tests.security.team import MODES, Team, build_team
from tests.security.world import COUNTS, GARBAGE, changes, snapshot
from tests.utils.test_client import TestClient

KINDS = ("project", "task", "comment", "user")
Request = tuple[str, str, dict[str, str] | None, Any]
"""method, path, query parameters, JSON body."""


@dataclass(frozen=True)
class Who:
    label: str
    user_id: uuid.UUID
    token: str
    mine: str
    my_task: str


@dataclass(frozen=True)
class Route:
    label: str
    mode: str
    kind: str
    build: Callable[[str, Team, Who], Request]
    in_path: bool = True
    """The id goes in the path (any text: garbage is a 404); else in a query or body, typed as a UUID."""


def _p(value: str) -> str:
    return quote(value, safe="")


ROUTES: list[Route] = [
    # a project's own routes
    Route("GET /api/projects/{id}", "read", "project",
          lambda v, t, w: ("GET", f"/api/projects/{_p(v)}", None, None)),
    Route("GET /api/projects/{id}/members", "read", "project",
          lambda v, t, w: ("GET", f"/api/projects/{_p(v)}/members", None, None)),
    Route("GET /api/projects/{id}/activity", "read", "project",
          lambda v, t, w: ("GET", f"/api/projects/{_p(v)}/activity", None, None)),
    Route("DELETE /api/projects/{id}/members/{me} (leave)", "read", "project",
          lambda v, t, w: ("DELETE", f"/api/projects/{_p(v)}/members/{w.user_id}", None, None)),
    Route("PATCH /api/projects/{id}", "own", "project",
          lambda v, t, w: ("PATCH", f"/api/projects/{_p(v)}", None,
                           {"name": "hijacked", "color": "red", "archived": True})),
    Route("DELETE /api/projects/{id}", "own", "project",
          lambda v, t, w: ("DELETE", f"/api/projects/{_p(v)}", None, None)),
    Route("POST /api/projects/{id}/members", "own", "project",
          lambda v, t, w: ("POST", f"/api/projects/{_p(v)}/members", None,
                           {"email": "accomplice@example.com", "role": "editor"})),
    Route("PATCH /api/projects/{id}/members/{me} (make me owner)", "own", "project",
          lambda v, t, w: ("PATCH", f"/api/projects/{_p(v)}/members/{w.user_id}", None, {"role": "owner"})),
    Route("DELETE /api/projects/{id}/members/{owner}", "own", "project",
          lambda v, t, w: ("DELETE", f"/api/projects/{_p(v)}/members/{t.owner}", None, None)),
    Route("POST /api/projects/{id}/transfer (to me)", "own", "project",
          lambda v, t, w: ("POST", f"/api/projects/{_p(v)}/transfer", None, {"user_id": str(w.user_id)})),
    Route("DELETE /api/projects/{id}/invitations/{email}", "own", "project",
          lambda v, t, w: ("DELETE", f"/api/projects/{_p(v)}/invitations/{_p(t.invited_email)}", None, None)),
    Route("GET /api/tasks?project=", "read", "project",
          lambda v, t, w: ("GET", "/api/tasks", {"project": v}, None), in_path=False),
    Route("POST /api/tasks project_id", "write", "project",
          lambda v, t, w: ("POST", "/api/tasks", None, {"title": "planted", "project_id": v}), in_path=False),
    Route("PATCH /api/tasks/{mine} project_id (move in)", "write", "project",
          lambda v, t, w: ("PATCH", f"/api/tasks/{w.my_task}", None, {"project_id": v}), in_path=False),
    # the team's people, from a project of one's own
    Route("PATCH /api/projects/{mine}/members/{id}", "any", "user",
          lambda v, t, w: ("PATCH", f"/api/projects/{w.mine}/members/{_p(v)}", None, {"role": "editor"})),
    Route("DELETE /api/projects/{mine}/members/{id}", "any", "user",
          lambda v, t, w: ("DELETE", f"/api/projects/{w.mine}/members/{_p(v)}", None, None)),
    Route("POST /api/projects/{mine}/transfer user_id", "any", "user",
          lambda v, t, w: ("POST", f"/api/projects/{w.mine}/transfer", None, {"user_id": v}), in_path=False),
    Route("POST /api/tasks assignee_id", "any", "user",
          lambda v, t, w: ("POST", "/api/tasks", None,
                           {"title": "planted", "project_id": w.mine, "assignee_id": v}), in_path=False),
    Route("PATCH /api/tasks/{mine} assignee_id", "any", "user",
          lambda v, t, w: ("PATCH", f"/api/tasks/{w.my_task}", None, {"assignee_id": v}), in_path=False),
    Route("GET /api/tasks?assignee=", "read", "user",
          lambda v, t, w: ("GET", "/api/tasks", {"assignee": v}, None), in_path=False),
    # tasks and their comments
    Route("GET /api/tasks/{id}", "read", "task", lambda v, t, w: ("GET", f"/api/tasks/{_p(v)}", None, None)),
    Route("GET /api/tasks/{id}/comments", "read", "task",
          lambda v, t, w: ("GET", f"/api/tasks/{_p(v)}/comments", None, None)),
    Route("POST /api/tasks/{id}/comments", "read", "task",
          lambda v, t, w: ("POST", f"/api/tasks/{_p(v)}/comments", None, {"body": "hijacked"})),
    Route("PATCH /api/tasks/{id}", "write", "task",
          lambda v, t, w: ("PATCH", f"/api/tasks/{_p(v)}", None, {"title": "hijacked", "completed": True})),
    Route("PATCH /api/tasks/{id} (move into mine)", "write", "task",
          lambda v, t, w: ("PATCH", f"/api/tasks/{_p(v)}", None, {"project_id": w.mine})),
    Route("PATCH /api/tasks/{id} (assign to me)", "write", "task",
          lambda v, t, w: ("PATCH", f"/api/tasks/{_p(v)}", None, {"assignee_id": str(w.user_id)})),
    Route("POST /api/tasks/{id}/complete", "write", "task",
          lambda v, t, w: ("POST", f"/api/tasks/{_p(v)}/complete", None, None)),
    Route("POST /api/tasks/{id}/reopen", "write", "task",
          lambda v, t, w: ("POST", f"/api/tasks/{_p(v)}/reopen", None, None)),
    Route("DELETE /api/tasks/{id}", "write", "task",
          lambda v, t, w: ("DELETE", f"/api/tasks/{_p(v)}", None, None)),
    Route("GET /api/projects/{mine}/activity?task=", "any", "task",
          lambda v, t, w: ("GET", f"/api/projects/{w.mine}/activity", {"task": v}, None), in_path=False),
    Route("PATCH /api/comments/{id}", "own", "comment",
          lambda v, t, w: ("PATCH", f"/api/comments/{_p(v)}", None, {"body": "hijacked"})),
    Route("DELETE /api/comments/{id}", "own", "comment",
          lambda v, t, w: ("DELETE", f"/api/comments/{_p(v)}", None, None)),
]  # fmt: skip


def _id_routes() -> dict[tuple[str, str], Any]:
    """Every route of the API whose path takes an id: (method, template) -> route."""
    routes = create_api().routes
    # FastAPI >= 0.165 keeps included routers as branches; iter_route_contexts walks them.
    contexts = routing.iter_route_contexts(routes) if hasattr(routing, "iter_route_contexts") else routes
    found = {}
    for route in contexts:
        path = getattr(route, "path", "")
        if path.startswith("/api/") and "{" in path and hasattr(route, "path_regex"):
            for method in getattr(route, "methods", None) or ():
                found[(method, path)] = route
    return found


def swept_routes() -> set[tuple[str, str]]:
    """The (method, route template) pairs this sweep sends requests to (for a coverage check)."""
    routes = _id_routes()
    dummy = Team(owner=uuid.uuid4(), owner_email="a@example.com", invited_email="b@example.com")
    who = Who("x", uuid.uuid4(), "", str(uuid.uuid4()), str(uuid.uuid4()))
    swept = set()
    for route in ROUTES:
        method, path, _params, _body = route.build(str(uuid.uuid4()), dummy, who)
        swept |= {key for key, r in routes.items() if key[0] == method and r.path_regex.match(path)}
    return swept


def test_isolation_team_covers_every_team_route() -> None:
    """A project, member, comment or task route taking an id that this sweep leaves out fails here."""
    team_routes = {
        key
        for key in _id_routes()
        if key[1].startswith(("/api/projects/", "/api/comments/", "/api/tasks/{task_id}"))
    }
    missing = sorted(team_routes - swept_routes())
    assert not missing, f"routes not swept on the team: {missing}"
    assert len(team_routes) == 19


def _cases(kind: str, team: Team, *, in_path: bool) -> list[tuple[str, str, bool]]:
    """(label, value, shaped): the team's ids of ``kind``, re-spelled, of other kinds, random, garbage."""
    first = uuid.UUID(team.ids(kind)[0])
    cases = [(f"their {kind}", v, True) for v in team.ids(kind)]
    if in_path:  # a path id is read however uuid.UUID reads it; a typed one is a canonical UUID
        cases += [
            (f"their {kind} respelled", v, True)
            for v in (str(first).upper(), "{" + str(first) + "}", first.hex)
        ]
    cases += [(f"their {other} id as {kind}", team.ids(other)[0], True) for other in KINDS if other != kind]
    cases += [("random", str(uuid.uuid4()), True) for _ in range(2)]
    if in_path:
        cases += [
            (f"garbage {v[:12]!r}", v, False) for v in GARBAGE if v.strip() and not any(c in v for c in "/?#")
        ]
    return cases


def _attackers(team: Team) -> dict[str, Who]:
    people = {}
    with session_scope() as session:
        for label, user_id in team.attackers.items():
            user = session.get(User, user_id)
            assert user is not None
            token = auth_service.issue_token(session, user=user, source="api")
            people[label] = Who(label, user_id, token, str(team.mine[label]), str(team.my_task[label]))
    return people


def _send(api: TestClient, request: Request, who: Who) -> httpx.Response:
    method, path, params, body = request
    return api.request(
        method, path, params=params, json=body, headers={"Authorization": f"Bearer {who.token}"}
    )


def _answer(resp: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    headers = {k: v for k, v in resp.headers.items() if k not in ("content-length", "date")}
    return resp.status_code, resp.json(), headers


def test_isolation_team_rest(api: TestClient, engine: sa.Engine) -> None:
    team = build_team()
    people = _attackers(team)
    total = 0
    for route in ROUTES:
        cases = _cases(route.kind, team, in_path=route.in_path)
        before = snapshot(engine)
        tried = 0
        for label in MODES[route.mode]:
            who = people[label]
            missing = _send(api, route.build(str(uuid.uuid4()), team, who), who)
            assert missing.status_code in (200, 404, 422), (route.label, label, missing.text)
            if missing.status_code != 200:
                assert_error(missing, missing.status_code)
            for case_label, value, shaped in cases:
                if value.strip().lower() in (str(who.user_id), who.user_id.hex):
                    continue  # one's own id is not someone else's
                resp = _send(api, route.build(value, team, who), who)
                where = f"{route.label} as the {label} ({case_label}: {value[:40]!r})"
                if shaped:
                    assert _answer(resp) == _answer(missing), f"{where}: {resp.text} vs {missing.text}"
                else:
                    assert_error(resp, 404, "not_found")
                tried += 1
        found = changes(before, snapshot(engine))
        assert not found, f"{route.label} changed:\n" + "\n".join(str(c) for c in found[:10])
        COUNTS.add(f"REST, team ({engine.dialect.name})", route.label, tried)
        total += tried
    assert total > 2000, total


def test_isolation_team_rest_rights_hold(api: TestClient) -> None:
    """The sweep's refusals are refusals, not a broken world: the viewer reads and comments, the
    editor changes tasks, over the same routes."""
    team = build_team()
    people = _attackers(team)
    groceries, milk = team.project_ids[0], team.task_ids[0]
    viewer, editor = people["viewer"], people["editor"]
    for who in (viewer, editor):
        assert (
            _send(api, ("GET", f"/api/projects/{groceries}", None, None), who).json()["name"] == "Groceries"
        )
        assert _send(api, ("GET", f"/api/tasks/{milk}/comments", None, None), who).json()["data"]
        assert _send(api, ("GET", f"/api/projects/{groceries}/activity", None, None), who).json()["data"]
        resp = _send(
            api, ("POST", f"/api/tasks/{milk}/comments", None, {"body": f"{who.label} was here"}), who
        )
        assert resp.status_code == 201, resp.text
    resp = _send(api, ("PATCH", f"/api/tasks/{milk}", None, {"title": "Buy oat milk"}), editor)
    assert resp.json()["title"] == "Buy oat milk"
    assert_error(_send(api, ("PATCH", f"/api/tasks/{milk}", None, {"title": "x"}), viewer), 404)
