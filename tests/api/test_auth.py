"""POST /api/auth/token and /api/auth/logout, and how every endpoint treats bad tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.db import session_scope
from app.core.security import decode_token
from app.models import AuthToken, User
from app.services import auth as auth_service
from app.services.throttle import MAX_FAILURES
from tests.api.conftest import MINUTES_RE, PASSWORD, ApiUser, assert_error, register, sign_in
from tests.utils.test_client import TestClient


def test_token_success_is_recorded_and_works(api: TestClient) -> None:
    user_id, email = register()
    resp = api.post("/api/auth/token", json={"email": email.upper(), "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    claims = decode_token(body["access_token"])
    assert claims.user_id == user_id
    assert datetime.fromisoformat(body["expires_at"]) == claims.expires_at
    assert claims.expires_at > datetime.now(UTC)
    with session_scope() as session:
        record = session.get(AuthToken, claims.jti)
        assert record is not None
        assert record.user_id == user_id
        assert record.source == "api"
        assert record.revoked_at is None
    listed = api.get("/api/tasks", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"data": [], "count": 0}


def test_token_wrong_password_401(api: TestClient) -> None:
    _, email = register()
    resp = api.post("/api/auth/token", json={"email": email, "password": "not-the-password"})
    message = assert_error(resp, 401, "unauthorized")
    assert message == auth_service.WRONG_CREDENTIALS
    assert resp.headers["www-authenticate"] == "Bearer"


def test_token_unknown_email_same_401(api: TestClient) -> None:
    _, email = register()
    wrong = api.post("/api/auth/token", json={"email": email, "password": "not-the-password"})
    unknown = api.post("/api/auth/token", json={"email": "nobody@example.com", "password": PASSWORD})
    assert_error(unknown, 401, "unauthorized")
    assert unknown.json() == wrong.json()


def test_token_missing_fields_422(api: TestClient) -> None:
    assert_error(api.post("/api/auth/token", json={"email": "a@example.com"}), 422, "invalid")
    assert_error(
        api.post("/api/auth/token", content=b"{not json", headers={"content-type": "application/json"}), 422
    )


def test_token_sixth_failure_429(api: TestClient) -> None:
    _, email = register()
    for _ in range(MAX_FAILURES):
        resp = api.post("/api/auth/token", json={"email": email, "password": "wrong-password"})
        assert_error(resp, 401, "unauthorized")
    sixth = api.post("/api/auth/token", json={"email": email, "password": "wrong-password"})
    message = assert_error(sixth, 429, "rate_limited")
    assert MINUTES_RE.search(message), message
    # Even the right password waits now: the throttle answers before the password is checked.
    right = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert_error(right, 429, "rate_limited")


def test_logout_revokes_token(api: TestClient, alice: ApiUser) -> None:
    assert api.get("/api/tasks", headers=alice.headers).status_code == 200
    resp = api.post("/api/auth/logout", headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"ok": True}
    with session_scope() as session:
        assert session.get(AuthToken, decode_token(alice.token).jti).revoked_at is not None
    assert_error(api.get("/api/tasks", headers=alice.headers), 401, "unauthorized")
    assert_error(api.post("/api/auth/logout", headers=alice.headers), 401, "unauthorized")


def test_logout_keeps_other_tokens(api: TestClient, alice: ApiUser) -> None:
    other = sign_in(api, alice.email)
    assert api.post("/api/auth/logout", headers=alice.headers).status_code == 200
    assert api.get("/api/tasks", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_auth_expired_token_401(api: TestClient, alice: ApiUser) -> None:
    with session_scope() as session:
        user = session.get(User, alice.id)
        token = auth_service.issue_token(session, user=user, source="api", expires_minutes=-1)
    resp = api.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    message = assert_error(resp, 401, "unauthorized")
    assert "expired" in message
    assert resp.headers["www-authenticate"] == "Bearer"


def test_auth_tampered_token_401(api: TestClient, alice: ApiUser) -> None:
    header, payload, signature = alice.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{header}.{payload}.{flipped}", f"{header}.{payload[:-3]}xyz.{signature}", "not-a-jwt"):
        resp = api.get("/api/tasks", headers={"Authorization": f"Bearer {bad}"})
        assert assert_error(resp, 401, "unauthorized") == "Invalid token."


def test_auth_missing_header_401(api: TestClient, alice: ApiUser) -> None:
    for method, path in (("get", "/api/tasks"), ("get", "/api/threads"), ("post", "/api/auth/logout")):
        message = assert_error(api.request(method, path), 401, "unauthorized")
        assert "Bearer" in message
    assert_error(api.post("/api/chat", json={"message": "hi"}), 401, "unauthorized")


def test_auth_basic_scheme_401(api: TestClient, alice: ApiUser) -> None:
    for value in ("Basic dXNlcjpwYXNz", f"Token {alice.token}", "Bearer", "Bearer "):
        resp = api.get("/api/tasks", headers={"Authorization": value})
        assert_error(resp, 401, "unauthorized")
