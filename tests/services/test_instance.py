"""Instance settings (issue 18): the environment's values until an admin changes one, validated
together (a bad value changes nothing), reset back to the environment's."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.core.config import get_settings
from app.services import instance
from app.services.auth import register
from app.services.errors import InvalidInputError


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SIGNUP_POLICY", "invite")
    monkeypatch.setenv("SIGNUP_ALLOWED_DOMAINS", "Example.com, @corp.test")
    get_settings.cache_clear()
    instance.clear_cache()
    yield
    get_settings.cache_clear()
    instance.clear_cache()


def _admin(session: Session) -> uuid.UUID:
    return register(session, email="root@example.com", password="correct horse 42").id


def test_instance_settings_come_from_the_environment_until_changed(session: Session) -> None:
    now = instance.get(session, fresh=True)
    assert (now.signup_policy, now.signup_allowed_domains) == ("invite", ["corp.test", "example.com"])
    assert instance.changed_keys(session) == frozenset()
    changed = instance.update(session, admin_id=_admin(session), changes={"signup_policy": "closed"})
    assert changed.signup_policy == "closed"
    assert instance.get(session).signup_policy == "closed"
    assert instance.changed_keys(session) == {"signup_policy"}
    assert instance.reset(session, keys=["signup_policy"]).signup_policy == "invite"


def test_instance_settings_bad_values_change_nothing(session: Session) -> None:
    admin = _admin(session)
    for changes in (
        {"signup_policy": "sometimes"},
        {"token_max_days": 0},
        {"signup_allowed_domains": "exa mple.com"},
        {"signup_policy": "closed", "audit_retention_days": 1},
        {"colour": "red"},
    ):
        with pytest.raises(InvalidInputError):
            instance.update(session, admin_id=admin, changes=changes)
    assert instance.get(session, fresh=True).signup_policy == "invite"
    assert instance.changed_keys(session) == frozenset()


def test_instance_email_domains(session: Session) -> None:
    now = instance.get(session, fresh=True)
    assert instance.email_domain_allowed(now, "ann@EXAMPLE.com")
    assert not instance.email_domain_allowed(now, "eve@evil.test")
    assert instance.email_domain_allowed(instance.InstanceSettings(), "eve@evil.test")
