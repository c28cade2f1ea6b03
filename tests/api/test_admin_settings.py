"""The admin's instance settings and invitation links over REST (issue 18), and the same 404 as an
unknown address for everyone else (signed out, a bad token, a member), wrong methods included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import col, select

from app.core.db import session_scope
from app.models import AuditEvent, User
from app.services import auth, instance, signup
from tests.api.conftest import PASSWORD, ApiUser, assert_error
from tests.utils.test_client import TestClient

ADMIN_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/admin/settings", None),
    ("PATCH", "/api/admin/settings", {"signup_policy": "closed"}),
    ("GET", "/api/admin/invites", None),
    ("POST", "/api/admin/invites", {"days": 7}),
    ("DELETE", f"/api/admin/invites/{uuid.uuid4()}", None),
    ("PUT", "/api/admin/settings", {}),  # a method no route takes there: a 404 too, not a 405
    ("DELETE", "/api/admin/invites", None),
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    instance.clear_cache()
    yield
    instance.clear_cache()


def _answer(resp) -> tuple[int, Any]:
    return resp.status_code, resp.json()


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as session:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(session.exec(stmt).all())


def test_admin_api_is_a_missing_address_to_everyone_but_an_admin(
    api: TestClient, alice: ApiUser, bob: ApiUser
) -> None:
    with session_scope() as session:
        admin = session.get(User, alice.id)
        assert admin is not None
        assert admin.is_admin  # the first account
    missing = _answer(api.get("/api/no-such-place"))
    assert missing[0] == 404
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, bob.headers):
        for method, path, body in ADMIN_ROUTES:
            resp = api.request(method, path, json=body, headers=headers)
            assert _answer(resp) == missing, (method, path, headers.keys(), resp.text)
            assert_error(resp, 404, "not_found")
            assert "allow" not in resp.headers
    with session_scope() as session:
        assert instance.get(session, fresh=True).signup_policy == "open"  # bob's PATCH changed nothing
    assert _events("admin.settings.update") == []
    schema = api.get("/api/openapi.json").text
    assert "/api/admin/settings" not in schema
    assert "/api/admin/invites" not in schema


def test_admin_api_settings_read_and_change(api: TestClient, alice: ApiUser) -> None:
    resp = api.get("/api/admin/settings", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["signup_policy"] == "open"
    assert "signup_policy" in body["from_environment"]
    resp = api.patch(
        "/api/admin/settings",
        json={"signup_policy": "invite", "signup_allowed_domains": ["Example.com"], "token_max_days": 90},
        headers=alice.headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["signup_policy"], body["signup_allowed_domains"], body["token_max_days"]) == (
        "invite",
        ["example.com"],
        90,
    )
    assert "signup_policy" not in body["from_environment"]
    [event] = _events("admin.settings.update")
    assert (event.actor_id, event.surface) == (alice.id, "api")
    assert event.details["signup_policy"] == "invite"
    resp = api.patch("/api/admin/settings", json={"token_max_days": 0}, headers=alice.headers)
    assert resp.json()["token_max_days"] is None


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"signup_policy": "sometimes"}, "signup_policy"),
        ({"colour": "red"}, "not a known field"),
        ({"require_2fa": "yes"}, "require_2fa"),
        ({"audit_retention_days": 1}, "audit_retention_days"),
        ({"signup_allowed_domains": ["exa mple.com"]}, "not an email domain"),
        ({"token_max_days": "90"}, "token_max_days"),
    ],
)
def test_admin_api_bad_settings_change_nothing(
    api: TestClient, alice: ApiUser, body: dict[str, Any], needle: str
) -> None:
    message = assert_error(api.patch("/api/admin/settings", json=body, headers=alice.headers), 422, "invalid")
    assert needle in message
    assert api.get("/api/admin/settings", headers=alice.headers).json()["from_environment"] == sorted(
        instance.SETTING_NAMES
    )


def test_admin_api_invites_create_list_revoke_and_use(api: TestClient, alice: ApiUser) -> None:
    api.patch("/api/admin/settings", json={"signup_policy": "invite"}, headers=alice.headers)
    resp = api.post(
        "/api/admin/invites", json={"email": "Guest@Example.com", "days": 3}, headers=alice.headers
    )
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["url"].endswith(f"/signup?invite={made['token']}")
    assert (made["invite"]["email"], made["invite"]["status"]) == ("guest@example.com", "open")
    other = api.post("/api/admin/invites", json={}, headers=alice.headers).json()
    assert_error(api.post("/api/admin/invites", json={"days": 31}, headers=alice.headers), 422)
    assert_error(api.post("/api/admin/invites", json={"days": "7"}, headers=alice.headers), 422)
    with session_scope() as session:
        auth.register(session, email="guest@example.com", password=PASSWORD, invite=made["token"])
    ok = api.delete(f"/api/admin/invites/{other['invite']['id']}", headers=alice.headers)
    assert ok.status_code == 200, ok.text
    listed = {i["id"]: i for i in api.get("/api/admin/invites", headers=alice.headers).json()["data"]}
    assert listed[made["invite"]["id"]]["status"] == "used"
    assert listed[made["invite"]["id"]]["used_by"] == "guest@example.com"
    assert listed[other["invite"]["id"]]["status"] == "revoked"
    assert "token" not in str(listed)
    assert_error(api.delete(f"/api/admin/invites/{made['invite']['id']}", headers=alice.headers), 409)
    assert_error(api.delete(f"/api/admin/invites/{uuid.uuid4()}", headers=alice.headers), 404)
    assert_error(api.delete("/api/admin/invites/garbage", headers=alice.headers), 404)
    with session_scope() as session, pytest.raises(signup.SignUpRefused):
        auth.register(session, email="late@example.com", password=PASSWORD, invite=other["token"])
    assert [e.surface for e in _events("admin.invite.create")] == ["api", "api"]
