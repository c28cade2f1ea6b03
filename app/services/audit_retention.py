"""Audit log retention (issue 18): events older than the instance's ``audit_retention_days`` go, daily.

Pruning deletes from the start of the chain, so what stays still verifies: the oldest kept row's
``prev_hash`` is the anchor (:func:`app.services.audit.verify` checks links from there on). The
prune itself is an ``audit.prune`` event (how many went, the anchor), so a shortened log says why.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlmodel import Session, col, select

from app.core.db import session_scope
from app.models import AuditEvent
from app.services import audit, instance

log = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 24 * 60 * 60


def prune_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete the events older than the retention and record that (in the caller's transaction)."""
    days = instance.get(session, fresh=True).audit_retention_days
    pruned = audit.prune(session, older_than_days=days, now=now)
    if pruned:
        first = session.exec(select(AuditEvent).order_by(col(AuditEvent.id)).limit(1)).first()
        audit.record(
            session,
            actor=audit.Actor.system(),
            action="audit.prune",
            target_type="audit_log",
            details={
                "deleted": pruned,
                "retention_days": days,
                "oldest_kept_id": first.id if first else None,
                "anchor": first.prev_hash if first else audit.GENESIS,
            },
        )
    return pruned


def prune_once() -> int:
    """One run of the job in its own transaction (the CLI and the daily task)."""
    with session_scope() as session:
        return prune_expired(session)


async def prune_daily(interval_seconds: float = PRUNE_INTERVAL_SECONDS) -> None:
    """The app's background task: prune at start-up, then every ``interval_seconds``; a failure is
    logged and the next run still comes."""
    while True:
        try:
            pruned = await asyncio.to_thread(prune_once)
            if pruned:
                log.info("audit retention: %d events older than the retention deleted", pruned)
        except Exception:  # a bad run must not end the schedule
            log.exception("audit retention prune failed")
        await asyncio.sleep(interval_seconds)
