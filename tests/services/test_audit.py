"""The audit log's chain (issue 18): appended in the caller's transaction, verified end to end, broken
by any edit, insert or deletion, still verifying after retention pruned its start; CSV without
spreadsheet formulas. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import AuditEvent
from app.models.base import utcnow
from app.services import audit

ANN = audit.Actor(user_id=uuid.uuid4(), email="ann@example.com", ip="10.0.0.1", surface="web")


def _write(session: Session, n: int, action: str = "auth.sign_in") -> None:
    for i in range(n):
        audit.record(session, actor=ANN, action=action, details={"i": i})
    session.commit()


def test_audit_chain_links_every_row_and_verifies(session: Session) -> None:
    assert audit.verify(session).ok
    _write(session, 5)
    rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert rows[0].prev_hash == audit.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert audit.verify(session) == audit.Verification(checked=5)


def test_audit_chain_breaks_on_an_edit_a_deletion_or_a_forged_row(session: Session) -> None:
    _write(session, 4)
    ids = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id))).all()
    session.execute(sa.update(AuditEvent).where(col(AuditEvent.id) == ids[1]).values(ip="10.9.9.9"))
    session.commit()
    found = audit.verify(session)
    assert (found.ok, found.broken_at, found.reason) == (False, ids[1], "its contents do not match its hash")

    session.execute(sa.update(AuditEvent).where(col(AuditEvent.id) == ids[1]).values(ip="10.0.0.1"))
    session.execute(sa.delete(AuditEvent).where(col(AuditEvent.id) == ids[2]))
    session.commit()
    found = audit.verify(session)
    assert (found.broken_at, found.reason) == (ids[3], "its link to the row before does not match")


def test_audit_prune_keeps_the_rest_verifiable(session: Session) -> None:
    _write(session, 3)
    old = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()[:2]
    for row in old:  # pretend they are a year old: rehash the chain as if written then
        row.at = utcnow() - timedelta(days=400)
    prev = audit.GENESIS
    for row in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all():
        row.prev_hash, row.hash = prev, audit.row_hash(prev, row)
        prev = row.hash
        session.add(row)
    session.commit()
    assert audit.verify(session).ok
    assert audit.prune(session, older_than_days=365) == 2
    session.commit()
    assert audit.verify(session) == audit.Verification(checked=1)


def test_audit_rolled_back_change_leaves_no_row(session: Session) -> None:
    audit.record(session, actor=ANN, action="token.create")
    session.rollback()
    assert session.exec(select(AuditEvent)).all() == []


def test_audit_list_filters_and_pages_newest_first(session: Session) -> None:
    _write(session, 3, "auth.sign_in")
    _write(session, 2, "token.create")
    page = audit.list_events(session, audit.AuditQuery(action="token.", limit=1))
    assert [e.action for e in page] == ["token.create"]
    older = audit.list_events(session, audit.AuditQuery(action="token.", before_id=page[0].id))
    assert len(older) == 1
    assert older[0].id < page[0].id
    assert len(audit.list_events(session, audit.AuditQuery(actor_email="ANN@example.com "))) == 5
    assert audit.actions_seen(session) == ["auth.sign_in", "token.create"]


def test_audit_csv_has_every_row_and_no_formulas(session: Session) -> None:
    evil = audit.Actor(email="=HYPERLINK(1)@x.test", surface="api")
    audit.record(session, actor=evil, action="auth.sign_in", outcome="failed")
    session.commit()
    text = "".join(audit.export_csv(session, audit.AuditQuery()))
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,at,actor_id,actor_email,action")
    assert "'=HYPERLINK(1)@x.test" in lines[1]
    assert len(lines) == 2


def test_audit_concurrent_writers_never_fork_the_chain(engine: sa.Engine) -> None:
    def write(n: int) -> None:
        for _ in range(n):
            with Session(engine) as s:
                audit.record(s, actor=ANN, action="auth.sign_in")
                s.commit()

    threads = [threading.Thread(target=write, args=(10,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine) as s:
        assert audit.verify(s) == audit.Verification(checked=40)
