"""The reminder scheduler: each due reminder delivered exactly once, across instances (issue 17).

Every instance runs :func:`run_scheduler` (a lifespan task, ``app/app.py``), which calls
:func:`tick` every ``REMINDER_POLL_SECONDS`` in a thread of its own, so pages never wait for it.
A tick:

1. **claims** a batch of due rows of ``reminders`` (:mod:`app.models.reminder`) in one short
   transaction: ``pending`` rows whose ``next_attempt_at`` has come, and ``sending`` rows whose
   claim is older than the lease (``REMINDER_LEASE_SECONDS``: an instance killed between claim and
   send). PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE``; SQLite: one
   conditional ``UPDATE ... WHERE <still due> RETURNING id`` (SQLite has one writer at a time, so
   the condition is checked and the row changed under the same lock). Claimed rows are ``sending``
   with this instance's id and the claim time; every later write to a row is conditional on both,
   so an instance that lost its claim (it was too slow, another took over) changes nothing.
2. **marks missed** what fell due more than an hour before it could be sent (the app was down):
   ``missed``, and a "missed" line in the person's bell.
3. **delivers** the rest: a line in the bell always; an email too when ``SMTP_URL`` is set and the
   person has ``email_reminders``, with signed single-use Complete / Snooze links
   (:mod:`app.services.links`), over ``REMINDER_SMTP_CONNECTIONS`` connections at once. The bell
   line and ``sent`` are written in one transaction, after the email was handed over, and the
   person's open pages are told to refresh (:mod:`app.services.live`). An email that fails is
   retried with exponential backoff (``attempts``, ``next_attempt_at``, back to ``pending``); the
   bell line comes at once all the same. After ``REMINDER_MAX_ATTEMPTS`` failures the row is
   ``failed`` and the bell says the email never went. An SMTP server so slow that half the lease
   has gone by makes the instance hand the rest of its claim back (``pending``, no attempt counted).
4. sends the **daily digests** that are due: one per person per local date, claimed with a
   conditional ``UPDATE users SET digest_sent_on = <their date>``.

Exactly once: the bell line is written with the row's transition to its final state, so it is
exactly once whatever crashes. An email is handed to SMTP before that transition, so an instance
killed after handing it over and before committing sends it again when the lease lapses (at least
once); nothing else resends it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time as monotonic_clock
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import Message
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.config import Settings, get_settings
from app.core.db import get_engine, is_database_outage, session_scope
from app.models import Notification, NotificationKind, Reminder, ReminderStatus, Task, User
from app.models.base import utcnow
from app.services import links, live, mail, notifications, tasks
from app.services.clock import zone
from app.services.reminders import to_utc

log = logging.getLogger("ticked.reminders")

INSTANCE_ID = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
"""This process's name in ``claimed_by``."""
LATE_LIMIT = timedelta(hours=1)
"""A reminder (or a digest) later than this is missed rather than sent."""
BATCH = 500
"""Rows claimed per transaction."""
EMAIL_CHUNK = 100
"""Emails handed over between two commits: what a crash at the wrong moment could send twice."""
DIGEST_LIMIT = 50
"""Tasks listed per section of a digest."""


@dataclass(frozen=True)
class SchedulerConfig:
    """What a tick needs from the settings (tests and the benchmark make their own)."""

    instance_id: str = INSTANCE_ID
    smtp_url: str = ""
    mail_from: str = "Ticked <ticked@localhost>"
    base_url: str = "http://localhost:8000"
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    retry: timedelta = timedelta(minutes=1)
    batch: int = BATCH
    connections: int = 4
    """SMTP connections used at once: a remote server's round trips, not CPU, bound the rate."""

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> SchedulerConfig:
        s = settings or get_settings()
        values: dict[str, Any] = {
            "smtp_url": s.smtp_url.strip(),
            "mail_from": s.mail_from,
            "base_url": s.link_base_url,
            "lease": timedelta(seconds=s.reminder_lease_seconds),
            "max_attempts": s.reminder_max_attempts,
            "retry": timedelta(seconds=s.reminder_retry_seconds),
            "connections": s.reminder_smtp_connections,
        }
        return cls(**{**values, **overrides})


@dataclass
class TickReport:
    """What one tick did (counts), for logs, tests and the benchmark."""

    claimed: int = 0
    sent: int = 0
    emailed: int = 0
    missed: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    released: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)

    def busy(self) -> bool:
        return bool(self.claimed or self.digests)


