"""When a person, a sign-in session or an access token was last seen (``users.last_active_at``,
``auth_tokens.last_seen_at``, ``access_tokens.last_used_at``).

Any authenticated request writes them, at most once a minute each (``auth.SEEN_EVERY``,
``access_tokens.USED_EVERY``), in the request's own transaction. A request that is then refused
(a 404, a 422, ...) rolls that transaction back, and with it the write: each refused request wrote
it again, and on SQLite took the write lock for what was only a read. So the write is noted here,
and after such a rollback the caller calls :func:`keep`, which writes it again in a transaction of
its own: a refused request is still the person seen.
"""

from __future__ import annotations

import logging

from sqlalchemy.sql import Executable
from sqlmodel import Session

log = logging.getLogger(__name__)

_DUE = "ticked.presence"
"""``session.info`` key: the presence statements the session's transaction has run."""


def write(session: Session, statement: Executable) -> None:
    """Run a presence ``UPDATE`` in the session's transaction, noted for :func:`keep`."""
    session.execute(statement)
    session.info.setdefault(_DUE, []).append(statement)


def keep(session: Session) -> None:
    """After ``session`` rolled back: its presence writes again, committed on their own. Best effort:
    a failure (the database gone, as the refusal may have been) is logged and changes nothing else."""
    due = session.info.pop(_DUE, None)
    if not due:
        return
    try:
        for statement in due:
            session.execute(statement)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - "last seen" must never turn into the request's error
        session.rollback()
        log.info("presence not kept after a rollback: %s", exc.__class__.__name__)
