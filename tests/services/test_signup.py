"""Who may sign up (issue 18): the policy (open, invite, closed), the allowed email domains and the
invitation links, on SQLite and PostgreSQL; refusals and successes are audit events.

These go through ``session_scope()`` (the ``app_db`` engine): a refusal is recorded in a
transaction of its own, which must reach the same database.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.db import session_scope
from app.models import AuditEvent, Invitation, SignupInvite, User
from app.models.base import utcnow
from app.services import admin_settings, auth, instance, invites, projects, signup
from app.services.errors import ConflictError, InvalidInputError, NotFoundError

PASSWORD = "correct horse 42"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SIGNUP_POLICY", raising=False)
    monkeypatch.delenv("SIGNUP_ALLOWED_DOMAINS", raising=False)
    get_settings.cache_clear()
    instance.clear_cache()
    yield
    instance.clear_cache()


def _register(email: str, invite: str | None = None) -> uuid.UUID:
    with session_scope() as session:
        return auth.register(session, email=email, password=PASSWORD, invite=invite, ip="203.0.113.9").id


def _admin() -> uuid.UUID:
    return _register("root@example.com")


def _set(admin: uuid.UUID, **changes: Any) -> None:
    with session_scope() as session:
        admin_settings.update(session, user_id=admin, changes=changes)


def _invite(admin: uuid.UUID, email: str | None = None, days: Any = 7) -> invites.NewInvite:
    with session_scope() as session:
        return invites.create(session, user_id=admin, email=email, days=days)


def _refused(email: str, message: str, invite: str | None = None) -> None:
    with pytest.raises(signup.SignUpRefused) as caught:
        _register(email, invite)
    assert caught.value.message == message
    with session_scope() as session:
        assert auth.get_user_by_email(session, email=email) is None


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as session:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(session.exec(stmt).all())


def test_signup_first_account_always_allowed_whatever_the_policy(
    app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNUP_POLICY", "closed")
    monkeypatch.setenv("SIGNUP_ALLOWED_DOMAINS", "corp.test")
    get_settings.cache_clear()
    with session_scope() as session:
        assert signup.page_policy(session) == "open"  # the empty instance shows the form
    admin = _register("first@example.com")
    with session_scope() as session:
        user = session.get(User, admin)
        assert user is not None
        assert user.is_admin
        assert signup.page_policy(session) == "closed"
    _refused("second@corp.test", signup.CLOSED)
    [ok] = _events("auth.sign_up")[:1]
    assert (ok.outcome, ok.actor_id, ok.details["via"], ok.ip) == ("ok", admin, "first", "203.0.113.9")


def test_signup_open_policy_and_allowed_domains(app_db: sa.Engine) -> None:
    admin = _admin()
    _register("anyone@elsewhere.test")
    _set(admin, signup_allowed_domains="example.com, Corp.test")
    _refused("eve@evil.test", "Sign-ups are limited to: corp.test, example.com.")
    _register("ann@CORP.test")
    refusals = [e for e in _events("auth.sign_up") if e.outcome == "refused"]
    assert [(e.actor_email, e.details) for e in refusals] == [("eve@evil.test", {"reason": "domain"})]


def test_signup_closed_policy_refuses_everyone_but_the_cli(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_policy="closed")
    link = _invite(admin)
    _refused("bob@example.com", signup.CLOSED)
    _refused("bob@example.com", signup.CLOSED, invite=link.token)  # a link does not open a closed server
    with session_scope() as session:  # the admin adds people: `python -m app.cli user create`
        added = auth.register(
            session, email="bob@example.com", password=PASSWORD, by_admin=True, surface="cli"
        )
    assert not added.is_admin
    assert _events("auth.sign_up")[-1].details == {"via": "admin"}


def test_signup_closed_refusal_tells_nothing_of_existing_accounts(app_db: sa.Engine) -> None:
    admin = _admin()
    _register("bob@example.com")
    _set(admin, signup_policy="closed")
    with pytest.raises(signup.SignUpRefused, match="closed"):  # not "already exists"
        _register("bob@example.com")
    _set(admin, signup_policy="open")
    with pytest.raises(ConflictError):
        _register("bob@example.com")


def test_signup_invite_policy_needs_an_invitation(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_policy="invite")
    _refused("stranger@example.com", signup.INVITE_ONLY)
    _refused("stranger@example.com", signup.BAD_INVITE, invite="not-a-real-token")
    link = _invite(admin)
    assert link.path == f"/signup?invite={link.token}"
    user_id = _register("guest@elsewhere.test", invite=link.token)
    _refused("second@example.com", signup.BAD_INVITE, invite=link.token)  # single use
    with session_scope() as session:
        row = session.get(SignupInvite, link.invite.id)
        assert row is not None
        assert row.used_by == user_id
        assert row.used_at is not None
        assert row.token_hash == invites.hash_token(link.token)
        assert link.token not in row.token_hash
        [view] = invites.list_invites(session, user_id=admin)
    assert (view.status, view.used_by) == ("used", "guest@elsewhere.test")
    ok = [e for e in _events("auth.sign_up") if e.actor_id == user_id]
    assert ok[0].details == {"policy": "invite", "via": "invite", "invite": str(link.invite.id)}
    reasons = [e.details["reason"] for e in _events("auth.sign_up") if e.outcome == "refused"]
    assert reasons == ["no_invite", "bad_invite", "invite_used"] or reasons == [
        "no_invite",
        "bad_invite",
        "bad_invite",
    ]


def test_signup_invite_policy_domains_still_apply_unless_the_invite_names_the_email(
    app_db: sa.Engine,
) -> None:
    admin = _admin()
    _set(admin, signup_policy="invite", signup_allowed_domains="example.com")
    anyone = _invite(admin)
    _refused("guest@elsewhere.test", "Sign-ups are limited to: example.com.", invite=anyone.token)
    named = _invite(admin, email="Guest@Elsewhere.test")
    _refused("other@elsewhere.test", signup.OTHER_EMAIL, invite=named.token)
    _register("guest@elsewhere.test", invite=named.token)
    _register("colleague@example.com", invite=anyone.token)  # the unused link still works in-domain


def test_signup_open_policy_named_invite_lifts_the_domain_rule_only_for_its_email(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_allowed_domains="example.com")
    named = _invite(admin, email="guest@elsewhere.test")
    _refused("eve@elsewhere.test", "Sign-ups are limited to: example.com.", invite=named.token)
    _register("ann@example.com", invite=named.token)  # open policy: not needed, and not used up
    _register("guest@elsewhere.test", invite=named.token)
    with session_scope() as session:
        assert [v.status for v in invites.list_invites(session, user_id=admin)] == ["used"]


def test_signup_expired_and_revoked_invites_are_refused(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_policy="invite")
    expired, revoked = _invite(admin), _invite(admin)
    with session_scope() as session:
        row = session.get(SignupInvite, expired.invite.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
        invites.revoke(session, user_id=admin, invite_id=str(revoked.invite.id))
    _refused("a@example.com", signup.BAD_INVITE, invite=expired.token)
    _refused("b@example.com", signup.BAD_INVITE, invite=revoked.token)
    with session_scope() as session:
        statuses = {v.id: v.status for v in invites.list_invites(session, user_id=admin)}
    assert statuses == {expired.invite.id: "expired", revoked.invite.id: "revoked"}
    assert [e.target_id for e in _events("admin.invite.revoke")] == [str(revoked.invite.id)]


def test_signup_project_invitation_counts_as_an_invitation(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_policy="invite")
    with session_scope() as session:
        project = projects.create_project(session, user_id=admin, name="Team")
        session.add(
            Invitation(project_id=project.id, email="mate@example.com", role="editor", invited_by=admin)
        )
    _refused("stranger@example.com", signup.INVITE_ONLY)
    mate = _register("MATE@example.com")
    with session_scope() as session:
        assert projects.role_of(session, user_id=mate, project_id=project.id) is not None
    assert _events("auth.sign_up")[-1].details == {"policy": "invite", "via": "project_invitation"}


def test_signup_invite_race_two_sign_ups_one_link(app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both sign-ups pass the check before either uses the link: exactly one account is made."""
    admin = _admin()
    _set(admin, signup_policy="invite")
    link = _invite(admin)
    gate = threading.Barrier(2, timeout=20)
    real_admit = signup.admit

    def admit_then_wait(session: Session, **kwargs: Any) -> signup.Admission:
        found = real_admit(session, **kwargs)
        gate.wait()  # both have seen an open link
        return found

    monkeypatch.setattr(signup, "admit", admit_then_wait)
    results: dict[str, str] = {}

    def attempt(email: str) -> None:
        try:
            _register(email, invite=link.token)
            results[email] = "ok"
        except signup.SignUpRefused as exc:
            results[email] = exc.reason

    threads = [threading.Thread(target=attempt, args=(f"racer{n}@example.com",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results.values()) == ["invite_used", "ok"], results
    with session_scope() as session:
        emails = set(session.exec(select(User.email)).all())
        row = session.get(SignupInvite, link.invite.id)
    winner = next(email for email, outcome in results.items() if outcome == "ok")
    loser = next(email for email, outcome in results.items() if outcome != "ok")
    assert winner in emails
    assert loser not in emails
    assert row is not None
    assert row.used_at is not None


def test_invites_create_validates_and_audits(app_db: sa.Engine) -> None:
    admin = _admin()
    for email, days, words in (
        ("not an email", 7, "valid email"),
        (None, 0, "1 to 30 days"),
        (None, 31, "1 to 30 days"),
        (None, "soon", "1 to 30 days"),
    ):
        with pytest.raises(InvalidInputError, match=words):
            _invite(admin, email=email, days=days)
    made = _invite(admin, email=" Ann@Example.com ", days="3")
    assert made.invite.email == "ann@example.com"
    assert made.invite.status == "open"
    lifetime = made.invite.expires_at - made.invite.created_at
    assert timedelta(days=3) - timedelta(minutes=1) < lifetime <= timedelta(days=3, minutes=1)
    default = _invite(admin)
    assert (default.invite.expires_at - default.invite.created_at).days in (6, 7)
    [first, _] = _events("admin.invite.create")
    assert first.details == {"days": 3, "for_email": True}
    assert made.token not in str(first.details)
    assert first.actor_id == admin


def test_invites_are_admin_only(app_db: sa.Engine) -> None:
    admin = _admin()
    member = _register("member@example.com")
    link = _invite(admin)
    with session_scope() as session:
        for call in (
            lambda: invites.create(session, user_id=member),
            lambda: invites.list_invites(session, user_id=member),
            lambda: invites.revoke(session, user_id=member, invite_id=link.invite.id),
            lambda: invites.revoke(session, user_id=member, invite_id=uuid.uuid4()),
            lambda: admin_settings.read(session, user_id=member),
            lambda: admin_settings.update(session, user_id=member, changes={"signup_policy": "open"}),
        ):
            with pytest.raises(NotFoundError) as caught:
                call()
            assert caught.value.message == "Not found."
        with pytest.raises(NotFoundError, match="Invitation not found"):
            invites.revoke(session, user_id=admin, invite_id="garbage")
    with session_scope() as session:
        row = session.get(SignupInvite, link.invite.id)
        assert row is not None
        assert row.revoked_at is None


def test_invites_used_one_cannot_be_revoked(app_db: sa.Engine) -> None:
    admin = _admin()
    link = _invite(admin)
    _register("guest@example.com", invite=link.token)
    with session_scope() as session, pytest.raises(ConflictError, match="already been used"):
        invites.revoke(session, user_id=admin, invite_id=link.invite.id)


def test_admin_settings_update_audits_only_real_changes(app_db: sa.Engine) -> None:
    admin = _admin()
    _set(admin, signup_policy="open", require_2fa=False)  # the values they already have: nothing
    assert _events("admin.settings.update") == []
    with session_scope() as session:
        assert admin_settings.read(session, user_id=admin).changed == frozenset()
    _set(admin, signup_policy="invite", signup_allowed_domains="Example.com", token_max_days=90)
    [event] = _events("admin.settings.update")
    assert event.details == {
        "signup_policy": "invite",
        "signup_allowed_domains": ["example.com"],
        "token_max_days": 90,
    }
    with session_scope() as session:
        now = admin_settings.read(session, user_id=admin)
    assert now.values.signup_policy == "invite"
    assert not now.from_environment("signup_policy")
    assert now.from_environment("require_2fa")
    for bad in ({"signup_policy": "sometimes"}, {"colour": "red"}, {"audit_retention_days": 1}):
        with session_scope() as session, pytest.raises(InvalidInputError):
            admin_settings.update(session, user_id=admin, changes=bad)
    assert len(_events("admin.settings.update")) == 1


def test_chat_retention_follows_the_instance_setting(
    app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import preferences

    monkeypatch.setenv("CHAT_RETENTION_DAYS", "90")
    get_settings.cache_clear()
    admin = _admin()
    prefs = preferences.ChatPreferences(retention_days=365)
    with session_scope() as session:
        assert preferences.effective_retention_days(prefs, session=session) == 90  # the environment's
    _set(admin, default_chat_retention_days=30)
    with session_scope() as session:
        assert preferences.server_retention_days(session) == 30
        assert preferences.effective_retention_days(prefs, session=session) == 30
    _set(admin, default_chat_retention_days=0)
    with session_scope() as session:
        assert preferences.effective_retention_days(prefs, session=session) == 365


def test_signup_cli_user_create_is_not_subject_to_the_policy(
    app_db: sa.Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.utils.cli import run_cli

    monkeypatch.setenv("SIGNUP_POLICY", "closed")
    monkeypatch.setenv("SIGNUP_ALLOWED_DOMAINS", "corp.test")
    get_settings.cache_clear()
    _admin()
    _refused("outsider@example.com", signup.CLOSED)
    code, out, err = run_cli(
        ["user", "create", "--email", "outsider@example.com", "--password", PASSWORD], capsys
    )
    assert (code, err) == (0, "")
    assert "outsider@example.com" in out
    event = _events("auth.sign_up")[-1]
    assert (event.outcome, event.surface, event.details) == ("ok", "cli", {"via": "admin"})
