"""Sessions (live sign-in tokens) on both databases: listing, signing one out, and everywhere else."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from app.core.security import decode_token
from app.models import AuditEvent, AuthToken
from app.models.base import utcnow
from app.services import auth, sessions
from app.services.errors import AuthError, NotFoundError

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 " + "Mobile Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "source", "words"),
    [
        (CHROME, "web", "Chrome on Linux"),
        (IPHONE, "web", "Safari on iOS"),
        ("Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0", "web", "Firefox on Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Edg/120.0 Chrome/120.0", "web", "Edge on macOS"),
        ("curl/8.5.0", "api", "API client (curl)"),
        ("", "api", "API client"),
        (None, "web", "Unknown device"),
    ],
)
def test_describe_device(agent, source, words):
    assert sessions.describe_device(agent, source) == words


def test_list_marks_this_device_and_hides_ended_sessions(session, user, other):
    mine = auth.issue_token(session, user=user, ip="10.0.0.1", user_agent=CHROME)
    phone = auth.issue_token(session, user=user, ip="10.0.0.2", user_agent=IPHONE)
    gone = auth.issue_token(session, user=user)
    old = auth.issue_token(session, user=user)
    theirs = auth.issue_token(session, user=other)
    auth.revoke_token(session, token=gone)
    expired = session.get(AuthToken, decode_token(old).jti)
    assert expired is not None
    expired.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    listed = sessions.list_sessions(session, user_id=user.id, current_token=mine)
    assert [s.device for s in listed] == ["Chrome on Linux", "Safari on iOS"]
    assert [s.current for s in listed] == [True, False]
    assert [s.ip for s in listed] == ["10.0.0.1", "10.0.0.2"]
    ids = {s.id for s in listed}
    assert decode_token(theirs).jti not in ids
    assert decode_token(phone).jti in ids


def test_sign_out_one_session_ends_only_that_one(session, user):
    mine = auth.issue_token(session, user=user)
    phone = auth.issue_token(session, user=user, user_agent=IPHONE)
    session.commit()
    sessions.sign_out_session(
        session, user_id=user.id, session_id=str(decode_token(phone).jti), ip="10.0.0.9"
    )
    session.commit()
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=phone)
    assert auth.user_for_token(session, token=mine).id == user.id
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_out")).one()
    assert event.target_label == "Safari on iOS"
    assert event.ip == "10.0.0.9"
    with pytest.raises(NotFoundError, match="Session not found"):  # already ended
        sessions.sign_out_session(session, user_id=user.id, session_id=decode_token(phone).jti)


def test_someone_elses_session_is_missing(session, user, other):
    theirs = auth.issue_token(session, user=other)
    session.commit()
    for value in (decode_token(theirs).jti, str(decode_token(theirs).jti), uuid.uuid4(), "nope", ""):
        with pytest.raises(NotFoundError, match="Session not found"):
            sessions.sign_out_session(session, user_id=user.id, session_id=value)
    assert auth.user_for_token(session, token=theirs).id == other.id


def test_sign_out_everywhere_else_keeps_this_one(session, user, other):
    mine = auth.issue_token(session, user=user)
    others = [auth.issue_token(session, user=user) for _ in range(3)]
    theirs = auth.issue_token(session, user=other)
    session.commit()
    assert sessions.sign_out_everywhere_else(session, user_id=user.id, current_token=mine) == 3
    session.commit()
    assert auth.user_for_token(session, token=mine).id == user.id
    assert auth.user_for_token(session, token=theirs).id == other.id
    for token in others:
        with pytest.raises(AuthError):
            auth.user_for_token(session, token=token)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_out_everywhere")).one()
    assert event.details == {"sessions": 3}
