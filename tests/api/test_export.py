"""GET /api/me/export over REST is the account service's export, whole: the response model keeps
every part the service writes (teamwork's projects, memberships, invitations, comments and
activity included), and only the caller's. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from app.core.db import session_scope
from app.services import account as account_service
from tests.api.conftest import ApiUser, create_task
from tests.utils.test_client import TestClient


def _service_export(user: ApiUser) -> dict[str, Any]:
    with session_scope() as session:
        return json.loads(json.dumps(account_service.export(session, user_id=user.id), default=str))


def _without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_export_is_the_services_whole(api: TestClient, alice: ApiUser, bob: ApiUser) -> None:
    resp = api.post("/api/projects", json={"name": "Groceries"}, headers=alice.headers)
    pid = resp.json()["id"]
    api.post(f"/api/projects/{pid}/members", json={"email": bob.email}, headers=alice.headers)
    api.post(f"/api/projects/{pid}/members", json={"email": "later@example.com"}, headers=alice.headers)
    task = create_task(api, alice, title="milk", project_id=pid)
    api.post(f"/api/tasks/{task['id']}/comments", json={"body": "2 litres"}, headers=bob.headers)
    create_task(api, bob, title="bob's own")

    for user in (alice, bob):
        resp = api.get("/api/me/export", headers=user.headers)
        assert resp.status_code == 200, resp.text
        assert _without_time(resp.json()) == _without_time(_service_export(user))
    assert "bob's own" not in api.get("/api/me/export", headers=alice.headers).text
