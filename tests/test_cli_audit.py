"""``python -m app.cli audit verify|export|prune`` (issue 18) on SQLite and PostgreSQL: an intact log
verifies (exit 0), a tampered one names the first broken event (exit 1); CSV export with --since."""

from __future__ import annotations

import csv
import os
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import AuditEvent
from app.models.base import utcnow
from app.services import audit
from tests.utils.cli import run_cli


def seed(engine: sa.Engine, n: int) -> list[int]:
    with Session(engine) as session:
        for i in range(n):
            actor = audit.Actor(user_id=uuid.uuid4(), email=f"p{i}@example.com", ip="10.0.0.9", surface="web")
            audit.record(session, actor=actor, action="auth.sign_in", details={"i": i})
        session.commit()
        return [int(i or 0) for i in session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id))).all()]


def test_cli_audit_verify_intact_and_tampered(app_db, capsys) -> None:
    assert run_cli(["audit", "verify"], capsys) == (0, "Audit log intact: 0 events.\n", "")
    ids = seed(app_db, 3)
    assert run_cli(["audit", "verify"], capsys) == (0, "Audit log intact: 3 events.\n", "")

    with app_db.begin() as conn:  # someone edits a row behind the app's back
        conn.execute(
            sa.update(AuditEvent).where(col(AuditEvent.id) == ids[1]).values(actor_email="x@example.com")
        )
    code, out, err = run_cli(["audit", "verify"], capsys)
    assert (code, out) == (1, "")
    assert err == f"error: Audit log broken at event #{ids[1]}: its contents do not match its hash.\n"


def test_cli_audit_export_csv_since(app_db, capsys, tmp_path) -> None:
    seed(app_db, 2)
    with Session(app_db) as session:  # one old event, rehashed as if written then
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        rows[0].at = utcnow() - timedelta(days=10)
        prev = audit.GENESIS
        for row in rows:
            row.prev_hash, row.hash = prev, audit.row_hash(prev, row)
            prev = row.hash
            session.add(row)
        session.commit()
    out_file = tmp_path / "audit.csv"
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    code, out, err = run_cli(["audit", "export", "--csv", str(out_file), "--since", since], capsys)
    assert (code, err) == (0, "")
    got = list(csv.DictReader(out_file.open()))
    # the newer sign-in and the export's own event (recorded before the file is written)
    assert [r["action"] for r in got] == ["auth.sign_in", "audit.export"]
    assert got[1]["surface"] == "cli"
    assert out == f"Wrote 2 audit events to {out_file}.\n"
    assert os.stat(out_file).st_mode & 0o777 == 0o600

    code, _, err = run_cli(["audit", "export", "--csv", str(tmp_path / "x.csv"), "--since", "soon"], capsys)
    assert code == 1
    assert "enter a date like 2026-12-31" in err
    assert not (tmp_path / "x.csv").exists()
    assert run_cli(["audit", "verify"], capsys)[0] == 0
