"""Presence ("last seen"): written at most once a minute, kept after a rollback, not redone after a commit."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.models import AccessToken, User
from app.models.base import utcnow
from app.services import access_tokens, presence
from tests.utils.sql_log import statements_run


def test_presence_is_kept_after_a_rollback_not_after_a_commit(session: Session, user: User) -> None:
    access_tokens.create(session, user_id=user.id, name="ci", scope="read", expires_days=30)
    session.commit()
    row = session.exec(select(AccessToken)).one()
    an_hour_ago = utcnow() - timedelta(hours=1)
    row.last_used_at = user.last_active_at = an_hour_ago
    session.commit()
    with statements_run(session.get_bind(), "UPDATE") as updates:
        now = utcnow()
        presence.seen(session, row, user, now)
        assert len(updates) == 2  # the token's and the person's
        session.rollback()
        presence.keep(session)  # written again, on their own
        assert len(updates) == 4
        session.expire_all()
        assert (row.last_used_at, user.last_active_at) == (now, now)

        presence.seen(session, row, user, now + presence.EVERY)  # not yet stale: nothing to write
        assert len(updates) == 4
        later = now + presence.EVERY + timedelta(seconds=1)
        presence.seen(session, row, user, later)
        assert len(updates) == 6
        session.commit()
        session.rollback()
        presence.keep(session)  # the commit kept them: nothing to write again
        assert len(updates) == 6
        assert (row.last_used_at, user.last_active_at) == (later, later)


def test_a_deferring_session_notes_its_writes_for_later(session: Session, user: User) -> None:
    """A read-only transaction (``db.loop_read_scope``) defers them; they are written later, once."""
    access_tokens.create(session, user_id=user.id, name="ci", scope="read", expires_days=30)
    session.commit()
    row = session.exec(select(AccessToken)).one()
    row.last_used_at = user.last_active_at = utcnow() - timedelta(hours=1)
    session.commit()
    with statements_run(session.get_bind(), "UPDATE") as updates:
        presence.defer(session)
        now = utcnow()
        presence.seen(session, row, user, now)
        assert updates == []  # noted, not run
        due = presence.deferred(session)
        assert len(due) == 2
        assert presence.deferred(session) == []  # taken once
        session.rollback()
        presence.write(session, due)
        assert len(updates) == 2
        session.expire_all()
        assert (row.last_used_at, user.last_active_at) == (now, now)
        presence.seen(session, row, user, now + presence.EVERY + timedelta(seconds=1))
        assert len(updates) == 4  # the session no longer defers
