"""Benchmark: 10,000 reminders due in the same minute, sent exactly once, and how late.

Seeds ``BENCH_REMINDERS`` (default 10,000) tasks of 100 people, each with one reminder, due
all at one instant a few seconds after seeding (or spread: ``BENCH_SPREAD``) (rows written in bulk, as
``app.services.reminders.sync`` writes them). Then ``BENCH_INSTANCES`` schedulers (default 2, one
thread each, as two app instances would) run :func:`app.orchestration.reminders.tick` every
``BENCH_POLL`` seconds (default 1; the app's default ``REMINDER_POLL_SECONDS`` is 5) until every
reminder is out. Every reminder is emailed to a real SMTP server on localhost (aiosmtpd, in this
process) and rings the bell. Checks: each reminder ``sent`` once, one bell line each, one email
each; prints the lag (``sent_at - fire_at``) p50 / p95 / max and the throughput, on SQLite and on
PostgreSQL (127.0.0.1:5432, a scratch database; skipped when unreachable).

    .venv/bin/python bench/reminders.py
    BENCH_REMINDERS=2000 BENCH_INSTANCES=1 .venv/bin/python bench/reminders.py

No server is started, so it needs no ``flock /tmp/ticked-web.lock``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JWT_SECRET", "bench-secret-" + uuid.uuid4().hex)
os.environ.setdefault("ENCRYPTION_KEY", "bench-encryption-key-" + uuid.uuid4().hex)

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

import app.models  # noqa: F401
from app.core import db
from app.core.config import get_settings
from app.models import Notification, Reminder, Task, User
from app.models.base import utcnow
from app.orchestration.reminders import SchedulerConfig, tick
from app.services import projects
from tests.utils.smtp import free_port

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "2"))
POLL = float(os.environ.get("BENCH_POLL", "1"))
EMAIL = os.environ.get("BENCH_EMAIL", "1") != "0"
"""0: no SMTP_URL, the bell only (what the scheduler itself costs, without an SMTP server)."""
SPREAD = float(os.environ.get("BENCH_SPREAD", "0"))
"""Seconds the fire times spread over: 0 (default) is every reminder at the same instant, as
reminders are set to the minute ("at 09:00"); 60 spreads them evenly over the minute."""
PEOPLE = 100
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


SINK = """
import sys
from aiosmtpd.controller import Controller

class Counting:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Counting.count += 1
        return "250 OK"

