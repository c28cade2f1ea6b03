"""The CLI's admin commands (issue 18): ``user create --admin``, ``user promote|demote|disable|enable``;
never the last admin; audited as ``cli`` with no acting person. On SQLite and PostgreSQL (``app_db``)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from app.core.db import session_scope
from app.models import AuditEvent, User
from app.services import auth
from app.services.errors import AuthError
from tests.utils.cli import run_cli


def create(capsys, email: str, *extra: str) -> dict:
    code, out, err = run_cli(
        ["user", "create", "--email", email, "--password", "password123", *extra], capsys
    )
    assert code == 0, err
    return json.loads(out)


def role(capsys, command: str, email: str) -> tuple[int, str, str]:
    return run_cli(["user", command, "--email", email], capsys)


def test_cli_admin_create_promote_demote_disable(app_db, capsys) -> None:
    assert create(capsys, "first@example.com")["is_admin"] is True  # the first account runs the instance
    assert create(capsys, "plain@example.com")["is_admin"] is False
    assert create(capsys, "boss@example.com", "--admin")["is_admin"] is True

    code, _, err = role(capsys, "demote", "first@example.com")
    assert code == 0, err
    code, _, err = role(capsys, "demote", "boss@example.com")
    assert code == 1
    assert "last admin" in err
    code, _, err = role(capsys, "disable", "boss@example.com")
    assert code == 1
    assert "last admin" in err
    code, out, err = role(capsys, "promote", "plain@example.com")
    assert code == 0, err
    assert json.loads(out)["is_admin"] is True

    with session_scope() as session:
        plain = auth.get_user_by_email(session, email="plain@example.com")
        assert plain is not None
        token = auth.issue_token(session, user=plain)
    code, out, err = role(capsys, "disable", "plain@example.com")
    assert code == 0, err
    assert json.loads(out)["is_active"] is False
    with session_scope() as session, pytest.raises(AuthError):
        auth.user_for_token(session, token=token)
    code, out, err = role(capsys, "enable", "plain@example.com")
    assert code == 0, err
    assert json.loads(out)["is_active"] is True

    code, _, err = role(capsys, "promote", "nobody@example.com")
    assert code == 1
    assert err.strip() == "error: No user with email nobody@example.com."

    with session_scope() as session:
        events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.at))))
        admins = {u.email for u in session.exec(select(User).where(col(User.is_admin).is_(True)))}
    assert admins == {"boss@example.com", "plain@example.com"}
    created = [(e.actor_email, e.details.get("via")) for e in events if e.action == "auth.sign_up"]
    assert created == [(f"{n}@example.com", "admin") for n in ("first", "plain", "boss")], (
        "sign-ups, by the CLI"
    )
    cli = [(e.action, e.target_label) for e in events if e.surface == "cli" and e.action.startswith("admin.")]
    assert cli == [
        ("admin.user.promote", "boss@example.com"),
        ("admin.user.demote", "first@example.com"),
        ("admin.user.promote", "plain@example.com"),
        ("admin.user.disable", "plain@example.com"),
        ("admin.user.enable", "plain@example.com"),
    ]
    # the admin actions name no acting person (the server's operator); a sign-up is the new account's
    assert all(e.actor_id is None for e in events if e.surface == "cli" and e.action.startswith("admin."))
