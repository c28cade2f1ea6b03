"""Issue 17's tools through the registry on a real database (SQLite and PostgreSQL): due times,
reminders, subtasks (one undo), the Today view and rescheduling overdue tasks (one undo), with
"today" taken in the user's zone (Honolulu and Kiritimati around their midnights)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.agent import registry
from app.agent.tools import _since
from app.agent.types import ToolContext, ToolError
from app.models import Task, User
from app.services.clock import user_today
from app.services.operations import Origin

from .test_registry import ops, run


@pytest.fixture
def uid(new_user) -> uuid.UUID:
    return new_user()


def set_zone(engine, user_id: uuid.UUID, zone: str) -> None:
    with Session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        user.time_zone = zone
        s.add(user)
        s.commit()


def today_of(engine, user_id: uuid.UUID) -> date:
    with Session(engine) as s:
        return user_today(s, user_id=user_id)


def rows(engine, user_id: uuid.UUID) -> dict[str, Task]:
    with Session(engine) as s:
        return {t.title: t for t in s.exec(select(Task).where(Task.user_id == user_id)).all()}


def test_add_task_takes_a_due_time_reminders_and_a_parent_by_title(app_db, uid):
    day = today_of(app_db, uid) + timedelta(days=1)
    parent = run("add_task", {"title": "Plan the party"}, uid)
    added = run(
        "add_task",
        {
            "title": "Call mom",
            "due_date": day.isoformat(),
            "due_time": "17:00",
            "reminders": [{"before": 0}, {"at": f"{day.isoformat()}T09:30"}],
            "parent_id": "plan the party",
        },
        uid,
    )
    task = added["task"]
    assert (task["due_time"], task["parent_id"], task["parent"]) == (
        "17:00",
        parent["task_id"],
        "Plan the party",
    )
    assert task["reminder_times"] == [f"{day.isoformat()}T09:30", f"{day.isoformat()}T17:00"]
    listed = run("list_tasks", {"search": "plan the party"}, uid)["tasks"]
    assert listed[0]["subtasks"] == {"done": 0, "total": 1}


def test_update_task_moves_the_time_keeping_the_date_and_clears_it(app_db, uid):
    day = today_of(app_db, uid) + timedelta(days=2)
    added = run("add_task", {"title": "Dentist", "due_date": day.isoformat(), "due_time": "10:00"}, uid)
    moved = run("update_task", {"task_id": added["task_id"], "due_time": "15:00"}, uid)
    assert (moved["task"]["due_date"], moved["task"]["due_time"]) == (day.isoformat(), "15:00")
    cleared = run("update_task", {"task_id": added["task_id"], "due_time": None}, uid)
    assert (cleared["task"]["due_date"], cleared["task"]["due_time"]) == (day.isoformat(), None)
    with pytest.raises(ToolError, match="not a time"):
        run("update_task", {"task_id": added["task_id"], "due_time": "25:61"}, uid)


def test_parent_refusals_are_clear(app_db, uid):
    run("add_task", {"title": "Move house"}, uid)
    run("add_task", {"title": "Move house"}, uid)
    with pytest.raises(ToolError, match="Several tasks match"):
        run("add_task", {"title": "Book the van", "parent_id": "move house"}, uid)
    with pytest.raises(ToolError, match="Task not found"):
        run("add_task", {"title": "Book the van", "parent_id": "nothing like it"}, uid)
    assert "Book the van" not in rows(app_db, uid)
    for blank in (" ", "", "a\x00b", "mo"):  # nothing, a NUL, too short to stand for a title
        with pytest.raises(ToolError, match=r"Task not found|at least 1 character"):
            run("add_subtasks", {"parent_id": blank, "titles": ["planted"]}, uid)
    assert "planted" not in rows(app_db, uid)


def test_add_subtasks_is_one_change_and_one_undo(app_db, uid):
    parent = run("add_task", {"title": "Plan the party"}, uid)
    before = len(ops(app_db, uid))
    added = run(
        "add_subtasks", {"parent_id": parent["task_id"], "titles": ["invite friends", "order cake"]}, uid
    )
    assert (added["count"], added["titles"], added["title"]) == (
        2,
        ["invite friends", "order cake"],
        "Plan the party",
    )
    assert len(ops(app_db, uid)) == before + 1
    assert {t["parent"] for t in added["tasks"]} == {"Plan the party"}
    undone = run("undo", {}, uid)
    assert sorted(undone["titles"]) == ["invite friends", "order cake"]
    assert set(rows(app_db, uid)) == {"Plan the party"}


def test_add_reminder_at_a_time_or_before_the_due_time(app_db, uid):
    set_zone(app_db, uid, "Pacific/Honolulu")
    day = today_of(app_db, uid) + timedelta(days=1)
    added = run("add_task", {"title": "Submit report", "due_date": day.isoformat(), "due_time": "15:00"}, uid)
    result = run("add_reminder", {"task_id": added["task_id"], "before": 30}, uid)
    assert result["task"]["reminder_times"] == [f"{day.isoformat()}T14:30"]
    result = run("add_reminder", {"task_id": added["task_id"], "at": f"{day.isoformat()}T08:00"}, uid)
    assert result["task"]["reminder_times"] == [f"{day.isoformat()}T08:00", f"{day.isoformat()}T14:30"]
    undated = run("add_task", {"title": "Someday"}, uid)
    with pytest.raises(ToolError, match="no due date"):
        run("add_reminder", {"task_id": undated["task_id"], "before": 10}, uid)
    with pytest.raises(ToolError, match="either"):
        run("add_reminder", {"task_id": undated["task_id"]}, uid)


@pytest.mark.parametrize("zone", ["Pacific/Honolulu", "Pacific/Kiritimati"])
def test_my_day_is_overdue_and_today_in_the_users_zone(app_db, uid, zone):
    set_zone(app_db, uid, zone)
    today = today_of(app_db, uid)
    for title, days in (("late", -1), ("now", 0), ("later", 3)):
        run("add_task", {"title": title, "due_date": (today + timedelta(days=days)).isoformat()}, uid)
    done = run("add_task", {"title": "done today", "due_date": today.isoformat()}, uid)
    run("complete_task", {"task_id": done["task_id"]}, uid)
    day = run("my_day", {}, uid)
    assert day["today"] == today.isoformat()
    assert [t["title"] for t in day["tasks"]] == ["late", "now"]
    assert (day["count"], day["overdue"], day["due_today"]) == (2, 1, 1)
    agenda = run("list_tasks", {"due": "agenda", "sort": "due_date"}, uid)
    assert [t["title"] for t in agenda["tasks"]] == ["late", "now"]
    window = run("list_tasks", {"within_days": 3}, uid)
    assert sorted(t["title"] for t in window["tasks"]) == ["later", "now"]
    assert window["filters"]["within_days"] == 3


def test_reschedule_overdue_moves_them_as_one_change_and_one_undo(app_db, uid):
    set_zone(app_db, uid, "Pacific/Kiritimati")
    today = today_of(app_db, uid)
    late = []
    for i in (1, 2, 3):
        due = (today - timedelta(days=i)).isoformat()
        late.append(run("add_task", {"title": f"late {i}", "due_date": due, "due_time": "08:00"}, uid))
    run("add_task", {"title": "fine", "due_date": (today + timedelta(days=3)).isoformat()}, uid)
    tomorrow = (today + timedelta(days=1)).isoformat()
    before = len(ops(app_db, uid))
    only = [late[0]["task_id"], late[1]["task_id"]]
    result = run("reschedule_overdue", {"due_date": tomorrow, "task_ids": only}, uid)
    assert (result["count"], sorted(result["titles"])) == (2, ["late 1", "late 2"])
    assert len(ops(app_db, uid)) == before + 1
    now = rows(app_db, uid)
    assert [now[f"late {i}"].due_date.isoformat() for i in (1, 2)] == [tomorrow, tomorrow]
    assert now["late 1"].due_time is not None  # the time stays
    assert now["late 3"].due_date == today - timedelta(days=3)
    run("undo", {}, uid)
    now = rows(app_db, uid)
    assert [now[f"late {i}"].due_date for i in (1, 2)] == [
        today - timedelta(days=1),
        today - timedelta(days=2),
    ]
    everything = run("reschedule_overdue", {"due_date": tomorrow}, uid)
    assert everything["count"] == 3
    run("undo", {}, uid)
    run("reschedule_overdue", {"due_date": tomorrow}, uid)
    with pytest.raises(ToolError, match="no overdue tasks"):
        run("reschedule_overdue", {"due_date": tomorrow}, uid)


def test_the_new_tools_stay_within_the_users_tasks(app_db, uid, new_user):
    other = new_user()
    theirs = run("add_task", {"title": "Theirs", "due_date": "2020-01-01"}, other)
    with pytest.raises(ToolError):
        run("add_subtasks", {"parent_id": theirs["task_id"], "titles": ["sneaky"]}, uid)
    with pytest.raises(ToolError):
        run("add_subtasks", {"parent_id": "Theirs", "titles": ["sneaky"]}, uid)
    with pytest.raises(ToolError):
        run("add_reminder", {"task_id": theirs["task_id"], "before": 5}, uid)
    with pytest.raises(ToolError, match="no overdue tasks"):
        run("reschedule_overdue", {"due_date": "2030-01-01", "task_ids": [theirs["task_id"]]}, uid)
    assert run("my_day", {}, uid)["count"] == 0
    assert set(rows(app_db, other)) == {"Theirs"}


def test_activity_since_today_starts_at_the_users_midnight(app_db, uid):
    set_zone(app_db, uid, "Pacific/Honolulu")
    with Session(app_db) as s:
        ctx = ToolContext(session=s, user_id=uid, origin=Origin())
        start = _since(ctx, "today")
        week = _since(ctx, "week")
        assert _since(ctx, "all") is None
    assert start is not None
    assert week is not None
    assert start.tzinfo is not None
    assert start.astimezone(UTC).hour == 10  # midnight in Honolulu (UTC-10)
    assert start <= datetime.now(UTC) < start + timedelta(days=1)
    assert start - week == timedelta(days=6)


def test_tool_schemas_carry_the_daily_fields():
    schemas = {t.name: t.json_schema() for t in registry.all_tools()}
    for name in ("add_task", "update_task"):
        assert {"due_time", "reminders", "parent_id"} <= set(schemas[name]["properties"])
    assert "within_days" in schemas["list_tasks"]["properties"]
    assert {"add_subtasks", "add_reminder", "my_day", "reschedule_overdue"} <= set(schemas)
    assert schemas["reschedule_overdue"]["required"] == ["due_date"]