controller = Controller(Counting(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.readline()  # the benchmark says when it is over
controller.stop()
print(Counting.count, flush=True)
"""
"""The SMTP server, in a process of its own like a real one (in this process it took CPU time from
the schedulers it measures)."""


def seed(engine: sa.Engine, start) -> None:
    """``COUNT`` tasks with one reminder each, fire times spread over the minute from ``start``."""
    with Session(engine) as s:
        people = []
        for i in range(PEOPLE):
            user = User(email=f"p{i}-{uuid.uuid4().hex[:6]}@example.com", hashed_password="-")
            s.add(user)
            s.flush()
            people.append((user.id, projects.inbox(s, user_id=user.id).id))
        s.commit()
        task_rows, reminder_rows = [], []
        step = timedelta(seconds=SPREAD) / COUNT
        for i in range(COUNT):
            user_id, project_id = people[i % PEOPLE]
            fire = start + step * i
            local = fire.strftime("%Y-%m-%dT%H:%M")
            task_id = uuid.uuid4()
            task_rows.append(
                {
                    "id": task_id,
                    "user_id": user_id,
                    "project_id": project_id,
                    "title": f"reminder {i}",
                    "reminders": [{"at": local}],
                }
            )
            reminder_rows.append(
                {
                    "id": uuid.uuid4(),
                    "task_id": task_id,
                    "user_id": user_id,
                    "spec": f"at:{local}",
                    "local_at": local,
                    "fire_at": fire,
                    "next_attempt_at": fire,
                    "status": "pending",
                    "attempts": 0,
                }
            )
        for chunk in range(0, COUNT, 1000):
            s.execute(sa.insert(Task), task_rows[chunk : chunk + 1000])
            s.execute(sa.insert(Reminder), reminder_rows[chunk : chunk + 1000])
        s.commit()


def run(label: str, url: str) -> dict[str, object]:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.reset_engine()
    engine = db.get_engine()
    SQLModel.metadata.create_all(engine)
    start = (utcnow() + timedelta(seconds=8)).replace(microsecond=0)
    t0 = time.perf_counter()
    seed(engine, start)
    seeded_s = time.perf_counter() - t0
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout is not None
    assert sink.stdin is not None
    assert sink.stdout.readline().strip() == "ready"
    smtp_url = f"smtp://127.0.0.1:{port}"
    stop = threading.Event()
    errors: list[str] = []

    def instance(n: int) -> None:
        cfg = SchedulerConfig(
            instance_id=f"bench-{n}", smtp_url=smtp_url if EMAIL else "", base_url="http://bench"
        )
        while not stop.is_set():
            began = time.monotonic()
            try:
                report = tick(config=cfg)
                errors.extend(report.errors)
            except Exception as exc:  # noqa: BLE001 - report and keep ticking, as the app does
                errors.append(repr(exc))
            stop.wait(max(0.0, POLL - (time.monotonic() - began)))

    while utcnow() < start - timedelta(seconds=1):
        time.sleep(0.05)
    threads = [threading.Thread(target=instance, args=(n,), daemon=True) for n in range(INSTANCES)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 600
    with Session(engine) as s:
        while time.monotonic() < deadline:
            left = s.exec(select(sa.func.count()).where(Reminder.status != "sent")).one()
            s.rollback()
            if left == 0:
                break
            time.sleep(0.25)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    sink.stdin.write("done\n")
    sink.stdin.flush()
    emails = int(sink.stdout.readline())
    sink.wait(timeout=30)
    with Session(engine) as s:
        rows = s.exec(select(Reminder.fire_at, Reminder.sent_at, Reminder.status)).all()
        lines = Counter(str(r) for r in s.exec(select(Notification.reminder_id)).all())
        claimers = Counter(s.exec(select(Reminder.claimed_by)).all())
    statuses = Counter(r[2] for r in rows)
    lags = sorted((sent - fire).total_seconds() for fire, sent, status in rows if status == "sent")
    assert statuses == Counter({"sent": COUNT}), statuses
    assert len(lines) == COUNT, "a reminder never rang the bell"
    assert set(lines.values()) == {1}, "a reminder rang the bell twice"
    assert emails == (COUNT if EMAIL else 0), f"{emails} emails for {COUNT} reminders"
    last = max(sent for _, sent, _ in rows)
    result = {
        "backend": label,
        "reminders": COUNT,
        "instances": INSTANCES,
        "poll_s": POLL,
        "sent_once": statuses["sent"],
        "emails": emails,
        "bell_lines": sum(lines.values()),
        "lag_p50_s": round(statistics.median(lags), 2),
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 2),
        "lag_max_s": round(lags[-1], 2),
        "all_out_s": round((last - start).total_seconds(), 1),
        "split": dict(claimers),
        "seed_s": round(seeded_s, 1),
        "errors": len(errors),
    }
    db.reset_engine()
    return result


def postgres_url() -> str | None:
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"ticked_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: SQLite only
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        return None


def drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATA_DIR"] = tmp
        results.append(run("SQLite", f"sqlite:///{tmp}/bench.db"))
    pg = postgres_url()
    if pg:
        try:
            results.append(run("PostgreSQL", pg))
        finally:
            drop(pg)
    due = "at the same instant" if not SPREAD else f"spread over {SPREAD:g} s"
    how = "email and bell" if EMAIL else "bell only (no SMTP_URL)"
    print(f"\n{COUNT} reminders due {due}, {how}, {INSTANCES} scheduler instances, poll {POLL:g} s\n")
    print(
        "| backend | sent once | emails | bell lines | lag p50 s | lag p95 s | lag max s | all out s | by |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        split = " / ".join(str(v) for _, v in sorted(r["split"].items()))  # type: ignore[union-attr]
        print(
            f"| {r['backend']} | {r['sent_once']} | {r['emails']} | {r['bell_lines']} | {r['lag_p50_s']} "
            f"| {r['lag_p95_s']} | {r['lag_max_s']} | {r['all_out_s']} | {split} |"
        )
    print()
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
