"""Personal access tokens (issue 18): shown once and kept only as a hash, scoped, expiring within
the server's maximum, revocable, and nobody else's to see or revoke (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app.models import AccessToken, AuditEvent, TokenScope, User
from app.models.base import utcnow
from app.services import access_tokens, instance
from app.services.errors import AuthError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError

TOKEN_RE = re.compile(r"^tk_[A-Za-z0-9_-]{43}$")


@pytest.fixture(autouse=True)
def _fresh_instance_settings():
    instance.clear_cache()
    yield
    instance.clear_cache()


def _set_max(session: Session, days: int | None, admin: User) -> None:
    instance.update(session, admin_id=admin.id, changes={"token_max_days": days})


def _dump(session: Session) -> str:
    """Every row of every table, as text: what a stolen database backup would show."""
    out = []
    for table in AccessToken.metadata.sorted_tables:
        out += [repr(tuple(row)) for row in session.execute(sa.select(table)).all()]
    return "\n".join(out)


def test_access_token_is_shown_once_and_only_its_hash_is_stored(session: Session, user: User) -> None:
    info, secret = access_tokens.create(
        session, user_id=user.id, name="  laptop   MCP ", scope="read", expires_days=30
    )
    session.commit()
    assert TOKEN_RE.match(secret), secret
    assert info.name == "laptop MCP"
    assert info.prefix == secret[:10]
    assert info.status == "active"
    row = session.get(AccessToken, info.id)
    assert row is not None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    dump = _dump(session)
    assert secret not in dump
    assert secret[10:] not in dump  # not even the part lists never show
    assert "secret" not in repr(access_tokens.list_tokens(session, user_id=user.id))
    assert all(secret not in str(v) for v in info.to_json().values())
    # each token is new
    _, again = access_tokens.create(session, user_id=user.id, name="other", scope="read", expires_days=30)
    assert again != secret


def test_access_token_resolves_to_its_user_and_scope(session: Session, user: User) -> None:
    _, secret = access_tokens.create(session, user_id=user.id, name="ci", scope="write", expires_days=None)
    session.commit()
    grant = access_tokens.resolve(session, secret=secret)
    assert (grant.user.id, grant.scope, grant.read_only) == (user.id, TokenScope.write, False)
    for bad in (
        "",
        "tk_",
        secret + "x",
        secret[:-1],
        "tk_" + "A" * 43,
        secret.replace("tk_", "tK_"),
        "x" * 500,
    ):
        with pytest.raises(AuthError):
            access_tokens.resolve(session, secret=bad)


def test_access_token_last_used_is_written_at_most_once_a_minute(session: Session, user: User) -> None:
    info, secret = access_tokens.create(session, user_id=user.id, name="ci", scope="read", expires_days=7)
    session.commit()
    assert info.last_used_at is None
    access_tokens.resolve(session, secret=secret)
    session.commit()
    first = access_tokens.get_token(session, user_id=user.id, token_id=info.id).last_used_at
    assert first is not None
    access_tokens.resolve(session, secret=secret)
    session.commit()
    session.expire_all()
    assert access_tokens.get_token(session, user_id=user.id, token_id=info.id).last_used_at == first
    row = session.get(AccessToken, info.id)
    assert row is not None
    row.last_used_at = utcnow() - timedelta(minutes=5)
    session.commit()
    access_tokens.resolve(session, secret=secret)
    session.commit()
    session.expire_all()
    later = access_tokens.get_token(session, user_id=user.id, token_id=info.id).last_used_at
    assert later is not None
    assert later > utcnow() - timedelta(minutes=1)


def test_access_token_expires(session: Session, user: User) -> None:
    info, secret = access_tokens.create(session, user_id=user.id, name="short", scope="read", expires_days=1)
    session.commit()
    assert info.expires_at is not None
    assert timedelta(hours=23) < info.expires_at - utcnow() <= timedelta(days=1)
    access_tokens.resolve(session, secret=secret)
    row = session.get(AccessToken, info.id)
    assert row is not None
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(AuthError, match="expired"):
        access_tokens.resolve(session, secret=secret)
    assert access_tokens.get_token(session, user_id=user.id, token_id=info.id).status == "expired"


@pytest.mark.parametrize("days", [0, -1, 3651, "soon", "1.5"])
def test_access_token_expiry_must_be_whole_days_in_range(session: Session, user: User, days: object) -> None:
    with pytest.raises(InvalidInputError, match="expiry"):
        access_tokens.create(session, user_id=user.id, name="x", scope="read", expires_days=days)  # type: ignore[arg-type]
    assert session.exec(select(AccessToken)).all() == []


def test_access_token_lifetime_obeys_the_server_maximum(session: Session, user: User, other: User) -> None:
    admin = other
    _set_max(session, 90, admin)
    with pytest.raises(InvalidInputError, match="at most 90 days"):
        access_tokens.create(session, user_id=user.id, name="long", scope="read", expires_days=91)
    for never in (None, "never", ""):
        with pytest.raises(InvalidInputError, match="must expire within 90 days"):
            access_tokens.create(session, user_id=user.id, name="forever", scope="read", expires_days=never)
    info, _ = access_tokens.create(session, user_id=user.id, name="ok", scope="read", expires_days=90)
    assert info.expires_at is not None
    assert session.exec(select(sa.func.count()).select_from(AccessToken)).one() == 1


def test_access_token_older_than_a_new_maximum_stops_working(
    session: Session, user: User, other: User
) -> None:
    """An admin lowering the maximum ends the tokens already older than it, "never" ones included."""
    old, old_secret = access_tokens.create(
        session, user_id=user.id, name="old", scope="read", expires_days=None
    )
    young, young_secret = access_tokens.create(
        session, user_id=user.id, name="young", scope="read", expires_days=None
    )
    row = session.get(AccessToken, old.id)
    assert row is not None
    row.created_at = utcnow() - timedelta(days=40)
    session.commit()
    _set_max(session, 30, other)
    with pytest.raises(AuthError, match="expired"):
        access_tokens.resolve(session, secret=old_secret)
    assert access_tokens.resolve(session, secret=young_secret).user.id == user.id
    listed = {t.name: t for t in access_tokens.list_tokens(session, user_id=user.id)}
    assert listed["old"].status == "expired"
    assert listed["young"].expires_at is not None  # "never" now means "within the maximum"
    assert young.expires_at is None


def test_access_token_admin_scope_is_for_admins_only(session: Session, user: User) -> None:
    with pytest.raises(ForbiddenError, match="Only an admin"):
        access_tokens.create(session, user_id=user.id, name="root", scope="admin", expires_days=30)
    with pytest.raises(InvalidInputError, match="read, write or admin"):
        access_tokens.create(session, user_id=user.id, name="root", scope="owner", expires_days=30)
    user.is_admin = True
    session.add(user)
    session.commit()
    info, secret = access_tokens.create(session, user_id=user.id, name="root", scope="ADMIN", expires_days=30)
    assert info.scope == "admin"
    assert access_tokens.resolve(session, secret=secret).scope == TokenScope.admin


def test_access_token_names(session: Session, user: User) -> None:
    for bad, words in (("", "name"), ("   ", "name"), ("x" * 101, "100 characters"), ("a\udc80", "Unicode")):
        with pytest.raises(InvalidInputError, match=words):
            access_tokens.create(session, user_id=user.id, name=bad, scope="read", expires_days=30)
    access_tokens.create(session, user_id=user.id, name="Backup", scope="read", expires_days=30)
    with pytest.raises(ConflictError, match="already have a token named"):
        access_tokens.create(session, user_id=user.id, name="backup", scope="write", expires_days=30)


def test_access_token_revoke(session: Session, user: User) -> None:
    info, secret = access_tokens.create(session, user_id=user.id, name="ci", scope="write", expires_days=30)
    session.commit()
    revoked = access_tokens.revoke(session, user_id=user.id, token_id=str(info.id), surface="cli")
    session.commit()
    assert revoked.status == "revoked"
    with pytest.raises(AuthError, match="revoked"):
        access_tokens.resolve(session, secret=secret)
    assert access_tokens.list_tokens(session, user_id=user.id) == []
    assert [t.id for t in access_tokens.list_tokens(session, user_id=user.id, include_revoked=True)] == [
        info.id
    ]
    # again: nothing more happens, nothing more is logged
    access_tokens.revoke(session, user_id=user.id, token_id=info.id)
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    assert [(e.action, e.surface) for e in events] == [("token.create", "web"), ("token.revoke", "cli")]
    assert events[0].details == {
        "name": "ci",
        "scope": "write",
        "expires": info.expires_at.isoformat() if info.expires_at else "",
        "expires_days": 30,
    }
    assert events[1].details["name"] == "ci"
    assert events[1].details["scope"] == "write"
    assert events[1].details["expires"]
    assert all(secret not in repr(e.model_dump()) for e in events)
    # the name is free again
    access_tokens.create(session, user_id=user.id, name="ci", scope="write", expires_days=30)


def test_access_token_revoke_by_name(session: Session, user: User) -> None:
    _, secret = access_tokens.create(session, user_id=user.id, name="Laptop", scope="read", expires_days=30)
    access_tokens.revoke_by_name(session, user_id=user.id, name=" laptop ")
    with pytest.raises(AuthError):
        access_tokens.resolve(session, secret=secret)
    with pytest.raises(NotFoundError, match=r"Access token not found\."):
        access_tokens.revoke_by_name(session, user_id=user.id, name="laptop")


def test_access_token_of_someone_else_is_a_missing_one(session: Session, user: User, other: User) -> None:
    theirs, secret = access_tokens.create(
        session, user_id=other.id, name="theirs", scope="write", expires_days=30
    )
    session.commit()
    missing = str(uuid.uuid4())
    for call in (access_tokens.get_token, access_tokens.revoke):
        answers = []
        for token_id in (theirs.id, str(theirs.id), str(theirs.id).upper(), missing, "garbage", ""):
            with pytest.raises(NotFoundError) as caught:
                call(session, user_id=user.id, token_id=token_id)
            answers.append(caught.value.message)
        assert set(answers) == {"Access token not found."}
    with pytest.raises(NotFoundError):
        access_tokens.revoke_by_name(session, user_id=user.id, name="theirs")
    assert access_tokens.list_tokens(session, user_id=user.id) == []
    assert access_tokens.resolve(session, secret=secret).user.id == other.id  # still works


def test_access_token_of_a_disabled_account_is_refused(session: Session, user: User) -> None:
    _, secret = access_tokens.create(session, user_id=user.id, name="ci", scope="write", expires_days=30)
    user.is_active = False
    session.add(user)
    session.commit()
    with pytest.raises(AuthError, match=r"Invalid access token\."):
        access_tokens.resolve(session, secret=secret)
    with pytest.raises(NotFoundError):
        access_tokens.create(session, user_id=user.id, name="new", scope="read", expires_days=30)


def test_access_token_revoke_all(session: Session, user: User, other: User) -> None:
    secrets_ = [
        access_tokens.create(session, user_id=user.id, name=f"t{i}", scope="read", expires_days=30)[1]
        for i in range(3)
    ]
    _, theirs = access_tokens.create(session, user_id=other.id, name="t", scope="read", expires_days=30)
    assert access_tokens.revoke_all(session, user_id=user.id) == 3
    for secret in secrets_:
        with pytest.raises(AuthError):
            access_tokens.resolve(session, secret=secret)
    assert access_tokens.resolve(session, secret=theirs).user.id == other.id


def test_access_token_read_only_check() -> None:
    access_tokens.check_read_only(None, writes=True)  # a browser session: every scope
    user = User(email="a@example.com", hashed_password="-")
    read = access_tokens.Grant(user=user, scope=TokenScope.read, token_id=uuid.uuid4())
    write = access_tokens.Grant(user=user, scope=TokenScope.write, token_id=uuid.uuid4())
    access_tokens.check_read_only(read, writes=False)
    access_tokens.check_read_only(write, writes=True)
    with pytest.raises(ForbiddenError, match=r"read-only \(scope read\)"):
        access_tokens.check_read_only(read, writes=True)


def test_access_token_never_reaches_a_log_line(session: Session, user: User) -> None:
    from app.core.logging_scrub import scrub

    _, secret = access_tokens.create(session, user_id=user.id, name="ci", scope="read", expires_days=30)
    for line in (f"client sent {secret} twice", f"GET /api/tasks?x={secret}", f"bad: {secret}."):
        assert secret not in scrub(line), line
        assert secret[3:20] not in scrub(line), line
    assert scrub("the tk_ prefix alone") == "the tk_ prefix alone"
