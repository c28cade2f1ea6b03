"""POST /api/auth/token with two-factor sign-in (a second step: ``otp``), and the API for an account
that an instance requiring two-factor sign-in has not seen set it up yet."""

from __future__ import annotations

import time

import pyotp
from sqlmodel import select

from app.core.db import session_scope
from app.models import AuditEvent, AuthToken
from app.services import instance, two_factor
from app.services.throttle import MAX_FAILURES
from tests.api.conftest import PASSWORD, assert_error, register, sign_in
from tests.utils.test_client import TestClient


def _enrolled(email: str | None = None) -> tuple[str, str, list[str]]:
    user_id, email = register(email)
    with session_scope() as session:
        secret = two_factor.begin_enrolment(session, user_id=user_id).secret
        codes = two_factor.confirm_enrolment(
            session, user_id=user_id, code=pyotp.TOTP(secret).at(time.time() - 30)
        )
    return email, secret, codes


def test_token_asks_for_otp_then_accepts_code_or_recovery_code(api: TestClient) -> None:
    email, secret, codes = _enrolled()
    asked = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    message = assert_error(asked, 401, "two_factor_required")
    assert "otp" in message
    assert "challenge" not in asked.text
    with session_scope() as session:
        assert session.exec(select(AuthToken)).all() == []
    ok = api.post(
        "/api/auth/token",
        json={"email": email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()},
        headers={"User-Agent": "curl/8.5.0"},
    )
    assert ok.status_code == 200, ok.text
    listed = api.get("/api/tasks", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert listed.status_code == 200
    with session_scope() as session:
        row = session.exec(select(AuthToken)).one()
        assert row.user_agent == "curl/8.5.0"
        assert row.ip
    recovery = api.post("/api/auth/token", json={"email": email, "password": PASSWORD, "otp": codes[0]})
    assert recovery.status_code == 200, recovery.text
    again = api.post("/api/auth/token", json={"email": email, "password": PASSWORD, "otp": codes[0]})
    assert "used already" in assert_error(again, 401, "unauthorized")


def test_wrong_otp_is_throttled_like_a_password(api: TestClient) -> None:
    email, secret, _ = _enrolled()
    good = pyotp.TOTP(secret).now()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(MAX_FAILURES):
        resp = api.post("/api/auth/token", json={"email": email, "password": PASSWORD, "otp": wrong})
        assert_error(resp, 401, "unauthorized")
    resp = api.post("/api/auth/token", json={"email": email, "password": PASSWORD, "otp": good})
    assert_error(resp, 429, "rate_limited")
    with session_scope() as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.outcome == "failed")).all()
        assert [e.details for e in failed] == [{"reason": "second_factor"}] * MAX_FAILURES


def test_wrong_password_with_otp_is_still_wrong_password(api: TestClient) -> None:
    email, secret, _ = _enrolled()
    resp = api.post(
        "/api/auth/token",
        json={"email": email, "password": "nope-nope-nope", "otp": pyotp.TOTP(secret).now()},
    )
    assert_error(resp, 401, "unauthorized")


def test_otp_ignored_for_account_without_two_factor(api: TestClient) -> None:
    _, email = register()
    resp = api.post("/api/auth/token", json={"email": email, "password": PASSWORD, "otp": "123456"})
    assert resp.status_code == 200, resp.text


def test_required_two_factor_blocks_api_until_set_up(api: TestClient) -> None:
    admin_id, _ = register()
    _, email = register()
    token = sign_in(api, email)
    headers = {"Authorization": f"Bearer {token}"}
    with session_scope() as session:
        instance.update(session, admin_id=admin_id, changes={"require_2fa": True})
    try:
        resp = api.get("/api/tasks", headers=headers)
        assert "two-factor" in assert_error(resp, 403, "two_factor_setup_required")
        assert api.post("/api/auth/logout", headers=headers).status_code == 200  # /api/auth/* still works
    finally:
        instance.clear_cache()


def test_asking_for_the_code_is_not_a_failure(api: TestClient) -> None:
    """A right password without ``otp`` is not a failed sign-in: asking again never locks anyone out."""
    email, secret, _ = _enrolled()
    for _ in range(MAX_FAILURES + 1):
        asked = api.post("/api/auth/token", json={"email": email, "password": PASSWORD})
        assert_error(asked, 401, "two_factor_required")
    ok = api.post(
        "/api/auth/token", json={"email": email, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    )
    assert ok.status_code == 200, ok.text
    with session_scope() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.outcome == "failed")).all() == []
