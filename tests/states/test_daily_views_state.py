"""The task page's daily loop on a real database (no browser): views, due times, subtasks (progress,
the confirmation before completing a parent, one Undo) and reminders through the panel (issue 17)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import reflex as rx
from sqlmodel import Session, select

from app.models import Reminder, Task, User
from app.services import tasks as task_service
from app.services.clock import user_today
from app.states.address import replace_address_script
from app.states.fields import clear_if_still_script
from app.states.tasks import TasksState
from app.views import daily
from tests.states.tab import in_tab, scripts, sign_up


def seed(engine, user_id: uuid.UUID, rows: list[dict]) -> dict[str, str]:
    with Session(engine) as s:
        ids = {}
        for data in rows:
            data = dict(data)
            parent = data.pop("parent", None)
            if parent:
                data["parent_id"] = ids[parent]
            ids[data["title"]] = str(task_service.create_task(s, user_id=user_id, data=data).id)
        s.commit()
        return ids


def today_of(engine, user_id: uuid.UUID) -> date:
    with Session(engine) as s:
        return user_today(s, user_id=user_id)


def test_page_opens_on_the_open_list_when_nothing_is_due_and_views_live_in_the_url(app_db):
    token, user_id = sign_up(app_db)
    today = today_of(app_db, user_id)
    seed(
        app_db,
        user_id,
        [
            {"title": "someday"},
            {"title": "in three days", "due_date": today + timedelta(days=3), "due_time": "17:00"},
            {"title": "in two weeks", "due_date": today + timedelta(days=14)},
            {"title": "too far", "due_date": today + timedelta(days=15)},
        ],
    )

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        assert (state.view, state.tab) == ("all", "pending")  # nothing due: the open tasks
        assert state.counts["today"] == 0
        assert state.counts["upcoming"] == 2
        events = await state.set_tab("upcoming")
        assert state._url() == "/tasks?view=upcoming"
        assert scripts(events) == [replace_address_script("/tasks?view=upcoming")]
        assert [g.key for g in state.groups] == [
            (today + timedelta(days=3)).isoformat(),
            (today + timedelta(days=14)).isoformat(),
        ]
        first = state.groups[0]
        assert first.label == daily.day_heading(today + timedelta(days=3), today)
        assert first.rows[0].due_text.endswith(" 17:00")
        # a chosen view is in the address and combines with the filters
        await state.set_tab("today")
        await state.set_search("two")
        assert state._url() == "/tasks?view=today&q=two"
        await state.set_tab("upcoming")
        assert [r.title for r in state.tasks] == ["in two weeks"]
        await state.set_tab("completed")
        assert (state.sort, state._url()) == ("completed", "/tasks?view=all&status=completed&q=two")

    in_tab(token, work)


def test_a_tab_picked_while_the_page_loads_is_kept_by_the_load(app_db):
    """The page draws its tabs before its load runs, and the load reads the address the page opened
    with: a tab clicked in between stays picked (the load used to undo it: back to Today)."""
    token, user_id = sign_up(app_db)
    seed(
        app_db, user_id, [{"title": "due today", "due_date": today_of(app_db, user_id)}, {"title": "someday"}]
    )

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        assert not root.is_hydrated  # the page is loading: its load has not run yet
        await state.set_tab("pending")  # the Open tab
        events = await state.on_load()
        assert (state.view, state.tab) == ("all", "pending")
        assert sorted(r.title for r in state.tasks) == ["due today", "someday"]
        assert scripts(events) == [replace_address_script("/tasks?view=all")]
        # Once loaded, a pick is the page's own: the next visit opens as its address says (Today,
        # as something is due today), and a filter picked during that load is kept with it.
        root.is_hydrated = True
        await state.set_tab("upcoming")
        root.is_hydrated = False  # another visit of /tasks, loading
        await state.set_search("due")
        events = await state.on_load()
        assert (state.view, state.search) == ("today", "due")
        assert scripts(events) == [replace_address_script("/tasks?q=due")]

    in_tab(token, work)


def test_adding_on_today_makes_it_due_today_with_its_time(app_db):
    token, user_id = sign_up(app_db)
    today = today_of(app_db, user_id)

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.set_tab("today")
        await state.add_task({"title": "Stretch"})
        assert [r.title for r in state.tasks] == ["Stretch"]
        assert state.tasks[0].due_text == "Today"

    in_tab(token, work)
    with Session(app_db) as s:
        task = s.exec(select(Task).where(Task.user_id == user_id)).one()
        assert task.due_date == today


def test_due_time_in_the_panel_saves_clears_and_reads_tomorrow_17_00(app_db):
    token, user_id = sign_up(app_db)
    today = today_of(app_db, user_id)
    ids = seed(app_db, user_id, [{"title": "Call Bob", "due_date": today + timedelta(days=1)}])

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.open_detail(ids["Call Bob"])
        await state.pick_time("17:00")
        assert state.detail.due_time == "17:00"
        assert state.detail_changes[0].label == "Due tomorrow at 17:00"
        assert next(r for r in state.tasks if r.title == "Call Bob").due_text == "Tomorrow 17:00"
        await state.pick_time("")  # a half-typed time: nothing happens
        assert state.detail.due_time == "17:00"
        await state.clear_time()
        assert (state.detail.due_time, state.detail.due_date) == ("", (today + timedelta(days=1)).isoformat())
        assert state.detail_changes[0].label == "No due time"
        await state.save_field("due_time", "25:00")
        assert "not a time" in state.detail_error

    in_tab(token, work)


def test_subtasks_progress_confirmation_before_completing_a_parent_and_one_undo(app_db):
    token, user_id = sign_up(app_db)
    ids = seed(
        app_db,
        user_id,
        [
            {"title": "Plan the party"},
            {"title": "Invite friends", "parent": "Plan the party"},
            {"title": "Order cake", "parent": "Plan the party"},
            {"title": "Pick a flavour", "parent": "Order cake"},
            {"title": "Book a room", "parent": "Plan the party", "completed": True},
        ],
    )

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        rows = {r.title: r for r in state.tasks}
        assert rows["Plan the party"].progress == "1/3"  # direct subtasks, the done one counted
        # each subtask right under its parent, indented a level deeper (the list's order inside)
        assert [(r.title, r.depth) for r in state.tasks] == [
            ("Plan the party", 0),
            ("Order cake", 1),
            ("Pick a flavour", 2),
            ("Invite friends", 1),
        ]
        assert rows["Order cake"].progress == "0/1"
        # the panel lists the direct subtasks, and adds one read like quick add
        await state.open_detail(ids["Plan the party"])
        assert [s.title for s in state.detail_subtasks] == ["Invite friends", "Order cake", "Book a room"]
        events = await state.add_subtask({"subtask": "Buy candles p1"})
        assert state.detail_error == ""
        # the field empties only if it still holds what was sent (the next one may be typed already)
        assert clear_if_still_script("new-subtask-title", "Buy candles p1") in scripts(events)
        assert [s.title for s in state.detail_subtasks][-1] == "Buy candles"
        assert state.detail_subtasks[-1].priority == "high"
        assert state.detail.progress == "1/4"
        # a subtask's own panel leads back to its parent
        await state.open_detail(ids["Order cake"])
        assert state.detail_parent_title == "Plan the party"
        await state.open_detail(ids["Plan the party"])
        # completing the parent asks first, naming the open subtasks at every level
        await state.toggle_done(ids["Plan the party"])
        assert state.confirm_id == ids["Plan the party"]
        assert state.confirm_text == "Complete “Plan the party” and its 4 open subtasks?"
        state.cancel_confirm()
        assert state.confirm_id == ""
        await state.toggle_done(ids["Plan the party"])
        await state.confirm_complete()
        assert state.undo_message == "Completed “Plan the party” and 4 subtasks"
        assert state.tasks == []
        assert state.detail.completed
        assert state.detail.progress == "4/4"
        await state.undo()
        assert {r.title for r in state.tasks} == {
            "Plan the party",
            "Invite friends",
            "Order cake",
            "Pick a flavour",
            "Buy candles",
        }
        # a subtask without subtasks of its own completes at once
        await state.toggle_done(ids["Invite friends"])
        assert state.confirm_id == ""
        assert next(s for s in state.detail_subtasks if s.title == "Invite friends").completed
        assert state.detail.progress == "2/4"

    in_tab(token, work)


def test_deleting_a_parent_says_its_subtasks_go_too_and_one_undo_brings_all_back(app_db):
    token, user_id = sign_up(app_db)
    ids = seed(
        app_db,
        user_id,
        [
            {"title": "Move house"},
            {"title": "Pack", "parent": "Move house"},
            {"title": "Books", "parent": "Pack"},
        ],
    )

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.delete(ids["Move house"])
        assert state.undo_message == "Deleted “Move house” and its 2 subtasks"
        assert state.tasks == []
        await state.undo()
        assert sorted(r.title for r in state.tasks) == ["Books", "Move house", "Pack"]

    in_tab(token, work)


def test_reminders_in_the_panel_add_at_a_time_or_before_and_remove(app_db):
    token, user_id = sign_up(app_db)
    with Session(app_db) as s:
        user = s.get(User, user_id)
        user.time_zone = "Pacific/Honolulu"
        s.add(user)
        s.commit()
    today = today_of(app_db, user_id)
    tomorrow = today + timedelta(days=1)
    ids = seed(
        app_db, user_id, [{"title": "Report", "due_date": tomorrow, "due_time": "15:00"}, {"title": "Loose"}]
    )

    async def work(root: rx.State) -> None:
        state = await root.get_state(TasksState)
        await state.on_load()
        await state.open_detail(ids["Report"])
        await state.add_reminder({"before": "30"})
        events = await state.add_reminder({"at": f"{tomorrow.isoformat()}T09:15"})
        assert scripts(events) == [clear_if_still_script("new-reminder-at", f"{tomorrow.isoformat()}T09:15")]
        assert [(r.label, r.note) for r in state.detail_reminders] == [
            ("Tomorrow 09:15", ""),
            ("Tomorrow 14:30", "30 minutes before"),
        ]
        assert state.detail_changes[0].label == "2 reminders"
        await state.add_reminder({"before": "30"})
        assert "already" in state.detail_error
        await state.remove_reminder("at:" + f"{tomorrow.isoformat()}T09:15")
        assert [r.key for r in state.detail_reminders] == ["before:30"]
        assert next(r for r in state.tasks if r.title == "Report").reminder_count == 1
        # a task without a date takes a set time, not "before"
        await state.open_detail(ids["Loose"])
        await state.add_reminder({"before": "30"})
        assert "due date first" in state.detail_error
        await state.add_reminder({"at": ""})
        assert "Pick a date and time" in state.detail_error

    in_tab(token, work)
    with Session(app_db) as s:
        [row] = s.exec(select(Reminder).where(Reminder.task_id == uuid.UUID(ids["Report"]))).all()
        assert row.local_at == f"{tomorrow.isoformat()}T14:30"  # on the person's clock, in their zone


def test_due_text_names_a_passed_time_today_overdue():
    now = datetime(2026, 12, 5, 14, 0)
    assert daily.due_text(now.date(), datetime(2026, 12, 5, 9, 0).time(), now) == ("Today 09:00", "overdue")
    assert daily.due_text(now.date(), datetime(2026, 12, 5, 17, 0).time(), now) == ("Today 17:00", "today")
    assert daily.due_text(date(2026, 12, 6), None, now) == ("Tomorrow", "soon")
    assert daily.day_heading(date(2026, 12, 6), now.date()) == "Tomorrow · Sun 6 Dec"
    assert daily.day_heading(date(2026, 12, 9), now.date()) == "Wed 9 Dec"
    assert daily.before_label(90) == "90 minutes before"
    assert daily.before_label(60) == "1 hour before"


def test_done_text_is_on_the_persons_clock():
    from datetime import UTC

    now = datetime(2026, 12, 5, 14, 0)
    done = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 15:00 the day before in Honolulu
    assert daily.done_text(done, "Pacific/Honolulu", now) == "Done yesterday 15:00"
    assert daily.done_text(done.replace(tzinfo=None), "UTC", now) == "Done today 01:00"
    assert daily.done_text(None, "UTC", now) == ""
