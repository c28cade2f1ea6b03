"""Audit log retention (issue 18): the daily job deletes events older than the instance's
``audit_retention_days``, records ``audit.prune`` with the count and the anchor, and the chain that
is left still verifies. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from app.models import AuditEvent
from app.models.base import utcnow
from app.services import audit, audit_retention, instance
from tests.utils.factories import quick_user

ANN = audit.Actor(user_id=uuid.uuid4(), email="ann@example.com", ip="10.0.0.1")


def aged(session: Session, ages_in_days: list[int]) -> list[AuditEvent]:
    """One event per age, oldest first, hashed as if written then."""
    for i, _ in enumerate(ages_in_days):
        audit.record(session, actor=ANN, action="auth.sign_in", details={"i": i})
    rows = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())
    prev = audit.GENESIS
    for row, days in zip(rows, ages_in_days, strict=True):
        row.at = utcnow() - timedelta(days=days)
        row.prev_hash, row.hash = prev, audit.row_hash(prev, row)
        prev = row.hash
        session.add(row)
    session.commit()
    return rows


@pytest.fixture(autouse=True)
def _fresh_settings():
    instance.clear_cache()
    yield
    instance.clear_cache()


def test_audit_retention_prunes_old_events_and_the_rest_verifies(session: Session) -> None:
    admin = quick_user(session)
    rows = aged(session, [400, 200, 40, 1])
    instance.update(session, admin_id=admin.id, changes={"audit_retention_days": 100})
    session.commit()
    kept_first = rows[2]
    before = len(session.exec(select(AuditEvent)).all())

    assert audit_retention.prune_expired(session) == 2
    session.commit()

    left = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())
    assert len(left) == before - 2 + 1
    assert left[0].id == kept_first.id
    prune = left[-1]
    assert (prune.action, prune.surface, prune.actor_id) == ("audit.prune", "system", None)
    assert prune.details == {
        "deleted": 2, "retention_days": 100, "oldest_kept_id": kept_first.id, "anchor": kept_first.prev_hash,
    }  # fmt: skip
    assert audit.verify(session) == audit.Verification(checked=len(left))

    assert audit_retention.prune_expired(session) == 0  # nothing more to prune: no new event
    session.commit()
    assert len(session.exec(select(AuditEvent)).all()) == len(left)


def test_audit_retention_when_everything_is_old(session: Session) -> None:
    aged(session, [900, 800])  # the default retention is 365 days
    assert audit_retention.prune_expired(session) == 2
    session.commit()
    (only,) = session.exec(select(AuditEvent)).all()
    assert only.action == "audit.prune"
    assert only.details["anchor"] == only.prev_hash == audit.GENESIS
    assert audit.verify(session).ok


def test_audit_retention_daily_task_runs_and_keeps_going(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []

    def fake_once() -> int:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("database away")
        if len(runs) == 3:
            raise asyncio.CancelledError
        return 0

    monkeypatch.setattr(audit_retention, "prune_once", fake_once)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(audit_retention.prune_daily(interval_seconds=0))
    assert len(runs) == 3  # a failed run did not end the schedule
