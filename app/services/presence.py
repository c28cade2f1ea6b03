"""When a person, a sign-in session or an access token was last seen (``users.last_active_at``,
``auth_tokens.last_seen_at``, ``access_tokens.last_used_at``): one rule for every surface.

Any authenticated request notes its credential and its person as seen (:func:`seen`), at most once
a minute each (:data:`EVERY`), in the request's own transaction. A request that is then refused
(a 404, a 422, ...) rolls that transaction back, and with it the write: each refused request wrote
it again, and on SQLite took the write lock for what was only a read. So the writes are noted on the
session until it commits, and after such a rollback the caller calls :func:`keep`, which writes them
again in a transaction of their own: a refused request is still the person seen.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Executable
from sqlmodel import Session, col

from app.models import AccessToken, AuthToken, User

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=1)
"""How stale "last seen" may get before a request writes it again: a busy script or a page polling
must not write on every call."""

_STAMP = {AuthToken: "last_seen_at", AccessToken: "last_used_at"}
"""Each credential's "last seen" column."""

_DUE = "ticked.presence"
"""``session.info`` key: the presence statements run since the session's last commit."""
_DEFERRED = "ticked.presence.deferred"
"""``session.info`` key: the statements a deferring session noted instead of running (:func:`defer`)."""


def seen(session: Session, credential: AuthToken | AccessToken, user: User, now: datetime) -> None:
    """Note ``credential`` and its ``user`` as seen at ``now``: each written when it is over
    :data:`EVERY` old, in the session's transaction."""
    kind = type(credential)
    stamp = _STAMP[kind]
    if _stale(getattr(credential, stamp), now):
        _write(session, sa.update(kind).where(col(kind.id) == credential.id).values({stamp: now}))
    if _stale(user.last_active_at, now):
        _write(session, sa.update(User).where(col(User.id) == user.id).values(last_active_at=now))


def _stale(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last > EVERY


def _write(session: Session, statement: Executable) -> None:
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.append(statement)
        return
    session.execute(statement)
    session.info.setdefault(_DUE, []).append(statement)


def defer(session: Session) -> None:
    """Make :func:`seen` note its writes on ``session`` instead of running them, for a read-only
    transaction (``app.core.db.loop_read_scope``); the caller takes them with :func:`deferred` and
    runs them with :func:`write` where waiting for the write lock is harmless."""
    session.info[_DEFERRED] = []


def deferred(session: Session) -> list[Executable]:
    """The writes ``session`` deferred (forgotten there: each is taken once)."""
    return session.info.pop(_DEFERRED, None) or []


@event.listens_for(OrmSession, "after_commit")
def _kept(session: OrmSession) -> None:
    """A commit kept them: a later rollback of the same session has nothing to write again."""
    session.info.pop(_DUE, None)


def keep(session: Session) -> None:
    """After ``session`` rolled back: its presence writes again, committed on their own. Best effort:
    a failure (the database gone, as the refusal may have been) is logged and changes nothing else."""
    write(session, session.info.pop(_DUE, None) or [])


def write(session: Session, statements: list[Executable]) -> None:
    """Run presence ``statements`` and commit them, on their own. Best effort: a failure (the
    database gone, as a refusal may have been) is logged and changes nothing else."""
    if not statements:
        return
    try:
        for statement in statements:
            session.execute(statement)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - "last seen" must never turn into the request's error
        session.rollback()
        log.info("presence not written: %s", exc.__class__.__name__)
