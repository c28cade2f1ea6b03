"""The calendar feed, built with ``icalendar`` and parsed back with it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest

from app.services import calendar_feed, projects, tasks
from app.services.clock import user_today
from app.services.errors import NotFoundError


def events(session, user) -> dict[str, icalendar.Event]:
    feed = calendar_feed.build_feed(session, user_id=user.id)
    cal = icalendar.Calendar.from_ical(feed.body)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_the_secret_is_stored_hashed_and_regenerating_revokes_the_old_one(session, user):
    assert not calendar_feed.is_on(session, user_id=user.id)
    first = calendar_feed.turn_on(session, user_id=user.id)
    assert len(first) >= 43
    assert user.calendar_token == calendar_feed.hash_secret(first)
    assert first not in (user.calendar_token or "")
    assert calendar_feed.user_for_secret(session, first).id == user.id
    second = calendar_feed.turn_on(session, user_id=user.id)
    assert second != first
    with pytest.raises(NotFoundError):
        calendar_feed.user_for_secret(session, first)
    assert calendar_feed.user_for_secret(session, second).id == user.id
    assert calendar_feed.turn_off(session, user_id=user.id) is True
    for bad in (second, "", "x" * 43, "../../etc/passwd", "a b"):
        with pytest.raises(NotFoundError):
            calendar_feed.user_for_secret(session, bad)
    assert calendar_feed.feed_path("abc") == "/api/calendar/abc.ics"


def test_all_day_timed_recurring_and_reminders_round_trip(session, user):
    user.time_zone = "Europe/Paris"
    session.add(user)
    today = user_today(session, user_id=user.id)
    day = today + timedelta(days=3)
    data = [
        {"title": "passport", "due_date": day, "reminders": [{"before": 60}], "tags": ["admin"]},
        {
            "title": "call mom",
            "due_date": day,
            "due_time": "17:00",
            "reminders": [{"before": 30}, {"at": f"{day.isoformat()}T08:00"}],
            "priority": "high",
            "description": "about sunday",
        },
        {"title": "standup", "due_date": day, "due_time": "09:15", "recurrence": "weekly"},
        {"title": "rent", "due_date": date(day.year + 1, 1, 31), "recurrence": "monthly"},
        {"title": "no date"},
        {"title": "done already", "due_date": day, "completed": True},
    ]
    for fields in data:
        tasks.create_task(session, user_id=user.id, data=fields)
    found = events(session, user)
    assert set(found) == {"passport", "call mom", "standup", "rent"}  # open tasks with a due date

    passport = found["passport"]
    assert passport.decoded("dtstart") == day
    assert not isinstance(passport.decoded("dtstart"), datetime)
    assert passport.decoded("dtend") == day + timedelta(days=1)
    [alarm] = passport.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(hours=8)  # 09:00 minus an hour, from midnight
    assert [str(c) for c in passport["categories"].cats] == ["admin"]

    call = found["call mom"]
    start = call.decoded("dtstart")
    assert start.replace(tzinfo=None) == datetime.combine(day, time(17, 0))
    assert call["dtstart"].params["TZID"] == "Europe/Paris"
    assert start.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert call.decoded("dtend") - start == timedelta(minutes=30)
    triggers = sorted((a.decoded("trigger") for a in call.walk("VALARM")), key=str)
    absolute = [t for t in triggers if isinstance(t, datetime)]
    relative = [t for t in triggers if isinstance(t, timedelta)]
    assert relative == [timedelta(minutes=-30)]
    assert absolute[0].astimezone(UTC) == datetime.combine(day, time(8, 0), tzinfo=start.tzinfo).astimezone(
        UTC
    )
    assert int(call["priority"]) == 1
    assert "about sunday" in str(call["description"])

    assert found["standup"]["rrule"]["FREQ"] == ["WEEKLY"]
    assert found["rent"]["rrule"]["FREQ"] == ["MONTHLY"]
    assert found["rent"]["rrule"]["BYSETPOS"] == [-1]

    body = calendar_feed.build_feed(session, user_id=user.id).body.decode()
    assert "BEGIN:VTIMEZONE" in body
    assert "TZID:Europe/Paris" in body
    assert "DTSTAMP:" in body
    assert "STATUS:COMPLETED" not in body


def test_uids_and_etag_are_stable_until_something_changes(session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "a", "due_date": "2030-05-01"})
    first = calendar_feed.build_feed(session, user_id=user.id)
    again = calendar_feed.build_feed(session, user_id=user.id)
    assert (first.body, first.etag) == (again.body, again.etag)
    assert str(events(session, user)["a"]["uid"]) == f"{task.id}@ticked"
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"title": "b"})
    changed = calendar_feed.build_feed(session, user_id=user.id)
    assert changed.etag != first.etag
    assert str(events(session, user)["b"]["uid"]) == f"{task.id}@ticked"


def test_the_feed_follows_membership(session, user, other):
    shared = projects.create_project(session, user_id=other.id, name="Team")
    tasks.create_task(
        session, user_id=other.id, data={"title": "team", "due_date": "2030-01-02", "project_id": shared.id}
    )
    tasks.create_task(session, user_id=other.id, data={"title": "private", "due_date": "2030-01-02"})
    assert events(session, user) == {}
    projects.share_project(session, user_id=other.id, project_id=shared.id, email=user.email)
    found = events(session, user)
    assert set(found) == {"team"}
    assert "Project: Team" in str(found["team"]["description"])
    projects.remove_member(session, user_id=other.id, project_id=shared.id, member_id=user.id)
    assert events(session, user) == {}


def test_a_teammates_due_time_keeps_the_zone_it_was_written_in(session, user, other):
    other.time_zone = "Pacific/Honolulu"
    session.add(other)
    shared = projects.create_project(session, user_id=other.id, name="Trip")
    projects.share_project(session, user_id=other.id, project_id=shared.id, email=user.email)
    tasks.create_task(
        session,
        user_id=other.id,
        data={"title": "flight", "due_date": "2030-03-01", "due_time": "10:00", "project_id": shared.id},
    )
    start = events(session, user)["flight"].decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2030, 3, 1, 20, 0, tzinfo=UTC)