@dataclass(frozen=True)
class _Job:
    """A claimed reminder with what delivering it needs (plain values: no ORM objects across sessions)."""

    id: uuid.UUID
    task_id: uuid.UUID
    user_id: uuid.UUID
    local_at: str
    fire_at: datetime
    attempts: int
    title: str
    completed: bool
    due_date: date | None
    due_time: time | None
    owner_zone: str
    email: str
    zone: str
    email_reminders: bool

    def due_text(self) -> str:
        """The due date (and time) on the recipient's clock, or the reminder's time when undated."""
        if self.due_date is None:
            when = to_utc(datetime.fromisoformat(self.local_at), self.owner_zone)
            return "Reminder for " + mail.when_text(_on_clock(when, self.zone), self.zone)
        if self.due_time is None:
            return "Due " + mail.when_text(self.due_date, self.zone)
        moment = to_utc(datetime.combine(self.due_date, self.due_time), self.owner_zone)
        return "Due " + mail.when_text(_on_clock(moment, self.zone), self.zone)


def _on_clock(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name)).replace(tzinfo=None)


def _due_condition(now: datetime, lease: timedelta) -> sa.ColumnElement[bool]:
    pending = sa.and_(
        col(Reminder.status) == ReminderStatus.pending.value, col(Reminder.next_attempt_at) <= now
    )
    abandoned = sa.and_(
        col(Reminder.status) == ReminderStatus.sending.value, col(Reminder.claimed_at) < now - lease
    )
    return sa.or_(pending, abandoned)


def claim(now: datetime, config: SchedulerConfig) -> list[uuid.UUID]:
    """Claim up to ``config.batch`` due rows for this instance (committed); their ids."""
    due = _due_condition(now, config.lease)
    mark = {
        "status": ReminderStatus.sending.value,
        "claimed_by": config.instance_id,
        "claimed_at": now,
    }
    with session_scope() as session:
        if session.connection().dialect.name == "postgresql":
            stmt = (
                select(col(Reminder.id))
                .where(due)
                .order_by(col(Reminder.next_attempt_at))
                .limit(config.batch)
                .with_for_update(skip_locked=True)
            )
            ids = list(session.exec(stmt).all())
            if ids:
                session.execute(sa.update(Reminder).where(col(Reminder.id).in_(ids)).values(**mark))
            return ids
        candidates = (
            sa.select(col(Reminder.id)).where(due).order_by(col(Reminder.next_attempt_at)).limit(config.batch)
        )
        stmt_update = (
            sa.update(Reminder)
            .where(col(Reminder.id).in_(candidates.scalar_subquery()), due)
            .values(**mark)
            .returning(col(Reminder.id))
        )
        return list(session.execute(stmt_update).scalars().all())


def _mine(ids: Sequence[uuid.UUID], now: datetime, config: SchedulerConfig) -> sa.ColumnElement[bool]:
    """Rows among ``ids`` still claimed by this instance in this tick."""
    return sa.and_(
        col(Reminder.id).in_(list(ids)),
        col(Reminder.status) == ReminderStatus.sending.value,
        col(Reminder.claimed_by) == config.instance_id,
        col(Reminder.claimed_at) == now,
    )


def _load(session: Session, ids: Sequence[uuid.UUID], now: datetime, config: SchedulerConfig) -> list[_Job]:
    owner = aliased(User)
    columns = [
        Reminder.id,
        Reminder.task_id,
        Reminder.user_id,
        Reminder.local_at,
        Reminder.fire_at,
        Reminder.attempts,
        Task.title,
        Task.completed,
        Task.due_date,
        Task.due_time,
        owner.time_zone,
        User.email,
        User.time_zone,
        User.email_reminders,
    ]
    stmt = (
        sa.select(*(col(c) for c in columns))
        .join(Task, col(Task.id) == col(Reminder.task_id))
        .join(User, col(User.id) == col(Reminder.user_id))
        .join(owner, col(owner.id) == col(Task.user_id))
        .where(_mine(ids, now, config))
    )
    return [_Job(*row) for row in session.execute(stmt).all()]


def _finish(
    session: Session,
    ids: Sequence[uuid.UUID],
    now: datetime,
    config: SchedulerConfig,
    values: dict[str, Any],
) -> set[uuid.UUID]:
    """Move this tick's claimed rows among ``ids`` to their final state; the ids that moved."""
    if not ids:
        return set()
    stmt = sa.update(Reminder).where(_mine(ids, now, config)).values(**values).returning(col(Reminder.id))
    return set(session.execute(stmt).scalars().all())


