"""Chat preferences: defaults, partial updates, clear refusals and the server's retention cap."""

from __future__ import annotations

import pytest

from app.models import User
from app.services import preferences
from app.services.errors import InvalidInputError, NotFoundError


def _user(session) -> User:
    user = User(email="prefs@example.com", hashed_password="x", chat_preferences={"theme": "dark"})
    session.add(user)
    session.flush()
    return user


def test_defaults_keep_chats_and_redact(session):
    user = _user(session)
    prefs = preferences.get_preferences(session, user_id=user.id)
    assert prefs.retention_days is None
    assert prefs.redact_sensitive is True


def test_partial_update_keeps_other_keys(session):
    user = _user(session)
    preferences.update_preferences(session, user_id=user.id, retention_days=90)
    prefs = preferences.update_preferences(session, user_id=user.id, redact_sensitive=False)
    assert (prefs.retention_days, prefs.redact_sensitive) == (90, False)
    session.commit()
    session.refresh(user)
    assert user.chat_preferences["theme"] == "dark"
    assert (
        preferences.update_preferences(session, user_id=user.id, retention_days=None).retention_days is None
    )


@pytest.mark.parametrize("changes", [{"retention_days": 7}, {"redact_sensitive": "maybe"}, {"colour": "red"}])
def test_bad_values_are_refused_and_nothing_changes(session, changes):
    user = _user(session)
    with pytest.raises(InvalidInputError):
        preferences.update_preferences(session, user_id=user.id, **changes)
    assert user.chat_preferences == {"theme": "dark"}


def test_unknown_user_is_not_found(session):
    import uuid

    with pytest.raises(NotFoundError):
        preferences.get_preferences(session, user_id=uuid.uuid4())


def test_malformed_stored_value_falls_back_to_defaults():
    user = User(email="x@example.com", hashed_password="x", chat_preferences={"retention_days": "soon"})
    assert preferences.read_preferences(user) == preferences.ChatPreferences()


@pytest.mark.parametrize(
    ("user_days", "server_days", "expected"),
    [(None, 0, None), (30, 0, 30), (None, 60, 60), (365, 60, 60), (30, 60, 30)],
)
def test_server_maximum_caps_retention(monkeypatch, user_days, server_days, expected):
    from app.core.config import get_settings

    monkeypatch.setenv("CHAT_RETENTION_DAYS", str(server_days))
    get_settings.cache_clear()
    try:
        prefs = preferences.ChatPreferences(retention_days=user_days)
        assert preferences.effective_retention_days(prefs) == expected
    finally:
        get_settings.cache_clear()
