"""``python -m app.cli token create|list|revoke`` (issue 18): ``create`` prints the token alone on one
line for scripts, ``list`` never shows it, ``revoke`` by id or name; each change is an audit event of
the ``cli`` surface. In-process on SQLite and PostgreSQL (``app_db``)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlmodel import select

from app.core.db import session_scope
from app.models import AuditEvent, User
from app.services import access_tokens, instance
from tests.utils.cli import run_cli

EMAIL = "script@example.com"


@pytest.fixture
def person(app_db, capsys) -> str:
    instance.clear_cache()
    code, _, err = run_cli(["user", "create", "--email", EMAIL, "--password", "password123"], capsys)
    assert code == 0, err
    return EMAIL


def test_cli_token_create_prints_only_the_token(app_db, capsys, person) -> None:
    argv = ["token", "create", "--user", EMAIL, "--name", "MCP client", "--scope", "read"]
    code, out, err = run_cli([*argv, "--expires-days", "30"], capsys)
    assert code == 0, err
    assert re.fullmatch(r"tk_[A-Za-z0-9_-]{43}\n", out), out
    secret = out.strip()
    with session_scope() as session:
        grant = access_tokens.resolve(session, secret=secret)
        assert (grant.user.email, grant.scope.value) == (EMAIL, "read")
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "token.create")).all()
        assert [(e.surface, e.actor_email) for e in events] == [("cli", EMAIL)]
        details = events[0].details
        assert (details["name"], details["scope"], details["expires_days"]) == ("MCP client", "read", 30)
        assert details["expires"].startswith(str(grant_expiry(session, secret).date()))
    # the default scope is write, and (no maximum set) it may never expire
    code, out, err = run_cli(["token", "create", "--user", EMAIL, "--name", "backup"], capsys)
    assert code == 0, err
    with session_scope() as session:
        assert access_tokens.resolve(session, secret=out.strip()).scope.value == "write"


def grant_expiry(session, secret: str):
    grant = access_tokens.resolve(session, secret=secret)
    return access_tokens.get_token(session, user_id=grant.user.id, token_id=grant.token_id).expires_at


def test_cli_token_list_and_revoke(app_db, capsys, person) -> None:
    secrets_ = {}
    for name in ("laptop", "ci"):
        code, out, err = run_cli(["token", "create", "--user", EMAIL, "--name", name], capsys)
        assert code == 0, err
        secrets_[name] = out.strip()
    code, out, err = run_cli(["token", "list", "--user", EMAIL, "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert sorted(r["name"] for r in rows) == ["ci", "laptop"]
    assert all(s not in out for s in secrets_.values())
    assert {r["prefix"] for r in rows} == {s[:10] for s in secrets_.values()}
    code, text, _ = run_cli(["token", "list", "--user", EMAIL], capsys)
    assert code == 0
    assert "laptop (write, tk_" in text
    assert "last used never" in text
    assert all(s not in text for s in secrets_.values())

    laptop = next(r for r in rows if r["name"] == "laptop")
    code, out, err = run_cli(["token", "revoke", "--user", EMAIL, "--id", laptop["id"]], capsys)
    assert (code, out) == (0, f"Revoked laptop ({laptop['prefix']}...).\n"), err
    code, out, err = run_cli(["token", "revoke", "--user", EMAIL, "--name", "CI"], capsys)
    assert code == 0, err
    code, out, _ = run_cli(["token", "list", "--user", EMAIL], capsys)
    assert out == "No access tokens.\n"
    with session_scope() as session:
        for secret in secrets_.values():
            with pytest.raises(Exception, match="revoked"):
                access_tokens.resolve(session, secret=secret)
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "token.revoke")).all()
        assert [(e.surface, e.target_label) for e in events] == [("cli", "laptop"), ("cli", "ci")]


def test_cli_token_errors_are_one_line(app_db, capsys, person) -> None:
    other = "other@example.com"
    assert run_cli(["user", "create", "--email", other, "--password", "password123"], capsys)[0] == 0
    code, out, _ = run_cli(["token", "create", "--user", other, "--name", "theirs"], capsys)
    assert code == 0
    theirs = json.loads(run_cli(["token", "list", "--user", other, "--json"], capsys)[1])[0]["id"]
    cases = [
        (["token", "create", "--user", "nobody@example.com", "--name", "x"], "No user with email"),
        (["token", "create", "--user", other, "--name", "x", "--scope", "admin"], "Only an admin"),
        (["token", "create", "--user", EMAIL, "--name", "x", "--expires-days", "0"], "between 1 and"),
        (["token", "create", "--user", EMAIL, "--name", "  "], "Give the token a name"),
        (["token", "revoke", "--user", EMAIL, "--id", theirs], "Access token not found."),
        (["token", "revoke", "--user", EMAIL, "--id", str(uuid.uuid4())], "Access token not found."),
        (["token", "revoke", "--user", EMAIL, "--name", "theirs"], "Access token not found."),
    ]
    for argv, words in cases:
        code, out, err = run_cli(argv, capsys)
        assert code == 1, argv
        assert out == ""
        assert err.startswith("error: "), err
        assert words in err
        assert err.count("\n") == 1, err
    with session_scope() as session:
        admin = session.exec(select(User).where(User.email == EMAIL)).one()  # the first account
        instance.update(session, admin_id=admin.id, changes={"token_max_days": 90})
    instance.clear_cache()
    code, out, err = run_cli(["token", "create", "--user", EMAIL, "--name", "forever"], capsys)
    assert code == 1
    assert "must expire within 90 days" in err
    code, out, err = run_cli(
        ["token", "create", "--user", EMAIL, "--name", "ok", "--expires-days", "90"], capsys
    )
    assert code == 0, err
    instance.clear_cache()
