"""Two-factor sign-in against a real database (SQLite and PostgreSQL): enrolment, codes, recovery
codes, turning it off, and the sign-in's second step with its throttle and audit events."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlmodel import Session, select

from app.core.db import session_scope
from app.models import AuditEvent, AuthToken, RecoveryCode, User
from app.services import auth, instance, two_factor
from app.services.errors import AuthError, ConflictError, InvalidInputError
from app.services.throttle import MAX_FAILURES, TooManyAttempts, sign_in_throttle
from tests.utils.factories import make_user

PASSWORD = "password123"


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol(session: Session, user: User) -> tuple[str, list[str]]:
    """Turn two-factor on with the code of the step before now; the sign-in's code is then fresh."""
    started = two_factor.begin_enrolment(session, user_id=user.id)
    codes = two_factor.confirm_enrolment(session, user_id=user.id, code=code_at(started.secret, -1))
    session.commit()
    return started.secret, codes


@pytest.fixture(autouse=True)
def _fresh_throttles():
    sign_in_throttle.reset()
    two_factor.code_throttle.reset()
    yield
    sign_in_throttle.reset()
    two_factor.code_throttle.reset()


def test_begin_enrolment_stores_secret_encrypted_but_not_on(session):
    user = make_user(session)
    started = two_factor.begin_enrolment(session, user_id=user.id)
    session.commit()
    assert started.uri.startswith("otpauth://totp/Ticked:")
    assert f"secret={started.secret}" in started.uri
    assert started.qr_svg.startswith("data:image/svg+xml")
    raw = session.connection().exec_driver_sql("SELECT totp_secret FROM users").scalar()
    assert raw.startswith("enc1:")
    assert started.secret not in raw
    session.refresh(user)
    assert user.totp_secret == started.secret
    assert user.totp_enabled_at is None
    assert not two_factor.status(session, user_id=user.id).enabled


def test_confirm_with_wrong_code_changes_nothing(session):
    user = make_user(session)
    started = two_factor.begin_enrolment(session, user_id=user.id)
    wrong = "000000" if code_at(started.secret) != "000000" else "111111"
    with pytest.raises(InvalidInputError, match="not right"):
        two_factor.confirm_enrolment(session, user_id=user.id, code=wrong)
    with pytest.raises(InvalidInputError, match="not right"):
        two_factor.confirm_enrolment(session, user_id=user.id, code="abc")
    assert user.totp_enabled_at is None
    assert session.exec(select(RecoveryCode)).all() == []


def test_confirm_turns_on_with_ten_hashed_single_use_codes(session):
    user = make_user(session)
    secret, codes = enrol(session, user)
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 9 and c[4] == "-" for c in codes)
    stored = session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not {c.code_hash for c in stored} & {c.replace("-", "") for c in codes}
    status = two_factor.status(session, user_id=user.id)
    assert status.enabled
    assert status.recovery_left == 10
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "2fa.enable" in actions
    with pytest.raises(ConflictError):
        two_factor.begin_enrolment(session, user_id=user.id)
    assert secret


def test_verify_app_code_once_within_its_window(session):
    user = make_user(session)
    secret, _ = enrol(session, user)
    code = code_at(secret)
    assert two_factor.verify(session, user=user, code=code) == "totp"
    with pytest.raises(AuthError, match="not right"):  # the same code again: a replay
        two_factor.verify(session, user=user, code=code)
    with pytest.raises(AuthError, match="not right"):  # the step before was used at enrolment
        two_factor.verify(session, user=user, code=code_at(secret, -1))
    assert two_factor.verify(session, user=user, code=code_at(secret, 1)) == "totp"  # drift: one late
    with pytest.raises(AuthError):
        two_factor.verify(session, user=user, code=code_at(secret, 3))  # too far off


def test_recovery_code_works_once_any_spelling(session):
    user = make_user(session)
    _, codes = enrol(session, user)
    assert (
        two_factor.verify(session, user=user, code=f"  {codes[0].upper().replace('-', ' ')} ") == "recovery"
    )
    session.commit()
    with pytest.raises(AuthError, match="used already"):
        two_factor.verify(session, user=user, code=codes[0])
    assert two_factor.status(session, user_id=user.id).recovery_left == 9
    used = session.exec(select(AuditEvent).where(AuditEvent.action == "2fa.recovery_used")).one()
    assert used.details == {"left": 9}
    assert codes[0] not in str(used.details)


def test_disable_needs_password_or_code(session):
    user = make_user(session, password=PASSWORD)
    secret, _ = enrol(session, user)
    with pytest.raises(InvalidInputError, match="password"):
        two_factor.disable(session, user_id=user.id)
    with pytest.raises(InvalidInputError, match="not right"):
        two_factor.disable(session, user_id=user.id, password="wrong-password")
    assert two_factor.is_enabled(user)
    two_factor.disable(session, user_id=user.id, password=PASSWORD)
    session.commit()
    assert not two_factor.is_enabled(user)
    assert user.totp_secret is None
    assert session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    with pytest.raises(ConflictError):
        two_factor.disable(session, user_id=user.id, password=PASSWORD)
    secret, _ = enrol(session, user)
    two_factor.disable(session, user_id=user.id, code=code_at(secret))
    assert not two_factor.is_enabled(user)
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action.startswith("2fa."))).all()
    assert actions.count("2fa.disable") == 2


