"""The admin console's user management (app/services/admin.py) on SQLite and PostgreSQL: only an
active admin acts, never the last admin, disabling revokes every token, counts without content,
search and paging, deletion with the admin's password, single-use one-hour reset links."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.security import verify_password
from app.models import AccessToken, AuditEvent, AuthToken, RecoveryCode, Task, Thread, User
from app.models.base import utcnow
from app.services import account, admin, auth, password_reset
from app.services.errors import AuthError, ConflictError, InvalidInputError, NotFoundError
from tests.utils.factories import make_task, make_thread, make_user
from tests.utils.smtp import smtp_server
from tests.utils.sql_log import statements_run


def _admin(session: Session) -> User:
    first = make_user(session, email="root@example.com")
    assert first.is_admin  # the first account runs the instance
    return first


def _actions(session: Session) -> list[str]:
    return [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.at)))]


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_admin_first_account_is_admin_and_the_second_is_not(session: Session) -> None:
    first = make_user(session, email="first@example.com")
    second = make_user(session, email="second@example.com")
    assert (first.is_admin, second.is_admin) == (True, False)


def test_admin_non_admin_gets_not_found_on_every_function(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    disabled = make_user(session, email="gone@example.com")
    admin.set_admin(session, admin_id=root.id, user_id=disabled.id, make_admin=True)
    admin.set_active(session, admin_id=root.id, user_id=disabled.id, active=False)
    session.commit()
    before = _actions(session)
    calls = [
        lambda a: admin.list_users(session, admin_id=a),
        lambda a: admin.set_active(session, admin_id=a, user_id=root.id, active=False),
        lambda a: admin.set_admin(session, admin_id=a, user_id=a or root.id, make_admin=True),
        lambda a: admin.set_admin(session, admin_id=a, user_id=root.id, make_admin=False),
        lambda a: admin.delete_user(session, admin_id=a, user_id=root.id, password="password123"),
        lambda a: admin.reset_link(session, admin_id=a, user_id=root.id, base_url="http://x"),
        lambda a: admin.reset_two_factor(session, admin_id=a, user_id=root.id),
    ]
    for acting in (bob.id, disabled.id, None, uuid.uuid4()):
        for call in calls:
            with pytest.raises(NotFoundError, match=r"^Not found\.$"):
                call(acting)
            session.rollback()
    assert _actions(session) == before
    assert not session.get(User, bob.id).is_admin  # type: ignore[union-attr]
    assert session.get(User, root.id).is_active  # type: ignore[union-attr]


def test_admin_missing_user_answers_like_a_non_admin(session: Session) -> None:
    root = _admin(session)
    for target in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(NotFoundError, match=r"^Not found\.$"):
            admin.set_active(session, admin_id=root.id, user_id=target, active=False)


def test_admin_never_removes_the_last_admin(session: Session) -> None:
    root = _admin(session)
    ann = make_user(session, email="ann@example.com")
    with pytest.raises(ConflictError, match="last admin"):
        admin.set_admin(session, admin_id=root.id, user_id=root.id, make_admin=False)
    session.rollback()
    with pytest.raises(InvalidInputError, match="can't disable your own"):
        admin.set_active(session, admin_id=root.id, user_id=root.id, active=False)
    session.rollback()
    admin.set_admin(session, admin_id=root.id, user_id=ann.id, make_admin=True)
    session.commit()
    # with two admins, one may step down; then the other is the last again
    admin.set_admin(session, admin_id=root.id, user_id=root.id, make_admin=False)
    session.commit()
    with pytest.raises(ConflictError, match="last admin"):
        admin.set_admin(session, admin_id=ann.id, user_id=ann.id, make_admin=False)
    session.rollback()
    # from the shell too
    with pytest.raises(ConflictError, match="last admin"):
        admin.system_set_admin(session, email="ann@example.com", make_admin=False)
    session.rollback()
    with pytest.raises(ConflictError, match="last admin"):
        admin.system_set_active(session, email="ann@example.com", active=False)
    session.rollback()
    assert session.get(User, ann.id).is_admin  # type: ignore[union-attr]
    assert session.get(User, ann.id).is_active  # type: ignore[union-attr]
    assert "admin.user.demote" in _actions(session)
    assert "admin.user.promote" in _actions(session)


def test_admin_disable_revokes_every_session_and_access_token(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    tokens = [auth.issue_token(session, user=bob, source=src) for src in ("web", "api", "web")]
    session.add(AccessToken(user_id=bob.id, name="ci", scope="write", token_hash="a" * 64, prefix="tk_a"))
    session.add(AccessToken(user_id=bob.id, name="mcp", scope="read", token_hash="b" * 64, prefix="tk_b"))
    keep = auth.issue_token(session, user=root)
    session.commit()
    summary = admin.set_active(session, admin_id=root.id, user_id=bob.id, active=False, ip="10.0.0.9")
    session.commit()
    assert not summary.is_active
    for token in tokens:
        with pytest.raises(AuthError):
            auth.user_for_token(session, token=token)
    live = session.exec(
        select(AuthToken).where(AuthToken.user_id == bob.id, col(AuthToken.revoked_at).is_(None))
    )
    assert list(live) == []
    open_pats = select(AccessToken).where(
        AccessToken.user_id == bob.id, col(AccessToken.revoked_at).is_(None)
    )
    assert list(session.exec(open_pats)) == []
    assert auth.user_for_token(session, token=keep).id == root.id  # nobody else signed out
    with pytest.raises(AuthError):
        auth.authenticate(session, email="bob@example.com", password="password123")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "admin.user.disable")).one()
    assert (event.actor_id, event.target_label, event.ip) == (root.id, "bob@example.com", "10.0.0.9")
    assert event.details == {"revoked_tokens": 5}
    admin.set_active(session, admin_id=root.id, user_id=bob.id, active=True)
    session.commit()
    assert auth.authenticate(session, email="bob@example.com", password="password123").id == bob.id
    assert _actions(session)[-1] == "admin.user.enable"


def test_admin_list_counts_search_and_paging(session: Session) -> None:
    root = _admin(session)
    people = [make_user(session, email=f"p{i:02d}@team.test") for i in range(7)]
    ann = make_user(session, email="ann@other.test")
    ann.name = "Ann Smith_100%"
    session.add(ann)
    for n in range(3):
        make_task(session, ann, f"secret task {n}")
    make_thread(session, ann, "secret chat")
    make_task(session, people[0], "x")
    session.commit()
    page = admin.list_users(session, admin_id=root.id, limit=3)
    assert page.total == 9
    assert [u.email for u in page.users] == ["ann@other.test", "p06@team.test", "p05@team.test"]
    assert page.next_offset == 3
    assert page.previous_offset is None
    row = page.users[0]
    assert (row.tasks, row.threads, row.is_admin, row.is_active, row.two_factor) == (3, 1, False, True, False)
    assert "secret" not in repr(page)  # counts, never content
    last = admin.list_users(session, admin_id=root.id, offset=6, limit=3)
    assert [u.email for u in last.users] == ["p01@team.test", "p00@team.test", "root@example.com"]
    assert last.next_offset is None
    assert last.previous_offset == 3
    assert last.users[0].tasks == 0
    assert last.users[1].tasks == 1
    by_email = admin.list_users(session, admin_id=root.id, sort="email", limit=2)
    assert [u.email for u in by_email.users] == ["ann@other.test", "p00@team.test"]
    assert [u.email for u in admin.list_users(session, admin_id=root.id, query="TEAM.test").users][:1] == [
        "p06@team.test"
    ]
    assert admin.list_users(session, admin_id=root.id, query="team.test").total == 7
    assert [u.email for u in admin.list_users(session, admin_id=root.id, query="smith_100%").users] == [
        "ann@other.test"
    ]
    assert admin.list_users(session, admin_id=root.id, query="0%").total == 1  # "%" is literal
    assert admin.list_users(session, admin_id=root.id, query="h_1").total == 1  # "_" is literal too
    assert admin.list_users(session, admin_id=root.id, query="zzz").users == []
    for bad in ({"sort": "name"}, {"offset": -1}, {"limit": 0}, {"limit": 101}):
        with pytest.raises(InvalidInputError):
            admin.list_users(session, admin_id=root.id, **bad)  # type: ignore[arg-type]


def test_admin_list_counts_in_a_fixed_number_of_queries(session: Session, engine: sa.Engine) -> None:
    root = _admin(session)
    for i in range(6):
        user = make_user(session, email=f"n{i}@team.test")
        make_task(session, user, "t")
    session.commit()
    with statements_run(engine) as statements:
        page = admin.list_users(session, admin_id=root.id, limit=25)
    assert sum(u.tasks for u in page.users) == 6
    assert len([s for s in statements if "FROM tasks" in s or "FROM threads" in s]) == 2


def test_admin_delete_needs_the_admins_own_password(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    make_task(session, bob, "bob's")
    session.commit()
    with pytest.raises(account.WrongPasswordError):
        admin.delete_user(session, admin_id=root.id, user_id=bob.id, password="wrong-password")
    session.rollback()
    with pytest.raises(account.WrongPasswordError):  # bob's own password is not the admin's
        admin.delete_user(session, admin_id=root.id, user_id=bob.id, password="not-roots-pw")
    session.rollback()
    assert session.get(User, bob.id) is not None
    with pytest.raises(InvalidInputError, match="from Settings"):
        admin.delete_user(session, admin_id=root.id, user_id=root.id, password="password123")
    session.rollback()
    assert (
        admin.delete_user(session, admin_id=root.id, user_id=bob.id, password="password123")
        == "bob@example.com"
    )
    session.commit()
    session.expire_all()
    assert session.get(User, bob.id) is None
    assert session.exec(select(Task).where(Task.user_id == bob.id)).first() is None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "admin.user.delete")).one()
    assert (event.target_id, event.target_label) == (str(bob.id), "bob@example.com")


def test_admin_reset_link_is_single_use_and_ends_sessions(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    old_session = auth.issue_token(session, user=bob)
    session.commit()
    link = admin.reset_link(session, admin_id=root.id, user_id=bob.id, base_url="https://todo.example/")
    session.commit()
    assert link.url.startswith("https://todo.example/reset?token=")
    assert link.emailed_to is None
    token = _token(link.url)
    assert password_reset.check(session, token=token) == "bob@example.com"
    with pytest.raises(InvalidInputError, match="at least 8"):
        password_reset.reset_password(session, token=token, new_password="short")
    session.rollback()
    assert password_reset.check(session, token=token) == "bob@example.com"  # a bad password keeps the link
    password_reset.reset_password(session, token=token, new_password="brand-new-pass", ip="10.1.1.1")
    session.commit()
    session.expire_all()
    assert verify_password("brand-new-pass", session.get(User, bob.id).hashed_password)[0]  # type: ignore[union-attr]
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=old_session)
    with pytest.raises(password_reset.ResetLinkError, match="already used"):
        password_reset.reset_password(session, token=token, new_password="another-pass-1")
    session.rollback()
    assert {"admin.user.reset_link", "auth.password_reset"} <= set(_actions(session))
    # a reset link is no sign-in token, and a sign-in token is no reset link
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=token)
    with pytest.raises(password_reset.ResetLinkError, match="not valid"):
        password_reset.check(session, token=auth.issue_token(session, user=bob))


def test_admin_reset_link_expires_after_an_hour(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    link = admin.reset_link(session, admin_id=root.id, user_id=bob.id, base_url="http://t")
    session.commit()
    token = _token(link.url)
    later = utcnow() + timedelta(minutes=59)
    assert password_reset.check(session, token=token, now=later) == "bob@example.com"
    with pytest.raises(password_reset.ResetLinkError, match="expired"):
        password_reset.reset_password(
            session, token=token, new_password="brand-new-pass", now=utcnow() + timedelta(minutes=61)
        )
    with pytest.raises(password_reset.ResetLinkError, match="not valid"):
        password_reset.check(session, token=token[:-3] + "abc")


def test_admin_reset_link_emailed_when_smtp_is_set(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    with smtp_server() as (url, sink):
        link = admin.reset_link(session, admin_id=root.id, user_id=bob.id, base_url="http://t", smtp_url=url)
        session.commit()
    assert link.emailed_to == "bob@example.com"
    assert len(sink.messages) == 1
    assert sink.recipients[0] == ["bob@example.com"]
    assert link.url in sink.text_of(sink.messages[0])


def test_admin_reset_two_factor(session: Session) -> None:
    root = _admin(session)
    bob = make_user(session, email="bob@example.com")
    bob.totp_secret, bob.totp_enabled_at = "JBSWY3DPEHPK3PXP", utcnow()
    session.add(bob)
    session.add(RecoveryCode(user_id=bob.id, code_hash="x"))
    session.commit()
    assert admin.list_users(session, admin_id=root.id, query="bob").users[0].two_factor
    summary = admin.reset_two_factor(session, admin_id=root.id, user_id=bob.id)
    session.commit()
    session.expire_all()
    assert not summary.two_factor
    user = session.get(User, bob.id)
    assert user is not None
    assert (user.totp_secret, user.totp_enabled_at) == (None, None)
    assert session.exec(select(RecoveryCode).where(RecoveryCode.user_id == bob.id)).first() is None
    assert _actions(session)[-1] == "admin.user.reset_2fa"


def test_admin_thread_counts_are_per_user(session: Session) -> None:
    root = _admin(session)
    make_thread(session, root, "a")
    make_thread(session, root, "b")
    session.commit()
    assert admin.list_users(session, admin_id=root.id).users[0].threads == 2
    assert session.exec(select(Thread)).all()