def _bell(session: Session, job: _Job, kind: NotificationKind, title: str, body: str) -> None:
    live.touch(session, users=[job.user_id])
    notifications.notify(
        session,
        user_id=job.user_id,
        kind=kind,
        title=title,
        body=body,
        task_id=job.task_id,
        reminder_id=job.id,
    )


def _reminder_line(session: Session, job: _Job) -> None:
    _bell(session, job, NotificationKind.reminder, job.title, job.due_text())


def _reminder_lines(session: Session, jobs: Sequence[_Job]) -> None:
    """The bell lines of many delivered reminders in one INSERT: the same row
    :func:`app.services.notifications.notify` writes, without an ORM flush per line (a tenth of
    the scheduler's time at 10,000 reminders, bench/reminders.py)."""
    if not jobs:
        return
    created = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": job.user_id,
            "task_id": job.task_id,
            "reminder_id": job.id,
            "kind": NotificationKind.reminder.value,
            "title": job.title[:300],
            "body": job.due_text()[:1000],
            "created_at": created,
            "read_at": None,
        }
        for job in jobs
    ]
    session.execute(sa.insert(Notification), rows)
    live.touch(session, users={job.user_id for job in jobs})  # open pages refresh: the bell shows it


def tick(now: datetime | None = None, *, config: SchedulerConfig | None = None) -> TickReport:
    """One pass of the scheduler: claim, deliver, retry, digests. Blocking: run it in a thread."""
    config = config or SchedulerConfig.from_settings()
    fixed = now
    now = now or utcnow()
    report = TickReport()
    while True:
        ids = claim(now, config)
        report.claimed += len(ids)
        if ids:
            _deliver(ids, now, fixed, config, report)
        if len(ids) < config.batch:
            break
    if config.smtp_url:
        send_digests(now, config, report)
    return report


def _deliver(
    ids: Sequence[uuid.UUID],
    now: datetime,
    fixed: datetime | None,
    config: SchedulerConfig,
    report: TickReport,
) -> None:
    def stamp() -> datetime:
        return fixed or utcnow()

    with session_scope() as session:
        jobs = _load(session, ids, now, config)
        done = [j for j in jobs if j.completed]
        if done:  # completed since it was claimed: nothing to remind of (as sync does for pending rows)
            session.execute(sa.delete(Reminder).where(_mine([j.id for j in done], now, config)))
            report.dropped += len(done)
        late = [j for j in jobs if not j.completed and j.attempts == 0 and j.fire_at < now - LATE_LIMIT]
        late_ids = {j.id for j in late}
        moved = _finish(session, [j.id for j in late], now, config, {"status": ReminderStatus.missed.value})
        for job in late:
            if job.id in moved:
                body = f"It was due at {job.local_at.replace('T', ' ')} while Ticked was not running."
                _bell(session, job, NotificationKind.missed, f"Missed reminder: {job.title}", body)
        report.missed += len(moved)
        on_time = [j for j in jobs if not j.completed and j.id not in late_ids]
        by_mail = [j for j in on_time if config.smtp_url and j.email_reminders and j.email]
        mail_ids = {j.id for j in by_mail}
        in_app = [j for j in on_time if j.id not in mail_ids]
        sent = _finish(
            session,
            [j.id for j in in_app],
            now,
            config,
            {"status": ReminderStatus.sent.value, "sent_at": stamp(), "error": None},
        )
        _reminder_lines(session, [j for j in in_app if j.id in sent and j.attempts == 0])
        report.sent += len(sent)
    if by_mail:
        _email_all(by_mail, now, stamp, config, report)


def _send_slice(box: mail.Mailer, pairs: Sequence[tuple[_Job, Message]]) -> list[tuple[_Job, str | None]]:
    """Send over one connection; each job with None (sent) or the error. After a server-level
    failure the rest of the slice is not tried (it would wait for the same dead server)."""
    out: list[tuple[_Job, str | None]] = []
    server_down: str | None = None
    for job, message in pairs:
        if server_down is not None:
            out.append((job, server_down))
            continue
        try:
            box.send(message)
            out.append((job, None))
        except mail.MailError as exc:
            out.append((job, str(exc)))
            if exc.server:
                server_down = str(exc)
    return out


