"""Exactly once across instances, on SQLite and PostgreSQL (``app_db``): two schedulers racing over
the same due reminders deliver each once; an instance killed (SIGKILL) between claiming and sending
leaves its reminders to the next tick after the lease, which sends each once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.db import session_scope
from app.models import Notification, Reminder
from app.models.base import utcnow
from app.orchestration.reminders import SchedulerConfig, TickReport, tick
from app.services import tasks
from tests.utils.factories import quick_user
from tests.utils.smtp import smtp_server

ROOT = Path(__file__).resolve().parents[2]
COUNT = 60


def due_reminders(engine: sa.Engine, count: int) -> datetime:
    """``count`` tasks of three people, each with one reminder at the same minute; that minute (UTC)."""
    at = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0, tzinfo=None)
    with Session(engine, expire_on_commit=False) as s:
        people = [quick_user(s) for _ in range(3)]
    with session_scope() as s:
        for i in range(count):
            tasks.create_task(
                s,
                user_id=people[i % 3].id,
                data={"title": f"task {i}", "reminders": [{"at": at.strftime("%Y-%m-%dT%H:%M")}]},
            )
    return at.replace(tzinfo=UTC)


def states(engine: sa.Engine) -> Counter[str]:
    with Session(engine) as s:
        return Counter(s.exec(select(Reminder.status)).all())


def bell_lines(engine: sa.Engine) -> Counter[str]:
    """How many bell lines each reminder has."""
    with Session(engine) as s:
        return Counter(str(r) for r in s.exec(select(Notification.reminder_id)).all())


def test_two_schedulers_racing_deliver_every_reminder_exactly_once(app_db):
    fire = due_reminders(app_db, COUNT)
    with smtp_server() as (url, sink):
        barrier = threading.Barrier(2)
        reports: dict[str, list[TickReport]] = {"a": [], "b": []}
        errors: list[BaseException] = []

        def instance(name: str) -> None:
            cfg = SchedulerConfig(instance_id=name, smtp_url=url, base_url="http://t", batch=7)
            barrier.wait()
            try:
                for step in range(4):  # a few ticks each, at the same instants
                    reports[name].append(tick(fire + timedelta(seconds=step), config=cfg))
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=instance, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert errors == []
    sent = {name: sum(r.sent for r in rs) for name, rs in reports.items()}
    assert sum(sent.values()) == COUNT
    assert states(app_db) == Counter({"sent": COUNT})
    subjects = Counter(m["Subject"] for m in sink.messages)
    assert len(sink.messages) == COUNT
    assert set(subjects.values()) == {1}
    lines = bell_lines(app_db)
    assert len(lines) == COUNT
    assert set(lines.values()) == {1}
    with Session(app_db) as s:
        claimers = set(s.exec(select(Reminder.claimed_by)).all())
    assert claimers <= {"a", "b"}


CLAIM_THEN_HANG = """
import sys
from datetime import datetime
from app.orchestration.reminders import SchedulerConfig, tick
now = datetime.fromisoformat(sys.argv[1])
tick(now, config=SchedulerConfig(instance_id="doomed", smtp_url=sys.argv[2], base_url="http://t"))
"""


def test_an_instance_killed_between_claim_and_send_leaves_them_to_the_next_tick_after_the_lease(app_db):
    fire = due_reminders(app_db, 5)
    # An SMTP server that accepts connections and never says a word: the doomed instance claims,
    # then waits for its greeting, and is killed there, before anything is sent.
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)
    url = app_db.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CLAIM_THEN_HANG,
            fire.isoformat(),
            f"smtp://127.0.0.1:{mute.getsockname()[1]}",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
    )
    try:
        deadline = time.monotonic() + 60
        while states(app_db) != Counter({"sending": 5}):
            assert proc.poll() is None, "the doomed instance ended by itself"
            assert time.monotonic() < deadline, states(app_db)
            time.sleep(0.05)
        time.sleep(0.2)  # it is now inside the SMTP handshake
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        mute.close()
    with Session(app_db) as s:
        assert set(s.exec(select(Reminder.claimed_by)).all()) == {"doomed"}
    assert bell_lines(app_db) == Counter()

    with smtp_server() as (smtp_url, sink):
        cfg = SchedulerConfig(instance_id="survivor", smtp_url=smtp_url, base_url="http://t")
        within_lease = tick(fire + cfg.lease - timedelta(seconds=1), config=cfg)
        assert within_lease.claimed == 0  # the doomed claim still holds: maybe it is just slow
        after = tick(fire + cfg.lease + timedelta(seconds=1), config=cfg)
        assert (after.claimed, after.sent, after.emailed) == (5, 5, 5)
        assert tick(fire + cfg.lease + timedelta(minutes=1), config=cfg).claimed == 0
    assert len(sink.messages) == 5
    assert states(app_db) == Counter({"sent": 5})
    with Session(app_db) as s:
        rows = s.exec(select(Reminder).order_by(col(Reminder.id))).all()
    assert {r.claimed_by for r in rows} == {"survivor"}
    assert {r.attempts for r in rows} == {0}
    lines = bell_lines(app_db)
    assert len(lines) == 5
    assert set(lines.values()) == {1}


RACER = """
import sys
from datetime import datetime, timedelta
from app.orchestration.reminders import SchedulerConfig, tick
now = datetime.fromisoformat(sys.argv[1])
cfg = SchedulerConfig(instance_id=sys.argv[2], smtp_url=sys.argv[3], base_url="http://t", batch=4)
sys.stdin.readline()  # start together
sent = sum(tick(now + timedelta(seconds=step), config=cfg).sent for step in range(3))
print(sent, flush=True)
"""


def test_two_instance_processes_racing_deliver_every_reminder_exactly_once(app_db):
    fire = due_reminders(app_db, 40)
    url = app_db.url.render_as_string(hide_password=False)
    with smtp_server() as (smtp_url, sink):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, fire.isoformat(), name, smtp_url],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for name in ("p1", "p2")
        ]
        time.sleep(2)  # both imported and waiting
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [p.returncode for p in procs] == [0, 0]
    counts = [int(out.strip()) for out in outputs]
    assert sum(counts) == 40
    assert states(app_db) == Counter({"sent": 40})
    assert len(sink.messages) == 40
    assert set(Counter(m["Subject"] for m in sink.messages).values()) == {1}
    lines = bell_lines(app_db)
    assert len(lines) == 40
    assert set(lines.values()) == {1}
