"""The per-user calendar feed: a secret iCal URL a calendar app subscribes to (issue 17).

The URL's secret (``secrets.token_urlsafe(32)``, 43 characters) is shown to the person once, when
they turn the feed on or regenerate it; only its SHA-256 is stored (``users.calendar_token``), so a
copy of the database does not open anyone's feed. Regenerating replaces the hash (the old URL stops
working at once); turning the feed off clears it. Anyone holding the URL reads the feed without
signing in: that is what a subscription needs, and why the URL is a secret.

What the feed holds is :func:`app.services.tasks.list_tasks` for the feed's owner, so it follows
project membership exactly like the task page: every **open** task they can see that has a due date.

- A date without a time is an all-day event (``DTSTART;VALUE=DATE``, ``DTEND`` the next day).
- A due time is a 30-minute event at that wall-clock time with the ``TZID`` of the zone it was
  written in (the task creator's, as reminders count it), with a ``VTIMEZONE`` for each zone used.
- Recurrence is an ``RRULE`` (``FREQ=DAILY``/``WEEKLY``/``MONTHLY``; a monthly task on the 29th-31st
  falls on the month's last day when the month is shorter, as Ticked moves it).
- Reminders are ``VALARM``\\ s: ``{"before": N}`` a ``TRIGGER`` relative to the start (a date
  without a time counts from 09:00, so it triggers ``9 h - N min`` after the day begins), ``{"at":
  ...}`` an absolute UTC ``TRIGGER``.
- Completed tasks are left out: an iCal *event* has no "completed" status (``STATUS:COMPLETED``
  belongs to to-dos, which Google and Apple Calendar ignore in subscriptions), and a calendar is
  for what is still to do; a done task's alarms would otherwise keep ringing in the calendar app.
  A recurring task's next occurrence is a new open task, so the series continues from it.
- ``UID`` is ``<task id>@ticked`` (stable across edits, so calendars update the event in place);
  ``DTSTAMP`` and ``LAST-MODIFIED`` are the task's last change, so an unchanged list gives the same
  bytes and the same ``ETag``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
from sqlmodel import Session, col, select

from app.models import Project, Task, User
from app.models.task import DAY_START
from app.services import audit
from app.services.clock import DEFAULT_ZONE, zone
from app.services.errors import NotFoundError
from app.services.reminders import to_utc
from app.services.tasks import TaskQuery, list_tasks

FEED_PATH = "/api/calendar/{secret}.ics"
PRODID = "-//Ticked//Calendar feed//EN"
EVENT_MINUTES = 30
"""A task with a due time is shown as a 30-minute event (a task has a moment, not a length)."""
NOT_FOUND = "Calendar feed not found."
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_PRIORITY = {"high": 1, "medium": 5, "low": 9}
"""iCal PRIORITY: 1 is the highest, 9 the lowest."""


def hash_secret(secret: str) -> str:
    """What is stored for a feed secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_path(secret: str) -> str:
    """The feed's path under the app's public address."""
    return FEED_PATH.format(secret=secret)


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("Account not found.")
    return user


def _audit(session: Session, user: User, action: str, actor: audit.Actor | None) -> None:
    audit.record(
        session,
        actor=audit.actor_for(session, user_id=user.id, actor=actor),
        action=action,
        target_type="user",
        target_id=user.id,
        target_label=user.email,
    )


def turn_on(session: Session, *, user_id: uuid.UUID, actor: audit.Actor | None = None) -> str:
    """Give the person a new feed secret and return it (the only time it can be read).

    Also regenerates: the previous secret, if any, stops working in the same transaction.
    """
    user = _user(session, user_id)
    secret = secrets.token_urlsafe(32)
    regenerated = user.calendar_token is not None
    user.calendar_token = hash_secret(secret)
    session.add(user)
    session.flush()
    _audit(session, user, "calendar_feed.regenerate" if regenerated else "calendar_feed.create", actor)
    return secret


def turn_off(session: Session, *, user_id: uuid.UUID, actor: audit.Actor | None = None) -> bool:
    """Stop the feed (its URL answers 404 from now on); whether it was on."""
    user = _user(session, user_id)
    was_on = user.calendar_token is not None
    user.calendar_token = None
    session.add(user)
    session.flush()
    if was_on:
        _audit(session, user, "calendar_feed.revoke", actor)
    return was_on


def is_on(session: Session, *, user_id: uuid.UUID) -> bool:
    """Whether the person has a feed URL that works."""
    return _user(session, user_id).calendar_token is not None


def user_for_secret(session: Session, secret: str) -> User:
    """The feed's owner; an unknown, revoked or malformed secret is "not found"."""
    if not _SECRET_RE.match(secret):
        raise NotFoundError(NOT_FOUND)
    user = session.exec(select(User).where(User.calendar_token == hash_secret(secret))).first()
    if user is None or not user.is_active:
        raise NotFoundError(NOT_FOUND)
    return user


