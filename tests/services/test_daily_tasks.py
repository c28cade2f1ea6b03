"""Issue 17's task fields through the one write path: due times, subtasks, reminders and the
scheduler's rows they derive, on SQLite and PostgreSQL (the ``session`` fixture runs both)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, col, select

from app.models import Reminder, Task, User
from app.services import reminders, tasks
from app.services.clock import user_today
from app.services.errors import InvalidInputError, NotFoundError
from app.services.tasks import TaskQuery


def rows(session: Session, task: Task) -> list[Reminder]:
    return list(
        session.exec(select(Reminder).where(Reminder.task_id == task.id).order_by(col(Reminder.fire_at)))
    )


def tomorrow(session: Session, user: User) -> date:
    return user_today(session, user_id=user.id) + timedelta(days=1)


def test_a_due_time_needs_a_date_and_clearing_the_date_clears_it(session, user):
    task = tasks.create_task(session, user_id=user.id, data={"title": "call", "due_time": "17:00"})
    assert (task.due_date, task.due_time) == (user_today(session, user_id=user.id), time(17, 0))
    assert tasks.to_public(task).to_json()["due_time"] == "17:00"
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"due_date": None})
    assert (task.due_date, task.due_time) == (None, None)
    for bad in ("25:00", "5pm", "12:7", 17):
        with pytest.raises(InvalidInputError, match="time"):
            tasks.create_task(session, user_id=user.id, data={"title": "x", "due_time": bad})


def test_reminders_become_scheduled_rows_in_the_owners_zone(session, user):
    user.time_zone = "Pacific/Honolulu"
    session.add(user)
    due = tomorrow(session, user)
    task = tasks.create_task(
        session,
        user_id=user.id,
        data={"title": "report", "due_date": due, "due_time": "15:00", "reminders": [{"before": 30}]},
    )
    [row] = rows(session, task)
    assert row.local_at == f"{due.isoformat()}T14:30"
    assert row.fire_at == datetime.combine(due, time(14, 30)).replace(tzinfo=UTC) + timedelta(hours=10)
    assert reminders.local_iso(task) == [f"{due.isoformat()}T14:30"]
    # moving the due time moves the pending reminder; completing removes it; reopening brings it back
    tasks.update_task(session, user_id=user.id, task_id=task.id, data={"due_time": "16:00"})
    assert [r.local_at for r in rows(session, task)] == [f"{due.isoformat()}T15:30"]
    tasks.complete_task(session, user_id=user.id, task_id=task.id)
    assert rows(session, task) == []
    tasks.reopen_task(session, user_id=user.id, task_id=task.id)
    assert len(rows(session, task)) == 1


def test_reminder_specs_are_checked_with_clear_messages(session, user):
    for bad, message in (
        ([{"at": "tomorrow"}], "not a reminder time"),
        ([{"before": -5}], "from 0 minutes"),
        ([{"soon": 1}], "Each reminder"),
        ("at five", "a list"),
        ([{"before": m} for m in range(11)], "at most 10"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            tasks.create_task(session, user_id=user.id, data={"title": "x", "reminders": bad})
    assert session.exec(select(Task)).all() == []


def test_a_reminder_keeps_its_wall_clock_across_daylight_saving(session, user):
    """New York leaves summer time on 1 November 2026: 08:00 is 12:00 UTC before, 13:00 after."""
    user.time_zone = "America/New_York"
    session.add(user)
    assert reminders.to_utc(datetime(2026, 10, 31, 8, 0), user.time_zone).hour == 12
    assert reminders.to_utc(datetime(2026, 11, 2, 8, 0), user.time_zone).hour == 13
    # the recurring task keeps 08:00 on its wall clock, whatever the offset
    task = Task(
        user_id=user.id, title="walk", due_date=date(2026, 10, 31), due_time=time(8), recurrence="daily"
    )
    nxt = tasks._copy(task, parent_id=None, due_date=date(2026, 11, 1), days=1)
    assert (nxt.due_date, nxt.due_time) == (date(2026, 11, 1), time(8))


def test_a_recurring_task_keeps_its_time_its_reminders_and_its_subtasks(session, user):
    due = tomorrow(session, user)
    parent = tasks.create_task(
        session,
        user_id=user.id,
        data={
            "title": "water plants",
            "due_date": due,
            "due_time": "08:00",
            "recurrence": "daily",
            "reminders": [{"before": 10}, {"at": f"{due.isoformat()}T07:00"}],
        },
    )
    child = tasks.create_task(session, user_id=user.id, data={"title": "ferns", "parent_id": parent.id})
    tasks.complete_task(session, user_id=user.id, task_id=parent.id)
    assert child.completed  # completing the parent completes its open subtasks
    nxt = session.exec(select(Task).where(Task.title == "water plants", col(Task.completed).is_(False))).one()
    assert (nxt.due_date, nxt.due_time) == (due + timedelta(days=1), time(8))
    nxt_day = (due + timedelta(days=1)).isoformat()
    assert sorted(reminders.local_iso(nxt)) == [f"{nxt_day}T07:00", f"{nxt_day}T07:50"]
    [fresh] = session.exec(select(Task).where(Task.parent_id == nxt.id)).all()
    assert (fresh.title, fresh.completed) == ("ferns", False)
    # one undo takes it all back
    tasks.undo_last(session, user_id=user.id)
    session.refresh(parent)
    session.refresh(child)
    assert not parent.completed
    assert not child.completed
    assert session.get(Task, nxt.id) is None
    assert session.get(Task, fresh.id) is None


def test_subtasks_nest_three_levels_and_stay_in_their_parents_project(session, user):
    top = tasks.create_task(session, user_id=user.id, data={"title": "plan the party"})
    mid = tasks.create_task(session, user_id=user.id, data={"title": "food", "parent_id": top.id})
    low = tasks.create_task(session, user_id=user.id, data={"title": "cake", "parent_id": mid.id})
    assert low.project_id == top.project_id
    with pytest.raises(InvalidInputError, match="3 levels"):
        tasks.create_task(session, user_id=user.id, data={"title": "icing", "parent_id": low.id})
    with pytest.raises(InvalidInputError, match="itself"):
        tasks.update_task(session, user_id=user.id, task_id=top.id, data={"parent_id": low.id})
    assert tasks.subtask_progress(session, [top.id, mid.id]) == {top.id: (0, 1), mid.id: (0, 1)}
    assert [t.title for t in tasks.list_tasks(session, user_id=user.id, query=TaskQuery(top_level=True))] == [
        "plan the party"
    ]


def test_deleting_a_parent_deletes_its_subtasks_and_one_undo_restores_them(session, user):
    top = tasks.create_task(session, user_id=user.id, data={"title": "move house"})
    mid = tasks.create_task(session, user_id=user.id, data={"title": "pack", "parent_id": top.id})
    tasks.create_task(
        session,
        user_id=user.id,
        data={
            "title": "books",
            "parent_id": mid.id,
            "due_date": tomorrow(session, user),
            "due_time": "09:00",
            "reminders": [{"before": 0}],
        },
    )
    tasks.delete_task(session, user_id=user.id, task_id=top.id)
    assert session.exec(select(Task)).all() == []
    assert session.exec(select(Reminder)).all() == []
    tasks.undo_last(session, user_id=user.id)
    restored = {t.title: t for t in session.exec(select(Task)).all()}
    assert set(restored) == {"move house", "pack", "books"}
    assert restored["books"].parent_id == mid.id
    assert restored["pack"].parent_id == top.id
    assert len(rows(session, restored["books"])) == 1


def test_someone_elses_task_cant_be_a_parent(session, user, other):
    theirs = tasks.create_task(session, user_id=other.id, data={"title": "private"})
    with pytest.raises(NotFoundError):
        tasks.create_task(session, user_id=user.id, data={"title": "sneak", "parent_id": theirs.id})


def test_the_today_and_upcoming_views(session, user):
    today = user_today(session, user_id=user.id)
    for title, offset in (("late", -1), ("now", 0), ("soon", 3), ("far", 20)):
        tasks.create_task(
            session, user_id=user.id, data={"title": title, "due_date": today + timedelta(days=offset)}
        )
    agenda = tasks.list_tasks(session, user_id=user.id, query=TaskQuery(due="agenda", sort="due_date"))
    assert [t.title for t in agenda] == ["late", "now"]
    upcoming = tasks.list_tasks(session, user_id=user.id, query=TaskQuery(within_days=14, sort="due_date"))
    assert [t.title for t in upcoming] == ["now", "soon"]


def test_a_default_reminder_applies_to_a_new_timed_task(session, user):
    user.default_reminder = 15
    session.add(user)
    task = tasks.create_task(session, user_id=user.id, data={"title": "standup", "due_time": "23:59"})
    assert task.reminders == [{"before": 15}]
    plain = tasks.create_task(session, user_id=user.id, data={"title": "no time", "due_date": date.today()})
    assert plain.reminders == []


def test_the_bell_is_each_persons_own(session, user, other):
    from app.services import notifications

    mine = notifications.notify(session, user_id=user.id, kind="reminder", title="call mom")
    notifications.notify(session, user_id=other.id, kind="reminder", title="theirs")
    assert [n.title for n in notifications.recent(session, user_id=user.id)] == ["call mom"]
    assert notifications.unread_count(session, user_id=user.id) == 1
    assert notifications.mark_read(session, user_id=other.id, ids=[mine.id]) == 0
    assert notifications.mark_read(session, user_id=user.id, ids=[mine.id, "junk"]) == 1
    assert notifications.unread_count(session, user_id=user.id) == 0
    assert notifications.unread_count(session, user_id=other.id) == 1


def test_rescheduling_several_tasks_is_one_change_and_one_undo(session, user, other):
    today = user_today(session, user_id=user.id)
    late = [
        tasks.create_task(session, user_id=user.id, data={"title": t, "due_date": today - timedelta(days=n)})
        for n, t in ((2, "late one"), (1, "late two"))
    ]
    moved = tasks.bulk_update(
        session, user_id=user.id, task_ids=[t.id for t in late], data={"due_date": today + timedelta(days=1)}
    )
    assert {t.due_date for t in moved} == {today + timedelta(days=1)}
    theirs = tasks.create_task(session, user_id=other.id, data={"title": "theirs"})
    with pytest.raises(NotFoundError):  # all or nothing: one id that isn't theirs aborts
        tasks.bulk_update(session, user_id=user.id, task_ids=[late[0].id, theirs.id], data={"title": "x"})
    result = tasks.undo_last(session, user_id=user.id)
    assert sorted(result.titles) == ["late one", "late two"]
    assert [t.due_date for t in late] == [today - timedelta(days=2), today - timedelta(days=1)]
