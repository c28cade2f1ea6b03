"""The daily loop's settings (time zone, default reminder, emails, digest) and the browser's zone at
sign-in, on SQLite and PostgreSQL (the ``session`` fixture runs both)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from app.models import Reminder, User
from app.services import daily_settings, tasks
from app.services.clock import user_today
from app.services.errors import InvalidInputError, NotFoundError


def test_a_new_account_has_the_defaults(session, user):
    got = daily_settings.get_settings(session, user_id=user.id)
    assert got.model_dump() == {
        "time_zone": "UTC",
        "default_reminder": None,
        "email_reminders": True,
        "digest_at": None,
    }


def test_partial_changes_are_stored_and_read_back(session, user):
    daily_settings.update_settings(session, user_id=user.id, default_reminder=30, digest_at="7:30")
    got = daily_settings.update_settings(session, user_id=user.id, email_reminders=False)
    assert (got.default_reminder, got.email_reminders, got.digest_at) == (30, False, "07:30")
    session.commit()
    session.expire_all()
    stored = session.get(User, user.id)
    assert (stored.default_reminder, stored.email_reminders, stored.digest_at) == (30, False, time(7, 30))
    got = daily_settings.update_settings(session, user_id=user.id, default_reminder=None, digest_at=None)
    assert (got.default_reminder, got.digest_at, got.email_reminders) == (None, None, False)


def test_the_default_reminder_is_given_to_a_new_task_with_a_due_time(session, user):
    daily_settings.update_settings(session, user_id=user.id, default_reminder=1440)
    due = user_today(session, user_id=user.id) + timedelta(days=3)
    task = tasks.create_task(
        session, user_id=user.id, data={"title": "pay rent", "due_date": due, "due_time": "10:00"}
    )
    assert task.reminders == [{"before": 1440}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"default_reminder": 7}, "default reminder must be one of 0, 5, 10, 15, 30, 60, 1440"),
        ({"default_reminder": True}, "default_reminder: Input should be a valid integer"),
        ({"email_reminders": "yes"}, "email_reminders: Input should be a valid boolean"),
        ({"digest_at": "7pm"}, "digest time '7pm' is not a time"),
        ({"digest_at": "24:00"}, "use the 24-hour clock"),
        ({"digest_at": "١٢:٣٠"}, "is not a time"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        ({"time_zone": None}, "time zone can't be empty"),
        ({"email_reminders": None}, "on \\(true\\) or off"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_refused_clearly_and_nothing_changes(session, user, changes, message):
    daily_settings.update_settings(session, user_id=user.id, default_reminder=15, digest_at="08:00")
    with pytest.raises(InvalidInputError, match=message):
        daily_settings.update_settings(session, user_id=user.id, **changes)
    got = daily_settings.get_settings(session, user_id=user.id)
    assert (got.default_reminder, got.digest_at, got.time_zone) == (15, "08:00", "UTC")


def test_changing_the_zone_keeps_reminders_on_the_same_wall_clock(session, user):
    due = user_today(session, user_id=user.id) + timedelta(days=5)
    task = tasks.create_task(
        session,
        user_id=user.id,
        data={"title": "call", "due_date": due, "due_time": "17:00", "reminders": [{"before": 30}]},
    )
    daily_settings.update_settings(session, user_id=user.id, time_zone="Pacific/Honolulu")
    [row] = session.exec(select(Reminder).where(col(Reminder.task_id) == task.id)).all()
    assert row.local_at == f"{due.isoformat()}T16:30"
    fire = row.fire_at if row.fire_at.tzinfo else row.fire_at.replace(tzinfo=UTC)
    assert fire == datetime.combine(due, time(16, 30), tzinfo=UTC) + timedelta(hours=10)


def test_sign_in_takes_the_browsers_zone_only_while_none_was_chosen(session, user):
    assert daily_settings.adopt_browser_zone(session, user_id=user.id, browser_zone="Not/AZone") is None
    assert daily_settings.adopt_browser_zone(session, user_id=user.id, browser_zone="") is None
    assert (
        daily_settings.adopt_browser_zone(session, user_id=user.id, browser_zone="Europe/Paris")
        == "Europe/Paris"
    )
    assert user.time_zone == "Europe/Paris"
    # Travelling: the zone is no longer the default, so another browser's zone does not flip it.
    assert daily_settings.adopt_browser_zone(session, user_id=user.id, browser_zone="Asia/Tokyo") is None
    assert user.time_zone == "Europe/Paris"
    # Someone who chose UTC on purpose keeps it too.
    daily_settings.update_settings(session, user_id=user.id, time_zone="UTC")
    assert daily_settings.adopt_browser_zone(session, user_id=user.id, browser_zone="Asia/Tokyo") is None
    assert daily_settings.get_settings(session, user_id=user.id).time_zone == "UTC"


def test_an_unknown_person_is_not_found(session):
    import uuid

    with pytest.raises(NotFoundError):
        daily_settings.get_settings(session, user_id=uuid.uuid4())
    with pytest.raises(NotFoundError):
        daily_settings.update_settings(session, user_id=uuid.uuid4(), default_reminder=5)