def test_regenerate_replaces_codes_and_needs_app_code(session):
    user = make_user(session)
    secret, old = enrol(session, user)
    with pytest.raises(InvalidInputError):
        two_factor.regenerate_recovery_codes(
            session, user_id=user.id, code=old[0]
        )  # a recovery code won't do
    new = two_factor.regenerate_recovery_codes(session, user_id=user.id, code=code_at(secret))
    session.commit()
    assert len(new) == 10
    assert not set(new) & set(old)
    with pytest.raises(AuthError):
        two_factor.verify(session, user=user, code=old[1])
    assert two_factor.verify(session, user=user, code=new[1]) == "recovery"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "2fa.recovery_regenerate")).one()


def test_settings_codes_are_throttled_per_account(session):
    user = make_user(session)
    started = two_factor.begin_enrolment(session, user_id=user.id)
    good = code_at(started.secret)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(MAX_FAILURES):
        with pytest.raises(InvalidInputError):
            two_factor.confirm_enrolment(session, user_id=user.id, code=wrong)
    with pytest.raises(TooManyAttempts, match="Too many wrong codes"):
        two_factor.confirm_enrolment(session, user_id=user.id, code=good)
    assert user.totp_enabled_at is None


# ----- the sign-in's second step (failures are audited in transactions of their own: app_db) ----------


def _user_with_2fa(email: str) -> tuple[str, list[str]]:
    with session_scope() as session:
        user = auth.register(session, email=email, password=PASSWORD)
    with session_scope() as session:
        user = auth.get_user_by_email(session, email=email)
        assert user is not None
        return enrol(session, user)


def test_sign_in_asks_second_factor_before_any_token(app_db):
    secret, codes = _user_with_2fa("ann@example.com")
    with session_scope() as session, pytest.raises(two_factor.SecondFactorRequired) as asked:
        auth.sign_in(session, email="ann@example.com", password=PASSWORD)
    assert asked.value.code == "two_factor_required"
    with session_scope() as session:
        assert session.exec(select(AuthToken)).all() == []
        _user, token = auth.complete_sign_in(
            session, challenge=asked.value.challenge, code=code_at(secret), ip="10.0.0.7", user_agent="UA"
        )
    with session_scope() as session:
        assert auth.user_for_token(session, token=token).email == "ann@example.com"
        row = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in")).one()
        assert row.details == {"second_factor": "totp"}
        assert row.ip == "10.0.0.7"
        # the one-step form (the API's): password and code together
        _user, token = auth.sign_in(session, email="ann@example.com", password=PASSWORD, otp=codes[3])
        assert token


def test_wrong_second_factor_is_audited_and_counts_like_a_password(app_db):
    secret, _ = _user_with_2fa("bob@example.com")
    with session_scope() as session, pytest.raises(two_factor.SecondFactorRequired) as asked:
        auth.sign_in(session, email="bob@example.com", password=PASSWORD)
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    for _ in range(MAX_FAILURES):
        with (
            pytest.raises(AuthError, match="not right"),
            sign_in_throttle.attempt(email="bob@example.com", client="1.2.3.4"),
            session_scope() as session,
        ):
            auth.complete_sign_in(session, challenge=asked.value.challenge, code=wrong, ip="1.2.3.4")
    with (
        pytest.raises(TooManyAttempts),
        sign_in_throttle.attempt(email="bob@example.com", client="1.2.3.4"),
        session_scope() as session,
    ):
        auth.complete_sign_in(session, challenge=asked.value.challenge, code=code_at(secret))
    with session_scope() as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.outcome == "failed")).all()
        assert len(failed) == MAX_FAILURES
        assert {e.details["reason"] for e in failed} == {"second_factor"}
        assert session.exec(select(AuthToken)).all() == []


def test_challenge_is_not_a_session_token_and_vice_versa(app_db):
    _user_with_2fa("cy@example.com")
    with session_scope() as session, pytest.raises(two_factor.SecondFactorRequired) as asked:
        auth.sign_in(session, email="cy@example.com", password=PASSWORD)
    with session_scope() as session:
        with pytest.raises(AuthError):
            auth.user_for_token(session, token=asked.value.challenge)
        other = auth.register(session, email="dee@example.com", password=PASSWORD)
        session_token = auth.issue_token(session, user=other)
    with session_scope() as session, pytest.raises(auth.ChallengeExpired):
        auth.complete_sign_in(session, challenge=session_token, code="123456")


def test_require_2fa_for_everyone(session):
    admin = make_user(session)
    user = make_user(session)
    assert not two_factor.setup_required(session, user)
    instance.update(session, admin_id=admin.id, changes={"require_2fa": True})
    try:
        assert two_factor.setup_required(session, user)
        with pytest.raises(two_factor.TwoFactorSetupRequired):
            two_factor.require_setup_done(session, user)
        enrol(session, user)
        two_factor.require_setup_done(session, user)
    finally:
        instance.clear_cache()
