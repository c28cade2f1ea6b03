"""Accounts and tokens against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from app.core import security
from app.models import AuthToken
from app.services import auth
from app.services.errors import AuthError, ConflictError, InvalidInputError
from tests.utils.factories import make_user


def test_register_stores_hash_not_password(session):
    user = auth.register(session, email="Ann@Example.com", password="password123", name="Ann")
    assert user.email == "ann@example.com"
    assert user.hashed_password != "password123"
    assert user.chat_preferences == {}


def test_register_duplicate_email_is_clear(session):
    make_user(session, email="ann@example.com")
    with pytest.raises(ConflictError, match="already exists"):
        auth.register(session, email="ANN@example.com", password="password123")


def test_register_weak_password_is_clear(session):
    with pytest.raises(InvalidInputError, match="at least 8 characters"):
        auth.register(session, email="bob@example.com", password="1234567")


def test_authenticate_wrong_password_and_unknown_email_same_message(session):
    make_user(session, email="ann@example.com", password="password123")
    with pytest.raises(AuthError) as wrong:
        auth.authenticate(session, email="ann@example.com", password="nope-nope")
    with pytest.raises(AuthError) as unknown:
        auth.authenticate(session, email="nobody@example.com", password="nope-nope")
    assert wrong.value.message == unknown.value.message == auth.WRONG_CREDENTIALS


def test_sign_in_issues_recorded_token(session):
    user = make_user(session, email="ann@example.com", password="password123")
    _, token = auth.sign_in(session, email="ann@example.com", password="password123")
    session.commit()
    claims = security.decode_token(token)
    record = session.get(AuthToken, claims.jti)
    assert record is not None
    assert record.user_id == user.id
    assert record.fingerprint != token
    assert auth.user_for_token(session, token=token).id == user.id


def test_revoked_token_is_refused(session):
    user = make_user(session)
    token = auth.issue_token(session, user=user)
    session.commit()
    assert auth.revoke_token(session, token=token) is True
    session.commit()
    with pytest.raises(AuthError, match="ended"):
        auth.user_for_token(session, token=token)
    assert auth.revoke_token(session, token=token) is False


def test_expired_token_is_refused(session):
    user = make_user(session)
    token = auth.issue_token(session, user=user, expires_minutes=-1)  # expired a minute ago
    session.commit()
    with pytest.raises(AuthError, match="expired"):
        auth.user_for_token(session, token=token)


def test_unrecorded_or_tampered_token_is_refused(session):
    user = make_user(session)
    unrecorded, _ = security.create_token(user.id)
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=unrecorded)
    token = auth.issue_token(session, user=user)
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_revoke_all_tokens_keeps_current(session):
    user = make_user(session)
    keep = auth.issue_token(session, user=user)
    other = auth.issue_token(session, user=user)
    session.commit()
    assert auth.revoke_all_tokens(session, user_id=user.id, keep_jti=security.decode_token(keep).jti) == 1
    session.commit()
    assert auth.user_for_token(session, token=keep).id == user.id
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=other)
