"""The reminder scheduler on SQLite and PostgreSQL (``app_db``), against a real SMTP server
(aiosmtpd on a local port): a due reminder rings the bell and emails once, late ones after a
restart are sent or missed, an SMTP outage is retried with backoff and then shown as failed.

Each test drives :func:`app.orchestration.reminders.tick` with an explicit ``now``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.db import session_scope
from app.models import Notification, Reminder, User
from app.models.base import utcnow
from app.orchestration import reminders as scheduler
from app.orchestration.reminders import SchedulerConfig, tick
from app.services import links, live, tasks
from tests.utils.factories import quick_user
from tests.utils.smtp import free_port, smtp_server

BASE = "http://ticked.test"


def config(smtp_url: str = "", instance: str = "one", **extra) -> SchedulerConfig:
    return SchedulerConfig(instance_id=instance, smtp_url=smtp_url, base_url=BASE, **extra)


def person(engine: sa.Engine, *, zone: str = "UTC", email_reminders: bool = True) -> User:
    with Session(engine, expire_on_commit=False) as s:
        user = quick_user(s)
        user.time_zone = zone
        user.email_reminders = email_reminders
        s.add(user)
        s.commit()
        return user


def soon(hours: float = 2) -> datetime:
    """A wall-clock minute ``hours`` from now (UTC), naive."""
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0, tzinfo=None)


def remind(user: User, title: str, at: datetime, **fields) -> uuid.UUID:
    """A task through the task service with one reminder at ``at`` on the user's wall clock."""
    with session_scope() as s:
        task = tasks.create_task(
            s,
            user_id=user.id,
            data={"title": title, "reminders": [{"at": at.strftime("%Y-%m-%dT%H:%M")}], **fields},
        )
        return task.id


def rows(engine: sa.Engine) -> list[Reminder]:
    with Session(engine) as s:
        return list(s.exec(select(Reminder).order_by(col(Reminder.fire_at))).all())


def bell(engine: sa.Engine, user: User) -> list[Notification]:
    with Session(engine) as s:
        stmt = (
            select(Notification).where(Notification.user_id == user.id).order_by(col(Notification.created_at))
        )
        return list(s.exec(stmt).all())


def test_a_due_reminder_rings_the_bell_and_emails_once_with_its_time_in_the_persons_zone(app_db):
    ann = person(app_db, zone="Europe/Paris")
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(scheduler.zone("Europe/Paris")).date()
    title = "Call <b>mom</b> & dad"
    task_id = remind(
        ann, title, datetime.combine(tomorrow, time(16, 30)), due_date=tomorrow, due_time="17:00"
    )
    [row] = rows(app_db)
    assert row.local_at == f"{tomorrow.isoformat()}T16:30"
    with smtp_server() as (url, sink):
        early = tick(row.fire_at - timedelta(seconds=30), config=config(url))
        assert (early.claimed, sink.messages, bell(app_db, ann)) == (0, [], [])
        report = tick(row.fire_at + timedelta(seconds=5), config=config(url))
        assert (report.claimed, report.sent, report.emailed) == (1, 1, 1)
        again = tick(row.fire_at + timedelta(minutes=10), config=config(url))
        assert again.claimed == 0
    [message] = sink.messages
    assert sink.recipients == [[ann.email]]
    assert message["Subject"] == f"Reminder: {title}"
    text = sink.text_of(message)
    assert f"Due {tomorrow:%a} {tomorrow.day} {tomorrow:%b %Y}, 17:00 (Europe/Paris)" in text
    assert "<b>" not in sink.html_of(message)  # the title is escaped in the HTML part
    assert "Call &lt;b&gt;mom&lt;/b&gt; &amp; dad" in sink.html_of(message)
    found = dict(re.findall(r"^(Complete|Snooze 1 hour|Snooze until tomorrow): (\S+)\r?$", text, re.M))
    assert set(found) == {"Complete", "Snooze 1 hour", "Snooze until tomorrow"}
    for label, url in found.items():
        assert url.startswith(f"{BASE}/api/links/")
        claims = links.read(url.rsplit("/", 1)[1])
        assert (claims.user_id, claims.task_id) == (ann.id, task_id)
        assert links.LABELS[claims.action] == label
    [done] = rows(app_db)
    assert (done.status, done.sent_at, done.attempts) == ("sent", row.fire_at + timedelta(seconds=5), 0)
    [line] = bell(app_db, ann)
    assert (line.kind, line.title, line.task_id, line.reminder_id) == ("reminder", title, task_id, row.id)
    assert "17:00 (Europe/Paris)" in line.body


