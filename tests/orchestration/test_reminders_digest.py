"""The daily digest on SQLite and PostgreSQL (``app_db``), against a real SMTP server: one email a
day at the person's local time with today's and overdue tasks, claimed once per local date even
when two instances tick at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core.db import session_scope
from app.models import Notification, User
from app.orchestration.reminders import SchedulerConfig, TickReport, digest_due, send_digests, tick
from app.services import tasks
from app.services.clock import user_today, zone
from tests.utils.factories import quick_user
from tests.utils.smtp import free_port, smtp_server

HONOLULU = "Pacific/Honolulu"  # UTC-10, no daylight saving


def honolulu_person(engine: sa.Engine, digest_at: time | None = time(8, 0)) -> User:
    with Session(engine, expire_on_commit=False) as s:
        user = quick_user(s)
        user.time_zone = HONOLULU
        user.digest_at = digest_at
        s.add(user)
        s.commit()
        return user


def at_local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock).replace(tzinfo=zone(HONOLULU)).astimezone(UTC)


def notes(engine: sa.Engine, user: User) -> list[Notification]:
    with Session(engine) as s:
        return list(s.exec(select(Notification).where(Notification.user_id == user.id)).all())


def test_digest_due_window():
    assert digest_due(time(8), None, datetime(2027, 1, 5, 8, 0))
    assert digest_due(time(8), date(2027, 1, 4), datetime(2027, 1, 5, 8, 59))
    assert not digest_due(time(8), date(2027, 1, 5), datetime(2027, 1, 5, 8, 30))  # sent today
    assert not digest_due(time(8), None, datetime(2027, 1, 5, 7, 59))  # not yet
    assert not digest_due(time(8), None, datetime(2027, 1, 5, 9, 0))  # over an hour late: skipped today


def test_one_digest_a_day_at_the_persons_local_time_with_today_and_overdue(app_db):
    ann = honolulu_person(app_db)
    with session_scope() as s:
        today = user_today(s, user_id=ann.id)
        tasks.create_task(
            s, user_id=ann.id, data={"title": "send invoice", "due_date": today, "due_time": "15:00"}
        )
        tasks.create_task(
            s, user_id=ann.id, data={"title": "return books", "due_date": today - timedelta(days=2)}
        )
        tasks.create_task(
            s, user_id=ann.id, data={"title": "next week", "due_date": today + timedelta(days=7)}
        )
        done = tasks.create_task(s, user_id=ann.id, data={"title": "finished", "due_date": today})
        tasks.complete_task(s, user_id=ann.id, task_id=done.id)
    with smtp_server() as (url, sink):
        cfg = SchedulerConfig(instance_id="a", smtp_url=url)
        assert tick(at_local(today, time(7, 59)), config=cfg).digests == 0
        assert tick(at_local(today, time(8, 5)), config=cfg).digests == 1
        assert tick(at_local(today, time(8, 30)), config=cfg).digests == 0  # once a day
        assert tick(at_local(today + timedelta(days=1), time(8, 1)), config=cfg).digests == 1  # next day
    first = sink.messages[0]
    assert sink.recipients[0] == [ann.email]
    assert first["Subject"] == "Ticked: 1 due today, 1 overdue"
    text = sink.text_of(first)
    assert "send invoice (today 15:00)" in text
    assert (
        f"return books (overdue since {today - timedelta(days=2):%a} {(today - timedelta(days=2)).day}"
        in text
    )
    assert "next week" not in text
    assert "finished" not in text
    assert f"({HONOLULU})" in text
    with Session(app_db) as s:
        assert s.get(User, ann.id).digest_sent_on == today + timedelta(days=1)
    assert [n.kind for n in notes(app_db, ann)] == ["digest", "digest"]


def test_two_instances_at_the_same_moment_send_one_digest(app_db):
    people = [honolulu_person(app_db) for _ in range(4)]
    with session_scope() as s:
        today = user_today(s, user_id=people[0].id)
        for p in people:
            tasks.create_task(s, user_id=p.id, data={"title": "water plants", "due_date": today})
    moment = at_local(today, time(8, 0, 30))
    with smtp_server() as (url, sink):
        barrier = threading.Barrier(2)
        reports: list[TickReport] = []

        def instance(name: str) -> None:
            report = TickReport()
            barrier.wait()
            send_digests(moment, SchedulerConfig(instance_id=name, smtp_url=url), report)
            reports.append(report)

        threads = [threading.Thread(target=instance, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sum(r.digests for r in reports) == 4
    assert sorted(r[0] for r in sink.recipients) == sorted(p.email for p in people)


def test_no_digest_without_smtp_or_when_off_or_nothing_due_and_a_failed_one_is_shown(app_db):
    off = honolulu_person(app_db, digest_at=None)
    idle = honolulu_person(app_db)
    busy = honolulu_person(app_db)
    with session_scope() as s:
        today = user_today(s, user_id=busy.id)
        for p in (off, busy):
            tasks.create_task(s, user_id=p.id, data={"title": "something", "due_date": today})
    moment = at_local(today, time(8, 10))
    assert tick(moment, config=SchedulerConfig(smtp_url="")).digests == 0  # no SMTP_URL: no digest
    with Session(app_db) as s:
        assert s.get(User, busy.id).digest_sent_on is None
    down = SchedulerConfig(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    report = tick(moment, config=down)
    assert report.digests == 0
    assert notes(app_db, off) == []
    assert notes(app_db, idle) == []  # nothing due: no email, no line
    [failed] = notes(app_db, busy)
    assert (failed.kind, failed.title) == ("failed", "Daily digest email not sent")
    assert "1 due today, 0 overdue" in failed.body
