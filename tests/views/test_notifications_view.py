"""The bell's lines: kind in words, and when on the person's clock (Honolulu vs Kiritimati)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models import Notification
from app.services import notifications
from app.views.notifications import bell, when_words

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


def test_when_is_in_words_then_on_the_persons_clock():
    assert when_words(NOW - timedelta(seconds=20), "UTC", NOW) == "just now"
    assert when_words(NOW - timedelta(minutes=5), "UTC", NOW) == "5 min ago"
    two_hours = NOW - timedelta(hours=2)
    assert when_words(two_hours, "UTC", NOW) == "today 18:00"
    assert when_words(two_hours, "Pacific/Honolulu", NOW) == "today 08:00"
    # 18:00 UTC is already 08:00 tomorrow in Kiritimati, where it is now 10:00: "today" there
    assert when_words(two_hours, "Pacific/Kiritimati", NOW) == "today 08:00"
    assert when_words(NOW - timedelta(days=1), "UTC", NOW) == "yesterday 20:00"
    assert when_words(datetime(2026, 11, 27, 9, 30, tzinfo=UTC), "UTC", NOW) == "Fri 27 Nov 09:30"


def test_the_bell_is_one_persons_newest_first(session, user, other):
    user.time_zone = "Pacific/Honolulu"
    session.add(user)
    old = notifications.notify(session, user_id=user.id, kind="failed", title="Pay rent")
    old.created_at = NOW - timedelta(hours=3)
    session.add(old)
    notifications.notify(session, user_id=user.id, kind="reminder", title="Call mom")
    notifications.notify(session, user_id=other.id, kind="reminder", title="Not yours")
    session.flush()
    view = bell(session, user_id=user.id, now=NOW)
    assert view.unread == 2
    assert [(i.title, i.kind_label) for i in view.items] == [
        ("Call mom", "Reminder"),
        ("Pay rent", "Reminder email failed"),
    ]
    assert view.items[1].when == "today 07:00"
    assert all(i.unread and i.task_id == "" for i in view.items)
    notifications.mark_read(session, user_id=user.id, ids=[view.items[0].id])
    assert bell(session, user_id=user.id, now=NOW).unread == 1
    assert session.get(Notification, old.id) is not None


def test_the_bell_also_counts_what_is_due_today_for_the_nav(session, user, other):
    from app.services import tasks
    from app.services.clock import user_today

    today = user_today(session, user_id=user.id)
    for title, offset in (("late", -2), ("now", 0), ("later", 3)):
        tasks.create_task(
            session, user_id=user.id, data={"title": title, "due_date": today + timedelta(days=offset)}
        )
    tasks.create_task(session, user_id=user.id, data={"title": "done", "due_date": today, "completed": True})
    tasks.create_task(session, user_id=other.id, data={"title": "theirs", "due_date": today})
    assert bell(session, user_id=user.id).today == 2
    assert bell(session, user_id=other.id).today == 1
