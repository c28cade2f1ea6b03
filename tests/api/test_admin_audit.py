"""``GET /api/admin/audit`` and ``/api/admin/audit.csv`` (issue 18): filters, cursor paging, CSV
content, the export on record; anyone but an admin gets exactly an unknown address's 404."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable

import pytest

from app.core.db import session_scope
from app.models import User
from app.services import audit
from tests.api.conftest import ApiUser
from tests.utils.test_client import TestClient

ADMIN_PATHS = ["/api/admin/audit", "/api/admin/audit.csv"]


def set_admin(user: ApiUser, value: bool = True) -> None:
    with session_scope() as session:
        row = session.get(User, user.id)
        assert row is not None
        row.is_admin = value
        session.add(row)


@pytest.fixture
def admin(make_user: Callable[..., ApiUser]) -> ApiUser:
    user = make_user()
    set_admin(user)
    return user


@pytest.fixture
def member(make_user: Callable[..., ApiUser]) -> ApiUser:
    user = make_user()
    set_admin(user, False)
    return user


def seed(n: int, action: str = "test.thing", email: str = "zed@example.com", outcome: str = "ok") -> None:
    with session_scope() as session:
        for i in range(n):
            actor = audit.Actor(user_id=uuid.uuid4(), email=email, ip="10.1.2.3", surface="cli")
            audit.record(session, actor=actor, action=action, outcome=outcome, details={"i": i})


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_admin_audit_is_an_unknown_address_for_anyone_but_an_admin(
    api: TestClient, member: ApiUser, path: str
) -> None:
    unknown = api.get("/api/admin/nothing-here")
    assert unknown.status_code == 404
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, member.headers):
        resp = api.get(path, headers=headers)
        assert resp.status_code == 404
        assert resp.json() == unknown.json()
        assert "WWW-Authenticate" not in resp.headers
    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):  # no 405 naming GET either
        resp = api.request(method, path, headers=member.headers)
        assert (resp.status_code, resp.json()) == (404, unknown.json())
        assert "Allow" not in resp.headers
    assert "/api/admin/audit" not in api.get("/api/openapi.json").text


def test_admin_audit_lists_filters_and_pages(api: TestClient, admin: ApiUser) -> None:
    seed(3, action="test.thing")
    seed(2, action="test.other", email="amy@example.com", outcome="failed")
    everything = api.get("/api/admin/audit", headers=admin.headers).json()
    actions = [e["action"] for e in everything["events"]]
    assert actions[:5] == ["test.other"] * 2 + ["test.thing"] * 3  # newest first
    assert "auth.sign_in" in actions  # the admin's own sign-in
    assert everything["next_before"] is None

    def get(**params: object) -> dict:
        resp = api.get("/api/admin/audit", params=params, headers=admin.headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    assert [e["action"] for e in get(action="test.thing")["events"]] == ["test.thing"] * 3
    assert len(get(action="test.")["events"]) == 5  # a prefix ending in a dot
    other = get(email="AMY@example.com")["events"]
    assert {(e["actor_email"], e["outcome"], e["ip"], e["surface"]) for e in other} == {
        ("amy@example.com", "failed", "10.1.2.3", "cli")
    }
    assert len(get(outcome="failed", action="test.other")["events"]) == 2
    assert get(since="2000-01-01", until="2000-12-31")["events"] == []
    assert len(get(action="test.", until="2999-01-01")["events"]) == 5

    first = get(action="test.", limit=2)
    second = get(action="test.", limit=2, before=first["next_before"])
    third = get(action="test.", limit=2, before=second["next_before"])
    ids = [e["id"] for page in (first, second, third) for e in page["events"]]
    assert len(ids) == 5 == len(set(ids))
    assert ids == sorted(ids, reverse=True)
    assert third["next_before"] is None

    for params, words in (
        ({"since": "yesterday"}, "enter a date like"),
        ({"email": "not-an-email"}, "whole email address"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "before the"),
        ({"before": "0"}, "before"),
        ({"limit": "501"}, "limit"),
    ):
        resp = api.get("/api/admin/audit", params=params, headers=admin.headers)
        assert resp.status_code == 422, params
        assert words in resp.json()["error"]["message"]


def test_admin_audit_csv_streams_the_filtered_log_and_is_on_record(api: TestClient, admin: ApiUser) -> None:
    seed(2, action="test.thing")
    seed(1, action="test.other", email="=cmd@example.com")
    resp = api.get("/api/admin/audit.csv", params={"action": "test."}, headers=admin.headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="ticked-audit-\d{4}-\d{2}-\d{2}\.csv"', resp.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["action"] for r in rows] == ["test.thing", "test.thing", "test.other"]  # oldest first
    assert rows[2]["actor_email"] == "'=cmd@example.com"  # no spreadsheet formula
    assert all(len(r["hash"]) == 64 for r in rows)

    exported = api.get("/api/admin/audit", params={"action": "audit.export"}, headers=admin.headers).json()
    event = exported["events"][0]
    assert (event["actor_id"], event["actor_email"], event["surface"]) == (str(admin.id), admin.email, "api")
    assert event["ip"]
    assert event["details"] == {"filters": {"action": "test."}, "format": "csv"}
    with session_scope() as session:
        assert audit.verify(session).ok
