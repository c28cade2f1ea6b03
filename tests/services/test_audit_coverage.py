"""Every existing security-relevant action is one audit event (issue 18): sharing changes and
invitations, the account export, chat and account deletion, the password change, sign-out, the
calendar feed's secret, an import. Each names its actor, target and surface, and carries metadata
only: a marker word put in task titles, project names, chat titles and messages never reaches the
audit table (checked on a raw dump of it). On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import AuditEvent, User
from app.orchestration import importing
from app.services import account, audit, auth, calendar_feed, importer, messages
from app.services import projects as project_service
from app.services.errors import ForbiddenError
from app.services.operations import Origin
from tests.utils.factories import make_task, make_thread, make_user

MARK = "zebracorn"
"""A word only content holds: it must never be found in the audit log."""
PASSWORD = "password123"
WEB = audit.Actor(ip="203.0.113.9", surface="web")


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    account.password_throttle.reset()
    yield
    account.password_throttle.reset()


def events(session: Session, after: int = 0) -> list[AuditEvent]:
    session.expire_all()
    stmt = select(AuditEvent).where(col(AuditEvent.id) > after).order_by(col(AuditEvent.id))
    return list(session.exec(stmt).all())


def last_id(session: Session) -> int:
    rows = events(session)
    return int(rows[-1].id or 0) if rows else 0


def raw_dump(session: Session) -> str:
    rows = session.execute(sa.text("SELECT * FROM audit_events")).all()
    return "\n".join(repr(tuple(row)) for row in rows)


def with_content(session: Session, user: User) -> uuid.UUID:
    """A project, a task and a conversation holding the marker; the project's id."""
    project = project_service.create_project(session, user_id=user.id, name=f"{MARK} plans")
    make_task(session, user, f"Buy {MARK} food", project_id=project.id)
    thread = make_thread(session, user, title=f"About {MARK}")
    messages.add_user_message(session, user_id=user.id, thread_id=thread.id, content=f"my {MARK} secret")
    session.commit()
    return project.id


def test_audit_sharing_changes_are_events_with_roles_and_emails(session: Session) -> None:
    ann, bob = make_user(session), make_user(session)
    pid = with_content(session, ann)
    start = last_id(session)

    actor = audit.Actor(ip="198.51.100.7", surface="api")
    project_service.share_project(
        session, user_id=ann.id, project_id=pid, email=bob.email, role="editor", origin=Origin(source="api"),
        actor=actor,
    )  # fmt: skip
    project_service.share_project(
        session, user_id=ann.id, project_id=pid, email="carol@example.com", actor=WEB
    )
    project_service.set_role(session, user_id=ann.id, project_id=pid, member_id=bob.id, role="viewer")
    project_service.cancel_invitation(session, user_id=ann.id, project_id=pid, email="carol@example.com")
    project_service.remove_member(session, user_id=ann.id, project_id=pid, member_id=bob.id)
    project_service.share_project(session, user_id=ann.id, project_id=pid, email=bob.email, role="viewer")
    project_service.remove_member(
        session, user_id=bob.id, project_id=pid, member_id=bob.id, origin=Origin(source="mcp")
    )
    session.commit()

    got = events(session, start)
    assert [e.action for e in got] == [
        "project.share",
        "project.invite",
        "project.role_change",
        "project.invite_cancel",
        "project.unshare",
        "project.share",
        "project.leave",
    ]
    share, invite, role, cancel, unshare, _, leave = got
    assert (share.actor_id, share.actor_email, share.ip, share.surface) == (
        ann.id,
        ann.email,
        actor.ip,
        "api",
    )
    assert (share.target_type, share.target_id, share.target_label) == ("project", str(pid), bob.email)
    assert share.details == {"email": bob.email, "role": "editor", "member_id": str(bob.id)}
    assert (invite.ip, invite.surface, invite.details) == (
        WEB.ip, "web", {"email": "carol@example.com", "role": "editor"},
    )  # fmt: skip
    assert role.details == {
        "member_id": str(bob.id),
        "email": bob.email,
        "before": "editor",
        "role": "viewer",
    }
    assert cancel.target_label == "carol@example.com"
    assert (unshare.actor_id, unshare.details["member_id"]) == (ann.id, str(bob.id))
    assert (leave.actor_id, leave.actor_email, leave.surface) == (bob.id, bob.email, "mcp")
    assert all(e.outcome == "ok" for e in got)
    assert MARK not in raw_dump(session)
    assert audit.verify(session).ok


