"""Signed action links (app/services/links.py) on SQLite and PostgreSQL: single use, expiry,
forgery, no crossing with sign-in tokens, and the actions through the one write path."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.security import TokenError, decode_token
from app.models import AuthToken, Reminder, TaskOperation
from app.models.base import utcnow
from app.services import auth, links, tasks
from app.services.clock import zone
from app.services.errors import AuthError


def issue(session: Session, user, task, **kwargs) -> dict[str, str]:
    tokens = links.issue(session, user_id=user.id, task_id=task.id, **kwargs)
    session.commit()
    return tokens


def test_complete_works_once_and_is_journaled_as_a_link(session: Session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "pay rent"})
    tokens = issue(session, user, task)
    claims = links.read(tokens["complete"])
    assert (claims.user_id, claims.task_id, claims.action) == (user.id, task.id, "complete")
    links.status(session, claims)  # reading changes nothing
    assert links.perform(session, claims) == "Completed “pay rent”."
    session.commit()
    assert task.completed
    op = session.exec(select(TaskOperation).order_by(col(TaskOperation.created_at).desc())).first()
    assert op is not None
    assert (op.source, op.operation_type) == ("link", "complete")
    with pytest.raises(links.LinkError, match="This link was already used") as used:
        links.perform(session, links.read(tokens["complete"]))
    assert used.value.kind == "used"
    session.rollback()
    # the email's other links shared its single use
    with pytest.raises(links.LinkError, match="already used"):
        links.status(session, links.read(tokens["snooze_hour"]))
    row = session.get(AuthToken, claims.jti)
    assert row is not None
    assert (row.source, row.user_id) == ("link", user.id)
    assert row.revoked_at is not None


def test_expired_and_forged_links_say_so(session: Session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "x"})
    tokens = issue(session, user, task, now=utcnow() - timedelta(days=8))
    with pytest.raises(links.LinkError, match="This link has expired"):
        links.read(tokens["complete"])
    fresh = issue(session, user, task)["complete"]
    head, body, sig = fresh.split(".")
    flipped = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    for bad in (f"{head}.{body}.{flipped}", "nonsense", "", fresh[:-10]):
        with pytest.raises(links.LinkError, match="This link is not valid"):
            links.read(bad)
    # signed with the sign-in key instead of the links' key: not a link
    payload = jwt.decode(fresh, options={"verify_signature": False})
    with pytest.raises(links.LinkError, match="not valid"):
        links.read(jwt.encode(payload, get_settings().effective_jwt_secret, algorithm="HS256"))


def test_a_link_is_not_a_sign_in_token_and_a_sign_in_token_is_not_a_link(session: Session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "x"})
    link = issue(session, user, task)["complete"]
    with pytest.raises(TokenError):
        decode_token(link)
    with pytest.raises(AuthError):
        auth.user_for_token(session, token=link)
    bearer = auth.issue_token(session, user=user)
    with pytest.raises(links.LinkError, match="not valid"):
        links.read(bearer)


def test_snooze_adds_a_reminder_in_an_hour_or_tomorrow_at_the_reminders_time(session: Session, user):
    user.time_zone = "Pacific/Kiritimati"
    session.add(user)
    task = tasks.create_task(
        session, user_id=user.id, data={"title": "call mom", "reminders": [{"before": 15}], "due_date": None}
    )
    now = utcnow()
    local_now = now.astimezone(zone(user.time_zone)).replace(tzinfo=None, second=0, microsecond=0)
    hour = issue(session, user, task)["snooze_hour"]
    result = links.perform(session, links.read(hour), now=now)
    in_an_hour = (local_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert {"at": in_an_hour} in task.reminders
    assert "you'll be reminded again" in result
    tomorrow = issue(session, user, task, local_at="2026-01-01T07:45")["snooze_tomorrow"]
    links.perform(session, links.read(tomorrow), now=now)
    expected = f"{(local_now.date() + timedelta(days=1)).isoformat()}T07:45"
    assert {"at": expected} in task.reminders
    session.commit()
    pending = session.exec(select(Reminder.local_at).where(Reminder.task_id == task.id)).all()
    assert sorted(pending) == sorted([in_an_hour, expected])
    ops = session.exec(select(TaskOperation.source).where(TaskOperation.task_id == task.id)).all()
    assert ops.count("link") == 2


def test_snooze_keeps_at_most_ten_reminders_and_drops_past_ones(session: Session, user):
    now = utcnow()
    local_now = now.replace(tzinfo=None, second=0, microsecond=0)
    past = (local_now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    future = [(local_now + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M") for d in range(2, 12)]
    task = tasks.create_task(
        session, user_id=user.id, data={"title": "t", "reminders": [{"at": f} for f in future]}
    )
    task.reminders = [{"at": past}, *task.reminders[:9]]  # as if one had gone off already
    session.add(task)
    links.perform(session, links.read(issue(session, user, task)["snooze_hour"]), now=now)
    ats = [r["at"] for r in task.reminders]
    assert len(ats) == 10
    assert past not in ats
    assert (local_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M") in ats


def test_a_link_for_a_deleted_task_or_anothers_task_does_nothing(session: Session, user, other):
    task = tasks.create_task(session, user_id=user.id, data={"title": "gone soon"})
    tokens = issue(session, user, task)
    tasks.delete_task(session, user_id=user.id, task_id=task.id)
    session.commit()
    with pytest.raises(links.LinkError, match="no longer exists"):
        links.perform(session, links.read(tokens["complete"]))
    session.rollback()
    mine = tasks.create_task(session, user_id=user.id, data={"title": "mine"})
    theirs = issue(session, other, mine)["complete"]  # a link made out to someone without access
    with pytest.raises(links.LinkError, match="no longer exists"):
        links.perform(session, links.read(theirs))
    session.rollback()
    assert not mine.completed


def test_snooze_time_rules():
    claims = links.LinkClaims(
        user_id=None,  # type: ignore[arg-type]
        task_id=None,  # type: ignore[arg-type]
        action="snooze_tomorrow",
        jti=None,  # type: ignore[arg-type]
        expires_at=utcnow(),
        local_at=None,
    )
    assert links.snooze_time(claims, datetime(2026, 12, 31, 23, 50)) == datetime(2027, 1, 1, 23, 50)
