"""Presence ("last seen"): written at most once a minute, kept after a rollback, not redone after a commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from app.models import AccessToken, User
from app.models.base import utcnow
from app.services import access_tokens, presence


@contextmanager
def _updates(session: Session) -> Iterator[list[str]]:
    """The UPDATE statements ``session``'s engine runs inside the block (the list grows as they run)."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement: str, *args) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def test_presence_is_kept_after_a_rollback_not_after_a_commit(session: Session, user: User) -> None:
    access_tokens.create(session, user_id=user.id, name="ci", scope="read", expires_days=30)
    session.commit()
    row = session.exec(select(AccessToken)).one()
    an_hour_ago = utcnow() - timedelta(hours=1)
    row.last_used_at = user.last_active_at = an_hour_ago
    session.commit()
    with _updates(session) as updates:
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