def test_audit_invitation_accepted_at_sign_up_is_a_join(session: Session) -> None:
    ann = make_user(session)
    pid = with_content(session, ann)
    project_service.share_project(session, user_id=ann.id, project_id=pid, email="dan@example.com")
    session.commit()
    start = last_id(session)
    dan = make_user(session, email="dan@example.com")
    join = next(e for e in events(session, start) if e.action == "project.join")
    assert (join.actor_id, join.target_id, join.details) == (
        dan.id, str(pid), {"role": "editor", "invited_by": str(ann.id)},
    )  # fmt: skip


def test_audit_account_actions_are_events_with_counts_only(session: Session) -> None:
    ann = make_user(session)
    with_content(session, ann)
    start = last_id(session)

    data = account.export(session, user_id=ann.id, actor=WEB)
    assert MARK in str(data)  # the export itself holds the content; its audit event does not
    calendar_feed.turn_on(session, user_id=ann.id, actor=WEB)
    calendar_feed.turn_on(session, user_id=ann.id)
    calendar_feed.turn_off(session, user_id=ann.id)
    assert calendar_feed.turn_off(session, user_id=ann.id) is False  # already off: nothing happened
    csv = f"TYPE,CONTENT,PRIORITY,INDENT\ntask,{MARK} one,1,1\ntask,{MARK} two,1,1\ntask,child,1,2\n"
    plan = importer.preview(
        session, user_id=ann.id, data=csv.encode(), filename=f"{MARK}.csv", read_date=importing.read_date
    )
    importer.apply(session, user_id=ann.id, plan=plan, actor=audit.Actor(surface="cli"))
    token = auth.issue_token(session, user=ann)
    assert auth.revoke_token(session, token=token, actor=WEB)
    assert not auth.revoke_token(session, token=token)  # revoked already: no second event
    account.change_password(session, user_id=ann.id, current_password=PASSWORD, new_password="n3w-password-9")
    account.delete_all_chats(session, user_id=ann.id, password="n3w-password-9", actor=WEB)
    session.commit()

    got = events(session, start)
    assert [e.action for e in got] == [
        "account.export",
        "calendar_feed.create",
        "calendar_feed.regenerate",
        "calendar_feed.revoke",
        "import",
        "auth.sign_out",
        "account.password_change",
        "account.delete_chats",
    ]
    assert all(e.actor_id == ann.id and e.actor_email == ann.email for e in got)
    export, create, *_ = got
    assert (export.ip, export.surface, export.target_id) == (WEB.ip, "web", str(ann.id))
    assert export.details == {
        "format": "ticked-export",
        "version": 3,
        "tasks": 1,
        "threads": 1,
        "messages": 1,
    }
    assert (create.ip, got[2].ip) == (WEB.ip, None)  # a caller that knows no IP records none
    assert got[4].surface == "cli"
    assert got[4].details == {
        "kind": "todoist",
        "tasks": 3,
        "subtasks": 1,
        "projects_created": 1,
        "skipped": 0,
    }
    assert (got[5].target_type, got[5].ip) == ("session", WEB.ip)
    assert got[6].details == {"signed_out_sessions": 0}
    assert got[7].details == {"threads": 1, "messages": 1}
    assert MARK not in raw_dump(session)
    assert "password" not in raw_dump(session).replace("password_change", "")


def test_audit_account_deletion_outlives_the_account(session: Session) -> None:
    ann, bob = make_user(session), make_user(session)
    pid = with_content(session, ann)
    project_service.share_project(session, user_id=ann.id, project_id=pid, email=bob.email)
    session.commit()
    with pytest.raises(ForbiddenError):
        account.delete_account(session, user_id=ann.id, password="wrong-password")
    session.rollback()
    start = last_id(session)
    account.delete_account(session, user_id=ann.id, password=PASSWORD, actor=WEB)
    session.commit()
    assert session.get(User, ann.id) is None
    deleted = [e for e in events(session, start) if e.action == "account.delete"]
    assert len(deleted) == 1
    event = deleted[0]
    assert (event.actor_id, event.actor_email, event.ip, event.target_label) == (
        ann.id,
        ann.email,
        WEB.ip,
        ann.email,
    )
    assert event.details == {"projects_passed": 1, "projects_deleted": 0}
    assert MARK not in raw_dump(session)
    assert audit.verify(session).ok