def _email_all(
    jobs: Sequence[_Job],
    now: datetime,
    stamp: Callable[[], datetime],
    config: SchedulerConfig,
    report: TickReport,
) -> None:
    """Email ``jobs`` in chunks, each over ``config.connections`` SMTP connections at once."""
    try:
        smtp = mail.parse_smtp_url(config.smtp_url)
    except ValueError as exc:
        with session_scope() as session:
            for job in jobs:
                _retry_or_fail(session, job, str(exc), now, config, report)
        report.errors.append(str(exc))
        return
    count = max(1, min(config.connections, len(jobs)))
    boxes = [mail.Mailer(smtp) for _ in range(count)]
    began = monotonic_clock.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="ticked-smtp") as pool:
            for start in range(0, len(jobs), EMAIL_CHUNK):
                if monotonic_clock.monotonic() - began > config.lease.total_seconds() / 2:
                    _release(jobs[start:], now, config, report)  # a slow server: before the lease runs out
                    break
                _email(jobs[start : start + EMAIL_CHUNK], boxes, pool, now, stamp, config, report)
    finally:
        for box in boxes:
            box.close()


def _release(jobs: Sequence[_Job], now: datetime, config: SchedulerConfig, report: TickReport) -> None:
    """Hand claimed rows back (``pending``, no attempt counted) for the next tick of any instance:
    sending them past the lease could race an instance taking them over."""
    values = {"status": ReminderStatus.pending.value, "claimed_by": None, "claimed_at": None}
    with session_scope() as session:
        report.released += len(_finish(session, [j.id for j in jobs], now, config, values))
    log.warning("reminders: SMTP too slow, %d handed back for the next tick", len(jobs))


def _email(
    jobs: Sequence[_Job],
    boxes: Sequence[mail.Mailer],
    pool: ThreadPoolExecutor,
    now: datetime,
    stamp: Callable[[], datetime],
    config: SchedulerConfig,
    report: TickReport,
) -> None:
    """Email a chunk of reminders, then record what happened in one transaction."""
    with session_scope() as session:  # the links must exist before anyone can click them
        tokens = {
            j.id: links.issue(session, user_id=j.user_id, task_id=j.task_id, local_at=j.local_at, now=now)
            for j in jobs
        }
    pairs = []
    for job in jobs:
        buttons = [
            mail.ActionLink(links.LABELS[action], links.url_for(config.base_url, token))
            for action, token in tokens[job.id].items()
        ]
        message = mail.reminder_email(
            sender=config.mail_from, to=job.email, title=job.title, due_text=job.due_text(), links=buttons
        )
        pairs.append((job, message))
    slices = [pairs[i :: len(boxes)] for i in range(len(boxes))]
    results = [item for part in pool.map(_send_slice, boxes, slices) for item in part]
    ok = [job for job, error in results if error is None]
    failed = [(job, error) for job, error in results if error is not None]
    with session_scope() as session:
        sent = _finish(
            session,
            [j.id for j in ok],
            now,
            config,
            {"status": ReminderStatus.sent.value, "sent_at": stamp(), "error": None},
        )
        _reminder_lines(session, [j for j in ok if j.id in sent and j.attempts == 0])
        report.sent += len(sent)
        report.emailed += len(sent)
        for job, error in failed:
            _retry_or_fail(session, job, error, now, config, report)
    if failed:
        report.errors.append(failed[0][1])
        log.warning("reminder emails failed: %d of %d (%s)", len(failed), len(jobs), failed[0][1][:120])


def _retry_or_fail(
    session: Session, job: _Job, error: str, now: datetime, config: SchedulerConfig, report: TickReport
) -> None:
    attempts = job.attempts + 1
    if attempts >= config.max_attempts:
        values: dict[str, Any] = {
            "status": ReminderStatus.failed.value,
            "attempts": attempts,
            "error": error[:500],
        }
    else:
        values = {
            "status": ReminderStatus.pending.value,
            "attempts": attempts,
            "error": error[:500],
            "next_attempt_at": now + config.retry * (2 ** (attempts - 1)),
            "claimed_by": None,
            "claimed_at": None,
        }
    if not _finish(session, [job.id], now, config, values):
        return  # another instance took it over meanwhile
    if job.attempts == 0:  # the bell line is on time even when the email is not
        _reminder_line(session, job)
    if attempts >= config.max_attempts:
        body = f"Ticked tried {attempts} times to email this reminder to {job.email}. Last error: {error}"
        _bell(session, job, NotificationKind.failed, f"Reminder email not sent: {job.title}", body)
        report.failed += 1
    else:
        report.retried += 1


# --- daily digest -----------------------------------------------------------------------------


def digest_due(digest_at: time, sent_on: date | None, local_now: datetime) -> bool:
    """Whether a digest at ``digest_at`` is due at ``local_now`` (within the hour after, once a day)."""
    if sent_on is not None and sent_on >= local_now.date():
        return False
    start = datetime.combine(local_now.date(), digest_at)
    return start <= local_now < start + LATE_LIMIT