def test_without_smtp_or_with_email_off_the_bell_still_rings(app_db):
    ann = person(app_db)
    bob = person(app_db, email_reminders=False)
    at = soon()
    remind(ann, "water plants", at)
    remind(bob, "stretch", at)
    fire = at.replace(tzinfo=UTC)
    with smtp_server() as (url, sink):
        report = tick(fire, config=config(""))  # no SMTP_URL: the bell only
        assert (report.sent, report.emailed) == (2, 0)
    assert sink.messages == []
    assert [n.title for n in bell(app_db, ann)] == ["water plants"]
    assert [n.title for n in bell(app_db, bob)] == ["stretch"]
    # with SMTP, email_reminders=False still means the bell only
    remind(bob, "again", soon(3))
    with smtp_server() as (url, sink):
        report = tick(soon(3).replace(tzinfo=UTC) + timedelta(seconds=1), config=config(url))
    assert (report.sent, report.emailed, sink.messages) == (1, 0, [])


def test_after_a_restart_a_reminder_under_an_hour_late_is_sent_and_an_older_one_missed(app_db):
    ann = person(app_db)
    old, recent = soon(2), soon(3) + timedelta(minutes=10)
    remind(ann, "pay rent", old)
    remind(ann, "buy milk", recent)
    back_up = recent.replace(tzinfo=UTC) + timedelta(minutes=50)  # the first is 1 h 10 late
    with smtp_server() as (url, sink):
        report = tick(back_up, config=config(url))
    assert (report.claimed, report.sent, report.missed) == (2, 1, 1)
    assert [m["Subject"] for m in sink.messages] == ["Reminder: buy milk"]
    assert {(r.local_at[-5:], r.status) for r in rows(app_db)} == {
        (old.strftime("%H:%M"), "missed"),
        (recent.strftime("%H:%M"), "sent"),
    }
    lines = {n.kind: n for n in bell(app_db, ann)}
    assert set(lines) == {"missed", "reminder"}
    assert lines["missed"].title == "Missed reminder: pay rent"
    assert "while Ticked was not running" in lines["missed"].body
    assert lines["reminder"].title == "buy milk"


def test_smtp_down_is_retried_with_backoff_then_failed_and_shown(app_db):
    ann = person(app_db)
    at = soon()
    remind(ann, "file taxes", at)
    fire = at.replace(tzinfo=UTC)
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    cfg = config(down, max_attempts=4, retry=timedelta(minutes=1))
    report = tick(fire, config=cfg)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    [row] = rows(app_db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, fire + timedelta(minutes=1))
    assert "ConnectionRefusedError" in (row.error or "")
    # the bell rang on time all the same, once
    assert [n.kind for n in bell(app_db, ann)] == ["reminder"]
    assert tick(fire + timedelta(seconds=59), config=cfg).claimed == 0  # backing off
    now = fire + timedelta(minutes=1)
    for attempts, wait in ((2, 2), (3, 4)):  # 1, 2, 4 minutes between attempts
        assert tick(now, config=cfg).retried == 1
        [row] = rows(app_db)
        assert (row.status, row.attempts, row.next_attempt_at) == (
            "pending",
            attempts,
            now + timedelta(minutes=wait),
        )
        assert tick(now + timedelta(minutes=wait) - timedelta(seconds=1), config=cfg).claimed == 0
        now += timedelta(minutes=wait)
    final = tick(now, config=cfg)
    assert (final.failed, final.retried) == (1, 0)
    [row] = rows(app_db)
    assert (row.status, row.attempts) == ("failed", 4)
    assert tick(now + timedelta(hours=1), config=cfg).claimed == 0  # never again
    assert [n.kind for n in bell(app_db, ann)] == ["reminder", "failed"]
    failed = bell(app_db, ann)[1]
    assert failed.title == "Reminder email not sent: file taxes"
    assert "tried 4 times" in failed.body