@dataclass(frozen=True)
class Feed:
    """A built feed: the iCalendar bytes, their ETag (a hash of them), and how many events they hold."""

    body: bytes
    etag: str
    events: int


def _zones(session: Session, tasks: list[Task]) -> dict[uuid.UUID, str]:
    """Each task creator's time zone (a task's wall clock is in its creator's zone)."""
    ids = {t.user_id for t in tasks}
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.time_zone).where(col(User.id).in_(ids))).all()
    return {uid: tz or DEFAULT_ZONE for uid, tz in rows}


def _projects(session: Session, tasks: list[Task]) -> dict[uuid.UUID, Project]:
    ids = {t.project_id for t in tasks}
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(ids))).all()}


def _rrule(task: Task) -> dict[str, Any] | None:
    if not task.recurrence or task.due_date is None:
        return None
    freq = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}.get(task.recurrence)
    if freq is None:
        return None
    rule: dict[str, Any] = {"FREQ": freq}
    day = task.due_date.day
    if freq == "MONTHLY" and day > 28:
        # Ticked moves "the 31st" to a shorter month's last day; a plain MONTHLY rule would skip it.
        rule["BYMONTHDAY"] = list(range(28, day + 1))
        rule["BYSETPOS"] = -1
    return rule


def _alarm(task: Task, spec: dict[str, Any], zone_name: str) -> icalendar.Alarm | None:
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task.title)
    if "at" in spec:
        try:
            local = datetime.fromisoformat(str(spec["at"]))
        except ValueError:
            return None
        alarm.add("trigger", to_utc(local, zone_name))  # absolute: TRIGGER;VALUE=DATE-TIME:...Z
    elif "before" in spec:
        minutes = int(spec["before"])
        if task.due_time is not None:
            alarm.add("trigger", timedelta(minutes=-minutes))
        else:  # all-day: the event starts at 00:00; Ticked counts from DAY_START (09:00)
            start = timedelta(hours=DAY_START.hour, minutes=DAY_START.minute)
            alarm.add("trigger", start - timedelta(minutes=minutes))
    else:
        return None
    return alarm


def _event(task: Task, zone_name: str, project: Project | None) -> icalendar.Event:
    assert task.due_date is not None
    event = icalendar.Event()
    event.add("uid", f"{task.id}@ticked")
    event.add("summary", task.title)
    stamp = task.updated_at.astimezone(UTC) if task.updated_at.tzinfo else task.updated_at.replace(tzinfo=UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    created = task.created_at if task.created_at.tzinfo else task.created_at.replace(tzinfo=UTC)
    event.add("created", created.astimezone(UTC))
    if task.due_time is None:
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a due date does not make the day busy
    else:
        start = datetime.combine(task.due_date, task.due_time).replace(tzinfo=zone(zone_name))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=EVENT_MINUTES))
    rule = _rrule(task)
    if rule is not None:
        event.add("rrule", rule)
    lines = [task.description] if task.description else []
    if project is not None and not project.is_inbox:
        lines.append(f"Project: {project.name}")
    if lines:
        event.add("description", "\n\n".join(lines))
    if task.tags:
        event.add("categories", list(task.tags))
    event.add("priority", _PRIORITY.get(task.priority, 5))
    if task.parent_id is not None:
        event.add("related-to", f"{task.parent_id}@ticked")
    for spec in task.reminders or []:
        alarm = _alarm(task, spec, zone_name)
        if alarm is not None:
            event.add_component(alarm)
    return event


def build_feed(session: Session, *, user_id: uuid.UUID, name: str = "Ticked") -> Feed:
    """The person's feed: every open task they can see that has a due date (see the module doc)."""
    tasks = [
        t
        for t in list_tasks(session, user_id=user_id, query=TaskQuery(status="pending", sort="due_date"))
        if t.due_date is not None
    ]
    owner_zone = _user(session, user_id).time_zone or DEFAULT_ZONE
    zones = _zones(session, tasks)
    projects = _projects(session, tasks)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", owner_zone)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for task in tasks:
        cal.add_component(_event(task, zones.get(task.user_id, DEFAULT_ZONE), projects.get(task.project_id)))
    if tasks:
        days = [t.due_date for t in tasks if t.due_date is not None]
        first, last = min(days), max(days)
        years = 10 if any(t.recurrence for t in tasks) else 2  # a series runs on past its first date
        cal.add_missing_timezones(
            first_date=date(first.year - 1, 1, 1), last_date=date(min(last.year + years, 9998), 1, 1)
        )
    body = cal.to_ical()
    return Feed(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"', events=len(tasks))


def feed_for_secret(session: Session, secret: str) -> Feed:
    """The feed behind a secret URL (404 for an unknown or revoked one)."""
    user = user_for_secret(session, secret)
    return build_feed(session, user_id=user.id)