def claim_digest(session: Session, *, user_id: uuid.UUID, day: date) -> bool:
    """Take the digest of ``user_id`` for their date ``day``: True for exactly one caller."""
    stmt = (
        sa.update(User)
        .where(
            col(User.id) == user_id,
            sa.or_(col(User.digest_sent_on).is_(None), col(User.digest_sent_on) < day),
        )
        .values(digest_sent_on=day)
    )
    result: Any = session.execute(stmt)
    return int(result.rowcount or 0) == 1


def _digest_lines(session: Session, user_id: uuid.UUID, today: date) -> tuple[list[Any], list[Any]]:
    query = tasks.TaskQuery(
        due="agenda", status="pending", sort="due_date", top_level=False, limit=2 * DIGEST_LIMIT
    )
    due_today: list[mail.DigestLine] = []
    overdue: list[mail.DigestLine] = []
    for task in tasks.list_tasks(session, user_id=user_id, query=query, today=today):
        if task.due_date is None:
            continue
        if task.due_date < today:
            if len(overdue) < DIGEST_LIMIT:
                overdue.append(
                    mail.DigestLine(
                        task.title, f"overdue since {task.due_date:%a} {task.due_date.day} {task.due_date:%b}"
                    )
                )
        elif len(due_today) < DIGEST_LIMIT:
            due_today.append(
                mail.DigestLine(task.title, f"today {task.due_time:%H:%M}" if task.due_time else "today")
            )
    return due_today, overdue


def send_digests(now: datetime, config: SchedulerConfig, report: TickReport) -> None:
    """Email every digest due now (people with ``digest_at``), each claimed before it is sent."""
    with Session(get_engine()) as session:
        people = session.execute(
            sa.select(
                col(User.id),
                col(User.email),
                col(User.time_zone),
                col(User.digest_at),
                col(User.digest_sent_on),
            ).where(col(User.digest_at).is_not(None), col(User.is_active).is_(True))
        ).all()
    for user_id, email, zone_name, digest_at, sent_on in people:
        local_now = _on_clock(now, zone_name)
        if digest_at is None or not digest_due(digest_at, sent_on, local_now):
            continue
        today = local_now.date()
        with session_scope() as session:
            if not claim_digest(session, user_id=user_id, day=today):
                continue
            due_today, overdue = _digest_lines(session, user_id, today)
        if not due_today and not overdue:
            continue  # nothing to say today: no email
        message = mail.digest_email(
            sender=config.mail_from,
            to=email,
            day=today,
            zone_name=zone_name,
            today=due_today,
            overdue=overdue,
        )
        counts = f"{len(due_today)} due today, {len(overdue)} overdue"
        try:
            with mail.mailer(config.smtp_url) as box:
                box.send(message)
        except mail.MailError as exc:
            with session_scope() as session:
                live.touch(session, users=[user_id])
                notifications.notify(
                    session,
                    user_id=user_id,
                    kind=NotificationKind.failed,
                    title="Daily digest email not sent",
                    body=f"Today's digest ({counts}) could not be emailed to {email}: {exc}",
                )
            report.errors.append(str(exc))
            continue
        with session_scope() as session:
            live.touch(session, users=[user_id])
            notifications.notify(
                session,
                user_id=user_id,
                kind=NotificationKind.digest,
                title=f"Daily digest: {counts}",
                body=f"Emailed to {email}.",
            )
        report.digests += 1


# --- the lifespan task ------------------------------------------------------------------------


async def run_scheduler(interval_seconds: float | None = None) -> None:
    """Tick forever, every ``REMINDER_POLL_SECONDS``, in a thread of its own (registered in app/app.py).

    One thread: ticks never overlap within an instance, and the pages' worker pools are left alone.
    A database outage or any other error is logged and the next tick tries again.
    """
    interval = interval_seconds or get_settings().reminder_poll_seconds
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ticked-reminders")
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                report = await loop.run_in_executor(executor, tick)
                if report.busy():
                    log.info(
                        "reminders: %d sent (%d by email), %d missed, %d to retry, %d failed, %d digests",
                        report.sent,
                        report.emailed,
                        report.missed,
                        report.retried,
                        report.failed,
                        report.digests,
                    )
            except Exception as exc:  # the scheduler must outlive any one tick
                if is_database_outage(exc):
                    log.warning("reminders: database unavailable (%s)", exc.__class__.__name__)
                else:
                    log.exception("reminders: tick failed")
            await asyncio.sleep(interval)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