def test_smtp_refusing_then_accepting_sends_on_the_retry_and_the_bell_rings_once(app_db):
    ann = person(app_db)
    at = soon()
    remind(ann, "dentist", at)
    fire = at.replace(tzinfo=UTC)
    with smtp_server() as (url, sink):
        sink.fail_with = "451 4.3.0 Try again later"
        first = tick(fire, config=config(url))
        assert (first.retried, sink.messages) == (1, [])
        [row] = rows(app_db)
        assert "451" in (row.error or "")
        sink.fail_with = None
        second = tick(fire + timedelta(minutes=1), config=config(url))
        assert (second.sent, second.emailed) == (1, 1)
    assert [m["Subject"] for m in sink.messages] == ["Reminder: dentist"]
    [row] = rows(app_db)
    assert (row.status, row.attempts, row.error) == ("sent", 1, None)
    assert [n.kind for n in bell(app_db, ann)] == ["reminder"]


def test_a_reminder_whose_task_was_completed_meanwhile_is_not_sent(app_db):
    ann = person(app_db)
    at = soon()
    task_id = remind(ann, "done already", at)
    fire = at.replace(tzinfo=UTC)
    ids = scheduler.claim(fire, config())
    assert len(ids) == 1
    with session_scope() as s:  # completed between the claim and the delivery (sync leaves a claimed row)
        tasks.complete_task(s, user_id=ann.id, task_id=task_id)
    report = scheduler.TickReport()
    scheduler._deliver(ids, fire, fire, config(), report)
    assert (report.dropped, report.sent) == (1, 0)
    assert rows(app_db) == []
    assert bell(app_db, ann) == []


def test_the_lifespan_task_delivers_without_blocking_the_event_loop(app_db, monkeypatch):
    ann = person(app_db)
    at = (utcnow() + timedelta(minutes=2)).replace(second=0, microsecond=0, tzinfo=None)
    remind(ann, "stand up", at)
    with Session(app_db) as s:  # fall due now (as if the clock had moved on)
        s.execute(sa.update(Reminder).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    ticks: list[scheduler.TickReport] = []
    real_tick = scheduler.tick

    def slow_tick(*args, **kwargs):
        import time as clock

        clock.sleep(1.0)  # a slow database: the loop must keep answering meanwhile
        ticks.append(real_tick(*args, **kwargs))
        return ticks[-1]

    monkeypatch.setattr(scheduler, "tick", slow_tick)

    async def main() -> float:
        task = asyncio.create_task(scheduler.run_scheduler(interval_seconds=0.05))
        worst, last = 0.0, asyncio.get_running_loop().time()
        while not any(t.sent for t in ticks):
            await asyncio.sleep(0.01)
            now = asyncio.get_running_loop().time()
            worst, last = max(worst, now - last), now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return worst

    worst = asyncio.run(asyncio.wait_for(main(), timeout=20))
    assert worst < 0.5  # never the 1 s the tick takes
    assert [n.title for n in bell(app_db, ann)] == ["stand up"]


def test_a_slow_smtp_server_makes_an_instance_hand_back_what_it_cannot_send_within_the_lease(
    app_db, monkeypatch
):
    ann = person(app_db)
    at = soon()
    for i in range(5):
        remind(ann, f"slow {i}", at)
    fire = at.replace(tzinfo=UTC)
    monkeypatch.setattr(scheduler, "EMAIL_CHUNK", 2)
    with smtp_server() as (url, sink):
        sink.delay = 0.15  # 2 messages per chunk: 0.3 s, past half the 0.4 s lease
        cfg = config(url, connections=1, lease=timedelta(seconds=0.4))
        first = tick(fire, config=cfg)
        assert (first.emailed, first.released) == (2, 3)
        assert Counter(r.status for r in rows(app_db)) == Counter({"sent": 2, "pending": 3})
        assert {r.attempts for r in rows(app_db)} == {0}
        sink.delay = 0
        second = tick(fire + timedelta(seconds=1), config=config(url))  # any instance, the usual lease
        assert second.emailed == 3
    assert sorted(m["Subject"] for m in sink.messages) == [f"Reminder: slow {i}" for i in range(5)]
    assert sorted(n.title for n in bell(app_db, ann)) == [f"slow {i}" for i in range(5)]


def test_a_delivered_reminder_tells_the_persons_open_pages_to_refresh(app_db):
    ann = person(app_db)
    at = soon()
    remind(ann, "live one", at)
    fire = at.replace(tzinfo=UTC)

    async def main() -> dict:
        stream = live.subscribe()
        first = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)  # subscribed
        report = await asyncio.to_thread(tick, fire, config=config())
        assert report.sent == 1
        message = await asyncio.wait_for(first, timeout=5)
        await stream.aclose()
        return message

    message = asyncio.run(main())
    assert message["users"] == [str(ann.id)]
    assert message["projects"] == []
